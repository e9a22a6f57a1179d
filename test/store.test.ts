import { describe, expect, it } from 'vitest';
import { createMonitorStore, cursorRow, TOMBSTONE_MS, type MonitorStore } from '../src/store/monitor-store.js';
import { buildTree, displayRows, matchesFilter, withDescendants, type ListQuery } from '../src/store/process-list.js';
import { syntheticFrame, syntheticRow } from './helpers/synthetic-frames.js';
import type { ProcessRow } from '../src/sampler/types.js';

const T0 = 1_700_000_100_000;

function frameAt(rows: ProcessRow[], step: number) {
  return syntheticFrame(rows, { timestampMs: T0 + step * 1500, intervalMs: 1500 });
}

function pids(store: MonitorStore): number[] {
  return store.getState().display.map((d) => d.row.pid);
}

function cursorPid(store: MonitorStore): number | undefined {
  return cursorRow(store.getState())?.row.pid;
}

const baseQuery: ListQuery = { sortColumn: 'cpu', descending: true, filter: '', user: null, hideKernelThreads: false, tree: false };

describe('sorting', () => {
  it('sorts by CPU% descending with PID breaking ties, and inverts', () => {
    const store = createMonitorStore({ rows: 40 });
    store.getState().ingest(frameAt([syntheticRow({ pid: 30, cpuPercent: 5 }), syntheticRow({ pid: 10, cpuPercent: 50 }), syntheticRow({ pid: 20, cpuPercent: 5 })], 1));
    expect(pids(store)).toEqual([10, 20, 30]);
    store.getState().invertSort();
    expect(pids(store)).toEqual([20, 30, 10]);
  });

  it('sorts by memory with M, by PID with N, and cycles columns with < >', () => {
    const store = createMonitorStore({ rows: 40 });
    store.getState().ingest(frameAt([syntheticRow({ pid: 3, rssBytes: 1 }), syntheticRow({ pid: 1, rssBytes: 300 }), syntheticRow({ pid: 2, rssBytes: 20 })], 1));
    store.getState().setSort('mem');
    expect(pids(store)).toEqual([1, 2, 3]);
    store.getState().setSort('pid');
    expect(store.getState().descending).toBe(false);
    expect(pids(store)).toEqual([1, 2, 3]);
    store.getState().cycleSort(1);
    expect(store.getState().sortColumn).toBe('user');
    store.getState().cycleSort(-1);
    store.getState().cycleSort(-1);
    expect(store.getState().sortColumn).toBe('command');
  });
});

describe('filtering', () => {
  const row = syntheticRow({ pid: 4242, comm: 'postgres', user: 'dbadmin', argv: ['/usr/lib/postgresql/bin/postgres', '-D', '/var/lib/PG'] });

  it('matches command line, name, user and PID, case-insensitively', () => {
    expect(matchesFilter(row, 'var/lib/pg')).toBe(true);
    expect(matchesFilter(row, 'POSTGRES')).toBe(true);
    expect(matchesFilter(row, 'dbadm')).toBe(true);
    expect(matchesFilter(row, '424')).toBe(true);
    expect(matchesFilter(row, 'nginx')).toBe(false);
  });

  it('filters incrementally while typing; Esc restores the previous filter, Enter keeps it', () => {
    const store = createMonitorStore({ rows: 40 });
    store.getState().ingest(frameAt([row, syntheticRow({ pid: 7, comm: 'nginx', argv: ['nginx'] })], 1));
    store.getState().startInput('filter', true);
    store.getState().typeInput('ng');
    expect(pids(store)).toEqual([7]);
    store.getState().backspaceInput();
    store.getState().backspaceInput();
    store.getState().typeInput('p');
    expect(pids(store)).toEqual([4242]);
    store.getState().acceptInput();
    expect(store.getState().filter).toBe('p');
    expect(store.getState().input).toBeNull();
    store.getState().startInput('filter', false);
    store.getState().typeInput('zzz');
    expect(pids(store)).toEqual([]);
    store.getState().cancelInput();
    expect(store.getState().filter).toBe('p');
    expect(pids(store)).toEqual([4242]);
    store.getState().clearFilters();
    expect(pids(store).sort()).toEqual([4242, 7].sort());
  });

  it('filters by user and hides kernel threads', () => {
    const store = createMonitorStore({ rows: 40, userFilter: 'root' });
    store.getState().ingest(
      frameAt([syntheticRow({ pid: 2, user: 'root', isKernelThread: true, argv: [] }), syntheticRow({ pid: 5, user: 'root' }), syntheticRow({ pid: 6, user: 'alice' })], 1),
    );
    expect(pids(store).sort()).toEqual([2, 5]);
    store.getState().toggleKernelThreads();
    expect(pids(store)).toEqual([5]);
    store.getState().startInput('user', false);
    store.getState().backspaceInput();
    store.getState().backspaceInput();
    store.getState().backspaceInput();
    store.getState().backspaceInput();
    store.getState().acceptInput();
    expect(store.getState().userFilter).toBeNull();
    expect(pids(store).sort()).toEqual([5, 6]);
  });
});

describe('identity-stable cursor', () => {
  it('stays on the same process when a refresh re-sorts the list', () => {
    const store = createMonitorStore({ rows: 40 });
    store.getState().ingest(frameAt([syntheticRow({ pid: 1, cpuPercent: 90 }), syntheticRow({ pid: 2, cpuPercent: 50 }), syntheticRow({ pid: 3, cpuPercent: 10 })], 1));
    store.getState().moveCursor(1);
    expect(cursorPid(store)).toBe(2);
    store.getState().ingest(frameAt([syntheticRow({ pid: 1, cpuPercent: 0 }), syntheticRow({ pid: 2, cpuPercent: 1 }), syntheticRow({ pid: 3, cpuPercent: 99 })], 2));
    expect(pids(store)).toEqual([3, 2, 1]);
    expect(cursorPid(store)).toBe(2);
    store.getState().ingest(frameAt([syntheticRow({ pid: 1, cpuPercent: 0 }), syntheticRow({ pid: 2, cpuPercent: 100 }), syntheticRow({ pid: 3, cpuPercent: 99 })], 3));
    expect(store.getState().cursorIndex).toBe(0);
    expect(cursorPid(store)).toBe(2);
  });

  it('stays on the same process across a user re-sort and tree toggle', () => {
    const store = createMonitorStore({ rows: 40 });
    store.getState().ingest(frameAt([syntheticRow({ pid: 9, cpuPercent: 90, ppid: 1 }), syntheticRow({ pid: 1, cpuPercent: 1, ppid: 0 }), syntheticRow({ pid: 5, cpuPercent: 50, ppid: 1 })], 1));
    store.getState().cursorEnd();
    expect(cursorPid(store)).toBe(1);
    store.getState().setSort('pid');
    expect(cursorPid(store)).toBe(1);
    expect(store.getState().cursorIndex).toBe(0);
    store.getState().toggleTree();
    expect(cursorPid(store)).toBe(1);
  });

  it('does not jump to a new process that reuses the PID: the old one is a tombstone, then the cursor moves to its neighbour', () => {
    const store = createMonitorStore({ rows: 40, intervalMs: 1000 });
    const old = syntheticRow({ pid: 50, startTime: 100, cpuPercent: 40 });
    store.getState().ingest(frameAt([syntheticRow({ pid: 10, cpuPercent: 90 }), old, syntheticRow({ pid: 60, cpuPercent: 10 })], 1));
    store.getState().moveCursor(1);
    expect(store.getState().cursorKey).toBe('50:100');
    const reused = syntheticRow({ pid: 50, startTime: 900, cpuPercent: 5 });
    store.getState().ingest(frameAt([syntheticRow({ pid: 10, cpuPercent: 90 }), reused, syntheticRow({ pid: 60, cpuPercent: 10 })], 2));
    const under = cursorRow(store.getState());
    expect(under?.key).toBe('50:100');
    expect(under?.exited).toBe(true);
    expect(store.getState().display.filter((d) => d.row.pid === 50).map((d) => d.key).sort()).toEqual(['50:100', '50:900']);
    // After the tombstone time the cursor lands on the row now at its old position, not on a remembered PID.
    const later = syntheticFrame([syntheticRow({ pid: 10, cpuPercent: 90 }), reused, syntheticRow({ pid: 60, cpuPercent: 10 })], {
      timestampMs: T0 + 3 * 1500 + TOMBSTONE_MS,
    });
    store.getState().ingest(later);
    expect(store.getState().display.some((d) => d.exited)).toBe(false);
    expect(store.getState().cursorIndex).toBe(1);
    expect(store.getState().cursorKey).toBe('60:1060');
  });

  it('starts on the top row of the first frame with CPU figures, then sticks', () => {
    const store = createMonitorStore({ rows: 40 });
    store.getState().ingest(syntheticFrame([syntheticRow({ pid: 1 }), syntheticRow({ pid: 2 })], { intervalMs: 0 }));
    store.getState().ingest(frameAt([syntheticRow({ pid: 1, cpuPercent: 1 }), syntheticRow({ pid: 2, cpuPercent: 80 })], 1));
    expect(cursorPid(store)).toBe(2);
    store.getState().ingest(frameAt([syntheticRow({ pid: 1, cpuPercent: 90 }), syntheticRow({ pid: 2, cpuPercent: 80 })], 2));
    expect(cursorPid(store)).toBe(2);
  });

  it('pages and scrolls so the cursor stays visible', () => {
    const store = createMonitorStore({ columns: 80, rows: 10 });
    const rows = Array.from({ length: 100 }, (_, i) => syntheticRow({ pid: i + 1, cpuPercent: 100 - i }));
    store.getState().ingest(frameAt(rows, 1));
    const height = store.getState().layout.tableRows;
    expect(height).toBeGreaterThan(0);
    store.getState().pageDown();
    expect(store.getState().cursorIndex).toBe(height);
    expect(store.getState().scrollTop).toBe(1);
    store.getState().cursorEnd();
    expect(cursorPid(store)).toBe(100);
    expect(store.getState().scrollTop).toBe(100 - height);
    store.getState().cursorHome();
    expect(store.getState().scrollTop).toBe(0);
    store.getState().moveCursor(-5);
    expect(store.getState().cursorIndex).toBe(0);
  });

  it('follow keeps the followed process on its screen line while the list moves', () => {
    const store = createMonitorStore({ columns: 80, rows: 12 });
    const rows = (top: number) => Array.from({ length: 50 }, (_, i) => syntheticRow({ pid: i + 1, cpuPercent: i + 1 === top ? 100 : 50 - i }));
    store.getState().ingest(frameAt(rows(0), 1));
    store.getState().moveCursor(3);
    store.getState().toggleFollow();
    const lineBefore = store.getState().cursorIndex - store.getState().scrollTop;
    store.getState().ingest(frameAt(rows(40), 2));
    expect(cursorPid(store)).toBe(4);
    expect(store.getState().cursorIndex - store.getState().scrollTop).toBe(lineBefore);
    expect(store.getState().following).toBe(true);
  });
});

describe('selection', () => {
  it('sticks to identities across re-sorts and drops processes that exited', () => {
    const store = createMonitorStore({ rows: 40 });
    store.getState().ingest(frameAt([syntheticRow({ pid: 1, cpuPercent: 3 }), syntheticRow({ pid: 2, cpuPercent: 2 }), syntheticRow({ pid: 3, cpuPercent: 1 })], 1));
    store.getState().toggleSelect(); // pid 1, cursor moves down
    store.getState().toggleSelect(); // pid 2
    expect([...store.getState().selection].sort()).toEqual(['1:1001', '2:1002']);
    store.getState().setSort('pid');
    store.getState().invertSort();
    expect([...store.getState().selection].sort()).toEqual(['1:1001', '2:1002']);
    // PID 2 exits and its PID is reused: the newcomer is not selected.
    store.getState().ingest(frameAt([syntheticRow({ pid: 1 }), syntheticRow({ pid: 2, startTime: 5000 }), syntheticRow({ pid: 3 })], 2));
    expect([...store.getState().selection]).toEqual(['1:1001']);
    store.getState().clearSelection();
    expect(store.getState().selection.size).toBe(0);
  });

  it('c selects the process under the cursor with all its descendants', () => {
    const store = createMonitorStore({ rows: 40, sortColumn: 'pid' });
    store.getState().ingest(
      frameAt(
        [
          syntheticRow({ pid: 1, ppid: 0 }),
          syntheticRow({ pid: 10, ppid: 1 }),
          syntheticRow({ pid: 11, ppid: 10 }),
          syntheticRow({ pid: 12, ppid: 11 }),
          syntheticRow({ pid: 20, ppid: 1 }),
        ],
        1,
      ),
    );
    store.getState().moveCursor(1);
    expect(cursorPid(store)).toBe(10);
    store.getState().selectWithChildren();
    expect([...store.getState().selection].map((k) => Number(k.split(':')[0])).sort((a, b) => a - b)).toEqual([10, 11, 12]);
  });
});

describe('tree building', () => {
  it('nests children under parents with indent guides, siblings in sort order', () => {
    const rows = [
      syntheticRow({ pid: 1, ppid: 0, cpuPercent: 0 }),
      syntheticRow({ pid: 10, ppid: 1, cpuPercent: 5 }),
      syntheticRow({ pid: 11, ppid: 10, cpuPercent: 1 }),
      syntheticRow({ pid: 20, ppid: 1, cpuPercent: 50 }),
    ];
    const tree = displayRows(rows, { ...baseQuery, tree: true });
    expect(tree.map((d) => [d.row.pid, d.depth, d.treePrefix])).toEqual([
      [1, 0, ''],
      [20, 1, '├─ '],
      [10, 1, '└─ '],
      [11, 2, '   └─ '],
    ]);
  });

  it('makes orphans roots (parent not visible or gone)', () => {
    const rows = [syntheticRow({ pid: 1, ppid: 0 }), syntheticRow({ pid: 77, ppid: 999 }), syntheticRow({ pid: 78, ppid: 77 })];
    const tree = buildTree(rows);
    expect(tree.filter((d) => d.depth === 0).map((d) => d.row.pid)).toEqual([1, 77]);
    expect(tree.find((d) => d.row.pid === 78)?.depth).toBe(1);
  });

  it('treats a ppid that names a younger process as a reused PID, so reuse cycles cannot loop', () => {
    // 20 is old; its parent PID 10 was reused by a process started later, whose parent is 20.
    const rows = [syntheticRow({ pid: 10, ppid: 20, startTime: 900 }), syntheticRow({ pid: 20, ppid: 10, startTime: 100 })];
    const tree = buildTree(rows);
    expect(tree.map((d) => [d.row.pid, d.depth])).toEqual([
      [20, 0],
      [10, 1],
    ]);
  });

  it('still shows every row exactly once when start times tie in a cycle', () => {
    const rows = [syntheticRow({ pid: 10, ppid: 20, startTime: 500 }), syntheticRow({ pid: 20, ppid: 10, startTime: 500 }), syntheticRow({ pid: 30, ppid: 30, startTime: 1 })];
    const tree = buildTree(rows);
    expect(tree.map((d) => d.row.pid).sort()).toEqual([10, 20, 30]);
    expect(withDescendants(rows, '10:500').sort()).toEqual(['10:500', '20:500']);
  });
});

describe('refresh control', () => {
  it('pause stops eating frames; resume eats again', () => {
    const store = createMonitorStore({ rows: 40 });
    store.getState().ingest(frameAt([syntheticRow({ pid: 1 })], 1));
    store.getState().togglePause();
    store.getState().ingest(frameAt([syntheticRow({ pid: 1 }), syntheticRow({ pid: 2 })], 2));
    expect(pids(store)).toEqual([1]);
    expect(store.getState().message?.text).toContain('paused');
    store.getState().togglePause();
    store.getState().ingest(frameAt([syntheticRow({ pid: 1 }), syntheticRow({ pid: 2 })], 3));
    expect(pids(store)).toEqual([1, 2]);
  });

  it('+ and - walk the interval ladder and stop at its ends', () => {
    const store = createMonitorStore({ intervalMs: 1500 });
    store.getState().changeInterval(1);
    expect(store.getState().intervalMs).toBe(2000);
    store.getState().changeInterval(-1);
    store.getState().changeInterval(-1);
    expect(store.getState().intervalMs).toBe(1000);
    for (let i = 0; i < 10; i++) store.getState().changeInterval(-1);
    expect(store.getState().intervalMs).toBe(250);
    for (let i = 0; i < 20; i++) store.getState().changeInterval(1);
    expect(store.getState().intervalMs).toBe(10_000);
  });

  it('keeps a CPU history for the sparkline, skipping frames without deltas', () => {
    const store = createMonitorStore();
    store.getState().ingest(syntheticFrame([], { intervalMs: 0, cpuPercentTotal: 99 }));
    store.getState().ingest(syntheticFrame([], { cpuPercentTotal: 12 }));
    store.getState().ingest(syntheticFrame([], { cpuPercentTotal: 34 }));
    expect(store.getState().cpuHistory).toEqual([12, 34]);
  });
});

describe('--watch in a pane nobody touches (issue 12 §4)', () => {
  // proctop's own row tops the first full frame (it just started), then drops to idle while two
  // busy processes burn CPU and sixty others more than proctop: the view must stay on the top of
  // the sort, not ride proctop down sixty rows.
  const self = (cpu: number) => syntheticRow({ pid: 4242, comm: 'proctop', cpuPercent: cpu });
  const idle = Array.from({ length: 60 }, (_, i) => syntheticRow({ pid: 1000 + i, cpuPercent: 1.5 }));
  const busy = (cpu: number) => [syntheticRow({ pid: 77, comm: 'spin-a', cpuPercent: cpu }), syntheticRow({ pid: 78, comm: 'spin-b', cpuPercent: cpu - 1 })];

  it.each([
    [40, 10],
    [80, 24],
    [120, 40],
  ])('at %ix%i starts at the top of the sort and stays there until the user moves', (columns, rows) => {
    const store = createMonitorStore({ columns, rows, mode: 'watch' });
    store.getState().ingest(syntheticFrame([self(0), ...busy(0), ...idle], { intervalMs: 0 }));
    store.getState().ingest(frameAt([self(95), ...busy(40), ...idle], 1));
    expect(cursorPid(store)).toBe(4242);
    for (let step = 2; step < 6; step++) {
      store.getState().ingest(frameAt([self(0.7), ...busy(85), ...idle], step));
      const s = store.getState();
      expect(s.scrollTop).toBe(0);
      expect(s.cursorIndex).toBe(0);
      expect(cursorPid(store)).toBe(77);
      expect(s.display.slice(0, 2).map((d) => d.row.pid)).toEqual([77, 78]);
    }
    // Once the user moves, the cursor is theirs: it sticks to its process as in the interactive monitor.
    store.getState().moveCursor(1);
    expect(cursorPid(store)).toBe(78);
    store.getState().ingest(frameAt([self(0.7), syntheticRow({ pid: 77, comm: 'spin-a', cpuPercent: 10 }), syntheticRow({ pid: 78, comm: 'spin-b', cpuPercent: 90 }), ...idle], 9));
    expect(cursorPid(store)).toBe(78);
    expect(store.getState().cursorIndex).toBe(0);
  });
});
