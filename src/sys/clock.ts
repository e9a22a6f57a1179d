// The monotonic clock snapshots are stamped with (Snapshot.monotonicMs): CLOCK_MONOTONIC, which
// the native addon reads directly and Node's hrtime reads through libuv. Code above src/sys/ that
// compares "now" with a snapshot's own time (the sampling loop's first CPU window) reads it here.

/** Now on the snapshots' monotonic clock (CLOCK_MONOTONIC), in ms. */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
