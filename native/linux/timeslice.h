// The calling thread's scheduler slice (EEVDF's custom slice, Linux 6.12+: sched_setattr's
// sched_runtime for SCHED_OTHER and SCHED_BATCH threads). A thread with a shorter slice than the
// one running may preempt it as it wakes (the PREEMPT_SHORT scheduler feature) instead of waiting
// for the running one's slice or the next tick (4 ms at HZ=250): what an event loop waking from a
// 1 ms timer or a keypress wants while the reader's thread, V8's workers or another program hold
// every CPU. Its weight (nice) and so its share of the CPUs do not change.
#pragma once
#include <cstdint>
#include <string>

namespace proctop {

struct TimesliceResult {
  bool applied = false;       // the kernel now reports exactly the slice asked for
  uint64_t sliceNs = 0;       // the slice the kernel reports afterwards (0: it reports none, before 6.12)
  std::string reason;         // why not applied (empty when applied)
};

// Asks for `sliceNs` (the kernel clamps to 0.1–100 ms; 0: the kernel's default slice) on the
// calling thread, keeping its policy and its nice, and setting reset-on-fork where its nice is not
// negative (see timeslice.cc); real-time, SCHED_IDLE
// and SCHED_DEADLINE threads are left as they are. Never fails: what could not be done is in
// `reason`. A thread made later inherits its maker's custom slice (Linux 6.18 keeps it across
// clone): a thread of proctop's own that should not have it asks for 0 (reader_thread.cc).
TimesliceResult RequestTimeslice(uint64_t sliceNs);

// The kernel's default slice on the calling thread: the first thing every thread proctop starts
// does (a thread inherits a short slice from the thread that made it, and only the JS thread
// should have one).
inline void UseDefaultTimeslice() { RequestTimeslice(0); }

}  // namespace proctop
