// Issue 12 §5: a status message belongs to the state that produced it and goes when that state
// changes; and the help overlay never puts a key line beside its title.
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { helpRows, helpText, warningLines } from '../src/components/HelpOverlay.js';
import { MonitorApp } from '../src/components/MonitorApp.js';
import { statusLine } from '../src/components/status-line.js';
import { createInspectStore } from '../src/store/inspect-store.js';
import { createMonitorStore, WARNING_MS, type MonitorStore } from '../src/store/monitor-store.js';
import { newWarning } from '../src/store/warnings.js';
import type { PortListing } from '../src/fds/ports.js';
import { InspectRefresher, type InspectSources } from '../src/tui/inspect-refresher.js';
import { syntheticFrame, syntheticRow, syntheticSystem } from './helpers/synthetic-frames.js';
import { listingOf } from './helpers/fd-fixtures.js';
import { waitFor } from './helpers/children.js';

afterEach(() => cleanup());

const T0 = 1_700_000_100_000;
const frameAt = (rows: Parameters<typeof syntheticFrame>[0], step: number) => syntheticFrame(rows, { timestampMs: T0 + step * 1500, intervalMs: 1500 });

function storeWith(rows: Parameters<typeof syntheticFrame>[0]): MonitorStore {
  const store = createMonitorStore({ columns: 120, rows: 30, now: () => T0 });
  store.getState().ingest(frameAt(rows, 1));
  return store;
}

/** The status bar's left part as a person reads it. */
const statusText = (store: MonitorStore): string => statusLine(store.getState(), T0).text;

describe('status messages tell the truth', () => {
  it('"no processes of user X" goes as soon as a process of X is listed', () => {
    const store = storeWith([syntheticRow({ pid: 10, user: 'root' })]);
    store.getState().startInput('user', true);
    store.getState().typeInput('nobody');
    store.getState().acceptInput();
    expect(statusText(store)).toContain('no processes of user "nobody" right now');
    store.getState().ingest(frameAt([syntheticRow({ pid: 10, user: 'root' }), syntheticRow({ pid: 11, user: 'nobody' })], 2));
    expect(store.getState().display.map((d) => d.row.pid)).toEqual([11]);
    expect(statusText(store)).not.toContain('no processes of user');
    expect(store.getState().message).toBeNull();
  });

  it('"looking up processes holding port 1…" goes once the filter names another port', async () => {
    const store = storeWith([syntheticRow({ pid: 10 }), syntheticRow({ pid: 20 })]);
    let release: (listing: PortListing) => void = () => undefined;
    const sources: InspectSources = {
      listFds: async (pid) => listingOf(pid),
      readLinks: async () => ({ cwd: { path: '/', error: null }, exe: { path: '/bin/x', error: null } }),
      readStartTime: async () => null,
      listPorts: () => new Promise((resolve) => (release = resolve)),
      inspect: async () => ({ inspection: null, error: { code: 'ENOENT', message: 'not read in this test' } }),
    };
    const refresher = new InspectRefresher(store, createInspectStore(), sources);
    refresher.start();
    try {
      store.getState().startInput('filter', true);
      store.getState().typeInput(':1');
      expect(store.getState().message?.text).toBe('looking up processes holding port 1…');
      store.getState().typeInput('8080');
      store.getState().acceptInput();
      expect(statusText(store)).not.toContain('port 1…');
      release({ bindings: [{ protocol: 'tcp', family: 'ipv4', localAddress: '127.0.0.1', localPort: 18080, state: 'LISTEN', pid: 20, processName: 'x', user: 'root', inode: 5, fds: [3] }] as unknown as PortListing['bindings'], warnings: [] });
      await waitFor(() => store.getState().portHolders?.port === 18080);
      expect(store.getState().display.map((d) => d.row.pid)).toEqual([20]);
      expect(statusText(store)).not.toContain('looking up');
    } finally {
      await refresher.stop();
    }
  });

  it('"filter cleared" goes when a new filter is applied', () => {
    const store = storeWith([syntheticRow({ pid: 10, comm: 'alpha' }), syntheticRow({ pid: 20, comm: 'beta' })]);
    store.getState().startInput('filter', true);
    store.getState().typeInput('alpha');
    store.getState().acceptInput();
    store.getState().clearFilters();
    expect(statusText(store)).toContain('filter cleared');
    store.getState().startInput('filter', true);
    store.getState().typeInput('beta');
    store.getState().acceptInput();
    expect(statusText(store)).not.toContain('filter cleared');
    expect(statusText(store)).toContain('filter:"beta"');
  });

  it('"selected 5 processes" goes when the selection changes', () => {
    const store = storeWith([
      syntheticRow({ pid: 10, ppid: 1, cpuPercent: 50 }),
      ...[11, 12, 13, 14].map((pid) => syntheticRow({ pid, ppid: 10, cpuPercent: 1 })),
    ]);
    store.getState().selectWithChildren();
    expect(store.getState().selection.size).toBe(5);
    expect(statusText(store)).toContain('selected 5 processes (with children)');
    store.getState().moveCursor(1);
    store.getState().toggleSelect(); // deselects one: 4 left
    expect(store.getState().selection.size).toBe(4);
    expect(statusText(store)).not.toContain('selected 5');
    expect(statusText(store)).toContain('4 selected');
  });

  it('a message about nothing in particular stands until it expires', () => {
    const store = storeWith([syntheticRow({ pid: 10 })]);
    store.getState().showMessage('paused (Z to resume)');
    store.getState().ingest(frameAt([syntheticRow({ pid: 10 }), syntheticRow({ pid: 11 })], 2));
    expect(statusText(store)).toContain('paused (Z to resume)');
  });
});

describe('help overlay', () => {
  it.each([
    [100, 20],
    [120, 30],
    [160, 20],
    [100, 40],
  ])('at %ix%i keeps its title alone on the first line and every key line under its own group', async (columns, rows) => {
    const store = createMonitorStore({ columns, rows, backend: 'native', color: false, mode: 'interactive' });
    store.getState().ingest(syntheticFrame([syntheticRow({ pid: 1 })], { system: syntheticSystem(2) }));
    store.getState().pushView('help');
    const app = render(<MonitorApp store={store} />);
    await new Promise((r) => setTimeout(r, 30));
    const lines = (app.lastFrame() ?? '').split('\n');
    expect(lines[0]?.trimEnd()).toBe('proctop keys');
    // Read each column top-down: a key line (indented) never comes before a group title.
    const half = Math.floor(columns / 2) - 1 + 2;
    const body = lines.slice(1, -1).filter((l) => !l.startsWith('…'));
    for (const column of [body.map((l) => l.slice(0, half - 2)), body.map((l) => l.slice(half))]) {
      const used = column.map((l) => l.trimEnd()).filter((l) => l !== '');
      if (used.length > 0) expect(used[0], column.join('\n')).toMatch(/^\S.*:$/);
    }
    expect(lines.every((l) => l.length <= columns)).toBe(true);
  });

  it('one column below 100 columns, cut with a "…" line when it does not fit', () => {
    const rows = helpRows(helpText(false, 80), 80, 10);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toBe('proctop keys');
    expect(rows[9]).toBe('… (enlarge the terminal to see all keys)');
  });
});

describe('warnings of the refreshes', () => {
  const hostile = 'cannot read /proc/42/stat of \x1b[2Jevil\x07name';
  const fallback = "reader process not running: /proc is read on a thread of proctop's own process (/opt/proctop-reader: No such file or directory)";
  const at = (step: number, warnings: string[]) => syntheticFrame([syntheticRow({ pid: 10 })], { timestampMs: T0 + step * 1500, intervalMs: 1500, warnings });

  it('a warning the refreshes start giving is said in the status bar for WARNING_MS, and counted on the right while it holds', () => {
    let clock = T0;
    const store = createMonitorStore({ columns: 200, rows: 30, now: () => clock });
    store.getState().ingest(at(1, []));
    expect(statusLine(store.getState(), clock).text).not.toContain('warning');
    store.getState().ingest(at(2, [fallback]));
    const shown = statusLine(store.getState(), clock);
    expect(shown.kind).toBe('message');
    expect(shown.text).toContain(`warning: ${fallback}`);
    expect(shown.text).toContain('1 warning (?)');
    clock += WARNING_MS + 1;
    store.getState().ingest(at(3, [fallback]));
    const later = statusLine(store.getState(), clock);
    // Said once: the same warning again is no news; the count stays on the right.
    expect(later.kind).toBe('hints');
    expect(later.text).toContain('1 warning (?)');
    store.getState().ingest(at(4, []));
    expect(statusLine(store.getState(), clock).text).not.toContain('warning');
  });

  it('a count that moves is the same warning; a new kind is news, with how many more came', () => {
    let clock = T0;
    const store = createMonitorStore({ columns: 200, rows: 30, now: () => clock });
    store.getState().ingest(at(1, ['3 process(es) skipped: permission denied reading stat']));
    clock += WARNING_MS + 1;
    store.getState().ingest(at(2, ['5 process(es) skipped: permission denied reading stat']));
    expect(statusLine(store.getState(), clock).kind).toBe('hints');
    store.getState().ingest(at(3, ['5 process(es) skipped: permission denied reading stat', fallback, 'open-file limit 256: stat handles kept for 10 of 20 processes']));
    const text = statusLine(store.getState(), clock).text;
    expect(text).toContain(`warning: ${fallback} (+1 more: ? lists them)`);
    expect(text).toContain('3 warnings (?)');
    expect(newWarning(['a 1 b'], ['a 22 b'])).toBeNull();
  });

  it('does not push aside a message that stands (an action\'s outcome)', () => {
    const store = createMonitorStore({ columns: 200, rows: 30, now: () => T0 });
    store.getState().ingest(at(1, []));
    store.getState().showMessage('sent SIGTERM to PID 10');
    store.getState().ingest(at(2, [fallback]));
    const shown = statusLine(store.getState(), T0).text;
    expect(shown).toContain('sent SIGTERM to PID 10');
    expect(shown).toContain('1 warning (?)');
  });

  it('keeps control bytes of a warning from the terminal, in the status bar and in help', () => {
    const store = createMonitorStore({ columns: 200, rows: 30, now: () => T0 });
    store.getState().ingest(at(1, [hostile]));
    const shown = statusLine(store.getState(), T0).text;
    expect(shown).toContain('warning: cannot read /proc/42/stat of');
    expect(shown).not.toMatch(/[\x00-\x1f\x7f]/);
    const help = helpRows(helpText(false, 80), 80, 30, warningLines([hostile], 80));
    expect(help.slice(1, 3)).toEqual(['Warnings of the last refresh:', expect.stringContaining('  cannot read /proc/42/stat of ')]);
    expect(help.join('\n')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });

  it.each([
    [99, 30],
    [100, 30],
  ])('help lists them at %ix%i, under their own title, before the keys', async (columns, rows) => {
    const store = createMonitorStore({ columns, rows, backend: 'native', color: false, mode: 'watch' });
    store.getState().ingest(syntheticFrame([syntheticRow({ pid: 1 })], { system: syntheticSystem(2), warnings: [fallback] }));
    store.getState().pushView('help');
    const app = render(<MonitorApp store={store} />);
    await new Promise((r) => setTimeout(r, 30));
    const lines = (app.lastFrame() ?? '').split('\n');
    const titleAt = lines.findIndex((l) => l.startsWith('Warnings of the last refresh:'));
    expect(titleAt).toBe(1);
    expect(lines[2]).toContain("  reader process not running: /proc is read on a thread of proctop's own");
    expect(lines.every((l) => l.length <= columns)).toBe(true);
    // The first refresh's warning is news: said on the left (the count on the right gives way on a narrow screen).
    expect(lines.at(-1)).toContain('warning: reader process not running');
  });
});
