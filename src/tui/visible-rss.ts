// Reads the exact RSS of the rows on screen, outside React, and hands it to the store: a person
// compares the RSS column with ps and top, which show VmRSS. At most one read is in flight; a
// change meanwhile asks for one more read when it finishes.
// A row is read when it comes into view, and every row in view again together once the oldest
// reading is EXACT_RSS_MAX_AGE_MS old; between readings the column shows the reading moved by as
// much as the snapshot's counter moved (shownRss). Reading /proc/PID/status for every row on
// screen every refresh, and the second render it caused, were about a fifth of a refresh's CPU.
import { shownRss, type ExactRss } from '../sampler/exact-rss.js';
import type { IdentityKey, ProcessRow } from '../sampler/types.js';
import { visibleRows, type MonitorState, type MonitorStore } from '../store/monitor-store.js';

/** Reads exact RSS for rows (readExactRss bound to a collector). */
export type ExactRssRead = (rows: readonly ProcessRow[]) => Promise<Map<IdentityKey, number>>;

/**
 * Rows in view are read again together after this long: the counter is summed from per-CPU
 * batches, so it can drift from the exact figure by up to a few hundred KB without moving.
 */
export const EXACT_RSS_MAX_AGE_MS = 10_000;

/** One row's reading: the figures (null when it had none: kernel thread, zombie, gone) and when it was taken. */
interface Reading {
  readonly exact: ExactRss | null;
  readonly atMs: number;
}

export class VisibleRssReader {
  private unsubscribe: (() => void) | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  /** Readings of the rows in view at the last read, by identity (rows gone from view are dropped). */
  private readings = new Map<IdentityKey, Reading>();

  constructor(
    private readonly monitor: MonitorStore,
    private readonly read: ExactRssRead,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts following the store (reads once now). */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.monitor.subscribe((state, previous) => {
      if (viewportChanged(state, previous)) this.request();
    });
    this.request();
  }

  /** Stops; resolves once a read in flight has finished. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.inFlight;
  }

  private request(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const rows = visibleRows(this.monitor.getState());
    const startedAt = this.now();
    const due = this.dueRows(rows, startedAt);
    // Nothing due still publishes (rows gone from view leave), after this store update, not inside it.
    this.inFlight = (due.length === 0 ? Promise.resolve(new Map<IdentityKey, number>()) : this.read(due))
      .then((exact) => {
        for (const row of due) {
          const rssBytes = exact.get(row.key);
          this.readings.set(row.key, { exact: rssBytes === undefined ? null : { rssBytes, counterBytes: row.rssBytes }, atMs: startedAt });
        }
        this.publish(rows);
      })
      .catch(() => undefined) // the snapshot's counter stays on screen
      .finally(() => {
        this.inFlight = null;
        if (this.again && this.unsubscribe) {
          this.again = false;
          this.request();
        }
      });
  }

  /** Rows new to the view; every row in view when the oldest reading among them is due. */
  private dueRows(rows: readonly ProcessRow[], nowMs: number): ProcessRow[] {
    const fresh: ProcessRow[] = [];
    for (const row of rows) {
      const reading = this.readings.get(row.key);
      if (reading !== undefined && nowMs - reading.atMs >= EXACT_RSS_MAX_AGE_MS) return [...rows];
      if (reading === undefined) fresh.push(row);
    }
    return fresh;
  }

  /** Hands the readings of `rows` to the store when they change what it shows; forgets rows not among them. */
  private publish(rows: readonly ProcessRow[]): void {
    const kept = new Map<IdentityKey, Reading>();
    const exact = new Map<IdentityKey, ExactRss>();
    for (const row of rows) {
      const reading = this.readings.get(row.key);
      if (reading === undefined) continue;
      kept.set(row.key, reading);
      if (reading.exact !== null) exact.set(row.key, reading.exact);
    }
    this.readings = kept;
    if (this.unsubscribe && !sameShown(rows, exact, this.monitor.getState().exactRss)) this.monitor.getState().setExactRss(exact);
  }
}

/** A new frame, another list or another part of it on screen. */
function viewportChanged(s: MonitorState, previous: MonitorState): boolean {
  return s.frame !== previous.frame || s.display !== previous.display || s.scrollTop !== previous.scrollTop || s.layout !== previous.layout;
}

/** Whether both sets of readings show the same RSS for every row in view (a new reading that shows the same figure needs no redraw). */
function sameShown(rows: readonly ProcessRow[], a: ReadonlyMap<IdentityKey, ExactRss>, b: ReadonlyMap<IdentityKey, ExactRss>): boolean {
  for (const row of rows) if (shownRss(row, a.get(row.key)) !== shownRss(row, b.get(row.key))) return false;
  return true;
}
