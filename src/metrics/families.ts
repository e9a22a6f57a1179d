// The metric families proctop exposes. The namedprocess_* ones copy process-exporter 0.7's names,
// types, help texts and label values exactly, so its dashboards and alerts work unchanged.

/** Which optional per-process reads fed this exposition (a family is exposed only when its data was read). */
export interface FamilyAvailability {
  /** read_bytes / write_bytes (/proc/PID/io). */
  readonly io: boolean;
  /** majflt / minflt. */
  readonly pageFaults: boolean;
  /** voluntary / nonvoluntary context switches. */
  readonly ctxSwitches: boolean;
  /** open fd counts. */
  readonly fds: boolean;
  /** RLIMIT_NOFILE soft limits (worst_fd_ratio). */
  readonly fdLimits: boolean;
  /** VmSwap. */
  readonly swap: boolean;
  /** Pss / SwapPss from smaps_rollup (costly: only when asked). */
  readonly proportional: boolean;
}

export type FamilyType = 'gauge' | 'counter';

/** One family: its exact name, help, type and label names. */
export interface FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  readonly labels: readonly string[];
}

const family = (name: string, type: FamilyType, help: string, labels: readonly string[]): FamilySpec => ({ name, type, help, labels });

/** process-exporter's group families. */
export const GROUP_FAMILIES = {
  numProcs: family('namedprocess_namegroup_num_procs', 'gauge', 'number of processes in this group', ['groupname']),
  cpuSeconds: family('namedprocess_namegroup_cpu_seconds_total', 'counter', 'Cpu user usage in seconds', ['groupname', 'mode']),
  readBytes: family('namedprocess_namegroup_read_bytes_total', 'counter', 'number of bytes read by this group', ['groupname']),
  writeBytes: family('namedprocess_namegroup_write_bytes_total', 'counter', 'number of bytes written by this group', ['groupname']),
  majorPageFaults: family('namedprocess_namegroup_major_page_faults_total', 'counter', 'Major page faults', ['groupname']),
  minorPageFaults: family('namedprocess_namegroup_minor_page_faults_total', 'counter', 'Minor page faults', ['groupname']),
  contextSwitches: family('namedprocess_namegroup_context_switches_total', 'counter', 'Context switches', ['groupname', 'ctxswitchtype']),
  memoryBytes: family('namedprocess_namegroup_memory_bytes', 'gauge', 'number of bytes of memory in use', ['groupname', 'memtype']),
  openFiledesc: family('namedprocess_namegroup_open_filedesc', 'gauge', 'number of open file descriptors for this group', ['groupname']),
  worstFdRatio: family(
    'namedprocess_namegroup_worst_fd_ratio',
    'gauge',
    'the worst (closest to 1) ratio between open fds and max fds among all procs in this group',
    ['groupname'],
  ),
  oldestStartTime: family(
    'namedprocess_namegroup_oldest_start_time_seconds',
    'gauge',
    'start time in seconds since 1970/01/01 of oldest process in group',
    ['groupname'],
  ),
  numThreads: family('namedprocess_namegroup_num_threads', 'gauge', 'Number of threads', ['groupname']),
  states: family('namedprocess_namegroup_states', 'gauge', 'Number of processes in states Running, Sleeping, Waiting, Zombie, or Other', ['groupname', 'state']),
} as const;

/** proctop's own families, set once per sample. */
export const SAMPLE_FAMILIES = {
  trackedUp: family('proctop_tracked_up', 'gauge', '1 when the tracked process (registry entry) is alive with its recorded identity, else 0', ['id', 'name']),
  sampleDuration: family('proctop_sample_duration_seconds', 'gauge', 'Time the last background sample took (reading /proc and building the groups)', []),
  samples: family('proctop_samples_total', 'counter', 'Background samples taken', []),
  sampleErrors: family('proctop_sample_errors_total', 'counter', 'Background samples that failed (the previous sample kept being served)', []),
} as const;

/** proctop's own families, set at every scrape. */
export const SCRAPE_FAMILIES = {
  scrapeDuration: family('proctop_scrape_duration_seconds', 'gauge', 'Time the previous scrape of this endpoint took to answer', []),
  sampleAge: family('proctop_sample_age_seconds', 'gauge', 'Age of the sample this scrape is answered from', []),
} as const;
