import { sanitizeText, sliceWhole } from './sanitize.js';

/** A column of a plain-text table (for --table output and piped --watch). */
export interface TextColumn<Row> {
  /** Header text. */
  readonly title: string;
  /** Cell text for one row. */
  readonly cell: (row: Row) => string;
  /** Right-align numbers. */
  readonly align?: 'left' | 'right';
  /** Cap the column at this many characters (the last column is never padded). */
  readonly maxWidth?: number;
}

function clip(text: string, width: number): string {
  const flat = sanitizeText(text);
  return flat.length <= width ? flat : `${sliceWhole(flat, Math.max(0, width - 1))}…`;
}

/** Renders rows as aligned plain text with a header line; every cell goes through the one sanitizer. */
export function renderTextTable<Row>(columns: readonly TextColumn<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((col) => clip(col.cell(row), col.maxWidth ?? Number.MAX_SAFE_INTEGER)));
  const widths = columns.map((col, i) => Math.max(col.title.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        const col = columns[i];
        if (col?.align === 'right') return v.padStart(widths[i] ?? 0);
        return last ? v : v.padEnd(widths[i] ?? 0);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join('\n') + '\n';
}

/** Width of a COMM column: a comm is at most 15 bytes, and an escaped byte (`\x1b`) takes 4 characters. */
export const COMM_SHOWN_MAX = 60;
