import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFile } from 'node:fs/promises';

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

/**
 * Spins one core at ~100% CPU, and ends by itself after 3 minutes: a test worker that is torn
 * down before its cleanup runs must not leave an orphan burning a core.
 */
export const BUSY_LOOP_SCRIPT = 'const end = Date.now() + 180000; while (Date.now() < end) {}';

/** A process that spins one core at ~100% CPU (bounded lifetime, see BUSY_LOOP_SCRIPT). */
export function startBusyLoop(): ChildProcess {
  return startChild(process.execPath, ['-e', BUSY_LOOP_SCRIPT]);
}

/** Kills every child this test file started (SIGKILL; they are ours). */
export async function killStartedChildren(): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      waits.push(new Promise((resolve) => child.once('exit', () => resolve())));
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
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
