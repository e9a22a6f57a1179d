// What the machine allows a bench of N farm processes: the bench's own open-file limit (raised
// from the soft toward the hard limit, since the readers under test keep fds and pidusage keeps
// one per pid), and the kernel's pid_max and threads-max against the processes already running
// plus the farm. Bench-only: it reads /proc and runs prlimit, which the app never does from here.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** fds the bench keeps for itself (pipes, tmux, compilers, node internals) beyond what readers keep. */
export const FD_HEADROOM = 512;

/** This process's RLIMIT_NOFILE as { soft, hard } (Infinity for "unlimited"). */
export function nofileLimit(pid = 'self') {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').trim().split(/\s+/).slice(3, 5).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft ?? NaN, hard: hard ?? NaN };
}

/**
 * Raises this process's soft RLIMIT_NOFILE to its hard limit (Node has no setrlimit: util-linux
 * prlimit sets it on our PID from outside). Returns the limit now in force and a note when it
 * could not be raised; children started afterwards (the farm, the TUI panes) inherit it.
 */
export function raiseNofileLimit() {
  const before = nofileLimit();
  if (!(before.soft < before.hard)) return { ...before, note: null };
  const target = Number.isFinite(before.hard) ? before.hard : 1 << 20;
  const result = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${before.hard === Infinity ? 'unlimited' : before.hard}`], { encoding: 'utf8' });
  const after = nofileLimit();
  const note = after.soft > before.soft ? null : `could not raise the open-file limit from ${before.soft} (prlimit: ${(result.error?.message ?? result.stderr).trim() || 'no effect'})`;
  return { ...after, note };
}

function readNumber(path) {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return NaN;
  }
}

/** Processes and threads running now (every /proc/PID and its thread count). */
function runningNow() {
  let processes = 0;
  let threads = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^[1-9]\d*$/.test(name)) continue;
    processes++;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      threads += Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[17]) || 1; // field 20, num_threads
    } catch {
      // vanished meanwhile
    }
  }
  return { processes, threads };
}

/**
 * Checks that a farm of `procs` fits: pid_max and threads-max against what runs now plus the farm
 * (with room for the bench's own children). Returns lines for the report and, when it cannot fit,
 * a reason to stop before forking thousands of processes into a wall.
 */
export function checkCapacity(procs) {
  const pidMax = readNumber('/proc/sys/kernel/pid_max');
  const threadsMax = readNumber('/proc/sys/kernel/threads-max');
  const { processes, threads } = runningNow();
  const limit = nofileLimit();
  const room = 1000; // tmux panes, node, compilers, ps: the bench's own children
  const problems = [];
  if (processes + procs + room > pidMax) problems.push(`pid_max ${pidMax} is too low for ${processes} running + ${procs} farm processes (+${room} for the bench); raise /proc/sys/kernel/pid_max`);
  if (threads + procs + room > threadsMax) problems.push(`threads-max ${threadsMax} is too low for ${threads} running threads + ${procs} farm processes; raise /proc/sys/kernel/threads-max`);
  const line =
    `machine: pid_max ${pidMax}, threads-max ${threadsMax}, ${processes} processes (${threads} threads) running before the farm, ` +
    `open-file limit ${limit.soft}/${limit.hard} (soft/hard)`;
  return { line, pidMax, threadsMax, running: processes, fdLimit: limit.soft, problems };
}
