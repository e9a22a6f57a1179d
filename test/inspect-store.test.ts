// Drill-down state without React or an OS: the inspect store, its keys, and the :PORT filter.
import { describe, expect, it } from 'vitest';
import { decodeKey } from '../src/keys/decode-key.js';
import { handleKey } from '../src/keys/dispatch.js';
import { inspectOverrides, inspectViewKeys } from '../src/keys/inspect-keys.js';
import { VIEW_GEOMETRY } from '../src/components/view-geometry.js';
import { createInspectStore, HISTORY_SAMPLES, visibleFds } from '../src/store/inspect-store.js';
import { createMonitorStore, topView } from '../src/store/monitor-store.js';
import { parsePortFilter } from '../src/store/port-filter.js';
import { syntheticFrame, syntheticRow } from './helpers/synthetic-frames.js';
import { listingOf, MIXED_FDS } from './helpers/fd-fixtures.js';

const A = syntheticRow({ pid: 10, cpuPercent: 50 });
const B = syntheticRow({ pid: 20, cpuPercent: 5 });
const C = syntheticRow({ pid: 30, cpuPercent: 1 });

function setup(mode: 'interactive' | 'watch' = 'interactive') {
  const monitor = createMonitorStore({ columns: 100, rows: 30, mode });
  const inspect = createInspectStore();
  monitor.getState().ingest(syntheticFrame([A, B, C]));
  const overrides = inspectOverrides(inspect);
  const viewKeys = inspectViewKeys(inspect, VIEW_GEOMETRY);
  const press = (...keys: string[]) => {
    for (const key of keys) handleKey(decodeKey(key), monitor, overrides, viewKeys);
  };
  return { monitor, inspect, press };
}

describe('inspect store', () => {
  it('captures the cursor identity on Enter and keeps it while the list moves', () => {
    const { monitor, inspect, press } = setup();
    press('j', '\r');
    expect(monitor.getState().views).toEqual(['list', 'detail']);
    expect(inspect.getState().target).toEqual({ key: B.key, pid: 20, startTime: B.startTime });
    // The list re-sorts under the view: the captured identity stays.
    monitor.getState().ingest(syntheticFrame([{ ...A, cpuPercent: 1 }, { ...B, cpuPercent: 2 }, { ...C, cpuPercent: 90 }]));
    expect(inspect.getState().target?.key).toBe(B.key);
  });

  it('does nothing on Enter or o with an empty list', () => {
    const monitor = createMonitorStore();
    const inspect = createInspectStore();
    handleKey(decodeKey('\r'), monitor, inspectOverrides(inspect), inspectViewKeys(inspect, VIEW_GEOMETRY));
    handleKey(decodeKey('o'), monitor, inspectOverrides(inspect), inspectViewKeys(inspect, VIEW_GEOMETRY));
    expect(monitor.getState().views).toEqual(['list']);
    expect(inspect.getState().target).toBeNull();
  });

  it('ignores a listing that arrives for a previous target', () => {
    const { inspect, press } = setup();
    press('o');
    press('q', 'j', 'o');
    expect(inspect.getState().target?.pid).toBe(20);
    inspect.getState().setListing(A.key, listingOf(10), 1);
    expect(inspect.getState().listing).toBeNull();
    inspect.getState().setListing(B.key, listingOf(20), 2);
    expect(inspect.getState().listing?.pid).toBe(20);
  });

  it('marks the target exited when the listing says ENOENT or the row is gone', () => {
    const { inspect, press } = setup();
    press('o');
    inspect.getState().setListing(A.key, { pid: 10, fds: [], error: { code: 'ENOENT', message: 'gone' }, warnings: [] }, 1);
    expect(inspect.getState().exited).toBe(true);
    press('q', 'o');
    expect(inspect.getState().exited).toBe(true);
    const other = setup();
    other.press('\r');
    other.inspect.getState().observeTarget(null);
    expect(other.inspect.getState().exited).toBe(true);
    expect(other.inspect.getState().lastRow?.pid).toBe(10);
  });

  it('keeps a bounded CPU/RSS history per identity and restarts it for another one', () => {
    const inspect = createInspectStore();
    for (let i = 0; i < HISTORY_SAMPLES + 5; i++) inspect.getState().recordSample({ ...A, cpuPercent: i, rssBytes: i * 1024 });
    expect(inspect.getState().history.cpuPercent).toHaveLength(HISTORY_SAMPLES);
    expect(inspect.getState().history.cpuPercent.at(-1)).toBe(HISTORY_SAMPLES + 4);
    expect(inspect.getState().history.cpuPercent[0]).toBe(5);
    inspect.getState().recordSample(B);
    expect(inspect.getState().history).toEqual({ key: B.key, cpuPercent: [5], rssBytes: [B.rssBytes] });
  });

  it('filters fds by kind and search, and clamps scrolling to the rows shown', () => {
    const { inspect, press } = setup();
    press('o');
    inspect.getState().setListing(A.key, listingOf(10, [...MIXED_FDS].reverse()), 1);
    expect(visibleFds(inspect.getState()).map((e) => e.fd)).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9]);
    press('s');
    expect(inspect.getState().kindFilter).toBe('socket');
    expect(visibleFds(inspect.getState()).map((e) => e.fd)).toEqual([5, 6, 7, 9]);
    press('4');
    expect(visibleFds(inspect.getState()).map((e) => e.fd)).toEqual([8]);
    press('0', '/', 'E', 'S', 'T');
    expect(inspect.getState().searchInput?.text).toBe('EST');
    expect(visibleFds(inspect.getState()).map((e) => e.fd)).toEqual([6]);
    press('\x1b');
    expect(inspect.getState().searchInput).toBeNull();
    expect(visibleFds(inspect.getState())).toHaveLength(9);
    // 9 rows, 26 fit: nothing to scroll.
    press('j', 'j', 'G');
    expect(inspect.getState().fdScroll).toBe(0);
  });

  it('Esc clears a kept search before leaving the view', () => {
    const { monitor, inspect, press } = setup();
    press('o', '/', 't', 'm', 'p', '\r');
    expect(inspect.getState().search).toBe('tmp');
    press('\x1b');
    expect(inspect.getState().search).toBe('');
    expect(topView(monitor.getState())).toBe('fds');
    press('\x1b');
    expect(topView(monitor.getState())).toBe('list');
  });

  it('lets the search take letters that are keys elsewhere (q, s, j) and Ctrl-C still quits', () => {
    const { monitor, inspect, press } = setup();
    press('o', '/', 'q', 's', 'j');
    expect(inspect.getState().searchInput?.text).toBe('qsj');
    expect(topView(monitor.getState())).toBe('fds');
    press('\x03');
    expect(monitor.getState().quitRequested).toBe(true);
  });

  it('opens in --watch mode too (read-only views)', () => {
    const { monitor, press } = setup('watch');
    press('\r', 'o');
    expect(monitor.getState().views).toEqual(['list', 'detail', 'fds']);
    expect(monitor.getState().message).toBeNull();
  });
});

describe(':PORT filter', () => {
  it('parses ":PORT" (1..65535) and leaves every other filter alone', () => {
    expect(parsePortFilter(':5432')).toBe(5432);
    expect(parsePortFilter(' :80 ')).toBe(80);
    expect(parsePortFilter(':0')).toBeNull();
    expect(parsePortFilter(':65536')).toBeNull();
    expect(parsePortFilter('5432')).toBeNull();
    expect(parsePortFilter(':54a')).toBeNull();
    expect(parsePortFilter('')).toBeNull();
  });

  it('keeps only the processes holding the port once the holders are known', () => {
    const monitor = createMonitorStore({ filter: ':5432' });
    monitor.getState().ingest(syntheticFrame([A, B, C]));
    // Unknown yet: nothing matches (never the whole list).
    expect(monitor.getState().display).toHaveLength(0);
    monitor.getState().setPortHolders({ port: 5432, pids: new Set([20, 30]) });
    expect(monitor.getState().display.map((d) => d.row.pid)).toEqual([20, 30]);
    // Holders of another port do not count for this one.
    monitor.getState().setPortHolders({ port: 80, pids: new Set([10]) });
    expect(monitor.getState().display).toHaveLength(0);
    monitor.getState().startInput('filter', true);
    monitor.getState().typeInput('proc10');
    expect(monitor.getState().display.map((d) => d.row.pid)).toEqual([10]);
  });
});
