// The process list's columns by name: what the config file's `columns` and `sort`, --sort and the
// column chooser may name. Plain data, below everything that draws or sorts them.

/** The process table's columns, in screen order. Every column can be the sort key. */
export const COLUMN_IDS = ['pid', 'user', 'priority', 'nice', 'state', 'cpu', 'mem', 'rss', 'threads', 'time', 'io_read', 'io_write', 'ctxsw', 'cgroup', 'command'] as const;

export type ColumnId = (typeof COLUMN_IDS)[number];

/** Optional columns whose figures cost extra reads per process: off unless chosen (F2). */
export const EXTRA_COLUMN_IDS: readonly ColumnId[] = ['io_read', 'io_write', 'ctxsw', 'cgroup'];

/** Columns always drawn (the chooser cannot turn them off). */
export const FIXED_COLUMN_IDS: readonly ColumnId[] = ['pid', 'cpu', 'command'];

/** The columns on when the config file does not say. */
export const DEFAULT_COLUMN_IDS: readonly ColumnId[] = COLUMN_IDS.filter((id) => !EXTRA_COLUMN_IDS.includes(id));

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
