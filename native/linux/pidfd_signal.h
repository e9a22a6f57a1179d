// Identity-checked signal delivery: pidfd_open, then verify the start time, then
// pidfd_send_signal, so a recycled PID can never receive the signal. Plain C++, no napi.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace proctop {

/** One signal to send, read from JS on the main thread. */
struct SignalRequest {
  /** Root of the proc filesystem used for the identity check (normally "/proc"). */
  std::string procRoot;
  /** Target process id. */
  int pid = 0;
  /** Expected field 22 of /proc/PID/stat (clock ticks after boot). */
  uint64_t startTime = 0;
  /** Signal number; 0 only probes. */
  int signal = 0;
  /** Skip pidfds and use check-then-kill (PROCTOP_NO_PIDFD=1, for tests and broken sandboxes). */
  bool forceFallback = false;
};

/** What happened, built into a SignalDelivery on the JS thread. */
struct SignalResult {
  /** sent | exited | reused | permission | error */
  std::string outcome;
  /** errno name or detail; empty when there is nothing to add. */
  std::string error;
  /** True when the signal went through a pidfd. */
  bool viaPidfd = false;
  /** Non-fatal notes, e.g. the check-then-kill fallback. */
  std::vector<std::string> warnings;
};

/** Sends the signal to exactly this identity or reports why not. Never throws; safe on a worker thread. */
SignalResult SendIdentityCheckedSignal(const SignalRequest& request);

/** Reads field 22 of PROCROOT/PID/stat; false when the process is gone or the file is unreadable. */
bool ReadStartTime(const std::string& procRoot, int pid, uint64_t* startTime, char* state);

}  // namespace proctop
