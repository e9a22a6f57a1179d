// Issue 12 §6: the RSS a person reads (rows on screen, details view) is the exact VmRSS ps and top
// show; sorting and the steady refresh keep the snapshot's cheap counter.
import { execFileSync } from 'node:child_process';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { MonitorApp } from '../src/components/MonitorApp.js';
import { readExactRss, shownRss } from '../src/sampler/exact-rss.js';
import { Sampler } from '../src/sampler/sampler.js';
import type { IdentityKey, ProcessRow } from '../src/sampler/types.js';
import { createMonitorStore, visibleRows } from '../src/store/monitor-store.js';
import { createJsCollector, createNativeCollector } from '../src/sys/collector.js';
import type { Collector } from '../src/sys/types.js';
import { syntheticFrame, syntheticRow, syntheticSystem } from './helpers/synthetic-frames.js';
import { EXACT_RSS_MAX_AGE_MS, VisibleRssReader } from '../src/tui/visible-rss.js';
import { killStartedChildren, startSleeper, waitFor } from './helpers/children.js';
import { builtCliPath, runCli } from './helpers/cli.js';

afterEach(async () => {
  cleanup();
  await killStartedChildren();
});

const rows = Array.from({ length: 50 }, (_, i) => syntheticRow({ pid: 100 + i, cpuPercent: 50 - i, rssBytes: 13_396 * 1024 }));

describe('the RSS column on screen', () => {
  it('reads exact RSS for the rows in view only, again after a scroll, and shows it', async () => {
    const store = createMonitorStore({ columns: 80, rows: 14, backend: 'native', color: false });
    const asked: number[][] = [];
    const reader = new VisibleRssReader(store, async (shown: readonly ProcessRow[]) => {
      asked.push(shown.map((r) => r.pid));
      return new Map<IdentityKey, number>(shown.map((r) => [r.key, 13_608 * 1024]));
    });
    reader.start();
    store.getState().ingest(syntheticFrame(rows, { system: syntheticSystem(2), intervalMs: 1500 }));
    await waitFor(() => store.getState().exactRss.size > 0);
    const inView = visibleRows(store.getState()).map((r) => r.pid);
    expect(inView.length).toBe(store.getState().layout.tableRows);
    expect(asked.at(-1)).toEqual(inView);
    expect([...store.getState().exactRss.keys()]).toEqual(visibleRows(store.getState()).map((r) => r.key));

    const app = render(<MonitorApp store={store} />);
    await new Promise((r) => setTimeout(r, 30));
    const frame = app.lastFrame() ?? '';
    expect(frame).toContain('13.3M'); // 13,608 K exact, where the counter says 13,396 K (13.1M)
    expect(frame).not.toContain('13.1M');

    // A scroll reads the rows that came into view (those still in view keep their reading).
    store.getState().pageDown();
    const scrolled = visibleRows(store.getState());
    const newcomers = scrolled.filter((r) => !inView.includes(r.pid)).map((r) => r.pid);
    expect(newcomers.length).toBeGreaterThan(0);
    await waitFor(() => asked.length === 2);
    expect(asked[1]).toEqual(newcomers);
    await waitFor(() => store.getState().exactRss.size === scrolled.length);
    expect([...store.getState().exactRss.keys()]).toEqual(scrolled.map((r) => r.key));
    // Sorting never asked for exact figures: the list order is the counter's.
    expect(asked.every((pids) => pids.length <= store.getState().layout.tableRows)).toBe(true);
    await reader.stop();
  });

  it('reads rows new to the view, moves readings with the counter between reads, and reads every row in view again once old', async () => {
    const store = createMonitorStore({ columns: 80, rows: 14, backend: 'native', color: false });
    let clock = 0;
    let reads = 0;
    const asked: number[][] = [];
    // Every read returns new figures (counter + 100 K + the read's number), so a stale reading shows.
    const reader = new VisibleRssReader(
      store,
      async (shown: readonly ProcessRow[]) => {
        reads += 1;
        asked.push(shown.map((r) => r.pid));
        return new Map<IdentityKey, number>(shown.map((r) => [r.key, r.rssBytes + (100 + reads) * 1024]));
      },
      () => clock,
    );
    reader.start();
    const frame = (changed: Partial<Record<number, Partial<ProcessRow>>>): ReturnType<typeof syntheticFrame> =>
      syntheticFrame(
        rows.map((r) => (changed[r.pid] ? syntheticRow({ ...r, ...changed[r.pid], pid: r.pid }) : syntheticRow({ ...r }))),
        { system: syntheticSystem(2), intervalMs: 1500 },
      );
    const shown = (row: ProcessRow): number => {
      const s = store.getState();
      const now = s.rowsByKey.get(row.key) as ProcessRow;
      return shownRss(now, s.exactRss.get(row.key));
    };
    store.getState().ingest(frame({}));
    await waitFor(() => store.getState().exactRss.size > 0);
    const inView = visibleRows(store.getState());
    expect(asked).toEqual([inView.map((r) => r.pid)]);
    const first = inView[0] as ProcessRow;
    const third = inView[2] as ProcessRow;
    expect(shown(first)).toBe(first.rssBytes + 101 * 1024);

    // The third row's counter grows by 8 K and the first row's CPU time moves: nothing is read, and
    // the third row shows its reading grown by the same 8 K (what was shown before is not kept).
    clock = 1000;
    store.getState().ingest(frame({ [third.pid]: { rssBytes: third.rssBytes + 8192 }, [first.pid]: { utime: 7 } }));
    await waitFor(() => shown(third) === third.rssBytes + 101 * 1024 + 8192);
    expect(shown(first)).toBe(first.rssBytes + 101 * 1024);
    // A scroll by one row reads the one row that came into view, and only it.
    store.getState().moveCursor(inView.length);
    const scrolled = visibleRows(store.getState());
    const newcomer = scrolled.at(-1) as ProcessRow;
    await waitFor(() => asked.length === 2);
    expect(asked[1]).toEqual([newcomer.pid]);
    await waitFor(() => shown(newcomer) === newcomer.rssBytes + 102 * 1024);

    // Once the oldest reading in view is old, every row in view is read again, and the new figures shown.
    clock = 1000 + EXACT_RSS_MAX_AGE_MS;
    store.getState().ingest(frame({ [third.pid]: { rssBytes: third.rssBytes + 8192 } }));
    await waitFor(() => asked.length === 3);
    expect(asked[2]).toEqual(visibleRows(store.getState()).map((r) => r.pid));
    await waitFor(() => shown(third) === third.rssBytes + 8192 + 103 * 1024);
    expect(shown(newcomer)).toBe(newcomer.rssBytes + 103 * 1024);
    await reader.stop();
  });

  it('shows the exact figure in the details view', async () => {
    const store = createMonitorStore({ columns: 100, rows: 30, backend: 'native', color: false });
    store.getState().ingest(syntheticFrame(rows.slice(0, 3), { system: syntheticSystem(2), intervalMs: 1500 }));
    store.getState().setExactRss(new Map([[rows[0]?.key as IdentityKey, { rssBytes: 13_608 * 1024, counterBytes: rows[0]?.rssBytes as number }]]));
    store.getState().pushView('detail');
    const app = render(<MonitorApp store={store} />);
    await new Promise((r) => setTimeout(r, 30));
    expect(app.lastFrame()).toMatch(/RSS\s+13\.3M/);
  });
});

const native = createNativeCollector();
describe.each([
  ['js', createJsCollector() as Collector | string],
  ['native', native],
])('exact RSS of a real process (%s backend)', (_name, collector) => {
  it('equals what ps shows', async () => {
    if (typeof collector === 'string') throw new Error(collector);
    const sleeper = startSleeper();
    const sampler = new Sampler(collector);
    const row = await waitFor(async () => (await sampler.sample()).rows.find((r) => r.pid === sleeper.pid && r.state === 'S' && r.comm === 'sleep'));
    const exact = await readExactRss(collector, [row]);
    const ps = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(sleeper.pid)], { encoding: 'utf8' }).trim());
    expect(exact.get(row.key)).toBe(ps * 1024);
  });
});

describe('proctop inspect', () => {
  it('reports the exact RSS ps shows', async () => {
    const cli = await builtCliPath();
    const sleeper = startSleeper();
    const pid = sleeper.pid as number;
    await waitFor(async () => (await runCli(cli, ['pstat', '--json', '--pid', String(pid)])).stdout.includes('"state": "sleeping"'));
    const doc = JSON.parse((await runCli(cli, ['inspect', String(pid), '--json'])).stdout) as { memory: { rss_bytes: number } };
    const ps = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    expect(doc.memory.rss_bytes).toBe(ps * 1024);
  });
});
