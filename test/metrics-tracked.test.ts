// Registry groupings (--group-by tag|group|name) and proctop_tracked_up, on processes the test
// tracks with the real `proctop track add` in a private registry (PROCTOP_REGISTRY).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath, runCli } from './helpers/cli.js';
import { httpGet, namedProgram, parseExposition, promtoolCheck, sampleValue, startNamedSleeper, startServeMetrics, tempDir } from './helpers/prometheus-tools.js';

const dir = tempDir('proctop-metrics-tracked-');
const tag = String(process.pid % 100000);
const parentName = `pxt-${tag}`;
let cli: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cli = await builtCliPath();
  namedProgram(dir.path, parentName, '/bin/bash');
  namedProgram(dir.path, `pxk-${tag}`, '/bin/sleep');
  env = { ...process.env, PROCTOP_REGISTRY: join(dir.path, 'registry.json'), XDG_STATE_HOME: join(dir.path, 'state'), XDG_CONFIG_HOME: join(dir.path, 'config') };
});
afterEach(killStartedChildren);
afterAll(() => dir.cleanup());

/** PIDs whose parent is `pid` (read from /proc apart from proctop). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

async function track(pid: number, args: readonly string[]): Promise<void> {
  const run = await runCli(cli, ['track', 'add', String(pid), ...args], { env });
  expect(run.code, run.stderr).toBe(0);
}

describe('registry groupings', () => {
  it.each(['name', 'tag', 'group'] as const)('--group-by %s: a tracked process and its children form the group; promtool passes', async (groupBy) => {
    // A tracked bash with a sleeping child (the child is not tracked itself: it counts in its parent's group).
    const parent = startChild(join(dir.path, parentName), ['-c', `${join(dir.path, `pxk-${tag}`)} 300; true`]);
    const lone = startNamedSleeper(dir.path, `pxk-${tag}`);
    // The shell has forked its sleeper.
    await waitFor(() => childrenOf(parent.pid as number).length === 1);
    await track(parent.pid as number, ['--name', `web-${groupBy}`, '--tag', 'api', '--tag', 'prod', '--group', 'frontend']);
    await track(lone.pid as number, ['--name', `batch-${groupBy}`, '--tag', 'batch']);
    const run = await runCli(cli, ['metrics', '--group-by', groupBy], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(promtoolCheck(run.stdout)).toEqual({ status: 0, output: '' });
    const samples = parseExposition(run.stdout);
    const procs = (group: string) => sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: group });
    if (groupBy === 'name') {
      expect(procs(`web-${groupBy}`)).toBe(2);
      expect(procs(`batch-${groupBy}`)).toBe(1);
    } else if (groupBy === 'tag') {
      expect(procs('api')).toBe(2);
      expect(procs('prod')).toBe(2);
      expect(procs('batch')).toBe(1);
    } else {
      expect(procs('frontend')).toBe(2);
    }
    expect(sampleValue(samples, 'proctop_tracked_up', { name: `web-${groupBy}` })).toBe(1);
  });

  it('serve-metrics: proctop_tracked_up goes to 0 when the tracked process exits (and its group keeps its counters)', async () => {
    const sleeper = startNamedSleeper(dir.path, `pxk-${tag}`);
    await track(sleeper.pid as number, ['--name', 'doomed']);
    const server = await startServeMetrics(['--interval', '300ms', '--group-by', 'name'], env);
    try {
      const scrape = async () => parseExposition((await httpGet(server.url)).body);
      let samples = await scrape();
      const id = samples.find((s) => s.name === 'proctop_tracked_up' && s.labels.name === 'doomed')?.labels.id ?? '';
      expect(sampleValue(samples, 'proctop_tracked_up', { id, name: 'doomed' })).toBe(1);
      expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: 'doomed' })).toBe(1);
      sleeper.kill('SIGKILL');
      samples = await waitFor(async () => {
        const now = await scrape();
        return sampleValue(now, 'proctop_tracked_up', { id, name: 'doomed' }) === 0 ? now : null;
      }, 15_000, 200);
      expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: 'doomed' })).toBe(0);
      expect(promtoolCheck((await httpGet(server.url)).body).status).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
