// Reads the exact RSS of the rows on screen after each refresh and each scroll, outside React,
// and hands it to the store: a person compares the RSS column with ps and top, which show VmRSS.
// At most one read is in flight; a change meanwhile asks for one more read when it finishes.
import type { IdentityKey, ProcessRow } from '../sampler/types.js';
import { visibleRows, type MonitorState, type MonitorStore } from '../store/monitor-store.js';

/** Reads exact RSS for rows (readExactRss bound to a collector). */
export type ExactRssRead = (rows: readonly ProcessRow[]) => Promise<Map<IdentityKey, number>>;

export class VisibleRssReader {
  private unsubscribe: (() => void) | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly monitor: MonitorStore,
    private readonly read: ExactRssRead,
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
    this.inFlight = this.read(rows)
      .then((exact) => {
        if (this.unsubscribe && !sameFigures(exact, this.monitor.getState().exactRss)) this.monitor.getState().setExactRss(exact);
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
