// Terminal lifecycle: the alternate screen and raw mode are always undone — after q, Ctrl-C,
// SIGTERM/SIGHUP, or a crash — so the shell is usable again.
import { writeSync } from 'node:fs';
import { writeStderr } from '../output/std-streams.js';

const ENTER = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l';
/** Mouse reports on: button presses, releases and the wheel (1000), in SGR encoding (1006). */
export const MOUSE_ON = '\x1b[?1000h\x1b[?1006h';
/** Mouse reports off; always part of leaving, so no exit path leaves the terminal sending them. */
export const MOUSE_OFF = '\x1b[?1006l\x1b[?1000l';
const LEAVE = `${MOUSE_OFF}\x1b[?25h\x1b[?1049l`;

/** A full-screen session that can be restored exactly once. */
export interface TerminalSession {
  /** Leaves raw mode and the alternate screen, shows the cursor. Safe to call many times. */
  restore(): void;
}

const EXIT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'];
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 };

/** Switches to the alternate screen (and mouse reports when asked) and installs the handlers that guarantee restoring both. */
export function enterFullScreen(stdin: NodeJS.ReadStream = process.stdin, stdoutFd = 1, options: { readonly mouse?: boolean } = {}): TerminalSession {
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
    } catch {
      // stdin already closed: nothing to undo
    }
    try {
      writeSync(stdoutFd, LEAVE);
    } catch {
      // terminal gone (SIGHUP): nothing to restore
    }
    process.off('exit', restore);
    for (const sig of EXIT_SIGNALS) process.off(sig, onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    restore();
    process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 1));
  };
  const onCrash = (error: unknown): void => {
    restore();
    writeStderr(`proctop: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  };
  writeSync(stdoutFd, options.mouse ? ENTER + MOUSE_ON : ENTER);
  process.on('exit', restore);
  for (const sig of EXIT_SIGNALS) process.on(sig, onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return { restore };
}

/** The size the screen assumes when the terminal reports none. */
export const FALLBACK_COLUMNS = 80;
export const FALLBACK_ROWS = 24;

/**
 * Gives a terminal stream that reports no size (0×0: a serial console, a pty nobody sized, `script`
 * run without a terminal) the 80×24 the screen assumes anyway, and returns whether it had to.
 * Ink asks the `terminal-size` package for the width on every render while `stdout.columns` is 0,
 * and that package opens /dev/tty and never closes it: one descriptor and one tty stream leaked
 * per render (44 descriptors after 4 s at --interval 250ms; heap snapshots of a pane gained 988
 * tty.WriteStream objects in 3.5 minutes). Called again on resize: a terminal sized later keeps
 * its real size, one that goes back to 0×0 gets the fallback again.
 */
export function sizeUnsizedTerminal(stream: { columns?: number; rows?: number; isTTY?: boolean }): boolean {
  if (stream.isTTY !== true || (stream.columns ?? 0) > 0) return false;
  stream.columns = FALLBACK_COLUMNS;
  if (!((stream.rows ?? 0) > 0)) stream.rows = FALLBACK_ROWS;
  return true;
}
