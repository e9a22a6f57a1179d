// The monotonic clock snapshots are stamped with (Snapshot.monotonicMs, readStartMonotonicMs): CLOCK_MONOTONIC, which
// the native addon reads directly and Node's hrtime reads through libuv. Code above src/sys/ that
// compares "now" with a snapshot's own time (the sampling loop's first CPU window) reads it here.

/** Now on the snapshots' monotonic clock (CLOCK_MONOTONIC), in ms. */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * The middle of a snapshot's read, on the monotonic clock: what rates are timed from. Processes' figures are
 * read one after another between the read's start and end, in the same order each time, so a
 * process's own window between two reads differs from the midpoints' gap by at most half the
 * difference of the two reads' lengths (from the ends, by up to the whole difference).
 */
export function readMidpointMs(snapshot: { readonly monotonicMs: number; readonly readStartMonotonicMs: number }): number {
  return (snapshot.readStartMonotonicMs + snapshot.monotonicMs) / 2;
}
