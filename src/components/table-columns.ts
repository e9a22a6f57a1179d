// The process table's columns: titles, widths, cells, and which ones fit a given width.
import { commandText } from '../store/columns.js';
import { COLUMN_IDS, DEFAULT_COLUMN_IDS, FIXED_COLUMN_IDS, type ColumnId } from '../config/columns.js';
import type { DisplayRow } from '../store/process-list.js';
import { fit, formatBytes, formatCpuTime, formatPercent } from '../output/format.js';
import { sanitizeText } from '../output/sanitize.js';
import type { TrackedEntry } from '../registry/types.js';
import type { IdentityKey } from '../sampler/types.js';
import { trackLabel } from '../store/tracked-filter.js';
import { memPercentAt } from '../sampler/exact-rss.js';

/** One drawable column. */
export interface TableColumn {
  /** A sortable column, or TRACK (shown only while a tracked process is on screen). */
  readonly id: ColumnId | 'track';
  readonly title: string;
  /** Fixed width; COMMAND takes whatever is left. */
  readonly width: number;
  readonly align: 'left' | 'right';
  /**
   * The cell's text. `rssBytes` is the resident size to show (the exact figure read for rows on
   * screen, else the snapshot's counter): passed beside the row, not as a copy of it, so every
   * cell sees one row class (a copy per row per render was garbage and made the cells polymorphic).
   */
  readonly cell: (d: DisplayRow, rssBytes: number) => string;
}

const COLUMNS: Readonly<Record<ColumnId, TableColumn>> = {
  pid: { id: 'pid', title: 'PID', width: 7, align: 'right', cell: (d) => String(d.row.pid) },
  user: { id: 'user', title: 'USER', width: 9, align: 'left', cell: (d) => sanitizeText(d.row.user) },
  priority: { id: 'priority', title: 'PRI', width: 4, align: 'right', cell: (d) => (d.row.priority <= -100 ? 'RT' : String(d.row.priority)) },
  nice: { id: 'nice', title: 'NI', width: 3, align: 'right', cell: (d) => String(d.row.nice) },
  state: { id: 'state', title: 'S', width: 2, align: 'left', cell: (d) => (d.exited ? 'X' : d.row.state) },
  cpu: { id: 'cpu', title: 'CPU%', width: 5, align: 'right', cell: (d) => formatPercent(d.row.cpuPercent) },
  mem: { id: 'mem', title: 'MEM%', width: 5, align: 'right', cell: (d, rssBytes) => formatPercent(memPercentAt(d.row, rssBytes)) },
  rss: { id: 'rss', title: 'RSS', width: 6, align: 'right', cell: (_d, rssBytes) => formatBytes(rssBytes) },
  threads: { id: 'threads', title: 'THR', width: 4, align: 'right', cell: (d) => String(d.row.threads) },
  time: { id: 'time', title: 'TIME+', width: 9, align: 'right', cell: (d) => formatCpuTime(d.row.cpuTimeSeconds) },
  io_read: { id: 'io_read', title: 'IO_R/s', width: 7, align: 'right', cell: (d) => rateText(d.row.extras?.ioReadPerSec) },
  io_write: { id: 'io_write', title: 'IO_W/s', width: 7, align: 'right', cell: (d) => rateText(d.row.extras?.ioWritePerSec) },
  ctxsw: { id: 'ctxsw', title: 'CTXSW/s', width: 8, align: 'right', cell: (d) => countRateText(d.row.extras?.ctxSwitchesPerSec) },
  cgroup: { id: 'cgroup', title: 'CGROUP', width: 18, align: 'left', cell: (d) => sanitizeText(d.row.extras?.cgroup ?? '-') },
  command: {
    id: 'command',
    title: 'COMMAND',
    width: 0,
    align: 'left',
    cell: (d) => `${d.exited ? '(exited) ' : ''}${d.treePrefix}${sanitizeText(commandText(d.row))}`,
  },
};

/** A column's header title ("IO_R/s"), for the chooser. */
export function columnTitle(id: ColumnId): string {
  return COLUMNS[id].title;
}

/** Bytes per second in at most 6 characters; '-' before the first rate (or unreadable). */
function rateText(perSec: number | null | undefined): string {
  return perSec === null || perSec === undefined ? '-' : perSec === 0 ? '0' : formatBytes(perSec);
}

/** A count per second: 0..99999, then k. */
function countRateText(perSec: number | null | undefined): string {
  if (perSec === null || perSec === undefined) return '-';
  return perSec < 100_000 ? String(Math.round(perSec)) : `${Math.round(perSec / 1000)}k`;
}

/** Screen order (COLUMN_IDS). */
const ORDER: readonly ColumnId[] = COLUMN_IDS;
/** Optional columns, most wanted first: added while they fit (the costly extras only when chosen). */
const IMPORTANCE: readonly ColumnId[] = ['mem', 'user', 'cgroup', 'io_read', 'io_write', 'ctxsw', 'state', 'rss', 'time', 'threads', 'nice', 'priority'];
/** COMMAND never gets narrower than this while optional columns remain (at 80+ columns all fit, like htop). */
const minCommandWidth = (width: number): number => (width >= 80 ? 12 : 16);
/** One character before PID marks selected rows. */
export const GUTTER = 1;

/** Columns per terminal width and chosen set: worked out once each, not on every refresh. */
const FITTED = new Map<string, readonly TableColumn[]>();

/** The columns drawn at `width`: PID, CPU% and COMMAND always, the chosen others as room allows. */
export function fitColumns(width: number, enabled: readonly ColumnId[] = DEFAULT_COLUMN_IDS): readonly TableColumn[] {
  const key = `${width}:${enabled.join(',')}`;
  let fitted = FITTED.get(key);
  if (!fitted) {
    fitted = chooseColumns(width, enabled);
    FITTED.set(key, fitted);
  }
  return fitted;
}

function chooseColumns(width: number, enabled: readonly ColumnId[]): TableColumn[] {
  const chosen = new Set<ColumnId>(FIXED_COLUMN_IDS);
  const used = (ids: Set<ColumnId>): number => GUTTER + [...ids].filter((id) => id !== 'command').reduce((sum, id) => sum + COLUMNS[id].width + 1, 0);
  for (const id of IMPORTANCE) {
    if (!enabled.includes(id)) continue;
    const next = new Set(chosen).add(id);
    if (width - used(next) >= minCommandWidth(width)) chosen.add(id);
  }
  const commandWidth = Math.max(0, width - used(chosen));
  return ORDER.filter((id) => chosen.has(id)).map((id) => (id === 'command' ? { ...COLUMNS.command, width: commandWidth } : COLUMNS[id]));
}

/** Width of the TRACK column (name or #id, then tags). */
export const TRACK_WIDTH = 14;

/**
 * The columns at `width` with TRACK before COMMAND: shown while any tracked process is on screen.
 * They are fitted as if the screen were TRACK's room narrower, so optional columns give way and
 * COMMAND keeps its minimum. The cell is the entry's name (or #id) and tags.
 */
export function fitColumnsWithTrack(width: number, enabled: readonly ColumnId[], tracked: ReadonlyMap<IdentityKey, TrackedEntry>): readonly TableColumn[] {
  const track: TableColumn = {
    id: 'track',
    title: 'TRACK',
    width: TRACK_WIDTH,
    align: 'left',
    cell: (d) => {
      const entry = tracked.get(d.key);
      return entry ? sanitizeText(trackLabel(entry)) : '';
    },
  };
  const out: TableColumn[] = [];
  for (const col of fitColumns(Math.max(0, width - TRACK_WIDTH - 1), enabled)) {
    if (col.id === 'command') out.push(track);
    out.push(col);
  }
  return out;
}

/** The columns on screen: TRACK joins only while a tracked process is among the visible rows. */
export function screenColumns(width: number, enabled: readonly ColumnId[], visible: readonly DisplayRow[], tracked: ReadonlyMap<IdentityKey, TrackedEntry>): readonly TableColumn[] {
  return tracked.size > 0 && visible.some((d) => tracked.has(d.key)) ? fitColumnsWithTrack(width, enabled, tracked) : fitColumns(width, enabled);
}

/**
 * The sortable column drawn at screen column `x` (0-based), or null (gutter, gaps, TRACK, past the
 * end), given the columns the table draws at `width` (screenColumns).
 */
export function columnAt(columns: readonly TableColumn[], width: number, x: number): ColumnId | null {
  let start = GUTTER;
  for (const col of columns) {
    const end = col.id === 'command' ? width : start + col.width;
    if (x >= start && x < end) return col.id === 'track' ? null : col.id;
    start = end + 1;
  }
  return null;
}

/** The title line; the sort column carries ▼ (descending) or ▲ (ascending). */
export function titleLine(columns: readonly TableColumn[], sortColumn: ColumnId, descending: boolean): string {
  const cells = columns.map((col) => {
    const title = col.id === sortColumn ? `${col.title}${descending ? '▼' : '▲'}` : col.title;
    return fit(title, col.width, col.align);
  });
  return ' '.repeat(GUTTER) + cells.join(' ');
}

/**
 * One row as text of exactly the table width. The gutter shows '*' for a selected row and '>'
 * for the cursor row, so both stay visible without colour or inverse video (TERM=dumb, captures).
 * `rssBytes` is the resident size shown (RSS, MEM%): the exact figure when read, else the counter.
 */
export function rowLine(columns: readonly TableColumn[], d: DisplayRow, marked: boolean, isCursor = false, rssBytes = d.row.rssBytes): string {
  let line = marked ? '*' : isCursor ? '>' : ' ';
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i] as TableColumn;
    line += (i === 0 ? '' : ' ') + fit(col.cell(d, rssBytes), col.width, col.align);
  }
  return line;
}
