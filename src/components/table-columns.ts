// The process table's columns: titles, widths, cells, and which ones fit a given width.
import type { ColumnId } from '../store/columns.js';
import { commandText } from '../store/columns.js';
import type { DisplayRow } from '../store/process-list.js';
import { fit, formatBytes, formatCpuTime, formatPercent } from './format.js';
import { sanitizeText } from '../output/sanitize.js';

/** One drawable column. */
export interface TableColumn {
  readonly id: ColumnId;
  readonly title: string;
  /** Fixed width; COMMAND takes whatever is left. */
  readonly width: number;
  readonly align: 'left' | 'right';
  readonly cell: (d: DisplayRow) => string;
}

const COLUMNS: Readonly<Record<ColumnId, TableColumn>> = {
  pid: { id: 'pid', title: 'PID', width: 7, align: 'right', cell: (d) => String(d.row.pid) },
  user: { id: 'user', title: 'USER', width: 9, align: 'left', cell: (d) => sanitizeText(d.row.user) },
  priority: { id: 'priority', title: 'PRI', width: 4, align: 'right', cell: (d) => (d.row.priority <= -100 ? 'RT' : String(d.row.priority)) },
  nice: { id: 'nice', title: 'NI', width: 3, align: 'right', cell: (d) => String(d.row.nice) },
  state: { id: 'state', title: 'S', width: 2, align: 'left', cell: (d) => (d.exited ? 'X' : d.row.state) },
  cpu: { id: 'cpu', title: 'CPU%', width: 5, align: 'right', cell: (d) => formatPercent(d.row.cpuPercent) },
  mem: { id: 'mem', title: 'MEM%', width: 5, align: 'right', cell: (d) => formatPercent(d.row.memPercent) },
  rss: { id: 'rss', title: 'RSS', width: 6, align: 'right', cell: (d) => formatBytes(d.row.rssBytes) },
  threads: { id: 'threads', title: 'THR', width: 4, align: 'right', cell: (d) => String(d.row.threads) },
  time: { id: 'time', title: 'TIME+', width: 9, align: 'right', cell: (d) => formatCpuTime(d.row.cpuTimeSeconds) },
  command: {
    id: 'command',
    title: 'COMMAND',
    width: 0,
    align: 'left',
    cell: (d) => `${d.exited ? '(exited) ' : ''}${d.treePrefix}${sanitizeText(commandText(d.row))}`,
  },
};

/** Screen order. */
const ORDER: readonly ColumnId[] = ['pid', 'user', 'priority', 'nice', 'state', 'cpu', 'mem', 'rss', 'threads', 'time', 'command'];
/** Optional columns, most wanted first: added while they fit. */
const IMPORTANCE: readonly ColumnId[] = ['mem', 'user', 'state', 'rss', 'time', 'threads', 'nice', 'priority'];
/** COMMAND never gets narrower than this while optional columns remain (at 80+ columns all fit, like htop). */
const minCommandWidth = (width: number): number => (width >= 80 ? 12 : 16);
/** One character before PID marks selected rows. */
export const GUTTER = 1;

/** Columns per terminal width: worked out once per width, not on every refresh. */
const FITTED = new Map<number, readonly TableColumn[]>();

/** The columns drawn at `width`: PID, CPU% and COMMAND always, others as room allows. */
export function fitColumns(width: number): readonly TableColumn[] {
  let fitted = FITTED.get(width);
  if (!fitted) {
    fitted = chooseColumns(width);
    FITTED.set(width, fitted);
  }
  return fitted;
}

function chooseColumns(width: number): TableColumn[] {
  const chosen = new Set<ColumnId>(['pid', 'cpu', 'command']);
  const used = (ids: Set<ColumnId>): number => GUTTER + [...ids].filter((id) => id !== 'command').reduce((sum, id) => sum + COLUMNS[id].width + 1, 0);
  for (const id of IMPORTANCE) {
    const next = new Set(chosen).add(id);
    if (width - used(next) >= minCommandWidth(width)) chosen.add(id);
  }
  const commandWidth = Math.max(0, width - used(chosen));
  return ORDER.filter((id) => chosen.has(id)).map((id) => (id === 'command' ? { ...COLUMNS.command, width: commandWidth } : COLUMNS[id]));
}

/**
 * The column drawn at screen column `x` (0-based), or null (gutter, gaps, past the end), given the
 * columns the table draws (fitColumns, with the same choice of columns) at `width`.
 */
export function columnAt(columns: readonly TableColumn[], width: number, x: number): ColumnId | null {
  let start = GUTTER;
  for (const col of columns) {
    const end = col.id === 'command' ? width : start + col.width;
    if (x >= start && x < end) return col.id;
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
 */
export function rowLine(columns: readonly TableColumn[], d: DisplayRow, marked: boolean, isCursor = false): string {
  let line = marked ? '*' : isCursor ? '>' : ' ';
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i] as TableColumn;
    line += (i === 0 ? '' : ' ') + fit(col.cell(d), col.width, col.align);
  }
  return line;
}
