// serve-metrics samples on a thread of its own: a scrape is answered from the last rendered sample
// even while the sampler thread is stuck in a sample, a thread that dies is reported (and scrapes
// say so), and stopping never waits on a stuck sample for longer than its bound. The sampler
// thread here is the real runSamplerWorker whose collector blocks its whole thread on demand
// (test/fixtures/gated-sampler-worker.ts), bundled like dist/metrics-worker.js is.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../src/metrics/http-server.js';
import { startSamplerThread, type SamplerThread } from '../src/metrics/sampler-thread.js';
import { packSnapshot, unpackSnapshot } from '../src/metrics/sampler-worker.js';
import type { GatedSettings } from './fixtures/gated-sampler-worker.js';
import { waitFor } from './helpers/children.js';
import { createProcFixture, type ProcFixture } from './helpers/proc-fixture.js';
import { httpGet, parseExposition, sampleValue } from './helpers/prometheus-tools.js';

const dir = mkdtempSync(join(tmpdir(), 'proctop-sampler-thread-'));
const script = join(dir, 'gated-sampler-worker.mjs');
// The sampler reads the registry for proctop_tracked_up: a private, empty one (the worker inherits the env).
process.env.PROCTOP_REGISTRY = join(dir, 'registry.json');

let fixture: ProcFixture;

beforeAll(async () => {
  fixture = await createProcFixture({
    processes: [
      { pid: 1, comm: 'init' },
      { pid: 40, comm: 'web', ppid: 1 },
      { pid: 41, comm: 'web', ppid: 40 },
    ],
  });
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/gated-sampler-worker.ts', import.meta.url))],
    outfile: script,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // prom-client is CommonJS: give the ESM bundle a require, as scripts/esbuild-options.mjs does.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}, 120_000);

afterAll(async () => {
  await fixture.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function gate(): string {
  return mkdtempSync(join(dir, 'gate-'));
}

function settings(gateDir: string, crashAt = 0): GatedSettings {
  return { mode: 'sample', groupBy: 'comm', intervalMs: 250, proportional: false, trackedLabels: false, gateDir, crashAt, procRoot: fixture.root };
}

async function serve(thread: SamplerThread): Promise<{ server: MetricsServer; url: string }> {
  const server = await startMetricsServer(thread.responder, { host: '127.0.0.1', port: 0 });
  return { server, url: `http://127.0.0.1:${server.address.port}/metrics` };
}

async function samplesServed(url: string): Promise<number | undefined> {
  const response = await httpGet(url);
  expect(response.status).toBe(200);
  return sampleValue(parseExposition(response.body), 'proctop_samples_total', {});
}

// Several bounded waits in a row on a loaded box: each test gets more than the default 30 s.
const TEST_BOUND_MS = 120_000;

describe('metrics sampler thread', () => {
  it('answers a scrape from the previous sample while the next sample holds the sampler thread', async () => {
    const gateDir = gate();
    const thread = await startSamplerThread(settings(gateDir), {}, { script });
    const { server, url } = await serve(thread);
    try {
      // Sample 2 has started and holds its thread: nothing else runs there until it is released.
      await waitFor(() => existsSync(join(gateDir, 'blocked-2')), 20_000);
      const during = await httpGet(url);
      expect(during.status).toBe(200);
      const samples = parseExposition(during.body);
      expect(sampleValue(samples, 'proctop_samples_total', {})).toBe(1);
      expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: 'web' })).toBe(2);
      // Answered again, and still from sample 1: the blocked sample cannot finish before it is released.
      expect(await samplesServed(url)).toBe(1);
      writeFileSync(join(gateDir, 'release-2'), '');
      await waitFor(async () => (await samplesServed(url)) === 2, 20_000);
    } finally {
      writeFileSync(join(gateDir, 'release-3'), '');
      await server.close();
      await thread.stop();
    }
  }, TEST_BOUND_MS);

  it('stops a sampler thread stuck in a sample once the stop bound has passed', async () => {
    const gateDir = gate();
    const failures: string[] = [];
    const thread = await startSamplerThread(settings(gateDir), { onFailure: (reason) => failures.push(reason) }, { script, stopBoundMs: 300 });
    await waitFor(() => existsSync(join(gateDir, 'blocked-2')), 20_000);
    // Resolves although sample 2 is never released (it would block its thread for two minutes).
    await thread.stop();
    expect(failures).toEqual([]);
  }, TEST_BOUND_MS);

  it('reports a sampler thread that dies while serving, and scrapes then get 503 naming why', async () => {
    const gateDir = gate();
    writeFileSync(join(gateDir, 'release-2'), '');
    let failure: string | null = null;
    const thread = await startSamplerThread(settings(gateDir, 2), { onFailure: (reason) => (failure = reason) }, { script });
    const { server, url } = await serve(thread);
    try {
      const reason = await waitFor(() => failure, 20_000);
      expect(reason).toContain('snapshot 2 crashed');
      const response = await httpGet(url);
      expect(response.status).toBe(503);
      expect(response.body).toContain('snapshot 2 crashed');
    } finally {
      await server.close();
      await thread.stop();
    }
  }, TEST_BOUND_MS);

  it('a sampler thread that cannot start is an error naming why, not a wait', async () => {
    const missing = join(dir, 'no-such-worker.mjs');
    await expect(startSamplerThread(settings(gate()), {}, { script: missing })).rejects.toThrow(/no-such-worker\.mjs/);
  }, TEST_BOUND_MS);

  it('fed mode (--watch --metrics) sums the snapshots the pane hands it', async () => {
    const gateDir = gate();
    const thread = await startSamplerThread({ ...settings(gateDir), mode: 'fed' }, {}, { script });
    const { server, url } = await serve(thread);
    try {
      expect(thread.responder.unavailable).toBe('no sample yet');
      const { createCollector } = await import('../src/sys/collector.js');
      const snapshot = await createCollector({ backend: 'js', procRoot: fixture.root }).collector.snapshot();
      // The pane's snapshot travels as columns: what the exporter reads survives the trip exactly.
      const back = unpackSnapshot(packSnapshot(snapshot));
      expect(back.processes).toEqual(snapshot.processes.map((p) => ({ ...p, argv: [], exe: null })));
      expect(back.system).toEqual(snapshot.system);
      thread.feed(snapshot, 1);
      await waitFor(() => thread.responder.unavailable === null, 20_000);
      expect(await samplesServed(url)).toBe(1);
      thread.feed(snapshot, 1);
      await waitFor(async () => (await samplesServed(url)) === 2, 20_000);
    } finally {
      await server.close();
      await thread.stop();
    }
  }, TEST_BOUND_MS);
});

describe('a snapshot packed for the sampler thread', () => {
  it('keeps hostile comms and user names, kernel threads and every number the exporter reads', () => {
    const base = { ppid: 1, pgid: 2, sid: 3, uid: 1000, argv: ['x'], exe: '/x', utime: 12, stime: 34, rssBytes: 2 ** 40, vsizeBytes: 2 ** 50, threads: 7, nice: -5, priority: 20, ttyNr: 0 };
    const processes = [
      { ...base, pid: 10, startTime: 2 ** 52, comm: 'new\nline\x1b[31m', user: 'alice', state: 'S', isKernelThread: false },
      { ...base, pid: 11, startTime: 5, comm: '\udcff\udcfe bad', user: '1234', state: 'Z', isKernelThread: false },
      { ...base, pid: 2, startTime: 0, comm: '', user: 'root', state: 'I', isKernelThread: true },
    ];
    const snapshot = { timestampMs: 1, monotonicMs: 2, readStartMonotonicMs: 1.5, warnings: ['w'], system: {} as never, processes };
    const packed = packSnapshot(snapshot);
    const back = unpackSnapshot(structuredClone(packed, { transfer: [packed.numbers.buffer as ArrayBuffer] }));
    expect(back.processes).toEqual(processes.map((p) => ({ ...p, argv: [], exe: null })));
    expect(back.warnings).toEqual(['w']);
    expect([back.timestampMs, back.monotonicMs, back.readStartMonotonicMs]).toEqual([1, 2, 1.5]);
    expect(unpackSnapshot(packSnapshot({ ...snapshot, processes: [] })).processes).toEqual([]);
  });
});
