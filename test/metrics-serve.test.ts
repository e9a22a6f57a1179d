// `proctop serve-metrics` and `proctop --watch --metrics`, scraped by curl-like requests and by a real Prometheus.
import { join } from 'node:path';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseServeMetricsArgs } from '../src/commands/serve-metrics.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath } from './helpers/cli.js';
import {
  freePort,
  httpGet,
  namedProgram,
  parseExposition,
  promtoolCheck,
  sampleValue,
  startNamedBurner,
  startNamedSleeper,
  hostileGroupName,
  startHostileProcess,
  startPrometheus,
  startServeMetrics,
  tempDir,
} from './helpers/prometheus-tools.js';

const dir = tempDir('proctop-serve-');
// A registry of this file's own (empty): the user's real one must not change what these tests see.
process.env.PROCTOP_REGISTRY = join(dir.path, 'registry.json');
const tag = String(process.pid % 100000);
const sleeperName = `pxs-${tag}`;
const burnerName = `pxb-${tag}`;
const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

beforeAll(() => {
  namedProgram(dir.path, sleeperName, '/bin/sleep');
  namedProgram(dir.path, burnerName, '/bin/bash');
});
afterEach(killStartedChildren);
afterAll(() => dir.cleanup());

/** Ticks (utime + stime) of a pid, read independently of proctop. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe('proctop serve-metrics', () => {
  it('listens on loopback unless told otherwise', () => {
    expect(parseServeMetricsArgs([]).listen).toEqual({ host: '127.0.0.1', port: 9256 });
    expect(parseServeMetricsArgs(['--listen', '9300']).listen).toEqual({ host: '127.0.0.1', port: 9300 });
  });

  it('serves text 0.0.4 by default, OpenMetrics when asked, 404 and 405 otherwise, and stops cleanly on SIGTERM', async () => {
    startNamedSleeper(dir.path, sleeperName);
    const server = await startServeMetrics(['--interval', '300ms']);
    try {
      const text = await httpGet(server.url);
      expect(text.status).toBe(200);
      expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(promtoolCheck(text.body)).toEqual({ status: 0, output: '' });
      const samples = parseExposition(text.body);
      expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: sleeperName })).toBe(1);
      expect(sampleValue(samples, 'proctop_sample_duration_seconds', {})).toBeGreaterThan(0);
      expect(sampleValue(samples, 'proctop_sample_age_seconds', {})).toBeGreaterThanOrEqual(0);

      const om = await httpGet(server.url, { accept: OPENMETRICS_ACCEPT });
      expect(om.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
      expect(om.body.endsWith('# EOF\n')).toBe(true);
      expect(om.body).toContain('# TYPE namedprocess_namegroup_cpu_seconds counter');

      expect((await httpGet(server.url.replace('/metrics', '/other'))).status).toBe(404);
      const post = await fetch(server.url, { method: 'POST', signal: AbortSignal.timeout(5000) });
      expect(post.status).toBe(405);
      // Samples keep coming in the background.
      await waitFor(async () => (sampleValue(parseExposition((await httpGet(server.url)).body), 'proctop_samples_total', {}) ?? 0) >= 3, 15_000);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).toContain('SIGTERM: stopped serving metrics');
  });

  it('keeps serving every group when a process is named with invalid UTF-8, quotes, backslashes and a newline', async () => {
    startNamedSleeper(dir.path, sleeperName);
    await startHostileProcess('srv');
    const server = await startServeMetrics(['--interval', '300ms']);
    try {
      for (let scrape = 0; scrape < 3; scrape++) {
        const body = (await httpGet(server.url)).body;
        expect(promtoolCheck(body)).toEqual({ status: 0, output: '' });
        const samples = parseExposition(body);
        expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: sleeperName })).toBe(1);
        expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: hostileGroupName('srv') })).toBe(1);
        await new Promise((r) => setTimeout(r, 350));
      }
    } finally {
      await server.stop();
    }
  });

  it('stops cleanly on SIGINT too (Ctrl-C in a terminal)', async () => {
    const server = await startServeMetrics([]);
    expect((await httpGet(server.url)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(server.output()).toContain('SIGINT: stopped serving metrics');
  });

  it('cannot listen on a port in use: one line, exit 1', async () => {
    const first = await startServeMetrics([]);
    try {
      const port = new URL(first.url).port;
      const cli = await builtCliPath();
      const second = startChild(process.execPath, [cli, 'serve-metrics', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      second.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(/^proctop: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });

  it('a sampler thread that fails to start is one line naming why, exit 1, nothing served', async () => {
    const cli = await builtCliPath();
    const port = await freePort();
    // The sampler thread makes its own collector: the native backend asked for where no addon
    // loads (a copy of the built package with no build/, as test/fallback.test.ts makes) fails
    // there, not in the serving thread.
    const packageDir = mkdtempSync(join(tmpdir(), 'proctop-noaddon-'));
    try {
      cpSync(join(cli, '..'), join(packageDir, 'dist'), { recursive: true });
      writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ name: 'proctop', type: 'module' }));
      const child = startChild(process.execPath, [join(packageDir, 'dist', 'cli.js'), 'serve-metrics', '--listen', `127.0.0.1:${port}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PROCTOP_BACKEND: 'native' },
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      // 'close', not 'exit': stderr is read to its end.
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(/^proctop: metrics sampler failed: PROCTOP_BACKEND=native but native addon not built \(tried [^\n]*\)\n$/);
    } finally {
      rmSync(packageDir, { recursive: true, force: true });
    }
  });
});

describe('a real Prometheus scraping serve-metrics', () => {
  it("finds the busy child's group with rate(namedprocess_namegroup_cpu_seconds_total), and its counter at the CPU time the kernel gave it, to the tick", async () => {
    const server = await startServeMetrics(['--interval', '500ms']);
    const promDir = tempDir('proctop-prometheus-');
    const prometheus = await startPrometheus([new URL(server.url).host], promDir.path);
    try {
      const burner = startNamedBurner(dir.path, burnerName, 170);
      const pid = burner.pid as number;
      const query = `sum by (groupname) (rate(namedprocess_namegroup_cpu_seconds_total{groupname="${burnerName}"}[10s]))`;
      // Prometheus needs a few scrapes of the child before rate() has two points in the window.
      const result = await waitFor(async () => {
        const rows = await prometheus.query(query);
        // The first evaluations may see the counter before it moves: wait for it to move.
        return rows.length === 1 && Number(rows[0]?.value[1]) > 0 ? rows : null;
      }, 60_000, 500);
      expect(result[0]?.metric.groupname).toBe(burnerName);
      const promRate = Number(result[0]?.value[1]);
      console.log(`busy child: Prometheus rate() ${promRate.toFixed(3)} cores`);
      // A single-threaded busy loop: more than zero and at most one core, whatever the box's load.
      expect(promRate).toBeGreaterThan(0);
      expect(promRate).toBeLessThanOrEqual(1.05);
      // The exact check: stop the child (ours), so its CPU time stops moving, and the counter
      // Prometheus scraped must reach what the kernel says the child used, to the tick. Comparing
      // rates over two windows instead (the kernel's, Prometheus's extrapolated one) differs by a
      // fifth of a core on a loaded box, where the child's share moves from second to second.
      process.kill(pid, 'SIGSTOP');
      await waitFor(() => readFileSync(`/proc/${pid}/stat`, 'utf8').match(/\) (\S)/)?.[1] === 'T', 10_000);
      const kernelSeconds = cpuTicks(pid) / 100;
      let scraped = NaN;
      await waitFor(async () => {
        const rows = await prometheus.query(`sum by (groupname) (namedprocess_namegroup_cpu_seconds_total{groupname="${burnerName}"})`);
        scraped = Number(rows[0]?.value[1]);
        return Math.abs(scraped - kernelSeconds) < 0.015;
      }, 30_000, 500).catch(() => undefined);
      console.log(`busy child stopped: kernel ${kernelSeconds.toFixed(2)} CPU-s, Prometheus counter ${scraped.toFixed(3)} CPU-s`);
      expect(Math.abs(scraped - kernelSeconds)).toBeLessThan(0.015);
      const up = await prometheus.query('up{job="proctop"}');
      expect(up[0]?.value[1]).toBe('1');
    } finally {
      await prometheus.stop();
      await server.stop();
      promDir.cleanup();
    }
  }, 120_000);
});

describe('proctop --watch --metrics', () => {
  it("serves the pane's own samples while the pane runs", async () => {
    startNamedSleeper(dir.path, sleeperName);
    const port = await freePort();
    const cli = await builtCliPath();
    const pane = startChild(process.execPath, [cli, '--watch', '--interval', '300ms', '--metrics', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    pane.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = `http://127.0.0.1:${port}/metrics`;
    const body = await waitFor(async () => {
      try {
        const response = await httpGet(url, {}, 2000);
        return response.status === 200 ? response.body : null;
      } catch {
        return null;
      }
    }, 30_000, 200);
    expect(promtoolCheck(body).status).toBe(0);
    expect(sampleValue(parseExposition(body), 'namedprocess_namegroup_num_procs', { groupname: sleeperName })).toBe(1);
    await waitFor(() => stdout.includes('proctop --watch'), 10_000);
  });

  it('--metrics without --watch is a usage error', async () => {
    expect(() => parseServeMetricsArgs(['--metrics', '1'])).toThrow('unknown option "--metrics"');
  });
});
