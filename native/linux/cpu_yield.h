// A reader process gives its CPU to proctop's JS thread while that thread waits for it.
//
// The reader runs in a session (and so an autogroup) of its own, niced. When the JS thread wakes
// on the CPU the reader holds, the kernel should let it run at once, but it weighs the two
// sessions' groups first, and a JS thread whose session used more than its share waits: the
// scheduler trace showed it waiting 2–6 ms behind the reader (README, Benchmarks: session 25).
// So at a pass break (PassBreaks), once kYieldCheckEveryMs have passed since its thread last
// looked, the reader looks at the JS thread's /proc stat through a handle kept open (a pread,
// ~4 µs: under 1% of a pass), and while that thread is runnable on the reader's own CPU,
// which means queued behind the reader, it sleeps for real, 50 µs at a time: the JS thread runs.
// A break stops yielding after kMaxYieldSleeps sleeps or once kMaxYieldMs have passed since its
// first, whichever comes first; a sleep ends when the scheduler runs the reader again, so a JS
// thread that keeps its CPU busy delays the read by its own work, and the read goes on at least
// once per break.
#pragma once
#include <cstdint>

namespace proctop {

/** How long one yield sleeps (µs), and how many sleeps and how long (ms) one break may yield at most. */
constexpr long kYieldSleepUs = 50;
constexpr int kMaxYieldSleeps = 20;
constexpr double kMaxYieldMs = 1;
/** How often a reading thread looks at the watched thread at most (ms): a break comes every 0.2 ms. */
constexpr double kYieldCheckEveryMs = 0.5;

struct YieldStats {
  /** Breaks at which the watched thread was queued behind this process, so it slept. */
  uint64_t yields = 0;
  /** Sleeps at those breaks (at most kMaxYieldSleeps each). */
  uint64_t sleeps = 0;
  /** Time slept for it (ms). */
  double yieldedMs = 0;
};

/**
 * Watches the main thread of process `pid` (its /proc/PID/task/PID/stat, opened now and kept):
 * from now on YieldToWatchedThread() gives it this CPU while it waits for it. Returns false when
 * the stat cannot be opened (nothing is watched then). Call once, before the reads start.
 */
bool WatchMainThreadForYields(int pid);

/** At a pass break: sleeps while the watched thread is runnable on this CPU (bounded, see above). Thread-safe. */
void YieldToWatchedThread();

/** What YieldToWatchedThread has done so far. */
YieldStats YieldsTaken();

}  // namespace proctop
