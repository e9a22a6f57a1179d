import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { startTimeOf } from './cli.js';

// Every child a test starts is tracked here so that afterEach/afterAll can kill exactly those
// (by PID, never by name) even when the test fails.
const started = new Set<ChildProcess>();

/** Spawns a child and tracks it for cleanup. */
export function startChild(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore', ...options });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** A process that sleeps (near 0% CPU). */
export function startSleeper(seconds = 300): ChildProcess {
  return startChild('sleep', [String(seconds)]);
}

/** What settledSleepers needs of a snapshot (both backends' snapshots have it). */
interface SleeperRows {
  readonly processes: readonly { readonly pid: number; readonly comm: string; readonly state: string; readonly rssBytes: number }[];
}

/**
 * The first snapshot (taken with `take`) in which every one of `pids` is a sleeping `sleep` whose
 * RSS is what the snapshot before said: just after exec, `sleep` is still mapping its libraries and
 * its RSS grows by hundreds of KiB between two reads, so figures compared across two readers must
 * wait for this, not only for the comm.
 */
export async function settledSleepers<S extends SleeperRows>(take: () => Promise<S>, pids: readonly number[]): Promise<S> {
  let lastRss = new Map<number, number>();
  return waitFor(async () => {
    const snapshot = await take();
    const rows = pids.map((pid) => snapshot.processes.find((p) => p.pid === pid));
    const settled = rows.every((p) => p?.comm === 'sleep' && p.state === 'S' && lastRss.get(p.pid) === p.rssBytes);
    lastRss = new Map(rows.flatMap((p) => (p ? [[p.pid, p.rssBytes] as const] : [])));
    return settled ? snapshot : null;
  });
}

/**
 * Spins one core at ~100% CPU, and ends by itself after 3 minutes: a test worker that is torn
 * down before its cleanup runs must not leave an orphan burning a core.
 */
export const BUSY_LOOP_SCRIPT = 'const end = Date.now() + 180000; while (Date.now() < end) {}';

/** A process that spins one core at ~100% CPU (bounded lifetime, see BUSY_LOOP_SCRIPT). */
export function startBusyLoop(): ChildProcess {
  return startChild(process.execPath, ['-e', BUSY_LOOP_SCRIPT]);
}

/** The start time of pid (helpers/cli.ts's startTimeOf), or null when it is gone. */
function startTimeOrNull(pid: number): number | null {
  try {
    return startTimeOf(pid);
  } catch {
    return null;
  }
}

/**
 * Every descendant of pid with its start time, from /proc/PID/task/TID/children (what each of
 * its threads forked); [] where the kernel keeps no such file. A test's child may start its own
 * (a shell's sleeper): killing only the child would leave those to sleep out their time under
 * PID 1.
 */
function descendantsOf(pid: number, depth = 0): { pid: number; start: number }[] {
  if (depth > 16) return [];
  const found: { pid: number; start: number }[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const tid of tasks) {
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ').filter(Boolean).map(Number);
    } catch {
      continue;
    }
    for (const child of children) {
      const start = startTimeOrNull(child);
      if (start === null) continue;
      found.push({ pid: child, start }, ...descendantsOf(child, depth + 1));
    }
  }
  return found;
}

/** SIGKILLs each process of the list, by PID, only while its start time is still the one given. */
function killIfSame(processes: readonly { pid: number; start: number }[]): void {
  for (const { pid, start } of processes) {
    if (pid > 1 && startTimeOrNull(pid) === start) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * SIGKILLs a process the test started some other way (a detached session leader, say) and every
 * descendant of it, by PID.
 */
export function killWithDescendants(pid: number): void {
  const start = startTimeOrNull(pid);
  if (start === null) return;
  killIfSame([{ pid, start }, ...descendantsOf(pid)]);
}

/**
 * Kills every child this test file started and what they started in turn (SIGKILL, by PID; they
 * are ours: a descendant is signalled only while its start time is the one seen before the kill).
 */
export async function killStartedChildren(): Promise<void> {
  const waits: Promise<void>[] = [];
  const descendants: { pid: number; start: number }[] = [];
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      descendants.push(...descendantsOf(child.pid));
      waits.push(new Promise((resolve) => child.once('exit', () => resolve())));
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  killIfSame(descendants);
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5000))]);
  started.clear();
}

/** Polls check() until it returns a truthy value (returned) or the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, stepMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** True while /proc/PID exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A child that writes `bytes` to `path`, fsyncs (so write_bytes counts them), says so, then waits
 * (bounded, like the busy loop). Resolves once the bytes are written.
 */
export async function startWriter(path: string, bytes: number): Promise<ChildProcess> {
  const script = `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(path)},'w');fs.writeSync(fd,Buffer.alloc(${bytes},7));fs.fsyncSync(fd);console.log('done');setTimeout(()=>{},180000)`;
  const child = startChild(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  return child;
}
