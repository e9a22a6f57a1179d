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
import { access } from 'node:fs';
import { loadNativeAddon } from './native-addon.js';

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
 * reset what it starts to nice 0; the addon's own threads clear the slice themselves). Never throws for what the
 * kernel refuses: the result says why. Needs the native addon (JavaScript cannot make the call).
 */
export function preferShortTimeslice(sliceNs: number = SHORT_TIMESLICE_NS): TimesliceResult {
  if (!Number.isFinite(sliceNs) || sliceNs <= 0) throw new RangeError(`timeslice must be a positive number of nanoseconds, got ${sliceNs}`);
  const load = loadNativeAddon();
  if (!load.addon) return { applied: false, sliceNs: 0, reason: `needs the native addon (${load.error})` };
  if (!load.addon.requestTimeslice) return { applied: false, sliceNs: 0, reason: 'the native addon was built from older sources (no requestTimeslice)' };
  // A thread inherits its maker's slice, and libuv makes its pool's threads on the first work
  // queued, from this thread: queue some now, so they exist (with the default slice) before it changes.
  access('/', () => undefined);
  return load.addon.requestTimeslice(Math.round(sliceNs));
}
