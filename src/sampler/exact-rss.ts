// The exact resident size for the few processes a person reads figures of. A snapshot carries
// stat's RSS, a counter the kernel keeps per CPU and sums approximately (13,396 K where ps says
// 13,608 K); /proc/PID/status VmRSS is exact but costs a file read per process, so it is read only
// for the rows shown (on screen, details, pstat output) while sorting keeps the cheap counter.
import type { Collector } from '../sys/types.js';
import type { IdentityKey, ProcessRow } from './types.js';
import { rowWith } from './sampled-row.js';

/** Exact RSS (VmRSS) of these rows by identity; a row gone, reused or without memory is left out (show row.rssBytes). */
export async function readExactRss(collector: Pick<Collector, 'readExtras'>, rows: readonly ProcessRow[]): Promise<Map<IdentityKey, number>> {
  const exact = new Map<IdentityKey, number>();
  if (rows.length === 0) return exact;
  const extras = await collector.readExtras(rows, { status: true });
  for (let i = 0; i < rows.length; i++) {
    const rss = extras[i]?.alive ? extras[i]?.status?.rssBytes : null;
    if (rss !== null && rss !== undefined) exact.set((rows[i] as ProcessRow).key, rss);
  }
  return exact;
}

/** An exact RSS reading of a row on screen, and the snapshot's counter for that row when it was read. */
export interface ExactRss {
  /** VmRSS in bytes. */
  readonly rssBytes: number;
  /** The snapshot's RSS counter (row.rssBytes) the reading was taken against. */
  readonly counterBytes: number;
}

/**
 * The RSS to show for a row: its exact reading moved by as much as the counter moved since (so a
 * growing process is seen growing between readings, without a file read per row per refresh), or
 * the counter when there is no reading.
 */
export function shownRss(row: ProcessRow, exact: ExactRss | undefined): number {
  return exact === undefined ? row.rssBytes : Math.max(0, exact.rssBytes + row.rssBytes - exact.counterBytes);
}

/** MEM% of a row with `rss` resident instead of its counter's figure (scaled, so it needs no total). */
export function memPercentAt(row: ProcessRow, rss: number): number {
  return rss === row.rssBytes || row.rssBytes <= 0 ? row.memPercent : (row.memPercent * rss) / row.rssBytes;
}

/** The row with its exact RSS (and MEM% scaled to match), or the row itself when `rss` is unknown. */
export function withExactRow(row: ProcessRow, rss: number | undefined): ProcessRow {
  if (rss === undefined || rss === row.rssBytes) return row;
  return rowWith(row, { rssBytes: rss, memPercent: memPercentAt(row, rss) });
}

/** The rows with their exact RSS where `exact` has it. */
export function withExactRss(rows: readonly ProcessRow[], exact: ReadonlyMap<IdentityKey, number>): ProcessRow[] {
  return rows.map((row) => withExactRow(row, exact.get(row.key)));
}
