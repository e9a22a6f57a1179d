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
  return { tmux, screen, waitForScreen };
}
