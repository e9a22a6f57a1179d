// The native reader's first read, started as early as proctop can: before the interactive
// monitor's own modules load (src/tui/early-start.ts, from src/cli.tsx). The monitor's first CPU
// figures need a second read a fixed gap after the first, so each millisecond the first read
// starts earlier is one off the first full frame. This module is small on purpose (the addon and
// the layout check only): the rest of the OS boundary loads while the addon reads. The native
// collector made next for the same /proc adopts the reader with its read under way
// (createNativeCollector); nothing else ever sees it.
import { loadNativeAddon } from './native-addon.js';
import { checkSnapshotLayout, type PackedSnapshotSource } from './native-snapshot.js';
import { handOverOnce } from '../util/hand-over-once.js';

/** A reader whose first read() answers with the read started early. */
interface Started {
  readonly procRoot: string;
  readonly source: PackedSnapshotSource;
}

/** The early reader's first read that keeps stat handles: the one after the first full frame's two. */
const FIRST_KEEPING_READ = 3;

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
  // No stat handles kept in the two reads the first full frame waits for (keeping them means
  // growing the fd table first, which waits for an RCU grace period before the read's pass can
  // start); the third read, a refresh later, grows the table and keeps them.
  const reader = new load.addon.SnapshotReader(procRoot, { keepHandlesFromRead: FIRST_KEEPING_READ });
  const first = reader.read();
  settled = first;
  started = {
    procRoot,
    source: {
      // Not awaited until the collector's first snapshot.
      read: handOverOnce(first, () => reader.read()),
      forgetAll: () => reader.forgetAll(),
      handleStats: () => reader.handleStats(),
      readerThread: () => reader.readerThread(),
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
