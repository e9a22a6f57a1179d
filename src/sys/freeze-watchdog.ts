// Starts the freeze watchdog (see freeze-watchdog-main.ts) and speaks its line protocol. A stopped
// process is left frozen forever if whatever stopped it dies without continuing it; the watchdog
// outlives proctop to continue it even when proctop dies by SIGKILL, which it cannot catch.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';
import { withoutExtraCaCerts } from '../util/launcher-env.js';
import type { FreezeWatchdog } from './types.js';

/** How long stopping() waits for the watchdog to take its lines (a slow start on a loaded box). */
const STOPPING_BOUND_MS = 5000;

/** Where the built watchdog is: dist/freeze-watchdog.js of the package. */
export function freezeWatchdogScript(): string {
  return join(packageRoot(), 'dist', 'freeze-watchdog.js');
}

/**
 * Spawns the watchdog in its own session, its stdin a pipe from proctop (nothing else: it never
 * writes to the terminal). Returns it, or why it could not start (then stopping is unguarded).
 */
export function startFreezeWatchdog(script = freezeWatchdogScript()): FreezeWatchdog | string {
  if (!existsSync(script)) return `freeze watchdog not found (${script}): a proctop killed mid-freeze would leave the stopped processes frozen`;
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: withoutExtraCaCerts(process.env) });
  } catch (err) {
    return `freeze watchdog not started: ${(err as Error).message}`;
  }
  const stdin = child.stdin;
  if (!stdin || child.pid === undefined) return 'freeze watchdog not started';
  // Neither the watchdog nor its pipe keeps proctop's event loop alive.
  child.unref();
  (stdin as unknown as { unref?: () => void }).unref?.();
  stdin.on('error', () => undefined); // the watchdog gone: nothing to tell it any more
  child.on('error', () => undefined);
  const say = (text: string): void => {
    if (!stdin.destroyed && stdin.writable) stdin.write(text);
  };
  return {
    pid: child.pid,
    // A write goes to the kernel at once while the socket has room; what does not fit waits in
    // proctop's memory (lost if proctop dies), so the caller waits for it to drain first: the
    // watchdog reads it as soon as it runs.
    stopping: async (members, boundMs = STOPPING_BOUND_MS) => {
      say(members.map((m) => `S ${m.pid} ${m.startTime}\n`).join(''));
      if (stdin.writableLength === 0) return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), boundMs);
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          stdin.off('drain', onDrain);
          resolve(ok);
        };
        const onDrain = (): void => done(stdin.writableLength === 0);
        stdin.on('drain', onDrain);
      });
    },
    continued: (m) => say(`C ${m.pid} ${m.startTime}\n`),
    done: () => {
      say('D\n');
      stdin.end();
    },
  };
}
