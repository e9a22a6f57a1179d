// Drives a real terminal for end-to-end tests: a private tmux server per test file (-L socket),
// keys in with send-keys, the screen out with capture-pane, as a person at a terminal sees it.
import { execFileSync, spawnSync } from 'node:child_process';
import { waitFor } from './children.js';

/** True when tmux is installed (CI installs it; see .ci/run). */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export interface TmuxServer {
  /** Runs one tmux command against this file's private server; returns its stdout. */
  tmux(...args: string[]): string;
  /** The visible text of a session's pane. */
  screen(session: string): string;
  /** Waits until the screen satisfies check; the last screen is in the error. */
  waitForScreen(session: string, check: (text: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /**
   * Opens a session running a plain shell (so a test can prove the terminal is usable after quit)
   * in the current directory and types command into it.
   */
  startShell(session: string, command: string, columns?: number, rows?: number): void;
  /** After quit: the alternate screen is gone and startShell's prompt is back (proctop has exited). */
  waitForShell(session: string): Promise<void>;
  /** Ends this file's tmux server and every session in it (afterAll). */
  killServer(): void;
}

/** One row of the process table on a captured screen. */
export interface TableRowLine {
  /** Line number on the screen (0-based). */
  readonly index: number;
  /** The gutter: '*' selected, '>' cursor, ' ' otherwise. */
  readonly mark: string;
  readonly pid: number;
  readonly line: string;
}

/** The process table's rows on a captured screen: the lines under the PID title line. */
export function tableRowLines(text: string): TableRowLine[] {
  const lines = text.split('\n');
  const title = lines.findIndex((l) => /^\s+PID\S* /.test(l));
  if (title < 0) return [];
  return lines.flatMap((line, index) => {
    const m = index > title ? /^([ *>])\s*(\d+) /.exec(line) : null;
    return m ? [{ index, mark: m[1] ?? ' ', pid: Number(m[2]), line }] : [];
  });
}

export function tmuxServer(socket: string): TmuxServer {
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const screen = (session: string): string => tmux('capture-pane', '-p', '-t', session);
  const waitForScreen = async (session: string, check: (text: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> => {
    let last = '';
    try {
      return await waitFor(() => {
        last = screen(session);
        return check(last) ? last : '';
      }, timeoutMs, 100);
    } catch {
      throw new Error(`screen never showed ${what}; last screen:\n${last}`);
    }
  };
  const startShell = (session: string, command: string, columns = 120, rows = 40): void => {
    tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), '-c', process.cwd(), 'env -u CI PS1="e2e$ " bash --norc --noprofile');
    tmux('send-keys', '-t', session, command, 'Enter');
  };
  const waitForShell = async (session: string): Promise<void> => {
    await waitFor(() => tmux('display-message', '-p', '-t', session, '#{alternate_on} #{pane_current_command}').trim() === '0 bash', 10_000, 100);
    await waitForScreen(session, (s) => s.trimEnd().split('\n').at(-1) === 'e2e$', 'the shell prompt after quit');
  };
  const killServer = (): void => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  };
  return { tmux, screen, waitForScreen, startShell, waitForShell, killServer };
}

/** PIDs of the process table rows on screen. */
export function tablePids(text: string): number[] {
  const lines = text.split('\n');
  const title = lines.findIndex((l) => /^\s+PID /.test(l));
  if (title < 0) return [];
  return lines
    .slice(title + 1)
    .map((l) => /^[ *>]\s*(\d+) /.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}

/**
 * Opens the empty filter prompt. Keys sent in the first moments after start can be lost while
 * the terminal switches to raw mode (a loaded machine stretches those moments), so retry.
 */
export async function openFilterPrompt({ tmux, screen, waitForScreen }: TmuxServer, session: string): Promise<void> {
  const open = (s: string) => /^Filter: _ /m.test(s);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!open(screen(session))) tmux('send-keys', '-t', session, '/');
    try {
      await waitForScreen(session, open, 'the empty filter prompt', 3000);
      return;
    } catch {
      // lost: send again
    }
  }
  await waitForScreen(session, open, 'the empty filter prompt', 1000);
}
