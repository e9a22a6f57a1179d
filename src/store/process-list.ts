// Pure list logic: which rows are shown and in what order. No React, no OS, no store.
import type { IdentityKey, ProcessRow } from '../sampler/types.js';
import { commandText, sortRows } from './columns.js';
import type { ColumnId } from '../config/columns.js';
import { holdsPort, parsePortFilter, type PortHolders } from './port-filter.js';
import { entryMatches, parseTrackedFilter, type TrackedFilter } from './tracked-filter.js';
import type { TrackedEntry } from '../registry/types.js';

/** One line of the process table. */
export interface DisplayRow {
  readonly key: IdentityKey;
  readonly row: ProcessRow;
  /** Depth in tree view (0 = root, always 0 in list view). */
  readonly depth: number;
  /** Indent guides drawn before COMMAND in tree view ("│  ├─ "), empty in list view. */
  readonly treePrefix: string;
  /** The process has exited and is shown as a tombstone under the cursor. */
  readonly exited: boolean;
}

/** What decides the displayed list. */
export interface ListQuery {
  readonly sortColumn: ColumnId;
  readonly descending: boolean;
  /** Incremental filter over command line, name, user and PID; "" = everything. */
  readonly filter: string;
  /** Only this user's processes; null = all users. */
  readonly user: string | null;
  readonly hideKernelThreads: boolean;
  readonly tree: boolean;
  /** Holders of the port a ":PORT" filter names (null/absent until looked up). */
  readonly portHolders?: PortHolders | null;
  /** Tracked processes on screen by identity (for tag: group: name: filter tokens). */
  readonly tracked?: ReadonlyMap<IdentityKey, TrackedEntry> | null;
}

/** Case-insensitive match of the filter text against command line, comm, program name, user and PID. */
export function matchesFilter(row: ProcessRow, filter: string): boolean {
  if (filter === '') return true;
  const needle = filter.toLowerCase();
  return (
    String(row.pid).includes(needle) ||
    row.comm.toLowerCase().includes(needle) ||
    row.name.toLowerCase().includes(needle) ||
    row.user.toLowerCase().includes(needle) ||
    commandText(row).toLowerCase().includes(needle)
  );
}

/** The list's row test: the filter parsed once per list, not per row. */
interface RowTest {
  readonly query: ListQuery;
  /** The port of a ":PORT" filter, else null. */
  readonly port: number | null;
  /** The registry tokens of the filter (tag:, group:, name:), else null. */
  readonly tokens: TrackedFilter | null;
  /** The free text the rows must match ("" = every row). */
  readonly text: string;
}

/**
 * A record made by an object literal, read by a plain function: V8 keeps a literal's map alive
 * (its boilerplate holds it). A closure made per list, or an instance of a class made per list, was
 * inlined into displayRows' optimized code, and at a major GC with no list being made its closure
 * or map died and V8 threw that code away ("weak objects"): a recompile every few seconds.
 */
function rowTest(query: ListQuery): RowTest {
  const port = parsePortFilter(query.filter);
  const tokens = port === null ? parseTrackedFilter(query.filter) : null;
  return { query, port, tokens, text: port !== null ? '' : tokens !== null ? tokens.text : query.filter };
}

function keeps(test: RowTest, row: ProcessRow): boolean {
  const { query } = test;
  if (query.hideKernelThreads && row.isKernelThread) return false;
  if (query.user !== null && row.user !== query.user) return false;
  if (test.port !== null) return holdsPort(row.pid, test.port, query.portHolders);
  if (test.tokens !== null && !entryMatches(query.tracked?.get(row.key), test.tokens)) return false;
  return matchesFilter(row, test.text);
}

/**
 * The parent of each row inside `rows`, by identity. A parent counts only when it started no
 * later than the child: a ppid that now names a younger process is a reused PID, so the child
 * is an orphan there (this also breaks parent cycles made by PID reuse).
 */
export function parentKeys(rows: readonly ProcessRow[]): Map<IdentityKey, IdentityKey> {
  const byPid = new Map<number, ProcessRow>();
  for (const row of rows) byPid.set(row.pid, row);
  const parents = new Map<IdentityKey, IdentityKey>();
  for (const row of rows) {
    const parent = byPid.get(row.ppid);
    if (parent && parent !== row && parent.startTime <= row.startTime) parents.set(row.key, parent.key);
  }
  return parents;
}

/** Children of every row (by identity), each list in the given order of `rows`. */
export function childrenByKey(rows: readonly ProcessRow[]): Map<IdentityKey, ProcessRow[]> {
  const parents = parentKeys(rows);
  const children = new Map<IdentityKey, ProcessRow[]>();
  for (const row of rows) {
    const parent = parents.get(row.key);
    if (parent === undefined) continue;
    const list = children.get(parent);
    if (list) list.push(row);
    else children.set(parent, [row]);
  }
  return children;
}

/**
 * Orders rows as a forest: roots are rows whose parent is not among `rows` (orphans included),
 * siblings keep the order of `sorted`. Every row appears exactly once, even inside a cycle
 * (equal start times can still form one): unreached rows become roots.
 */
export function buildTree(sorted: readonly ProcessRow[]): DisplayRow[] {
  const parents = parentKeys(sorted);
  const children = childrenByKey(sorted);
  const out: DisplayRow[] = [];
  const placed = new Set<IdentityKey>();
  const walk = (row: ProcessRow, depth: number, guides: string, isLast: boolean): void => {
    placed.add(row.key);
    const prefix = depth === 0 ? '' : `${guides}${isLast ? '└─ ' : '├─ '}`;
    out.push({ key: row.key, row, depth, treePrefix: prefix, exited: false });
    const kids = (children.get(row.key) ?? []).filter((kid) => !placed.has(kid.key));
    const childGuides = depth === 0 ? '' : `${guides}${isLast ? '   ' : '│  '}`;
    kids.forEach((kid, i) => {
      if (!placed.has(kid.key)) walk(kid, depth + 1, childGuides, i === kids.length - 1);
    });
  };
  for (const row of sorted) if (!parents.has(row.key)) walk(row, 0, '', true);
  for (const row of sorted) if (!placed.has(row.key)) walk(row, 0, '', true);
  return out;
}

/** The rows to show, filtered and ordered (flat or as a tree). `exitedKey` marks a tombstone. */
export function displayRows(rows: readonly ProcessRow[], query: ListQuery, exitedKey: IdentityKey | null = null): DisplayRow[] {
  // Plain indexed loops, not filter/map callbacks (V8 drops the optimized code of a callback made
  // per call at each major GC) nor for-of (an object per step until V8 optimizes the loop): this
  // runs every refresh over every process.
  const test = rowTest(query);
  const matching: ProcessRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as ProcessRow;
    if (keeps(test, row) || row.key === exitedKey) matching.push(row);
  }
  const kept = sortRows(matching, query.sortColumn, query.descending);
  if (query.tree) {
    const tree = buildTree(kept);
    if (exitedKey === null) return tree;
    return tree.map((d) => (d.key === exitedKey ? { ...d, exited: true } : d));
  }
  const ordered: DisplayRow[] = [];
  for (let i = 0; i < kept.length; i++) {
    const row = kept[i] as ProcessRow;
    ordered.push(row.key === exitedKey ? { key: row.key, row, depth: 0, treePrefix: '', exited: true } : listed(row));
  }
  return ordered;
}

/**
 * A row as a line of the flat list: the sampler's rows are their own lines (SampledRow), so a
 * refresh makes no line object per process; any other row gets one.
 */
function listed(row: ProcessRow): DisplayRow {
  const line = row as Partial<DisplayRow>;
  return line.row === row && line.depth === 0 && line.treePrefix === '' && line.exited === false ? (line as DisplayRow) : { key: row.key, row, depth: 0, treePrefix: '', exited: false };
}

/** A row and all its descendants (by identity), the row first. */
export function withDescendants(rows: readonly ProcessRow[], rootKey: IdentityKey): IdentityKey[] {
  const children = childrenByKey(rows);
  const out: IdentityKey[] = [];
  const seen = new Set<IdentityKey>();
  const stack = [rootKey];
  while (stack.length > 0) {
    const key = stack.pop() as IdentityKey;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(key);
    for (const kid of children.get(key) ?? []) stack.push(kid.key);
  }
  return out;
}
