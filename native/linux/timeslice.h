// The calling thread's scheduler slice (EEVDF's custom slice, Linux 6.12+: sched_setattr's
// sched_runtime for SCHED_OTHER and SCHED_BATCH threads). A thread with a shorter slice than the
// one running may preempt it as it wakes (the PREEMPT_SHORT scheduler feature) instead of waiting
// for the running one's slice or the next tick (4 ms at HZ=250): what an event loop waking from a
// 1 ms timer or a keypress wants while the reader's thread, V8's workers or another program hold
// every CPU. Its weight (nice) and so its share of the CPUs do not change.
#pragma once
#include <cstdint>
#include <string>
#include <thread>
#include <utility>

namespace proctop {

struct TimesliceResult {
  bool applied = false;       // the kernel now reports exactly the slice asked for
  uint64_t sliceNs = 0;       // the slice the kernel reports afterwards (0: it reports none, before 6.12)
  std::string reason;         // why not applied (empty when applied)
};

// Asks for `sliceNs` (the kernel clamps to 0.1–100 ms; 0: the kernel's default slice) on the
// calling thread, keeping its policy and its nice, and setting reset-on-fork where its nice is not
// negative (see timeslice.cc); real-time, SCHED_IDLE and SCHED_DEADLINE threads are left as they
// are. Never fails: what could not be done is in `reason`.
TimesliceResult RequestTimeslice(uint64_t sliceNs);

// Every thread the addon starts is started here: it first takes the kernel's default slice. A
// thread inherits its maker's custom slice (Linux 6.18 keeps it across clone), and only the JS
// thread should have a short one; reset-on-fork already clears it for threads the JS thread makes
// at nice >= 0, not below 0 nor for threads made by threads that inherited it. Throws
// std::system_error like std::thread when no thread can be had.
template <typename Work, typename... Args>
std::thread StartThread(Work&& work, Args&&... args) {
  return std::thread(
      [](std::decay_t<Work> body, std::decay_t<Args>... values) {
        RequestTimeslice(0);
        body(std::move(values)...);
      },
      std::forward<Work>(work), std::forward<Args>(args)...);
}

}  // namespace proctop
