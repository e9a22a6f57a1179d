// The OS work of tracked processes (src/registry/): the boot id, cheap identity probes and the
// detached spawn of `proctop track run`. Cold paths, so both collectors share this TypeScript.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseCmdline } from './js/cmdline.js';
import { parseStat } from './js/proc-stat.js';
import { errnoCode } from './js/proc-files.js';
import type { DetachedSpawnResult, DetachedSpawnSpec, ProcessProbe } from './types.js';

/** /proc/sys/kernel/random/boot_id, trimmed. Rejects when unreadable: liveness cannot be judged without it. */
export async function readBootId(procRoot: string): Promise<string> {
  const text = (await readFile(`${procRoot}/sys/kernel/random/boot_id`, 'utf8')).trim();
  if (text === '') throw new Error(`${procRoot}/sys/kernel/random/boot_id is empty`);
  return text;
}

/** Reads /proc/PID/stat of each pid; a pid that does not exist (or is unreadable) is left out. */
export async function probeProcesses(procRoot: string, pids: readonly number[]): Promise<ReadonlyMap<number, ProcessProbe>> {
  const found = new Map<number, ProcessProbe>();
  await Promise.all(
    [...new Set(pids)].map(async (pid) => {
      if (!Number.isSafeInteger(pid) || pid <= 0) return;
      try {
        const stat = parseStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8'));
        if (stat) found.set(pid, { pid, startTime: stat.startTime, exited: stat.state === 'Z' || stat.state === 'X' });
      } catch {
        // Gone (or hidden): absent from the map.
      }
    }),
  );
  return found;
}

/**
 * Spawns spec.command in a new session (detached: setsid), stdin /dev/null, stdout and stderr
 * appended to spec.logPath. libuv reports exec failures synchronously, and the child cannot be
 * reaped before the event loop runs again, so its stat (start time) is read right here, even for
 * a program that exits at once.
 */
export async function spawnDetached(procRoot: string, spec: DetachedSpawnSpec): Promise<DetachedSpawnResult> {
  let logFd: number;
  try {
    logFd = openSync(spec.logPath ?? '/dev/null', spec.logPath === null ? 'w' : 'a', 0o600);
  } catch (err) {
    return { ok: false, code: errnoCode(err) ?? 'OTHER', message: `cannot open log ${spec.logPath}: ${(err as Error).message}` };
  }
  try {
    const child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, detached: true, stdio: ['ignore', logFd, logFd] });
    const pid = child.pid;
    if (pid === undefined) {
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
      const code = err.code ?? 'OTHER';
      const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable (permission denied)' : err.message;
      return { ok: false, code, message: `cannot start ${spec.command}: ${why}` };
    }
    child.on('error', () => {});
    child.unref();
    const stat = parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    if (!stat) return { ok: false, code: 'OTHER', message: `started PID ${pid} but could not read its stat` };
    let argv: readonly string[] = [spec.command, ...spec.args];
    let exe: string | null = null;
    try {
      const read = parseCmdline(readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8'));
      if (read.length > 0) argv = read;
      exe = readlinkSync(`${procRoot}/${pid}/exe`);
    } catch {
      // Already exited: keep the argv it was given.
    }
    return { ok: true, identity: { pid, startTime: stat.startTime }, argv, exe };
  } finally {
    closeSync(logFd);
  }
}
