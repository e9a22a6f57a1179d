// The native reader's first read, started as early as proctop can: before the interactive
// monitor's own modules load (src/tui/early-start.ts, from src/cli.tsx). The monitor's first CPU
// figures need a second read a fixed gap after the first, so each millisecond the first read
// starts earlier is one off the first full frame. This module is small on purpose (the addon, the
// layout check and two one-call kernel questions only): the rest of the OS boundary loads while
// the addon reads. The native collector made next for the same /proc adopts the reader with its
// read under way (createNativeCollector); nothing else ever sees it.
import { loadNativeAddon, readerProcessWanted } from './native-addon.js';
import { checkSnapshotLayout, type PackedSnapshotSource } from './native-snapshot.js';
import { handOverOnce } from '../util/hand-over-once.js';

/** A reader whose first read() answers with the read started early. */
interface Started {
  readonly procRoot: string;
  readonly source: PackedSnapshotSource;
}

/**
 * The early reader's first read that keeps stat handles: the second, which the first full frame
 * waits for. Its handles are opened (and the fd table grown for them, with its RCU wait) on the
 * reader thread in the ~90 ms it would idle after the first read, so the second preads them (at
 * 1,000 processes ~7 ms instead of ~15 for an open, read and close of each stat). The first read
 * keeps none: growing the table first would hold up its pass, which everything after waits for.
 * Except from 3,000 processes on (the reader's keepHandlesFromCount): there the first read
 * outlasts the time before the second is due, no idle time is left, and the second would open
 * every stat again (at 20,000 processes, the first full frame came ~150–230 ms later that way).
 */
const FIRST_KEEPING_READ = 2;

/**
 * The gap between the monitor's first two reads (from the middle of the first's pass to the start
 * of the second): long enough for a first CPU% (10 clock ticks per busy core; the next frame refines
 * it), short enough for a fast first frame. The early reader reads its second read ahead this long
 * after its first (secondReadAfterMs), and the sampling loop times the second sample by it too.
 */
export const FIRST_FOLLOW_UP_MS = 100;

let started: Started | null = null;
/** The read started early (kept after it is taken, for firstReadSettled). */
let settled: Promise<unknown> = Promise.resolve();

/** The early read's answer, to wait for (never rejects unhandled: handOverOnce keeps its failure for the collector). */
export function firstReadSettled(): Promise<unknown> {
  return settled;
}

/**
 * Starts the native reader's first read of `procRoot`, unless the JS backend was asked for
 * (PROCTOP_BACKEND=js) or the addon cannot be used (the collector says why when it is made).
 * Returns whether a read was started (while one waits to be taken, later calls start nothing).
 */
export function startFirstRead(procRoot = '/proc'): boolean {
  if (started !== null || process.env.PROCTOP_BACKEND === 'js') return false;
  const load = loadNativeAddon();
  if (!load.addon || checkSnapshotLayout(load.addon.snapshotLayout) !== null) return false;
  const reader = new load.addon.SnapshotReader(procRoot, {
    keepHandlesFromRead: FIRST_KEEPING_READ,
    secondReadAfterMs: FIRST_FOLLOW_UP_MS,
    readerProcess: readerProcessWanted(),
  });
  const first = reader.read();
  settled = first;
  started = {
    procRoot,
    source: {
      // Not awaited until the collector's first snapshot.
      read: handOverOnce(first, () => reader.read()),
      forgetAll: () => reader.forgetAll(),
      handleStats: () => reader.handleStats(),
      listingStats: () => reader.listingStats(),
      readerThread: () => reader.readerThread(),
      readerProcess: () => reader.readerProcess(),
    },
  };
  return true;
}

/** The reader started early for `procRoot`, handed over once (null when none was, or for another root). */
export function takeFirstRead(procRoot: string): PackedSnapshotSource | null {
  if (started === null || started.procRoot !== procRoot) return null;
  const { source } = started;
  started = null;
  return source;
}

/**
 * Whether fd 1 is a terminal, asked of the kernel (isatty) through the addon: Node's tty.isatty,
 * like making `process.stdout`, loads Node's tty, socket and stream modules, ~2 ms the first read
 * need not wait for. False without the addon (no early read could start then anyway).
 */
export function stdoutIsTerminal(): boolean {
  return loadNativeAddon().addon?.isTerminal?.(1) ?? false;
}

// The JS thread's scheduler slice. On Linux 6.12+ (EEVDF) a waking thread whose slice is shorter
// than the running thread's may preempt it at once; with the default slice (0.7 ms × (1 + log2
// CPUs), 1.4 ms on two CPUs) an event loop waking from a timer or a keypress waits for the running
// thread's slice or the next scheduler tick (4 ms at HZ=250) while proctop's reader thread, V8's
// workers or other programs hold every CPU. Measured on a 2-core VM, 5,000 processes, 60 steady
// refreshes per run, three runs: the longest event-loop delay of a 1 ms timer during a refresh
// 5.0–5.8 ms with the default slice, 1.2–1.4 ms with 0.1 ms (the kernel's shortest); 0.5 ms did
// not help. The thread's nice, and so its share of the CPUs, does not change: it only waits less
// to get it. The CLI asks for it on its JS thread in its long-running modes (the monitor,
// --watch, serve-metrics); library users call preferShortTimeslice themselves if they want it.
//
// Here, beside the early start's other kernel question (stdoutIsTerminal), not in a module of its
// own: the monitor, serve-metrics and the library all load this one already, and each extra
// module file on the way to the first frame costs ~1 ms of Node's loader.

/** 0.1 ms: the shortest slice the kernel grants (it clamps requests to 0.1–100 ms). */
export const SHORT_TIMESLICE_NS = 100_000;

export interface TimesliceResult {
  /** The kernel now reports exactly the slice asked for on this thread. */
  readonly applied: boolean;
  /** The slice the kernel reports afterwards, ns (0 when it reports none: Linux before 6.12, or not asked). */
  readonly sliceNs: number;
  /** Why it was not applied (null when it was). */
  readonly reason: string | null;
}

/**
 * Asks for a `sliceNs` scheduler slice on the calling thread (the JS thread when called from the
 * main thread, a worker's own thread from a worker), keeping its policy and nice; real-time,
 * SCHED_IDLE and SCHED_DEADLINE threads are left alone. Threads and programs it starts later get
 * the kernel's default (reset-on-fork, set unless its nice is below 0, where the kernel would also
 * reset what it starts to nice 0; the addon's own threads clear the slice themselves; libuv's
 * pool, made on the first I/O queued, could then inherit it, but in the CLI it exists by now).
 * Never throws for what the kernel refuses: the result says why. Needs the native addon
 * (JavaScript cannot make the call).
 */
export function preferShortTimeslice(sliceNs: number = SHORT_TIMESLICE_NS): TimesliceResult {
  if (!Number.isFinite(sliceNs) || sliceNs <= 0) throw new RangeError(`timeslice must be a positive number of nanoseconds, got ${sliceNs}`);
  const load = loadNativeAddon();
  if (!load.addon) return { applied: false, sliceNs: 0, reason: `needs the native addon (${load.error})` };
  if (!load.addon.requestTimeslice) return { applied: false, sliceNs: 0, reason: 'the native addon was built from older sources (no requestTimeslice)' };
  return load.addon.requestTimeslice(Math.round(sliceNs));
}
