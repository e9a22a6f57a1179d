// Reads the exact RSS of the rows on screen after each refresh and each scroll, outside React,
// and hands it to the store: a person compares the RSS column with ps and top, which show VmRSS.
// At most one read is in flight; a change meanwhile asks for one more read when it finishes.
// A row is read again only when the snapshot's RSS counter for it moved or its figure is older
// than EXACT_RSS_MAX_AGE_MS: reading /proc/PID/status for every row on screen every refresh was a
// third of a steady refresh's CPU, for figures that had not moved (idle processes, and busy ones
// whose memory is steady).
import type { IdentityKey, ProcessRow } from '../sampler/types.js';
import { visibleRows, type MonitorState, type MonitorStore } from '../store/monitor-store.js';

/** Reads exact RSS for rows (readExactRss bound to a collector). */
export type ExactRssRead = (rows: readonly ProcessRow[]) => Promise<Map<IdentityKey, number>>;

/**
 * A row whose RSS counter did not move is read again after this long anyway: the counter is summed
 * from per-CPU batches, so memory can change by less than its slack without moving it.
 */
export const EXACT_RSS_MAX_AGE_MS = 5000;

/** One exact reading and the snapshot figures it was taken against. */
interface ExactReading {
  /** VmRSS in bytes; null when the process had none to read (kernel thread, zombie, gone). */
  readonly rssBytes: number | null;
  /** The snapshot's RSS counter when read. */
  readonly counterBytes: number;
  /** The reader's clock when read. */
  readonly atMs: number;
}

export class VisibleRssReader {
  private unsubscribe: (() => void) | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  /** Readings of the rows on screen at the last read, by identity (rows scrolled away are dropped). */
  private readings = new Map<IdentityKey, ExactReading>();

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
    const due = rows.filter((row) => isDue(this.readings.get(row.key), row, startedAt));
    // Nothing due still publishes (rows that scrolled away leave), after this store update, not inside it.
    this.inFlight = (due.length === 0 ? Promise.resolve(new Map<IdentityKey, number>()) : this.read(due))
      .then((exact) => {
        for (const row of due) {
          this.readings.set(row.key, { rssBytes: exact.get(row.key) ?? null, counterBytes: row.rssBytes, atMs: startedAt });
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

  /** Hands the figures of `rows` to the store (when they differ from what it has); forgets rows not among them. */
  private publish(rows: readonly ProcessRow[]): void {
    const kept = new Map<IdentityKey, ExactReading>();
    const exact = new Map<IdentityKey, number>();
    for (const row of rows) {
      const reading = this.readings.get(row.key);
      if (reading === undefined) continue;
      kept.set(row.key, reading);
      if (reading.rssBytes !== null) exact.set(row.key, reading.rssBytes);
    }
    this.readings = kept;
    if (this.unsubscribe && !sameFigures(exact, this.monitor.getState().exactRss)) this.monitor.getState().setExactRss(exact);
  }
}

/** Whether a row on screen needs a fresh exact reading. */
function isDue(reading: ExactReading | undefined, row: ProcessRow, nowMs: number): boolean {
  return reading === undefined || reading.counterBytes !== row.rssBytes || nowMs - reading.atMs >= EXACT_RSS_MAX_AGE_MS;
}

/** A new frame, another list or another part of it on screen. */
function viewportChanged(s: MonitorState, previous: MonitorState): boolean {
  return s.frame !== previous.frame || s.display !== previous.display || s.scrollTop !== previous.scrollTop || s.layout !== previous.layout;
}

function sameFigures(a: ReadonlyMap<IdentityKey, number>, b: ReadonlyMap<IdentityKey, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}
