// The built proctop in tmux: the details view (Enter) shows the inspect sections, scrolls through
// them, reads USS/PSS only when D asks for it, and never shows an environment value.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/cli.js';
import { hasTmux, tablePids, tmuxServer } from './helpers/tmux.js';
import { killStartedChildren, startChild } from './helpers/children.js';

const SOCKET = `proctop-inspect-test-${process.pid}`;
const TAG = `proctop-e2e-inspect-${process.pid}`;
const { tmux, screen, waitForScreen, startShell, killServer } = tmuxServer(SOCKET);

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
    const open = (s: string) => /^Filter: _ /m.test(s);
    await waitForScreen(session, (s) => {
      if (!open(s)) tmux('send-keys', '-t', session, '/');
      return open(screen(session));
    }, 'the filter prompt');
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
});
