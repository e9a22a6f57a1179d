// What the exposition knows about each process and each group: plain records, no OS, no client.

/** Counters of one process, as the kernel reports them (cumulative since it started). null = unreadable. */
export interface ProcessCounters {
  /** utime in seconds. */
  readonly cpuUserSeconds: number;
  /** stime in seconds. */
  readonly cpuSystemSeconds: number;
  /** read_bytes of /proc/PID/io (storage reads). */
  readonly readBytes: number | null;
  /** write_bytes of /proc/PID/io. */
  readonly writeBytes: number | null;
  /** majflt of stat. */
  readonly majorPageFaults: number | null;
  /** minflt of stat. */
  readonly minorPageFaults: number | null;
  /** voluntary_ctxt_switches. */
  readonly voluntaryCtxSwitches: number | null;
  /** nonvoluntary_ctxt_switches. */
  readonly nonvoluntaryCtxSwitches: number | null;
}

/** Point-in-time figures of one process. null = unreadable or not asked for. */
export interface ProcessGauges {
  readonly residentBytes: number;
  readonly virtualBytes: number;
  /** VmSwap. */
  readonly swappedBytes: number | null;
  /** Pss of smaps_rollup (only when proportional memory is asked for). */
  readonly proportionalResidentBytes: number | null;
  /** SwapPss of smaps_rollup. */
  readonly proportionalSwappedBytes: number | null;
  /** Entries of /proc/PID/fd. */
  readonly openFds: number | null;
  /** Soft RLIMIT_NOFILE. */
  readonly fdLimit: number | null;
  readonly threads: number;
  /** One-letter kernel state. */
  readonly state: string;
  /** Start time, Unix seconds (fractional). */
  readonly startTimeSeconds: number;
}

/** One process as the accumulator sees it: an identity, the groups it counts in, its figures. */
export interface GroupMember {
  /** Identity key "pid:startTime": a reused PID is another process. */
  readonly key: string;
  /** Group names (usually one; a process with two tags counts in both tag groups). */
  readonly groups: readonly string[];
  readonly counters: ProcessCounters;
  readonly gauges: ProcessGauges;
}

/** process-exporter's five state buckets. */
export interface StateCounts {
  readonly Running: number;
  readonly Sleeping: number;
  readonly Waiting: number;
  readonly Zombie: number;
  readonly Other: number;
}

export const STATE_NAMES = ['Running', 'Sleeping', 'Waiting', 'Zombie', 'Other'] as const;
export type StateName = (typeof STATE_NAMES)[number];

/** process-exporter's mapping: R running, S sleeping, D waiting, Z zombie, everything else other. */
export function stateBucket(state: string): StateName {
  switch (state) {
    case 'R':
      return 'Running';
    case 'S':
      return 'Sleeping';
    case 'D':
      return 'Waiting';
    case 'Z':
      return 'Zombie';
    default:
      return 'Other';
  }
}

/** Monotonic group counters (never decrease while proctop runs). */
export interface GroupCounters {
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly majorPageFaults: number;
  readonly minorPageFaults: number;
  readonly voluntaryCtxSwitches: number;
  readonly nonvoluntaryCtxSwitches: number;
}

/** Everything exposed for one group in one sample. */
export interface GroupFigures {
  readonly name: string;
  /** Processes in the group now (0 for a group whose processes all exited: its counters stay). */
  readonly procs: number;
  readonly counters: GroupCounters;
  readonly residentBytes: number;
  readonly virtualBytes: number;
  readonly swappedBytes: number;
  readonly proportionalResidentBytes: number;
  readonly proportionalSwappedBytes: number;
  readonly openFds: number;
  /** Largest open/limit ratio among the members (0 when none is known). */
  readonly worstFdRatio: number;
  readonly threads: number;
  /** Start of the oldest member, whole Unix seconds; null when the group is empty. */
  readonly oldestStartTimeSeconds: number | null;
  readonly states: StateCounts;
}

export const ZERO_COUNTERS: GroupCounters = {
  cpuUserSeconds: 0,
  cpuSystemSeconds: 0,
  readBytes: 0,
  writeBytes: 0,
  majorPageFaults: 0,
  minorPageFaults: 0,
  voluntaryCtxSwitches: 0,
  nonvoluntaryCtxSwitches: 0,
};
