import type { ProcessRow } from '../sampler/types.js';

/** The process table's columns, in screen order. Every column can be the sort key. */
export const COLUMN_IDS = ['pid', 'user', 'priority', 'nice', 'state', 'cpu', 'mem', 'rss', 'threads', 'time', 'io_read', 'io_write', 'ctxsw', 'cgroup', 'command'] as const;

export type ColumnId = (typeof COLUMN_IDS)[number];

/** Optional columns whose figures cost extra reads per process: off unless chosen (F2). */
export const EXTRA_COLUMN_IDS: readonly ColumnId[] = ['io_read', 'io_write', 'ctxsw', 'cgroup'];

/** Columns always drawn (the chooser cannot turn them off). */
export const FIXED_COLUMN_IDS: readonly ColumnId[] = ['pid', 'cpu', 'command'];

/** The columns on when the config file does not say. */
export const DEFAULT_COLUMN_IDS: readonly ColumnId[] = COLUMN_IDS.filter((id) => !EXTRA_COLUMN_IDS.includes(id));

/** How one column sorts: a comparison of two rows, ascending. */
type Compare = (a: ProcessRow, b: ProcessRow) => number;

const byNumber =
  (pick: (row: ProcessRow) => number): Compare =>
  (a, b) =>
    pick(a) - pick(b);

const byText =
  (pick: (row: ProcessRow) => string): Compare =>
  (a, b) => {
    const x = pick(a);
    const y = pick(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

/** The text of the COMMAND column: the full command line, or [comm] for kernel threads and zombies. */
export function commandText(row: ProcessRow): string {
  return row.argv.length > 0 ? row.argv.join(' ') : `[${row.comm}]`;
}

const COMPARE: Readonly<Record<ColumnId, Compare>> = {
  pid: byNumber((r) => r.pid),
  user: byText((r) => r.user),
  priority: byNumber((r) => r.priority),
  nice: byNumber((r) => r.nice),
  state: byText((r) => r.state),
  cpu: byNumber((r) => r.cpuPercent),
  mem: byNumber((r) => r.rssBytes),
  rss: byNumber((r) => r.rssBytes),
  threads: byNumber((r) => r.threads),
  time: byNumber((r) => r.utime + r.stime),
  // -1: not read yet or unreadable sorts below every measured 0.
  io_read: byNumber((r) => r.extras?.ioReadPerSec ?? -1),
  io_write: byNumber((r) => r.extras?.ioWritePerSec ?? -1),
  ctxsw: byNumber((r) => r.extras?.ctxSwitchesPerSec ?? -1),
  cgroup: byText((r) => r.extras?.cgroup ?? ''),
  command: byText(commandText),
};

/** Columns whose natural first order is largest first (what a triager wants on top). */
const DESCENDING_FIRST: ReadonlySet<ColumnId> = new Set(['cpu', 'mem', 'rss', 'threads', 'time', 'priority', 'io_read', 'io_write', 'ctxsw']);

/** True when picking this column should start with the biggest values on top. */
export function defaultDescending(column: ColumnId): boolean {
  return DESCENDING_FIRST.has(column);
}

/** One comparator per (column, direction), made once: a closure made per sort is re-optimized by V8 after every major GC. */
const COMPARATORS = new Map<string, Compare>();

/** A total order on rows for a column; ties fall back to PID so the order never flickers. */
export function rowComparator(column: ColumnId, descending: boolean): Compare {
  const id = `${column}:${descending ? 'desc' : 'asc'}`;
  let comparator = COMPARATORS.get(id);
  if (!comparator) {
    const compare = COMPARE[column];
    const sign = descending ? -1 : 1;
    comparator = (a, b) => sign * compare(a, b) || a.pid - b.pid || a.startTime - b.startTime;
    COMPARATORS.set(id, comparator);
  }
  return comparator;
}

/** Names accepted by --sort, mapped to columns (header titles and a few spelled-out aliases). */
const COLUMN_ALIASES: Readonly<Record<string, ColumnId>> = {
  pid: 'pid',
  user: 'user',
  pri: 'priority',
  priority: 'priority',
  ni: 'nice',
  nice: 'nice',
  s: 'state',
  state: 'state',
  cpu: 'cpu',
  'cpu%': 'cpu',
  mem: 'mem',
  'mem%': 'mem',
  rss: 'rss',
  thr: 'threads',
  threads: 'threads',
  time: 'time',
  'time+': 'time',
  command: 'command',
  cmd: 'command',
  io_read: 'io_read',
  'io_r/s': 'io_read',
  io_r: 'io_read',
  io_write: 'io_write',
  'io_w/s': 'io_write',
  io_w: 'io_write',
  ctxsw: 'ctxsw',
  'ctxsw/s': 'ctxsw',
  cgroup: 'cgroup',
};

/** Parses a --sort value (case-insensitive), or returns null. */
export function parseColumnName(text: string): ColumnId | null {
  return COLUMN_ALIASES[text.trim().toLowerCase()] ?? null;
}

/** Accepted --sort names, for the error message. */
export const SORT_NAMES = 'pid, user, pri, ni, s, cpu, mem, rss, thr, time, io_r, io_w, ctxsw, cgroup, command';
