// The interactive monitor's first snapshot, started as soon as the CLI knows it runs the monitor
// on a terminal: while the CLI's entry module is evaluated (it imports this one statically),
// before Node's stdout stream is made and before the command table and the monitor's own modules
// (options, config, the rest of the OS boundary, React, Ink) load. The first CPU figures need a
// second snapshot a fixed gap after the first (FIRST_FOLLOW_UP_MS in sampling-loop.ts), so each
// millisecond the first one starts earlier is one off the first full frame. Only the native
// reader's first read starts here (src/sys/first-read.ts); the native collector the monitor makes
// adopts it (the sampling loop times the second read from the first one's own stamps).
import { firstReadSettled, startFirstRead, stdoutIsTerminal } from '../sys/first-read.js';
import { markStartup } from '../util/startup-trace.js';
import { settledWithin } from '../util/settled-within.js';

let started = false;

/** Whether the CLI runs the interactive monitor: no first word, or an option that is not help or version. */
export function runsMonitor(first: string | undefined): boolean {
  return first === undefined || (first.startsWith('-') && !isHelpOrVersion(first));
}

function isHelpOrVersion(first: string): boolean {
  return first === '--help' || first === '-h' || first === '--version' || first === '-V';
}

/**
 * Starts the first read now if the monitor will draw on a terminal (stdout is one: `isTerminal`,
 * fd 1 by default) and the native backend will read (see startFirstRead); a second call starts nothing.
 */
export function startEarly(isTerminal: () => boolean = stdoutIsTerminal): void {
  if (started || !isTerminal()) return;
  if (startFirstRead()) {
    started = true;
    markStartup('first-read-start');
  }
}

/** Whether an early first read was started, told once (the monitor then waits for it before loading the UI). */
export function takeEarlyStart(): boolean {
  const was = started;
  started = false;
  return was;
}

/**
 * Resolves once the early first read has finished (or failed), or after `timeoutMs`; at once when
 * none was started. The second read is timed from the first one's end (src/tui/sampling-loop.ts),
 * and everything the JS thread does meanwhile competes with the read for the CPUs (two on a small
 * box, shared with V8's own threads): loading the UI after it instead still fits in the gap
 * before the second read, and the first read ends sooner.
 */
export function earlyReadFinished(timeoutMs: number): Promise<void> {
  return settledWithin(firstReadSettled(), timeoutMs);
}
