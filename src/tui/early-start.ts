// The interactive monitor's first snapshot, started as soon as the CLI knows it runs the monitor
// on a terminal: before the command table and the monitor's own modules (options, config, the
// rest of the OS boundary, React, Ink) load. The first CPU figures need a second snapshot a fixed
// gap after the first (FIRST_FOLLOW_UP_MS in sampling-loop.ts), so each millisecond the first one
// starts earlier is one off the first full frame. Only the native reader's first read starts here
// (src/sys/first-read.ts); the native collector the monitor makes adopts it, and the monitor
// takes the time it started (takeEarlyStart) to time the second one from it.
import { startFirstRead } from '../sys/first-read.js';
import { markStartup } from '../util/startup-trace.js';

let startedAt: number | null = null;

/**
 * Starts the first read now if the monitor will draw on a terminal (stdout is one) and the native
 * backend will read (see startFirstRead); a second call starts nothing.
 */
export function startEarly(): void {
  if (startedAt !== null || process.stdout.isTTY !== true) return;
  const at = performance.now();
  if (startFirstRead()) {
    startedAt = at;
    markStartup('first-read-start');
  }
}

/** When the early first read started (performance.now()), handed over once; null when none was. */
export function takeEarlyStart(): number | null {
  const at = startedAt;
  startedAt = null;
  return at;
}
