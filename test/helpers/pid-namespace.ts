import { spawnSync } from 'node:child_process';

/** Why a recycled PID cannot be forced here (root, unshare and a writable ns_last_pid are needed), or null. */
export function reuseBlocker(): string | null {
  if (process.getuid?.() !== 0) return 'not root: forcing a recycled PID needs a PID namespace and ns_last_pid';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', 'test -w /proc/sys/kernel/ns_last_pid'], { timeout: 10_000 });
  if (probe.error) return `unshare unavailable: ${probe.error.message}`;
  if (probe.status !== 0) return `cannot create a PID namespace with a writable ns_last_pid: ${probe.stderr.toString().trim() || `exit ${probe.status}`}`;
  return null;
}
