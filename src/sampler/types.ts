import type { RawProcess, Snapshot, SystemInfo } from '../sys/types.js';

/** Stable key of a process identity: "pid:startTime". Rows, cursor and selection use it. */
export type IdentityKey = string;

export function identityKey(p: { readonly pid: number; readonly startTime: number }): IdentityKey {
  return `${p.pid}:${p.startTime}`;
}

/** Figures of the optional list columns (CGROUP, IO_R/s, IO_W/s, CTXSW/s), read only while one is on. */
export interface ColumnExtras {
  /** The cgroup in a few characters: container, unit, slice or path; null when unreadable. */
  readonly cgroup: string | null;
  /** Storage bytes read per second (read_bytes of /proc/PID/io) since the previous refresh; null on first sight or unreadable. */
  readonly ioReadPerSec: number | null;
  /** Storage bytes written per second (write_bytes). */
  readonly ioWritePerSec: number | null;
  /** Context switches (voluntary + involuntary) per second. */
  readonly ctxSwitchesPerSec: number | null;
}

/** One process as shown: the raw record plus figures derived from consecutive snapshots. */
export interface ProcessRow extends RawProcess {
  /** Optional columns' figures; absent unless such a column is on (src/sampler/column-extras.ts). */
  readonly extras?: ColumnExtras;
  readonly key: IdentityKey;
  /** The program's name for people: comm, or argv[0]/exe's basename when comm is a generic thread name (programName). */
  readonly name: string;
  /** CPU use since the previous sample; 100 = one core fully busy (like top). 0 on first sight. */
  readonly cpuPercent: number;
  /** Lifetime average CPU use (total ticks / age), 100 = one core. */
  readonly cpuPercentLifetime: number;
  /** RSS as a percentage of total memory. */
  readonly memPercent: number;
  /** utime + stime in seconds (TIME+ column). */
  readonly cpuTimeSeconds: number;
  /** Start time as Unix epoch ms. */
  readonly startTimeMs: number;
  /** Seconds since the process started. */
  readonly ageSeconds: number;
}

/** Counts shown in the header. */
export interface TaskCounts {
  readonly total: number;
  /** Processes whose state (their main thread's) is R. */
  readonly running: number;
  /** Threads runnable right now, system-wide (procs_running), as htop and top count "running". */
  readonly runningThreads: number;
  readonly sleeping: number;
  readonly stopped: number;
  readonly zombie: number;
  readonly kernelThreads: number;
  readonly threads: number;
}

/** What the sampler hands to the store after each refresh. */
export interface SampledFrame {
  readonly timestampMs: number;
  /** Time covered by the CPU deltas, between the two reads' midpoints (readMidpointMs; 0 on the first sample). */
  readonly intervalMs: number;
  readonly rows: readonly ProcessRow[];
  readonly system: SystemInfo;
  /** Total CPU busy percentage, 0..100 (of all cores). */
  readonly cpuPercentTotal: number;
  /** Busy percentage per CPU, 0..100 each. */
  readonly cpuPercentPerCpu: readonly number[];
  readonly tasks: TaskCounts;
  /** Identities first seen in this sample. */
  readonly appeared: readonly IdentityKey[];
  /** Rows present in the previous sample and gone now (as last seen). */
  readonly exited: readonly ProcessRow[];
  readonly warnings: readonly string[];
  /** The raw snapshot the frame was derived from. */
  readonly snapshot: Snapshot;
}

/** Anything that produces frames (the Sampler, or a fake in tests). */
export interface FrameSource {
  sample(): Promise<SampledFrame>;
}
