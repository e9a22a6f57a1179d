// The mouse in a real terminal: tmux with `mouse on` hands SGR mouse reports to the pane, which is
// what a click or a wheel notch in a tmux (or SSH) session sends proctop. The reports are typed
// into the pane as the terminal would write them (send-keys -l), and the screen is read back.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStartedChildren, startChild } from './helpers/children.js';
import { ensureBuilt } from './helpers/cli.js';
import { hasTmux, tableRowLines, tmuxServer } from './helpers/tmux.js';

const { tmux, screen, waitForScreen, startShell, waitForShell, killServer } = tmuxServer(`proctop-mouse-${process.pid}`);
// Not in the tmux socket's name, and typed as a filter (not passed in argv), so only the sleepers match.
const MARKER = `mousesleeper${process.pid}`;
let configHome: string;

/** Screen lines of the table rows: [line index, pid, line]. */
function rows(text: string): Array<[number, number, string]> {
  return tableRowLines(text).map((r) => [r.index, r.pid, r.line]);
}
const titleLine = (text: string): [number, string] => {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^\s+PID/.test(l));
  return [i, lines[i] ?? ''];
};
const cursorPid = (text: string): number | undefined => rows(text).find(([, , l]) => l.startsWith('>'))?.[1];

/** Types a mouse report into the pane: SGR, 1-based cell. */
function mouse(session: string, code: number, x0: number, y0: number, release = true): void {
  tmux('send-keys', '-t', session, '-l', `\x1b[<${code};${x0 + 1};${y0 + 1}M`);
  if (release) tmux('send-keys', '-t', session, '-l', `\x1b[<${code};${x0 + 1};${y0 + 1}m`);
}
const mouseMode = (session: string): string => tmux('display-message', '-p', '-t', session, '#{mouse_any_flag}#{mouse_sgr_flag}').trim();

describe.skipIf(!hasTmux)('mouse in tmux', () => {
  beforeAll(async () => {
    await ensureBuilt();
    configHome = mkdtempSync(join(tmpdir(), 'proctop-mouse-config-'));
    for (let i = 0; i < 6; i++) startChild('bash', ['-c', `exec -a ${MARKER}-${i} sleep 300`]);
    // A session keeps the server up, so the global option holds for every pane opened after it.
    tmux('new-session', '-d', '-s', 'keep', 'sleep 600');
    tmux('set-option', '-g', 'mouse', 'on');
  }, 120_000);
  afterAll(async () => {
    killServer();
    await killStartedChildren();
    rmSync(configHome, { recursive: true, force: true });
  });

  /** Types the filter into the running monitor (a --filter in argv would match proctop itself). */
  const filter = (session: string): void => {
    tmux('send-keys', '-t', session, '/');
    tmux('send-keys', '-t', session, '-l', MARKER);
    tmux('send-keys', '-t', session, 'Enter');
  };
  const start = async (session: string, command: string): Promise<string> => {
    startShell(session, command, 120, 30);
    await waitForScreen(session, (s) => /PID/.test(s) && /Help/.test(s), `proctop running (${session})`);
    filter(session);
    return waitForScreen(session, (s) => rows(s).length === 6 && s.includes(`filter:"${MARKER}"`), `the six sleepers (${session})`);
  };

  it('a click moves the cursor, a title click sorts (again inverts), the wheel scrolls; q leaves no mouse mode behind', async () => {
    const session = 'click';
    const first = await start(session, `XDG_CONFIG_HOME=${configHome} node dist/cli.js --sort pid`);
    expect(first).toMatch(/PID▲/);
    expect(mouseMode(session)).toBe('11');
    const sorted = rows(first).map(([, pid]) => pid);
    expect(cursorPid(first)).toBe(sorted[0]);

    // Click the fourth row.
    const [line4, pid4] = rows(first)[3] as [number, number, string];
    mouse(session, 0, 40, line4);
    await waitForScreen(session, (s) => cursorPid(s) === pid4, `the cursor on PID ${pid4}`);

    // Click the PID title: it is the sort column, so the order inverts; then CPU%'s title sorts by CPU%.
    const [titleY, title] = titleLine(screen(session));
    mouse(session, 0, title.indexOf('PID'), titleY);
    const inverted = await waitForScreen(session, (s) => /PID▼/.test(s) && rows(s)[0]?.[1] === sorted[5], 'PID sorted descending');
    expect(rows(inverted).map(([, pid]) => pid)).toEqual([...sorted].reverse());
    mouse(session, 0, title.indexOf('CPU%') + 1, titleY);
    await waitForScreen(session, (s) => /CPU%▼/.test(s) && !/PID[▲▼]/.test(s), 'CPU% as the sort column');
    mouse(session, 0, title.indexOf('PID'), titleY);
    await waitForScreen(session, (s) => /PID▲/.test(s), 'PID ascending again');

    // The wheel: one notch down moves the cursor three rows, one up moves it back.
    mouse(session, 0, 40, (rows(screen(session))[0] as [number, number, string])[0]);
    await waitForScreen(session, (s) => cursorPid(s) === sorted[0], 'the cursor on the first row');
    mouse(session, 65, 40, 10, false);
    await waitForScreen(session, (s) => cursorPid(s) === sorted[3], 'the cursor three rows down after a wheel notch');
    mouse(session, 64, 40, 10, false);
    await waitForScreen(session, (s) => cursorPid(s) === sorted[0], 'the cursor back up');

    tmux('send-keys', '-t', session, 'q');
    await waitForShell(session);
    expect(mouseMode(session)).toBe('00');
  }, 90_000);

  it('SIGTERM leaves no mouse mode behind either', async () => {
    const session = 'term';
    const pidFile = join(configHome, 'proctop.pid');
    await start(session, `clear; bash -c 'echo $$ > ${pidFile}; exec env XDG_CONFIG_HOME=${configHome} node dist/cli.js'`);
    expect(mouseMode(session)).toBe('11');
    // Our own proctop, by the PID it wrote before exec.
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
    await waitForShell(session);
    expect(mouseMode(session)).toBe('00');
  }, 60_000);

  it('--no-mouse and the config key "mouse": false leave the mouse to the terminal', async () => {
    for (const [session, flags, config] of [
      ['flag', '--no-mouse', '{}'],
      ['config', '', '{"mouse": false}'],
    ] as const) {
      const dir = join(configHome, session, 'proctop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), config);
      const shown = await start(session, `XDG_CONFIG_HOME=${join(configHome, session)} node dist/cli.js --sort pid ${flags}`.trim());
      expect(mouseMode(session)).toBe('00');
      // A report that arrives anyway is swallowed: not read as keys, and it moves nothing.
      mouse(session, 0, 40, (rows(shown)[3] as [number, number, string])[0]);
      tmux('send-keys', '-t', session, 'j');
      await waitForScreen(session, (s) => cursorPid(s) === rows(shown)[1]?.[1], `j alone moving the cursor one row (${session})`);
      tmux('send-keys', '-t', session, 'q');
      await waitForShell(session);
    }
  }, 90_000);
});
