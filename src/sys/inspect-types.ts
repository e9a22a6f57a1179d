// The whole-process snapshot Collector.inspect reads (proctop inspect, the details view). Every
// field that could not be read is null and named in fieldErrors, never silently absent.
import type { FdEntry, IdSet, IoCounters, ProcessIdentity } from './types.js';

/** Which of the costly parts to read. */
export interface InspectOptions {
  /** Read smaps_rollup for USS, PSS and swap (walks every mapping of the process: not per row). */
  readonly smaps?: boolean;
  /** Hash the running binary through /proc/PID/exe and the file at the exe path today. */
  readonly sha256?: boolean;
  /** Read every thread's stat (tid, name, state, CPU time). */
  readonly threads?: boolean;
  /** Resolve pipe peers too (the full `proctop fds` records; costs a scan of every process's fds). */
  readonly fds?: boolean;
  /** Read children and the parent chain (a few stat reads; the details view already has them). */
  readonly lineage?: boolean;
  /** Do not list fds at all (fds null, no error): the details view lists them on its own. */
  readonly skipFds?: boolean;
}

/** A process named in the lineage. */
export interface LineageEntry extends ProcessIdentity {
  readonly comm: string;
}

export interface InspectIdentity extends ProcessIdentity {
  /** Start time as Unix epoch ms (boot time + start ticks / clock ticks). */
  readonly startTimeMs: number;
  /** /proc/sys/kernel/random/boot_id: with (pid, startTime) it names the process across reboots. */
  readonly bootId: string | null;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Controlling terminal device number, 0 = none. */
  readonly ttyNr: number;
  /** Parents from the direct parent up to PID 1 (null when lineage was not asked for). */
  readonly ancestors: readonly LineageEntry[] | null;
  /** Direct children (null when not asked for or unreadable). */
  readonly children: readonly LineageEntry[] | null;
}

/** The exe path still names the mapped file (ok), names nothing (deleted) or another file (replaced). */
export type ExeStatus = 'ok' | 'deleted' | 'replaced';

export interface InspectProgram {
  readonly comm: string;
  readonly argv: readonly string[];
  /** The exe path without the kernel's " (deleted)" mark; null when unreadable. */
  readonly exe: string | null;
  readonly exeStatus: ExeStatus | null;
  readonly cwd: string | null;
  readonly root: string | null;
  /** sha256 of the running binary (read through /proc/PID/exe, so a deleted binary still hashes). */
  readonly sha256: string | null;
  /** sha256 of the file at the exe path today (null when there is none or it is unreadable). */
  readonly pathSha256: string | null;
  /** Whether the two hashes are equal; null when either is missing. */
  readonly sameAsPath: boolean | null;
}

/** One variable of /proc/PID/environ (the environment at exec; later setenv calls are not seen). */
export interface EnvEntry {
  readonly name: string;
  readonly value: string;
}

/** One row of /proc/PID/limits. */
export interface LimitRow {
  /** "Max open files", "Max cpu time", ... as the kernel names them. */
  readonly name: string;
  readonly soft: number | 'unlimited';
  readonly hard: number | 'unlimited';
  /** "seconds", "bytes", "files", "processes", "locks", "signals", "us", or "" when the kernel gives none. */
  readonly unit: string;
}

export interface InspectCpu {
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  /** utime and stime in seconds (ticks / clock ticks). */
  readonly userSeconds: number;
  readonly systemSeconds: number;
  readonly nice: number;
  readonly priority: number;
  /** SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE (or SCHED_N). */
  readonly policy: string | null;
  readonly rtPriority: number | null;
  /** CPUs the process may run on (Cpus_allowed_list, e.g. "0-3,6"). */
  readonly affinity: string | null;
  readonly voluntaryCtxSwitches: number | null;
  readonly involuntaryCtxSwitches: number | null;
  /** CPU it last ran on. */
  readonly processor: number | null;
  readonly threads: number;
}

/**
 * Memory. USS = Private_Clean + Private_Dirty + Private_Hugetlb of smaps_rollup (resident pages no
 * other process maps); PSS = Pss (each shared page divided by its sharers); swap = Swap.
 */
export interface InspectMemory {
  readonly rssBytes: number;
  readonly rssAnonBytes: number | null;
  readonly rssFileBytes: number | null;
  readonly rssShmemBytes: number | null;
  readonly vmSizeBytes: number;
  readonly vmPeakBytes: number | null;
  /** Peak resident set (VmHWM). */
  readonly vmHwmBytes: number | null;
  readonly ussBytes: number | null;
  readonly pssBytes: number | null;
  readonly swapBytes: number | null;
  readonly swapPssBytes: number | null;
  readonly minorFaults: number;
  readonly majorFaults: number;
  readonly oomScore: number | null;
  readonly oomScoreAdj: number | null;
}

export interface InspectCapabilities {
  /** CAP_* names of the set bits (unknown bits as CAP_N). */
  readonly effective: readonly string[];
  readonly permitted: readonly string[];
  readonly bounding: readonly string[];
  readonly inheritable: readonly string[];
  readonly ambient: readonly string[];
}

export interface InspectSecurity {
  readonly uids: IdSet | null;
  readonly gids: IdSet | null;
  /** Supplementary groups. */
  readonly groups: readonly number[] | null;
  readonly capabilities: InspectCapabilities | null;
  readonly noNewPrivs: boolean | null;
  /** disabled, strict or filter. */
  readonly seccomp: 'disabled' | 'strict' | 'filter' | null;
}

/** One /proc/PID/ns entry and whether it is PID 1's. */
export interface NamespaceEntry {
  /** cgroup, ipc, mnt, net, pid, pid_for_children, time, time_for_children, user, uts. */
  readonly type: string;
  readonly inode: number | null;
  /** PID 1's inode of the same type, null when unreadable. */
  readonly initInode: number | null;
  /** True when the process is in another namespace than PID 1; null when either side is unknown. */
  readonly differsFromInit: boolean | null;
}

export interface InspectCgroup {
  readonly path: string;
  readonly unit: string | null;
  readonly slice: string | null;
  readonly containerId: string | null;
  readonly containerRuntime: string | null;
  /** memory.max of the cgroup ("max" or bytes as text); null when the memory controller is not enabled there. */
  readonly memoryMax: string | null;
  /** cpu.max ("max 100000" or "QUOTA PERIOD"); null when the cpu controller is not enabled there. */
  readonly cpuMax: string | null;
}

export interface ThreadEntry {
  readonly tid: number;
  readonly name: string;
  readonly state: string;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  /** (utime + stime) / clock ticks. */
  readonly cpuSeconds: number;
}

/** A field that could not be read: its name in the JSON output and why. */
export interface InspectFieldError {
  /** Dotted JSON name: "io", "environment", "memory.uss_bytes", "program.sha256", ... */
  readonly field: string;
  readonly code: 'EACCES' | 'ENOENT' | 'EXITED' | 'OTHER';
  readonly message: string;
}

export interface ProcessInspection {
  readonly identity: InspectIdentity;
  readonly program: InspectProgram;
  /** Variables in environ order; null when unreadable. Redaction is the caller's business. */
  readonly environment: readonly EnvEntry[] | null;
  readonly limits: readonly LimitRow[] | null;
  readonly cpu: InspectCpu;
  readonly memory: InspectMemory;
  readonly io: IoCounters | null;
  readonly security: InspectSecurity;
  readonly namespaces: readonly NamespaceEntry[] | null;
  readonly cgroup: InspectCgroup | null;
  /** null unless asked for (or unreadable: then in fieldErrors). */
  readonly threads: readonly ThreadEntry[] | null;
  /** The open fds (pipe peers resolved only with options.fds); null when unreadable. */
  readonly fds: readonly FdEntry[] | null;
  readonly fieldErrors: readonly InspectFieldError[];
  /** The process exited (or its PID was reused) before the read finished; what was read is kept. */
  readonly exitedDuringRead: boolean;
}

/** Inspect's result: the snapshot, or why there is none. */
export type InspectResult =
  | { readonly inspection: ProcessInspection; readonly error: null }
  | {
      readonly inspection: null;
      /** ENOENT: no such process; REUSED: the PID names a process with another start time; EXITED: gone before enough was read. */
      readonly error: { readonly code: 'ENOENT' | 'REUSED' | 'EXITED'; readonly message: string };
    };

/** Capability numbers → names (include/uapi/linux/capability.h). */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];
