// The built proctop in tmux: the details view (Enter) shows the inspect sections, scrolls through
// them, reads USS/PSS only when D asks for it, and never shows an environment value.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COLUMN_IDS } from '../src/config/columns.js';
import { ensureBuilt } from './helpers/cli.js';
import { hasTmux, openFilterPrompt, tablePids, tmuxServer } from './helpers/tmux.js';
import { killStartedChildren, startChild } from './helpers/children.js';

const SOCKET = `proctop-inspect-test-${process.pid}`;
const TAG = `proctop-e2e-inspect-${process.pid}`;
const server = tmuxServer(SOCKET);
const { tmux, screen, waitForScreen, startShell, killServer } = server;

describe.skipIf(!hasTmux)('details view sections in tmux', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);
  afterEach(() => killStartedChildren());
  afterAll(() => killServer());

  it('shows limits, cgroup and environment names, scrolls, reads USS on D, and never prints a secret', async () => {
    const child = startChild(process.execPath, ['-e', `/*${TAG}*/ setTimeout(() => {}, 120000)`], { env: { API_TOKEN: 's3cr3t', HOME: '/home/e2e', PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const pid = child.pid as number;
    const session = 'inspect';
    startShell(session, 'node dist/cli.js --interval 1s');
    await waitForScreen(session, (s) => /CPU%▼/.test(s), 'the monitor');
    await openFilterPrompt(server, session);
    tmux('send-keys', '-t', session, '-l', TAG);
    await waitForScreen(session, (s) => tablePids(s).length === 1 && tablePids(s)[0] === pid, `only PID ${pid}`);
    tmux('send-keys', '-t', session, 'Enter');
    tmux('send-keys', '-t', session, 'Enter');
    await waitForScreen(session, (s) => s.includes(`PID ${pid}  node`) && /\[1-\d+\/\d+ j\/k\]/.test(s), 'the details with a scroll position');
    /** Every page of the details view, from the top (PageDown until the screen stops changing). */
    const pages = async (): Promise<string[]> => {
      tmux('send-keys', '-t', session, 'Home');
      const seen = [await waitForScreen(session, (s) => /\[1-\d+\/\d+ j\/k\]/.test(s), 'the first page')];
      for (let i = 0; i < 12; i++) {
        tmux('send-keys', '-t', session, 'PageDown');
        const next = await waitForScreen(session, (s) => s !== seen[seen.length - 1], 'the next page', 3000).catch(() => null);
        if (next === null) break;
        seen.push(next);
      }
      return seen;
    };
    const before = (await pages()).join('\n');
    expect(before).toMatch(/^Limits$/m);
    expect(before).toMatch(/Max open files\s+soft \d+\s+hard \d+\s+files/);
    expect(before).toMatch(/Max realtime priority\s+soft 0/);
    expect(before).toMatch(/^Environment$/m);
    expect(before).toMatch(/names\s+.*API_TOKEN/);
    expect(before).toMatch(/^Cgroup$/m);
    expect(before).toMatch(/USS, PSS, sha256 and threads: press D/);
    expect(before).not.toMatch(/USS\s+\d/);
    tmux('send-keys', '-t', session, 'D');
    let after = '';
    await waitForScreen(session, () => true, 'anything');
    for (let attempt = 0; attempt < 10 && !/USS\s+\d/.test(after); attempt++) after = (await pages()).join('\n');
    expect(after).toMatch(/USS\s+\d/);
    expect(after).toMatch(/PSS\s+\d/);
    expect(after).toMatch(/sha256\s+[0-9a-f]{64}/);
    expect(before + after).not.toContain('s3cr3t');
    tmux('send-keys', '-t', session, 'q');
  }, 90_000);

  it('turns on IO_R/s and CGROUP in the column chooser (F2), saves them to the config file, and starts with them next time', async () => {
    const config = mkdtempSync(join(tmpdir(), 'proctop-columns-'));
    try {
      const start = (session: string) => startShell(session, `XDG_CONFIG_HOME=${config} node dist/cli.js --interval 1s`, 160, 40);
      start('columns');
      await waitForScreen('columns', (s) => /CPU%▼/.test(s), 'the monitor');
      // F2 also closes the chooser: send it once, and again only when it did not arrive (keys sent
      // while the terminal switches to raw mode can be lost on a loaded machine).
      for (let attempt = 0; attempt < 5 && !screen('columns').includes('Columns (shown as'); attempt++) {
        tmux('send-keys', '-t', 'columns', 'F2');
        await waitForScreen('columns', (s) => s.includes('Columns (shown as'), 'the column chooser', 4000).catch(() => undefined);
      }
      await waitForScreen('columns', (s) => s.includes('Columns (shown as'), 'the column chooser', 1000);
      for (const id of ['io_read', 'cgroup']) {
        tmux('send-keys', '-t', 'columns', 'Home');
        for (let i = 0; i < COLUMN_IDS.indexOf(id as never); i++) tmux('send-keys', '-t', 'columns', 'j');
        const title = id === 'io_read' ? 'IO_R/s' : 'CGROUP';
        await waitForScreen('columns', (s) => new RegExp(`> \\[ \\] ${title.replace('/', '\\/')}`).test(s), `the cursor on ${title}`);
        tmux('send-keys', '-t', 'columns', 'Space');
        await waitForScreen('columns', (s) => new RegExp(`> \\[x\\] ${title.replace('/', '\\/')}`).test(s), `${title} on`);
      }
      tmux('send-keys', '-t', 'columns', 'Escape');
      await waitForScreen('columns', (s) => /TIME\+ +IO_R\/s CGROUP +COMMAND/.test(s) && s.includes('saved to the config file'), 'the new columns and the saved message');
      const saved = JSON.parse(readFileSync(join(config, 'proctop', 'config.json'), 'utf8')) as { columns: string[] };
      expect(saved.columns).toEqual(expect.arrayContaining(['io_read', 'cgroup']));
      tmux('send-keys', '-t', 'columns', 'q');
      start('columns-again');
      await waitForScreen('columns-again', (s) => /TIME\+ +IO_R\/s CGROUP +COMMAND/.test(s), 'the chosen columns at start');
      tmux('send-keys', '-t', 'columns-again', 'q');
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  }, 90_000);
});
