// Tracked processes in the TUI without a terminal: TRACK column and filter tokens on the store,
// the tracked view and the form as frames at both sides of the 80-column breakpoint, and the
// tracking controller driving a real registry for a process the test started.
import React from 'react';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { MonitorApp } from '../src/components/MonitorApp.js';
import { handleKey } from '../src/keys/dispatch.js';
import { decodeKey } from '../src/keys/decode-key.js';
import { Registry } from '../src/registry/registry.js';
import type { TrackedEntry, TrackedStatus } from '../src/registry/types.js';
import { createMonitorStore, topView, type MonitorStore } from '../src/store/monitor-store.js';
import { parseTrackedFilter } from '../src/store/tracked-filter.js';
import { createTrackedStore } from '../src/store/tracked-store.js';
import { TrackedStoreContext } from '../src/store/use-tracked-store.js';
import { createJsCollector } from '../src/sys/collector.js';
import { createTrackingController } from '../src/tui/tracking-controller.js';
import { syntheticFrame, syntheticRow, syntheticSystem } from './helpers/synthetic-frames.js';
import { killStartedChildren, startSleeper, waitFor } from './helpers/children.js';
import { startTimeOf } from './helpers/cli.js';

afterEach(() => cleanup());
afterAll(killStartedChildren);

const ROWS = [
  syntheticRow({ pid: 101, cpuPercent: 97.5, user: 'alice', comm: 'busy', argv: ['node', '-e', 'for(;;){}'] }),
  syntheticRow({ pid: 202, cpuPercent: 12.25, user: 'postgres', comm: 'postgres', argv: ['postgres', '-D', '/data'] }),
  syntheticRow({ pid: 303, cpuPercent: 1, user: 'bob', comm: 'sleep', argv: ['sleep', '99'] }),
];

function entry(fields: Partial<TrackedEntry> & { id: number; pid: number }): TrackedEntry {
  return {
    startTime: 1000 + fields.pid,
    bootId: 'boot',
    name: null,
    tags: [],
    groups: [],
    argv: ['x'],
    exe: null,
    uid: 0,
    user: 'root',
    createdAt: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    firstSeenDead: null,
    logPath: null,
    cwd: null,
    origin: 'add',
    ...fields,
  };
}

const DB = entry({ id: 7, pid: 202, name: 'db', tags: ['prod', 'sql'], groups: ['g1'] });
const trackedMap = new Map([[`202:1202`, DB]]);

function monitor(columns = 80, rows = 24, mode: 'interactive' | 'watch' = 'interactive'): MonitorStore {
  const store = createMonitorStore({ columns, rows, backend: 'native', color: false, mode });
  store.getState().ingest(syntheticFrame(ROWS, { system: syntheticSystem(2) }));
  return store;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

/** The lines of the app drawn with a tracked store. */
async function frameWith(store: MonitorStore, tracked: ReturnType<typeof createTrackedStore>): Promise<string[]> {
  const app = render(
    <TrackedStoreContext.Provider value={tracked}>
      <MonitorApp store={store} />
    </TrackedStoreContext.Provider>,
  );
  await tick();
  return (app.lastFrame() ?? '').split('\n');
}

describe('filter tokens', () => {
  it('splits tag:, group:, name: tokens from free text', () => {
    expect(parseTrackedFilter('nginx')).toBeNull();
    expect(parseTrackedFilter(':5432')).toBeNull();
    expect(parseTrackedFilter('tag:a group:g name:db post')).toEqual({ tags: ['a'], groups: ['g'], names: ['db'], text: 'post' });
  });

  it('keeps only tracked rows carrying every token, then applies the free text', () => {
    const store = monitor();
    store.getState().setTracked(trackedMap);
    const shown = (filter: string): number[] => {
      store.getState().startInput('filter', true);
      store.getState().typeInput(filter);
      store.getState().acceptInput();
      return store.getState().display.map((d) => d.row.pid);
    };
    expect(shown('tag:sql')).toEqual([202]);
    expect(shown('tag:sql tag:prod group:g1 name:db')).toEqual([202]);
    expect(shown('tag:sql busy')).toEqual([]);
    expect(shown('tag:sql postgres')).toEqual([202]);
    expect(shown('tag:nope')).toEqual([]);
    expect(shown('name:d')).toEqual([]);
    // The registry changing under an active token filter relists at once.
    store.getState().setTracked(new Map());
    expect(store.getState().display).toEqual([]);
  });
});

describe('TRACK column on both sides of the 80-column breakpoint', () => {
  it.each([80, 79])('at %i columns shows the name and tags while a tracked process is on screen, within the width', async (width) => {
    const store = monitor(width);
    const app = render(<MonitorApp store={store} />);
    await tick();
    expect(app.lastFrame()).not.toMatch(/TRACK/);
    store.getState().setTracked(trackedMap);
    await tick();
    const lines = (app.lastFrame() ?? '').split('\n');
    const title = lines.find((l) => /^\s+PID/.test(l)) ?? '';
    expect(title).toMatch(/ TRACK +COMMAND$/);
    expect(lines.find((l) => /^\s+202 /.test(l))).toMatch(/ db prod,sql +postgres -D \/data/);
    expect(lines.find((l) => /^>\s+101 /.test(l))).toMatch(/ {15}node -e/);
    expect(lines.every((l) => l.length <= width)).toBe(true);
    // Filtered off screen: the column goes away again.
    store.getState().startInput('filter', true);
    store.getState().typeInput('busy');
    await tick();
    expect(app.lastFrame()).not.toMatch(/TRACK/);
  });
});

describe('tracked view and track form', () => {
  // Built when each test runs, 88 s back ("1.5m ago" until 93 s): a busy machine can start a test
  // seconds after the file was collected, and the render takes its time too.
  const statusesNow = (): TrackedStatus[] => [
    { entry: DB, liveness: { alive: true } },
    { entry: entry({ id: 9, pid: 4242, name: 'gone', argv: ['old', '\u001b[2Jjob'], lastSeen: new Date(Date.now() - 88_000).toISOString() }), liveness: { alive: false, reason: 'reused' } },
  ];
  it.each([120, 80, 79])('at %i columns lists every entry, dead ones too, escaped, with the keys', async (width) => {
    const store = monitor(width);
    const tracked = createTrackedStore();
    tracked.getState().setStatuses(statusesNow());
    store.getState().pushView('tracked');
    const lines = await frameWith(store, tracked);
    expect(lines[0]).toBe('Tracked processes: 2 (1 alive)');
    expect(lines[1]).toMatch(/^ {3}ID {5}PID NAME {9}ALIVE {12}LAST-SEEN +TAGS/);
    expect(lines[2]).toMatch(/^ {3}#7 {5}202 db {11}alive {12}now {8}prod,sql {5}g1/);
    expect(lines[3]).toMatch(/^ {3}#9 {4}4242 gone {9}dead: PID reused 1\.5m ago/);
    // The command line (cut on narrow screens) shows the escape byte escaped, never raw.
    if (width >= 100) expect(lines[3]).toContain('old \\x1b[2Jjob');
    expect(lines.join('\n')).not.toContain('\u001b');
    expect(lines.some((l) => l.includes('d/Del: untrack   F9/x: signal   Esc/q/A: close'))).toBe(true);
    expect(lines.every((l) => l.length <= width)).toBe(true);
  });

  it('draws the form with the focused field marked', async () => {
    const store = monitor(80);
    const tracked = createTrackedStore();
    tracked.getState().openForm({ pid: 303, startTime: 1303, command: 'sleep 99', entryId: null, values: { name: 'nap', tags: '', groups: '' } });
    tracked.getState().cycleField(1);
    tracked.getState().typeForm('a,b');
    store.getState().pushView('track-form');
    const lines = await frameWith(store, tracked);
    expect(lines.slice(0, 6)).toEqual([
      'Track PID 303',
      'sleep 99',
      '',
      '  name   : nap  (unique, optional)',
      '> tags   : a,b_  (separated by spaces or commas)',
      '  groups :   (separated by spaces or commas)',
    ]);
  });
});

describe('tracking controller with a real registry', () => {
  const press = (store: MonitorStore, c: ReturnType<typeof createTrackingController>, ...keys: string[]): void => {
    for (const k of keys) handleKey(decodeKey(k), store, c.overrides, c.viewKeys);
  };

  function setup(mode: 'interactive' | 'watch' = 'interactive') {
    const child = startSleeper();
    const pid = child.pid!;
    const row = syntheticRow({ pid, startTime: startTimeOf(pid), comm: 'sleep', argv: ['sleep', '300'] });
    const store = createMonitorStore({ columns: 100, rows: 30, color: false, mode });
    store.getState().ingest(syntheticFrame([row], { system: syntheticSystem(2) }));
    const path = join(mkdtempSync(join(tmpdir(), 'proctop-tui-track-')), 'registry.json');
    const registry = Registry.open({ path, collector: createJsCollector(), env: {} });
    const killDialogs: unknown[] = [];
    const controller = createTrackingController({ registry: () => registry, actions: { openKillDialogFor: (_m, targets) => void killDialogs.push(targets) } });
    controller.attach(store);
    return { store, controller, registry, pid, row, killDialogs };
  }

  it('a opens the form for the cursor process; Enter tracks that identity and the TRACK data follows', async () => {
    const { store, controller, registry, pid, row, killDialogs } = setup();
    press(store, controller, 'a');
    expect(topView(store.getState())).toBe('track-form');
    press(store, controller, 'n', 'a', 'p', '\t', 'b', 'g', ',', 'x', '\t', 'o', 'p', 's', '\r');
    await waitFor(() => topView(store.getState()) === 'list' && store.getState().tracked.size === 1);
    const [saved] = (await (await registry).read()).entries;
    expect(saved).toMatchObject({ pid, startTime: row.startTime, name: 'nap', tags: ['bg', 'x'], groups: ['ops'] });
    expect(store.getState().tracked.get(row.key)?.name).toBe('nap');
    expect(store.getState().message?.text).toBe(`tracking PID ${pid} as #1 (nap)`);

    // Again on a tracked process: the form relabels it; a bad label is refused in the form.
    press(store, controller, 'a');
    expect(controller.store.getState().form).toMatchObject({ entryId: 1, values: { name: 'nap', tags: 'bg x', groups: 'ops' } });
    press(store, controller, '\t', ' ', '\u001b');
    expect(topView(store.getState())).toBe('list');
    press(store, controller, 'a', '\x7f', '\x7f', '\x7f', '1', '2', '\r');
    await waitFor(() => controller.store.getState().form?.problem ?? null);
    expect(controller.store.getState().form?.problem).toMatch(/all digits/);
    press(store, controller, '\u001b');

    // The tracked view: x opens the usual signal dialog for the entry's identity; d untracks it.
    press(store, controller, 'A');
    expect(topView(store.getState())).toBe('tracked');
    await waitFor(() => controller.store.getState().statuses[0]?.liveness.alive === true);
    press(store, controller, 'x');
    expect(killDialogs).toEqual([[{ key: row.key, pid, startTime: row.startTime, user: expect.any(String), command: 'sleep 300' }]]);
    press(store, controller, 'd');
    await waitFor(() => controller.store.getState().statuses.length === 0);
    expect((await (await registry).read()).entries).toEqual([]);
    await controller.stop();
  });

  it('in --watch, a and the tracked view\'s d and x answer read-only', async () => {
    const { store, controller } = setup('watch');
    press(store, controller, 'a');
    expect(topView(store.getState())).toBe('list');
    expect(store.getState().message?.text).toBe('read-only (--watch)');
    press(store, controller, 'A', 'd');
    expect(store.getState().message?.text).toBe('read-only (--watch)');
    press(store, controller, 'x');
    expect(store.getState().message?.text).toBe('read-only (--watch)');
    await controller.stop();
  });
});
