#include "timeslice.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace proctop {

namespace {

// struct sched_attr, first version (SCHED_ATTR_SIZE_VER0: 48 bytes); glibc before 2.41 declares neither it nor the calls.
struct SchedAttr {
  uint32_t size;
  uint32_t policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime;
  uint64_t deadline;
  uint64_t period;
};

constexpr uint64_t kResetOnForkFlag = 0x01;  // SCHED_FLAG_RESET_ON_FORK
constexpr int kResetOnForkPolicyBit = 0x40000000;  // SCHED_RESET_ON_FORK, as sched_getscheduler reports it

std::string Failed(const char* call, int err) { return std::string(call) + ": " + std::strerror(err); }

}  // namespace

TimesliceResult RequestTimeslice(uint64_t sliceNs) {
  TimesliceResult result;
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  const int reported = sched_getscheduler(0);
  if (reported < 0) {
    result.reason = Failed("sched_getscheduler", errno);
    return result;
  }
  const int policy = reported & ~kResetOnForkPolicyBit;
  if (policy != SCHED_OTHER && policy != SCHED_BATCH) {
    result.reason = "the thread runs under scheduling policy " + std::to_string(policy) + ", left as it is";
    return result;
  }
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (errno != 0) {
    result.reason = Failed("getpriority", errno);
    return result;
  }
  SchedAttr attr{};
  attr.size = sizeof(attr);
  attr.policy = static_cast<uint32_t>(policy);
  // Reset on fork: a thread or process this one makes (libuv's pool, the addon's threads, a program
  // proctop starts) gets the kernel's default slice, not this one's. The kernel then also resets a
  // negative nice to 0 in what it makes, so a thread started below 0 (`sudo nice -n -10 proctop`)
  // asks for it only if it had the flag already; the addon's own threads clear the slice themselves
  // (StartThread).
  const bool resetOnFork = (reported & kResetOnForkPolicyBit) != 0 || (sliceNs != 0 && nice >= 0);
  attr.flags = resetOnFork ? kResetOnForkFlag : 0;
  attr.nice = nice;
  attr.runtime = sliceNs;
  if (syscall(SYS_sched_setattr, 0, &attr, 0u) != 0) {
    result.reason = Failed("sched_setattr", errno);
    return result;
  }
  SchedAttr now{};
  if (syscall(SYS_sched_getattr, 0, &now, sizeof(now), 0u) != 0) {
    result.reason = Failed("sched_getattr", errno);
    return result;
  }
  // Before Linux 6.12 a fair thread's sched_runtime is ignored on the way in and reported as 0.
  result.sliceNs = now.runtime;
  if (sliceNs == 0) {
    result.applied = true;  // custom slice cleared: the kernel's default, whatever it is
    return result;
  }
  result.applied = now.runtime == sliceNs;
  if (!result.applied) {
    result.reason = now.runtime == 0 ? "this kernel keeps no slice per thread (Linux 6.12+ does)"
                                     : "the kernel set a slice of " + std::to_string(now.runtime) + " ns";
  }
  return result;
}

}  // namespace proctop
