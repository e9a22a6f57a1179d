// `proctop --watch --metrics ADDR` in a real terminal (tmux): the pane runs, Prometheus-style
// scrapes get the pane's own samples, and quitting the pane closes the endpoint.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killStartedChildren, waitFor } from './helpers/children.js';
import { ensureBuilt } from './helpers/cli.js';
import { freePort, httpGet, namedProgram, parseExposition, promtoolCheck, sampleValue, startNamedSleeper, tempDir } from './helpers/prometheus-tools.js';
import { hasTmux, tmuxServer } from './helpers/tmux.js';

const SOCKET = `proctop-metrics-test-${process.pid}`;
const { tmux, waitForScreen, startShell, killServer } = tmuxServer(SOCKET);
const dir = tempDir('proctop-e2e-metrics-');
// A registry of this file's own (empty): the user's real one must not change what these tests see.
process.env.PROCTOP_REGISTRY = join(dir.path, 'registry.json');
const sleeperName = `pxw-${process.pid % 100000}`;

describe.skipIf(!hasTmux)('proctop --watch --metrics in tmux', () => {
  beforeAll(async () => {
    await ensureBuilt();
    namedProgram(dir.path, sleeperName, '/bin/sleep');
  }, 120_000);
  afterEach(killStartedChildren);
  afterAll(() => {
    killServer();
    dir.cleanup();
  });

  it('serves the pane\'s samples while it runs and stops serving when it quits', async () => {
    startNamedSleeper(dir.path, sleeperName);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    const session = 'watch-metrics';
    startShell(session, `node dist/cli.js --watch --interval 500ms --metrics 127.0.0.1:${port}`, 100, 30);
    await waitForScreen(session, (s) => s.includes('WATCH (read-only)'), 'the watch screen');
    const samplesNow = async (): Promise<number> => {
      const response = await httpGet(url);
      expect(response.status).toBe(200);
      expect(promtoolCheck(response.body)).toEqual({ status: 0, output: '' });
      const samples = parseExposition(response.body);
      expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: sleeperName })).toBe(1);
      return sampleValue(samples, 'proctop_samples_total', {}) ?? 0;
    };
    const first = await waitFor(async () => {
      try {
        return await samplesNow();
      } catch {
        return 0;
      }
    }, 20_000, 200);
    // The pane keeps refreshing, and every refresh is a sample the endpoint serves.
    await waitFor(async () => (await samplesNow()) >= first + 3, 20_000, 300);
    tmux('send-keys', '-t', session, 'q');
    await waitForScreen(session, (s) => s.trimEnd().split('\n').at(-1) === 'e2e$', 'the shell prompt after quit');
    await expect(httpGet(url, {}, 2000)).rejects.toThrow();
  }, 90_000);
});
