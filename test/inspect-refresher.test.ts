// The refresher against real processes this test starts, through both backends: the details and
// open-files state fill from the OS, follow the process out when it exits, and ":PORT" finds it.
import { chmodSync, copyFileSync, mkdtempSync, realpathSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDetails } from '../src/keys/inspect-keys.js';
import { Sampler } from '../src/sampler/sampler.js';
import { createInspectStore, type InspectStore } from '../src/store/inspect-store.js';
import { createMonitorStore, type MonitorStore } from '../src/store/monitor-store.js';
import { createJsCollector, createNativeCollector } from '../src/sys/collector.js';
import type { Collector, FdListing } from '../src/sys/types.js';
import { collectorSources, InspectRefresher, type InspectSources } from '../src/tui/inspect-refresher.js';
import { listingOf } from './helpers/fd-fixtures.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';

const TAG = `proctop-inspect-${process.pid}`;
const workDir = mkdtempSync(join(tmpdir(), `${TAG}-cwd-`));
const tempFile = join(tmpdir(), `${TAG}-held.txt`);

/** Holds a named temp file open for writing and listens on a TCP port of 127.0.0.1; prints the port. */
const HOLDER = `/*${TAG}*/
const fs = require('node:fs');
const fd = fs.openSync(${JSON.stringify(tempFile)}, 'w');
fs.writeSync(fd, 'held');
const server = require('node:net').createServer().listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
setTimeout(() => process.exit(0), 120000);`;

async function startHolder(): Promise<{ child: ChildProcess; port: number }> {
  const child = startChild(process.execPath, ['-e', HOLDER], { stdio: ['ignore', 'pipe', 'ignore'], cwd: workDir });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const port = await waitFor(() => Number(out.trim().split('\n')[0] ?? 0), 20_000);
  return { child, port };
}

const native = createNativeCollector();
const backends: [string, Collector | string][] = [
  ['js', createJsCollector()],
  ['native', native],
];

afterEach(async () => {
  await killStartedChildren();
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
  rmSync(tempFile, { force: true });
});

/** A monitor fed by a real sampler, with the refresher running. */
function harness(collector: Collector, sources: InspectSources = collectorSources(collector)) {
  const monitor: MonitorStore = createMonitorStore({ columns: 120, rows: 40, intervalMs: 250 });
  const inspect: InspectStore = createInspectStore();
  const sampler = new Sampler(collector);
  const refresher = new InspectRefresher(monitor, inspect, sources);
  refresher.start();
  const sample = async () => monitor.getState().ingest(await sampler.sample());
  return { monitor, inspect, refresher, sample };
}

/** Puts the list cursor on `pid` (filtering by the test's tag). */
async function cursorOn(monitor: MonitorStore, sample: () => Promise<void>, pid: number): Promise<void> {
  monitor.getState().startInput('filter', true);
  monitor.getState().typeInput(TAG);
  monitor.getState().acceptInput();
  await waitFor(async () => {
    await sample();
    return monitor.getState().display.some((d) => d.row.pid === pid);
  }, 20_000);
  const index = monitor.getState().display.findIndex((d) => d.row.pid === pid);
  monitor.getState().cursorHome();
  monitor.getState().moveCursor(index);
  expect(monitor.getState().display[monitor.getState().cursorIndex]?.row.pid).toBe(pid);
}

describe.each(backends)('inspect refresher (%s backend)', (name, collector) => {
  const available = typeof collector !== 'string';

  it.skipIf(!available)('fills the details from the OS: fds with the temp file and the listener, cwd, fresh exe, history', async () => {
    const c = collector as Collector;
    const { child, port } = await startHolder();
    const { monitor, inspect, refresher, sample } = harness(c);
    try {
      await cursorOn(monitor, sample, child.pid as number);
      openDetails(monitor, inspect);
      const listing = (await waitFor(() => inspect.getState().listing, 20_000)) as FdListing;
      expect(listing.error).toBeNull();
      const file = listing.fds.find((e) => e.path === tempFile);
      expect(file?.kind).toBe('file');
      expect(file?.mode).toBe('w');
      const listener = listing.fds.find((e) => e.socket?.localPort === port);
      expect(listener?.socket).toMatchObject({ protocol: 'tcp', localAddress: '127.0.0.1', state: 'LISTEN' });
      const links = await waitFor(() => (inspect.getState().cwd && inspect.getState().exe ? inspect.getState() : null), 10_000);
      if (!links) throw new Error('unreachable: waitFor returns a truthy value');
      expect(links.cwd?.path).toBe(realpathSync(workDir));
      expect(links.exe?.path).toBe(realpathSync(process.execPath));
      // Every frame while open adds one sample of the target to its history.
      await sample();
      await sample();
      expect(inspect.getState().history.key).toBe(inspect.getState().target?.key);
      expect(inspect.getState().history.cpuPercent.length).toBeGreaterThanOrEqual(2);

      // It exits: the view keeps the last values, marked exited.
      child.kill('SIGKILL');
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, 10_000);
      await waitFor(async () => {
        await sample();
        return inspect.getState().exited;
      }, 20_000);
      expect(inspect.getState().lastRow?.pid).toBe(child.pid);

      // Leaving the views drops the listing.
      monitor.getState().popView();
      expect(inspect.getState().target).toBeNull();
      expect(inspect.getState().listing).toBeNull();
    } finally {
      await refresher.stop();
    }
  }, 60_000);

  it.skipIf(!available)(':PORT keeps only the process holding that port', async () => {
    const c = collector as Collector;
    const { child, port } = await startHolder();
    const { monitor, refresher, sample } = harness(c);
    try {
      await sample();
      await waitFor(async () => {
        await sample();
        return monitor.getState().rowsByKey.size > 0 && [...monitor.getState().rowsByKey.values()].some((r) => r.pid === child.pid);
      }, 20_000);
      monitor.getState().startInput('filter', true);
      monitor.getState().typeInput(`:${port}`);
      const shown = await waitFor(() => {
        const pids = monitor.getState().display.map((d) => d.row.pid);
        return pids.length > 0 ? pids : null;
      }, 20_000);
      expect(shown).toEqual([child.pid]);
      expect(monitor.getState().portHolders?.port).toBe(port);
    } finally {
      await refresher.stop();
    }
  }, 60_000);
});

describe('inspect refresher identity check', () => {
  it('marks the target exited, without storing the listing, when its PID now names another process', async () => {
    const monitor = createMonitorStore();
    const inspect = createInspectStore();
    const frameRow = { pid: 4242, startTime: 777 };
    const calls: number[] = [];
    const sources: InspectSources = {
      listFds: async (pid) => {
        calls.push(pid);
        return listingOf(pid);
      },
      readLinks: async () => ({ cwd: { path: '/', error: null }, exe: { path: '/bin/x', error: null } }),
      readStartTime: async () => 999, // reused PID: a different start time
      listPorts: async () => ({ bindings: [], warnings: [] }),
      inspect: async () => ({ inspection: null, error: { code: 'ENOENT', message: 'not read in this test' } }),
    };
    const refresher = new InspectRefresher(monitor, inspect, sources);
    refresher.start();
    try {
      inspect.getState().inspect({ key: `${frameRow.pid}:${frameRow.startTime}`, ...frameRow }, null);
      monitor.getState().pushView('fds');
      await waitFor(() => inspect.getState().exited, 5000);
      expect(calls).toEqual([4242]);
      expect(inspect.getState().listing).toBeNull();
    } finally {
      await refresher.stop();
    }
  });
});
