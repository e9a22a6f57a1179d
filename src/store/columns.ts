// How the list's columns sort and what COMMAND shows; which columns exist is config/columns.ts.
import type { ColumnId } from '../config/columns.js';
import type { ProcessRow } from '../sampler/types.js';

/** How one column sorts: a comparison of two rows, ascending. */
type Compare = (a: ProcessRow, b: ProcessRow) => number;

// -1/0/1, not a difference: a difference of fractional figures (CPU%) is a heap number for each
// of the ~10,000 comparisons of a refresh's sort, garbage the sort leaves behind.
const byNumber =
  (pick: (row: ProcessRow) => number): Compare =>
  (a, b) => {
    const x = pick(a);
    const y = pick(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

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
