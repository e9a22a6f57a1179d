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
}

/** Everything one refresh reads. */
export interface Snapshot {
  /** Wall clock when the read finished, Unix epoch ms. */
  readonly timestampMs: number;
  /** Monotonic clock when the read finished, ms (for rate computations). */
  readonly monotonicMs: number;
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
}

/** The process holding the other end of a pipe. */
export interface PipePeer {
  readonly pid: number;
  readonly comm: string;
  readonly fd: number;
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
  /** Access mode: files from fdinfo flags; pipes from the fd link's permission bits; otherwise null. */
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

/** The one interface to the OS. Implemented by the native addon and by the JS fallback. */
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
}
