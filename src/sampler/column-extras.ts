// The optional list columns CGROUP, IO_R/s, IO_W/s and CTXSW/s: a frame source that adds their
// figures to each frame's rows, reading /proc/PID/io, status and cgroup only while such a column
// is on (the cgroup once per identity: the collector caches it). Rates come from the previous
// refresh's counters of the same identity.
import { cgroupLabel } from './cgroup-label.js';
import type { ColumnId } from '../config/columns.js';
import type { Collector, ExtrasRequest, ProcessExtras } from '../sys/types.js';
import type { ColumnExtras, IdentityKey, ProcessRow, SampledFrame } from './types.js';
import { rowWith } from './sampled-row.js';

/** Counters kept from the previous refresh, per identity. */
export interface ExtrasCounters {
  readonly atMs: number;
  readonly readBytes: number | null;
  readonly writeBytes: number | null;
  readonly ctxSwitches: number | null;
}

/** Which reads the chosen columns need (all false: nothing to read). */
export function extrasRequestFor(columns: readonly ColumnId[]): ExtrasRequest {
  return { io: columns.includes('io_read') || columns.includes('io_write'), status: columns.includes('ctxsw'), cgroup: columns.includes('cgroup') };
}

const perSecond = (now: number | null, before: number | null | undefined, seconds: number): number | null =>
  now === null || before === null || before === undefined || seconds <= 0 || now < before ? null : (now - before) / seconds;

/** One row's column figures from its extras and the counters of the previous refresh (pure). */
export function columnExtras(extras: ProcessExtras, previous: ExtrasCounters | undefined, atMs: number): { readonly figures: ColumnExtras; readonly counters: ExtrasCounters } {
  const s = extras.status;
  const counters: ExtrasCounters = {
    atMs,
    readBytes: extras.io?.readBytes ?? null,
    writeBytes: extras.io?.writeBytes ?? null,
    ctxSwitches: s ? s.voluntaryCtxSwitches + s.involuntaryCtxSwitches : null,
  };
  const seconds = previous ? (atMs - previous.atMs) / 1000 : 0;
  return {
    counters,
    figures: {
      cgroup: extras.cgroup ? cgroupLabel(extras.cgroup) : null,
      ioReadPerSec: perSecond(counters.readBytes, previous?.readBytes, seconds),
      ioWritePerSec: perSecond(counters.writeBytes, previous?.writeBytes, seconds),
      ctxSwitchesPerSec: perSecond(counters.ctxSwitches, previous?.ctxSwitches, seconds),
    },
  };
}

/** Anything that produces frames (the Sampler, a primed source). */
interface FrameSource {
  sample(): Promise<SampledFrame>;
}

/** Wraps a frame source: rows carry `extras` while `columns()` names an optional column. */
export class ColumnExtrasSource implements FrameSource {
  private previous = new Map<IdentityKey, ExtrasCounters>();

  constructor(
    private readonly source: FrameSource,
    private readonly collector: Pick<Collector, 'readExtras'>,
    private readonly columns: () => readonly ColumnId[],
  ) {}

  async sample(): Promise<SampledFrame> {
    const frame = await this.source.sample();
    const request = extrasRequestFor(this.columns());
    if (!request.io && !request.status && !request.cgroup) {
      this.previous.clear();
      return frame;
    }
    const read = await this.collector.readExtras(frame.rows, request);
    const atMs = frame.snapshot.monotonicMs;
    const next = new Map<IdentityKey, ExtrasCounters>();
    const rows: ProcessRow[] = frame.rows.map((row, i) => {
      const extras = read[i];
      if (!extras?.alive) return row;
      const { figures, counters } = columnExtras(extras, this.previous.get(row.key), atMs);
      next.set(row.key, counters);
      return rowWith(row, { extras: figures });
    });
    // Gone identities are forgotten with the old map.
    this.previous = next;
    return { ...frame, rows };
  }
}
