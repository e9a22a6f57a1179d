/**
 * The records that cross the OS boundary. Both backends (native addon and pure-JS fallback)
 * produce exactly these shapes; nothing above src/sys/ knows which backend made them.
 */

/** A process is a (pid, startTime) pair: PIDs are reused, start times are not. */
export interface ProcessIdentity {
  /** Kernel process id. */
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: start time in clock ticks after boot. */
  readonly startTime: number;
}

/** One process as read from /proc in one snapshot. */
export interface RawProcess extends ProcessIdentity {
  /** Parent pid (0 for PID 1 and kthreadd). */
  readonly ppid: number;
  /** Process group id. */
  readonly pgid: number;
  /** Session id. */
  readonly sid: number;
  /** Real uid (owner of /proc/PID). */
  readonly uid: number;
  /** User name for uid, or the uid as a string when it has no passwd entry. */
  readonly user: string;
  /** One-letter kernel state: R S D Z T t X I P W K. */
  readonly state: string;
  /** Kernel command name (may contain spaces, parentheses, newlines). */
  readonly comm: string;
  /** Command line split on NUL; empty for kernel threads and zombies. */
  readonly argv: readonly string[];
  /** Target of /proc/PID/exe, or null when unreadable (other user, kernel thread, gone). */
  readonly exe: string | null;
  /** User-mode CPU time in clock ticks. */
  readonly utime: number;
  /** Kernel-mode CPU time in clock ticks. */
  readonly stime: number;
  /** Resident set size in bytes. */
  readonly rssBytes: number;
  /** Virtual memory size in bytes. */
  readonly vsizeBytes: number;
  /** Number of threads. */
  readonly threads: number;
  /** Nice value (-20..19). */
  readonly nice: number;
  /** Kernel priority (field 18 of stat). */
  readonly priority: number;
  /** Controlling terminal device number (0 = none). */
  readonly ttyNr: number;
  /** True for kernel threads (PF_KTHREAD in stat flags), not inferred from an empty cmdline. */
  readonly isKernelThread: boolean;
}

/** Cumulative CPU time counters from one line of /proc/stat, in clock ticks. */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly irq: number;
  readonly softirq: number;
  readonly steal: number;
}

/** System-wide figures read alongside the processes. */
export interface SystemInfo {
  /** The aggregate "cpu" line of /proc/stat. */
  readonly cpuTotal: CpuTimes;
  /** One entry per "cpuN" line, in N order. */
  readonly cpus: readonly CpuTimes[];
  readonly memTotalBytes: number;
  readonly memAvailableBytes: number;
  readonly memFreeBytes: number;
  readonly buffersBytes: number;
  readonly cachedBytes: number;
  readonly swapTotalBytes: number;
  readonly swapFreeBytes: number;
  /** 1, 5 and 15 minute load averages. */
  readonly loadAvg: readonly [number, number, number];
  /** Seconds since boot (first field of /proc/uptime). */
  readonly uptimeSeconds: number;
  /** Boot time as Unix epoch milliseconds ("btime" of /proc/stat). */
  readonly bootTimeMs: number;
  /** sysconf(_SC_CLK_TCK). */
  readonly clockTicks: number;
  /** sysconf(_SC_PAGESIZE). */
  readonly pageSize: number;
  /**
   * "procs_running" of /proc/stat: threads runnable right now, system-wide (the reader included).
   * A process's state is its main thread's: a two-thread spinner whose main thread sleeps is "S".
   */
  readonly procsRunning: number;
}

/** Everything one refresh reads. */
export interface Snapshot {
  /** Wall clock when the read's figures were all in, Unix epoch ms (see monotonicMs). */
  readonly timestampMs: number;
  /**
   * Monotonic clock when the read's figures were all in, ms: every process's stat and the
   * system's figures. Both backends read those in a first pass and the details of new (and
   * exec'd) identities (owner, command line, executable) after it, so a first read's rates are
   * timed over the pass that read the figures, not over the slower details.
   */
  readonly monotonicMs: number;
  /**
   * Monotonic clock when the read's pass over the processes began, ms: each process's figures
   * were read between this and monotonicMs. Rates are timed between two reads' midpoints (snapshotMidMs): a
   * first read takes several times as long as the next, so timing from the ends would credit the
   * processes read early in it with a window shorter than theirs, by up to the difference.
   */
  readonly readStartMonotonicMs: number;
  /**
   * Every process, in pid order. Records are frozen, and a collector may hand back the very same
   * record object for a process whose figures did not move since its previous snapshot (the
   * native one does: its reader reports only new and changed processes), so `previous === current`
   * tells a consumer it can skip that process; a new object says nothing (the JS backend makes
   * new records every time).
   *
   * The native collector may hand out a lazy list here when a read leaves thousands of records to
   * build (a first read of a big table): an array in every way a reader uses one (Array.isArray,
   * length, indexing, iteration, array methods, JSON) whose records are built when first read, so
   * a caller that reads a few rows never pays for the rest. It is read-only, and a Proxy:
   * structuredClone and postMessage refuse it, so copy it first (`[...processes]`).
   */
  readonly processes: readonly RawProcess[];
  readonly system: SystemInfo;
  /** Non-fatal problems (e.g. "hidepid: other users' processes are hidden"). */
  readonly warnings: readonly string[];
}

/** Kind of an open file descriptor. Extends the peer schema's file|socket|pipe|unknown. */
export type FdKind = 'file' | 'socket' | 'pipe' | 'anon' | 'unknown';

export type SocketProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6' | 'unix' | 'netlink' | 'other';

/** What a socket fd resolves to through the owner's own network namespace. */
export interface SocketInfo {
  readonly protocol: SocketProtocol;
  /** Local IP address (IPv4 dotted or IPv6 text), null for unix/netlink. */
  readonly localAddress: string | null;
  readonly localPort: number | null;
  readonly remoteAddress: string | null;
  readonly remotePort: number | null;
  /** TCP state name (LISTEN, ESTABLISHED, ...), UNCONN for unbound UDP, null when not applicable. */
  readonly state: string | null;
  /** Bound path of a unix socket ("@name" for abstract), null otherwise. */
  readonly unixPath: string | null;
  /** A netlink socket's protocol as lsof names it (ROUTE, AUDIT, KOBJECT_UEVENT, GENERIC...), null otherwise. */
  readonly netlinkProtocol: string | null;
}

/** A process holding the same pipe (another process, or the listed process's own other fd). */
export interface PipePeer {
  readonly pid: number;
  readonly comm: string;
  readonly fd: number;
  /** Which end that fd holds: "r" read end, "w" write end (lsof +E); null when unreadable. */
  readonly mode: 'r' | 'w' | 'rw' | null;
}

/** One entry of /proc/PID/fd. */
export interface FdEntry {
  readonly fd: number;
  readonly kind: FdKind;
  /** readlink target: a path for files, "socket:[ino]", "pipe:[ino]", "anon_inode:[eventfd]"... */
  readonly path: string | null;
  /** For files: the target was deleted (" (deleted)" suffix, stripped from path). */
  readonly deleted: boolean;
  /** For files: a memfd ("/memfd:name"). */
  readonly memfd: boolean;
  /** Access mode (lsof's r, w, u): files from fdinfo flags; pipes, sockets and anon inodes from the fd link's permission bits. */
  readonly mode: 'r' | 'w' | 'rw' | null;
  /** File position from fdinfo "pos". */
  readonly position: number | null;
  /** Inode for sockets and pipes, null otherwise. */
  readonly inode: number | null;
  /** For anon fds: eventfd, eventpoll, inotify, timerfd, signalfd, pidfd, io_uring, ... */
  readonly anonType: string | null;
  /** For sockets: the resolved protocol and addresses (null if the inode was not found). */
  readonly socket: SocketInfo | null;
  /** For pipes: other processes holding the same pipe inode (when visible). */
  readonly pipePeers: readonly PipePeer[] | null;
}

/** Why a listing could not be made. Errors are values: the caller decides what to show. */
export type FdListingError =
  | { readonly code: 'EACCES'; readonly message: string }
  | { readonly code: 'ENOENT'; readonly message: string }
  | { readonly code: 'OTHER'; readonly message: string };

export interface FdListing {
  readonly pid: number;
  readonly fds: readonly FdEntry[];
  /** Set when the whole listing failed (permission denied, process gone). fds is then empty. */
  readonly error: FdListingError | null;
  readonly warnings: readonly string[];
}

/** Result of one identity-checked signal attempt at the OS boundary. */
export type DeliveryOutcome = 'sent' | 'exited' | 'reused' | 'permission' | 'error';

export interface SignalDelivery {
  readonly outcome: DeliveryOutcome;
  /** errno name or message when outcome is 'error' (or extra detail for others). */
  readonly error: string | null;
  /** True when the signal went through a pidfd; false when check-then-kill was used. */
  readonly viaPidfd: boolean;
  readonly warnings: readonly string[];
}

/** Options of Collector.listFds. */
export interface ListFdsOptions {
  /** Find the processes holding the other end of each pipe (default true). */
  readonly pipePeers?: boolean;
}

/** What Collector.probeProcesses found for one pid that exists now. */
export interface ProcessProbe extends ProcessIdentity {
  /** State Z or X: the process has exited and waits to be reaped (no longer alive). */
  readonly exited: boolean;
}

/** How to start a program detached from proctop (`proctop track run`). */
export interface DetachedSpawnSpec {
  /** Program, looked up in PATH like a shell would. */
  readonly command: string;
  readonly args: readonly string[];
  /** Working directory (default: proctop's). */
  readonly cwd?: string;
  /** stdout and stderr are appended to this file (created 0600); null sends them to /dev/null. */
  readonly logPath: string | null;
}

/** The outcome of Collector.spawnDetached. Errors are values: ENOENT, EACCES... */
export type DetachedSpawnResult =
  | {
      readonly ok: true;
      /** Identity of the new session leader. */
      readonly identity: ProcessIdentity;
      /** Its command line as the kernel has it after exec (the given argv if it already exited). */
      readonly argv: readonly string[];
      /** Its /proc/PID/exe target, null when unreadable. */
      readonly exe: string | null;
    }
  | {
      readonly ok: false;
      /** errno name (ENOENT, EACCES...) or OTHER. */
      readonly code: string;
      readonly message: string;
    };


/**
 * The few facts an action needs about one process now, read from /proc/PID/stat (plus the
 * directory owner). Cheaper than a snapshot, so escalation loops can re-read it often.
 */
export interface ProcessStatus extends ProcessIdentity {
  readonly ppid: number;
  readonly pgid: number;
  /** Session id. */
  readonly sid: number;
  /** One-letter kernel state; Z and X mean the process has already exited. */
  readonly state: string;
  /** Kernel command name. */
  readonly comm: string;
  /** Owner uid of /proc/PID (the lead's rule for "the uid of a process"). */
  readonly uid: number;
  /** User name of uid, or the uid as text when it has no passwd entry. */
  readonly user: string;
  /** utime + stime in clock ticks (for --cpu-above). */
  readonly cpuTicks: number;
  /** PF_KTHREAD set in the stat flags. */
  readonly isKernelThread: boolean;
}

/** Which link of /proc/PID. */
export type ProcessLinkName = 'cwd' | 'exe' | 'root';

/** The target of a /proc/PID link, or why it cannot be read. Errors are values, like FdListing.error. */
export type ProcessLink =
  | { readonly path: string; readonly error: null }
  | {
      readonly path: null;
      /** EACCES: another user's process (not running as its owner or root); ENOENT: gone, or no such link (kernel thread exe). */
      readonly error: 'EACCES' | 'ENOENT' | 'OTHER';
      /** The OS error text. */
      readonly message: string;
    };

/** Who the calling process (proctop) is: the processes a signal from it must never hit by accident. */
export interface SelfContext {
  /** Its own pid: never signalled. */
  readonly pid: number;
  /** Its parent chain, parent first, up to PID 1: signalling one needs --force. Siblings (a
   * script's other background jobs in proctop's process group) are ordinary targets. */
  readonly ancestors: readonly ProcessIdentity[];
}

/** A nice value read, or why not (errno name: ESRCH gone, EACCES/EPERM, ...). */
export type PriorityRead = { readonly nice: number; readonly error: null } | { readonly nice: null; readonly error: string };

/**
 * Result of one identity-checked setpriority. There is no pidfd form of setpriority: the start
 * time is re-read right before and right after, so a PID recycled in between is caught and
 * reported as reused, not prevented.
 */
export interface PriorityChange {
  /** set; exited (gone before); reused (start time differs before, or after the call); permission (EACCES/EPERM); error. */
  readonly outcome: 'set' | 'exited' | 'reused' | 'permission' | 'error';
  /** errno name or detail for every outcome but set. */
  readonly error: string | null;
}

/** The socket fds one process holds, for port ownership. */
export interface ProcessSockets {
  readonly pid: number;
  /** Its network namespace link ("net:[4026531840]"), null when unreadable or it holds no socket. */
  readonly netns: string | null;
  /** Its fd directory could not be read (another user's process, not root). */
  readonly denied: boolean;
  /** [socket inode, fd] pairs. */
  readonly sockets: readonly (readonly [number, number])[];
}

/** Socket fds of every visible process, and the caller's own network namespace. */
export interface SocketOwners {
  /** The caller's network namespace link, null when unreadable. */
  readonly ownNetns: string | null;
  readonly processes: readonly ProcessSockets[];
}

/** One row of a /proc/net socket table (tcp, tcp6, udp, udp6, unix, netlink), keyed by inode. */
export interface NetSocketRecord extends SocketInfo {
  /** Socket inode ("socket:[N]" in /proc/PID/fd). */
  readonly inode: number;
}

/** A running freeze watchdog (Collector.startFreezeWatchdog): tell it before stopping, after continuing, and when done. */
export interface FreezeWatchdog {
  /**
   * Records identities about to be stopped (call BEFORE sending SIGSTOP; one write for all).
   * Settles true once the lines are in the kernel (the watchdog has them even if the caller dies
   * now), false if that took longer than `boundMs`.
   */
  stopping(members: readonly ProcessIdentity[], boundMs?: number): Promise<boolean>;
  /** Records an identity continued (or gone): nothing left to do for it. */
  continued(member: ProcessIdentity): void;
  /** Everything is continued: the watchdog exits without touching anything. */
  done(): void;
  /** The watchdog's pid. */
  readonly pid: number;
}

/**
 * The one interface to the OS. Implemented by the native addon and by the JS fallback; nothing
 * above src/sys/ reads /proc, signals, or calls the kernel except through it. Cold-path methods
 * share one TypeScript implementation between the two (src/sys/process-reads.ts).
 */
export interface Collector {
  readonly backend: 'native' | 'js';
  /** Read every process plus system figures. Never blocks the event loop for long. */
  snapshot(): Promise<Snapshot>;
  /**
   * List the open fds of one process. Never rejects for EACCES/ENOENT: see FdListing.error.
   * pipePeers (default true) scans every process's fds to find the other ends of pipes: costly
   * on a big box, so live views that refresh often may turn it off.
   */
  listFds(pid: number, options?: ListFdsOptions): Promise<FdListing>;
  /** Send signal (number; 0 probes) to exactly this identity, or report why not. */
  signal(target: ProcessIdentity, signal: number): Promise<SignalDelivery>;
  /** This boot's id (/proc/sys/kernel/random/boot_id): a stored identity only holds on its boot. */
  bootId(): Promise<string>;
  /** The identity of each of these pids that exists now (absent = no such process). Cheap: one stat read each. */
  probeProcesses(pids: readonly number[]): Promise<ReadonlyMap<number, ProcessProbe>>;
  /** One process as a snapshot reads it (argv, exe, user too), or null when it does not exist or is unreadable. */
  readProcessRecord(pid: number): Promise<RawProcess | null>;
  /**
   * Starts a program in a new session (setsid), detached from proctop, stdin from /dev/null and
   * stdout+stderr appended to spec.logPath; it keeps running after proctop exits.
   */
  spawnDetached(spec: DetachedSpawnSpec): Promise<DetachedSpawnResult>;
  /**
   * The same identity-checked signal, synchronously, for exit paths where no promise can run
   * (continuing stopped processes from a process 'exit' handler).
   */
  signalSync(target: ProcessIdentity, signal: number): DeliveryOutcome;
  /**
   * Starts the freeze watchdog: a process of its own (own session) that continues the identities
   * it is told are stopped if the caller dies before saying "done" (even by SIGKILL). Returns it,
   * or why it could not start. Whatever stops processes starts one first (terminate-tree).
   */
  startFreezeWatchdog(): FreezeWatchdog | string;
  /** One process now, null when gone. Callers compare startTime with the identity they hold. */
  readProcess(pid: number): Promise<ProcessStatus | null>;
  /**
   * True when pid is a live process this user cannot see in /proc (mounted hidepid): readProcess
   * says null, but the kernel knows the PID (a signal-0 probe answers EPERM, not ESRCH).
   */
  isHiddenProcess(pid: number): Promise<boolean>;
  /** True when /proc is mounted hidepid (not 0) and this user is not root: other users' processes are invisible. */
  processesHidden(): Promise<boolean>;
  /** The parent chain of pid, nearest first, up to PID 1 (what guards check); empty when pid is gone. */
  readAncestors(pid: number): Promise<readonly ProcessStatus[]>;
  /** One link of /proc/PID (cwd, exe, root), read fresh; never rejects. */
  readLink(pid: number, name: ProcessLinkName): Promise<ProcessLink>;
  /** realpath of a path, or the path itself when it cannot be resolved (for --require-exe-path). */
  resolvePath(path: string): Promise<string>;
  /** System figures alone (clock ticks, boot time, memory): what a snapshot carries in .system. */
  systemInfo(): Promise<SystemInfo>;
  /** Who the calling process is (pid and parent chain). */
  selfContext(): Promise<SelfContext>;
  /** Nice value of pid now. */
  readPriority(pid: number): Promise<PriorityRead>;
  /** setpriority(PRIO_PROCESS) on exactly this identity (checked before and after). */
  setPriority(target: ProcessIdentity, nice: number): Promise<PriorityChange>;
  /**
   * Socket fds of every visible process with its network namespace (for port ownership); kernel
   * threads, which hold no fds, are left out (their fd tables are root's, so not counted as denied).
   */
  listSocketOwners(): Promise<SocketOwners>;
  /** TCP/UDP socket tables of the network namespace pid is in (null: the caller's own). */
  listInetSockets(pid: number | null): Promise<readonly NetSocketRecord[]>;
  /**
   * Reads the asked-for extras (io, status, fd count, cgroup, faults, fd limit, smaps_rollup) of each identity, in the
   * targets' order, reading only the files asked for; the cgroup is cached per identity. Never
   * rejects for a process that is gone or unreadable: see ProcessExtras.alive and .errors.
   */
  readExtras(targets: readonly ProcessIdentity[], request: ExtrasRequest): Promise<readonly ProcessExtras[]>;
  /**
   * Reads one process whole (identity and lineage, program, environment, limits, CPU, memory,
   * I/O, security, namespaces, cgroup, threads, fds). startTime null = whichever process has the
   * PID now. Unreadable fields are null and named in fieldErrors; never rejects for EACCES/ENOENT.
   */
  inspect(pid: number, startTime: number | null, options?: InspectOptions): Promise<InspectResult>;
}

/** The per-process extras Collector.readExtras can add to a snapshot row. Ask only for what you show. */
export type ExtrasField = 'io' | 'status' | 'fdCount' | 'cgroup' | 'faults' | 'fdLimit' | 'smapsRollup';

/** Which extras to read; a field left out (or false) is not read and comes back null without an error. */
export type ExtrasRequest = { readonly [K in ExtrasField]?: boolean };

/** Cumulative I/O counters from /proc/PID/io (the whole thread group). */
export interface IoCounters {
  /** rchar: bytes passed to read()-like calls, page cache hits included. */
  readonly readChars: number;
  /** wchar: bytes passed to write()-like calls. */
  readonly writeChars: number;
  /** syscr: read()-like system calls. */
  readonly readSyscalls: number;
  /** syscw: write()-like system calls. */
  readonly writeSyscalls: number;
  /** read_bytes: bytes this process caused to be fetched from storage. */
  readonly readBytes: number;
  /** write_bytes: bytes this process caused to be sent to storage (dirtied page cache counts). */
  readonly writeBytes: number;
  /** cancelled_write_bytes: dirtied bytes later truncated away before writeback. */
  readonly cancelledWriteBytes: number;
}

/** Real, effective, saved and filesystem ids, as the Uid:/Gid: lines of /proc/PID/status list them. */
export interface IdSet {
  readonly real: number;
  readonly effective: number;
  readonly saved: number;
  readonly filesystem: number;
}

/** Figures from /proc/PID/status that /proc/PID/stat does not carry. */
export interface StatusExtras {
  /** voluntary_ctxt_switches: the process gave up the CPU (waited for I/O, a lock, sleep). */
  readonly voluntaryCtxSwitches: number;
  /** nonvoluntary_ctxt_switches: the scheduler took the CPU away (time slice over, preempted). */
  readonly involuntaryCtxSwitches: number;
  /** VmSwap in bytes: anonymous memory swapped out; null for kernel threads and zombies (no mm). */
  readonly swapBytes: number | null;
  /**
   * VmRSS in bytes, the exact resident size `ps` and `top` show; null for kernel threads and
   * zombies. RawProcess.rssBytes (stat) is the kernel's cheaper per-CPU-batched approximation.
   */
  readonly rssBytes: number | null;
  readonly uids: IdSet;
  readonly gids: IdSet;
}

/** Proportional memory from /proc/PID/smaps_rollup (walks every mapping: costly, ask only when shown). */
export interface SmapsRollup {
  /** Pss: resident memory with each shared page divided among the processes mapping it. */
  readonly pssBytes: number;
  /** SwapPss: swapped memory divided the same way (0 on kernels without the line). */
  readonly swapPssBytes: number;
  /** USS: Private_Clean + Private_Dirty + Private_Hugetlb, pages only this process maps (null without those lines). */
  readonly ussBytes: number | null;
  /** Swap: swapped-out anonymous memory (0 without the line). */
  readonly swapBytes: number;
}

/** Page fault counters from /proc/PID/stat (fields 10 and 12). */
export interface FaultCounters {
  /** Faults served without I/O (page already in memory). */
  readonly minor: number;
  /** Faults that had to read from storage. */
  readonly major: number;
}

/** Where a process sits in the cgroup v2 tree, and what that path says about it. */
export interface CgroupPlacement {
  /** The "0::" path of /proc/PID/cgroup, relative to the cgroup2 mount ("/" = root cgroup). */
  readonly path: string;
  /** The deepest systemd unit on the path (name.service, name.scope, ...), when under systemd. */
  readonly unit: string | null;
  /** The deepest systemd slice on the path (user-1000.slice, system.slice, ...). */
  readonly slice: string | null;
  /** Container id (64 or 32+ hex digits) when the path carries one. */
  readonly containerId: string | null;
  /** Who made the container: docker, containerd, crio, podman, kubepods; null without a container id. */
  readonly containerRuntime: 'docker' | 'containerd' | 'crio' | 'podman' | 'kubepods' | null;
}

/** Why one asked-for extra is null. Errors are values, like FdListing.error. */
export interface ExtrasFieldError {
  readonly field: ExtrasField;
  /** EACCES: another user's process (run as its owner or root); ENOENT: the kernel has no such file, or nothing matched (cgroup v1 only). */
  readonly code: 'EACCES' | 'ENOENT' | 'OTHER';
  /** What failed, in words: file and OS error. */
  readonly message: string;
}

/**
 * The extras of one identity. Every field not asked for is null; an asked-for field that could not
 * be read is null with an entry in errors. A process that exited, or whose PID now names another
 * process, is alive: false with every field null (no error entries: it is simply gone).
 */
export interface ProcessExtras extends ProcessIdentity {
  /** False when the identity no longer exists (checked by re-reading stat after the other files). */
  readonly alive: boolean;
  /**
   * The comm its stat showed, read after the other files (null when gone). One other than a
   * snapshot row's says the process exec'd between the two reads: these figures are the new
   * program's, not the row's.
   */
  readonly comm: string | null;
  /** /proc/PID/io; needs the owner's uid or root (ptrace access), EACCES otherwise. */
  readonly io: IoCounters | null;
  /** Context switches, swap and ids from /proc/PID/status (world-readable). */
  readonly status: StatusExtras | null;
  /** Entries of /proc/PID/fd; EACCES for another user's process. */
  readonly fdCount: number | null;
  /** cgroup v2 placement, read once per identity and cached by the collector. */
  readonly cgroup: CgroupPlacement | null;
  /** Minor and major page faults. */
  readonly faults: FaultCounters | null;
  /** Soft RLIMIT_NOFILE ("Max open files" of /proc/PID/limits, world-readable); null also when unlimited. */
  readonly fdLimit: number | null;
  /** Pss and SwapPss; needs the owner's uid or root, EACCES otherwise. */
  readonly smapsRollup: SmapsRollup | null;
  readonly errors: readonly ExtrasFieldError[];
}
export type * from './inspect-types.js';
import type { InspectOptions, InspectResult } from './inspect-types.js';
