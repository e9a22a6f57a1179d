import { createRequire } from 'node:module';
import { join } from 'node:path';
import nodeGypBuild from 'node-gyp-build';
import { packageRoot } from './package-root.js';
import type { PackedColumns } from './native-columns.js';
import type { DetailsStats, PackedSnapshotSource, ReaderProcessInfo, SnapshotLayout } from './native-snapshot.js';

/** The JS-facing surface of build/Release/proctop.node (native/addon.cc). */
export interface NativeAddon {
  /** Reads every process under procRoot on a worker thread, keeping per-identity caches and stat handles. Decode with NativeSnapshotReader. */
  SnapshotReader: new (procRoot: string, options?: SnapshotReaderOptions) => AddonSnapshotReader;
  /** The column names the addon packs snapshots by (checked against src/sys/native-snapshot.ts at load). */
  snapshotLayout: SnapshotLayout;
  // The fds and signal bindings answer in columns (native/columns.h), decoded by native-fds.ts and native-signal.ts.
  /** Lists /proc/PID/fd on a worker thread; sockets resolved through /proc/PID/net. Decode with unpackFdListing. */
  listFds(procRoot: string, pid: number, options: { readonly pipePeers: boolean }): Promise<PackedColumns>;
  /** pidfd_open → verify start time → pidfd_send_signal; check-then-kill where pidfds are unavailable. Decode with unpackSignalDelivery. */
  sendSignal(procRoot: string, pid: number, startTime: number, signal: number): Promise<PackedColumns>;
  /** sendSignal on the calling thread, for exit handlers, which cannot wait for a worker. */
  sendSignalSync(procRoot: string, pid: number, startTime: number, signal: number): PackedColumns;
  /** Socket fds of every process under procRoot, with its network namespace (for ports). Decode with unpackSocketOwners. */
  listSocketOwners(procRoot: string): Promise<PackedColumns>;
  /**
   * Named files under /proc/PID of every pid on a worker thread: per pid, its fd entries counted
   * (countFds), then each name in order (names: 1 to 32 of [a-z_]). Decode with unpackProcFiles.
   */
  readProcFiles(procRoot: string, pids: readonly number[], names: readonly string[], options: { readonly countFds: boolean }): Promise<PackedColumns>;
  /**
   * isatty(fd): asked without loading node:tty (and node:net with it), for the early start
   * (first-read.ts). Absent from addons built from older sources (then no early start).
   */
  isTerminal?(fd: number): boolean;
  /**
   * Every native reader reads pid's stat on its next read, whatever its run check says (after
   * proctop reniced it: a sleeper's nice would otherwise show only by fullStatEveryMs).
   */
  markStatDue?(pid: number): void;
  /**
   * Asks the kernel for a scheduler slice of sliceNs on the calling thread (preferShortTimeslice
   * in first-read.ts). Absent from addons built from older sources.
   */
  requestTimeslice?(sliceNs: number): { readonly applied: boolean; readonly sliceNs: number; readonly reason: string | null };
}

/** The addon's SnapshotReader: a PackedSnapshotSource, and what tests ask of it beyond that. */
export interface AddonSnapshotReader extends PackedSnapshotSource {
  /**
   * Opens a stat handle now for each identity of the last read that has none (within the budget),
   * as the reader does by itself in its idle time before keepHandlesFromRead; resolves with how
   * many it kept. Not while a read runs.
   */
  prepareHandles(): Promise<number>;
  /** How the last read read the details of its new identities (on how many helper threads). */
  detailsStats(): DetailsStats;
  /** Whether a reader process reads (SnapshotReaderOptions.readerProcess). */
  readerProcess(): ReaderProcessInfo;
}

/** How a SnapshotReader reads (native/linux/proc_snapshot.h). */
export interface SnapshotReaderOptions {
  /**
   * The first read (1-based, default 1) that keeps /proc/PID/stat handles open; the reads before
   * it open, read and close each. Growing the fd table for the handles waits ~12 ms before a read's
   * pass can start, so from 2 on, the reader thread grows it and opens the handles in its idle time
   * after the read before (until the next read is asked for), and that read preads them: the
   * monitor's early reader keeps none in its first read and preads them in its second.
   */
  readonly keepHandlesFromRead?: number;
  /**
   * A read before keepHandlesFromRead still keeps its handles when its listing finds at least this
   * many processes (default 3,000; Infinity: never). There it outlasts the time until the next
   * read, so no idle time is left to open the handles in, and the next read would open every stat
   * by path again (~200 ms more before the monitor's first full frame at 20,000 processes).
   */
  readonly keepHandlesFromCount?: number;
  /**
   * The longest between two full listings of /proc (default 10,000 ms). The reads between them
   * re-read the PIDs the previous read found and list only the PIDs allocated since (PidListing
   * in native/linux/pid_listing.h): this bounds how late a PID that range can miss appears.
   */
  readonly fullListingEveryMs?: number;
  /**
   * 0 (the default): none. Otherwise the second read starts by itself on the reader's thread this
   * long after the middle of the first read's pass, and the second read() answers with it (a read()
   * asked for sooner reads at once instead). The monitor's early reader: its first CPU figures are
   * the difference of its first two reads, and read ahead the second starts on time even while the
   * JS thread is still busy with the first.
   */
  readonly secondReadAfterMs?: number;
  /**
   * The longest a sleeping single-threaded process goes without its stat read again (default
   * 10,000 ms; 0: every read reads every stat). Such a process changes its figures only by running,
   * so a reader whose reads come often trades its stat handle for a kept /proc/PID/schedstat one
   * and reads that first (a third of the kernel's work of a stat): the same run time, the same
   * figures. This bounds how late a change made by
   * another process shows (renice, its process group or terminal); a new parent after the old one
   * exited shows on the next read, and memory after the kernel reclaimed pages at once.
   */
  readonly fullStatEveryMs?: number;
  /**
   * A read with at least this many new identities (default 500; Infinity: never) reads their
   * details (owner, command line, executable) on helper threads beside its own (detailsHelpers).
   * Each process's details are independent of the others', and a first read of 20,000 processes
   * spent ~350 ms on them on one CPU while the JS thread waited.
   */
  readonly detailsHelpersFrom?: number;
  /**
   * How many helper threads such a read starts (a whole number from 0 to 16). Default: two fewer
   * than the CPUs proctop may run on, at most 3, so one CPU stays free of the read for the JS
   * thread: with autogroup the kernel charges the helpers' CPU time to proctop's session, the JS
   * thread's included (README, Benchmarks: session 22).
   */
  readonly detailsHelpers?: number;
  /**
   * Read in a process of its own session (`proctop-reader`, built beside the addon; default
   * false here, true for proctop's collectors: readerProcessWanted). With autogroup the kernel
   * shares the CPUs between sessions before threads, so a reader thread's CPU time delays the JS
   * thread's next turn however nice the thread is; a reader in its own session does not. Its kept
   * stat handles live in its fd table, not proctop's. Spawned by the first read; when it cannot
   * be spawned or ends, the in-process reader reads instead (readerProcess() says why), its next
   * read anew. Each answer is waited for at most 30 s (then the reader process is killed).
   */
  readonly readerProcess?: boolean;
  /** The reader executable (default: `proctop-reader` beside the loaded addon). For tests. */
  readonly readerExecutable?: string;
  /**
   * A reader process's passes enter the scheduler (a 1 µs sleep) each time they have run this
   * long (default 0.2 ms; 0: never): a JS thread that woke on the CPU a read runs on can then run
   * at once instead of at the scheduler's next tick (README, Design: The reader process).
   */
  readonly passBreakMs?: number;
  /**
   * At a break, a reader process also looks at proctop's main JS thread (the process's main
   * thread, whose event loop a person or a scraper waits on, also when this SnapshotReader was
   * made on a worker thread, as serve-metrics' sampler is) and, while that thread is runnable on
   * the reader's own CPU (queued behind the read), sleeps 50 µs at a time, at most 20 times or
   * 1 ms per break (default true; false: never). With
   * autogroup the kernel weighs the two sessions before the threads, and a JS thread whose
   * session used more than its share waited milliseconds behind the reader otherwise (README,
   * Design: The reader process). Ignored by the in-process reader.
   */
  readonly yieldToJsThread?: boolean;
}

/**
 * Whether proctop's collectors read in a reader process: yes, unless PROCTOP_READER=thread asks
 * for the in-process reader thread (to compare the two, or where spawning a helper is unwelcome).
 * The CLI refuses other values (src/cli-run.ts); here they mean the default.
 */
export function readerProcessWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PROCTOP_READER !== 'thread';
}

export type AddonLoad = { readonly addon: NativeAddon; readonly error: null } | { readonly addon: null; readonly error: string };

let cached: AddonLoad | undefined;

/**
 * Loads the addon once, with node-gyp-build: a build from source (build/Release, build/Debug)
 * first, else the prebuild in prebuilds/<platform>-<arch>/ whose tags fit (napi, glibc). Only
 * "none found" counts as absent, and then every place tried is named; any other load error is
 * reported verbatim.
 */
export function loadNativeAddon(): AddonLoad {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const root = packageRoot();
  let path: string;
  try {
    path = nodeGypBuild.path(root);
  } catch (err) {
    // node-gyp-build says which platform tags it looked for ("No native build was found for platform=linux arch=x64 ...").
    const wanted = /found for (.*)/.exec(String((err as Error).message))?.[1]?.trim() ?? String(err);
    const tried = [join(root, 'build', 'Release', '*.node'), join(root, 'build', 'Debug', '*.node'), `${join(root, 'prebuilds', `${process.platform}-${process.arch}`, '*.node')} for ${wanted}`];
    cached = { addon: null, error: `native addon not built (tried ${tried.join(', ')})` };
    return cached;
  }
  try {
    cached = { addon: require(path) as NativeAddon, error: null };
  } catch (err) {
    cached = { addon: null, error: `native addon ${path} failed to load: ${(err as Error).message}` };
  }
  return cached;
}

/** The addon if something has loaded it already, else null (never loads it). */
export function loadedNativeAddon(): NativeAddon | null {
  return cached?.addon ?? null;
}
