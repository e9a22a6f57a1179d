// The sampler's row: a small object that points at the snapshot's record and derives the rest on
// read. A refresh makes one per process (tens of thousands at scale), so its size is most of what
// a frame costs the heap: five fields here against ~28 copied fields (with a boxed number for each
// double) made the frames of a 20,000-process watch hold and churn tens of MB.
import type { RawProcess } from '../sys/types.js';
import type { ColumnExtras, IdentityKey, ProcessRow } from './types.js';

/** What every row of one frame derives its figures from (one object per frame, shared). */
export interface FrameBasis {
  /** Clock ticks per second (utime, stime and start time are in ticks). */
  readonly clockTicks: number;
  /** System uptime at the snapshot, seconds. */
  readonly uptimeSeconds: number;
  /** Boot time, Unix epoch ms. */
  readonly bootTimeMs: number;
  /** Total memory, bytes (0 when unknown: MEM% is then 0). */
  readonly memTotalBytes: number;
  /** Upper bound of a CPU%: 100 per CPU. */
  readonly maxPercent: number;
}

/** Clamps a percentage to 0..max (NaN and negatives read as 0). */
export function clampPercent(value: number, max: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.min(value, max);
}

/** A ProcessRow over a snapshot record: the record's fields and the derived figures are read through. */
export class SampledRow implements ProcessRow {
  constructor(
    /** The snapshot's record (shared with the snapshot, never copied). */
    readonly raw: RawProcess,
    readonly key: IdentityKey,
    readonly name: string,
    readonly cpuPercent: number,
    private readonly basis: FrameBasis,
  ) {}

  // The flat list shows a sampled row as its own line (DisplayRow in src/store/process-list.ts:
  // itself as `row`, no indent, not a tombstone), so listing 20,000 processes makes no line object each.
  get row(): this {
    return this;
  }
  get depth(): number {
    return 0;
  }
  get treePrefix(): string {
    return '';
  }
  get exited(): boolean {
    return false;
  }

  get pid(): number {
    return this.raw.pid;
  }
  get startTime(): number {
    return this.raw.startTime;
  }
  get ppid(): number {
    return this.raw.ppid;
  }
  get pgid(): number {
    return this.raw.pgid;
  }
  get sid(): number {
    return this.raw.sid;
  }
  get uid(): number {
    return this.raw.uid;
  }
  get user(): string {
    return this.raw.user;
  }
  get state(): string {
    return this.raw.state;
  }
  get comm(): string {
    return this.raw.comm;
  }
  get argv(): readonly string[] {
    return this.raw.argv;
  }
  get exe(): string | null {
    return this.raw.exe;
  }
  get utime(): number {
    return this.raw.utime;
  }
  get stime(): number {
    return this.raw.stime;
  }
  get rssBytes(): number {
    return this.raw.rssBytes;
  }
  get vsizeBytes(): number {
    return this.raw.vsizeBytes;
  }
  get threads(): number {
    return this.raw.threads;
  }
  get nice(): number {
    return this.raw.nice;
  }
  get priority(): number {
    return this.raw.priority;
  }
  get ttyNr(): number {
    return this.raw.ttyNr;
  }
  get isKernelThread(): boolean {
    return this.raw.isKernelThread;
  }
  get extras(): ColumnExtras | undefined {
    return undefined;
  }
  get cpuTimeSeconds(): number {
    return (this.raw.utime + this.raw.stime) / this.basis.clockTicks;
  }
  get ageSeconds(): number {
    return Math.max(0, this.basis.uptimeSeconds - this.raw.startTime / this.basis.clockTicks);
  }
  get startTimeMs(): number {
    return Math.round(this.basis.bootTimeMs + (this.raw.startTime / this.basis.clockTicks) * 1000);
  }
  get cpuPercentLifetime(): number {
    const age = this.ageSeconds;
    return age > 0 ? clampPercent((this.cpuTimeSeconds / age) * 100, this.basis.maxPercent) : 0;
  }
  get memPercent(): number {
    return this.basis.memTotalBytes > 0 ? (this.raw.rssBytes / this.basis.memTotalBytes) * 100 : 0;
  }
}

/** Every field of a row as a plain object (own properties), so it can be spread and changed. */
export function plainRow(row: ProcessRow): ProcessRow {
  return {
    pid: row.pid,
    startTime: row.startTime,
    ppid: row.ppid,
    pgid: row.pgid,
    sid: row.sid,
    uid: row.uid,
    user: row.user,
    state: row.state,
    comm: row.comm,
    argv: row.argv,
    exe: row.exe,
    utime: row.utime,
    stime: row.stime,
    rssBytes: row.rssBytes,
    vsizeBytes: row.vsizeBytes,
    threads: row.threads,
    nice: row.nice,
    priority: row.priority,
    ttyNr: row.ttyNr,
    isKernelThread: row.isKernelThread,
    ...(row.extras !== undefined ? { extras: row.extras } : {}),
    key: row.key,
    name: row.name,
    cpuPercent: row.cpuPercent,
    cpuPercentLifetime: row.cpuPercentLifetime,
    memPercent: row.memPercent,
    cpuTimeSeconds: row.cpuTimeSeconds,
    startTimeMs: row.startTimeMs,
    ageSeconds: row.ageSeconds,
  };
}

/** The row with some fields changed (a plain copy: a SampledRow's getters do not survive a spread). */
export function rowWith(row: ProcessRow, change: Partial<ProcessRow>): ProcessRow {
  return { ...plainRow(row), ...change };
}
