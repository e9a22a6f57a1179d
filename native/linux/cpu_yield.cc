#include "cpu_yield.h"

#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "proc_read.h"
#include "reader_thread.h"

namespace proctop {

namespace {

std::atomic<int> gWatchFd{-1};
std::atomic<uint64_t> gYields{0};
std::atomic<uint64_t> gSleeps{0};
std::atomic<uint64_t> gYieldedNs{0};

/**
 * From a thread's /proc stat text: its state letter and the CPU it last ran or waits on (field
 * 39), or false when the text does not parse. proctop's tests name the JS thread `y) R 1 2 (`.
 */
bool ParseStateAndCpu(const char* text, long length, char& state, int& cpu) {
  // comm (field 2) may hold anything, spaces and parentheses included: fields 3 onwards start
  // after its last ')'.
  const char* end = text + length;
  const char* close = static_cast<const char*>(memrchr(text, ')', static_cast<size_t>(length)));
  if (close == nullptr || end - close < 4 || close[1] != ' ') return false;
  state = close[2];
  const char* at = close + 2;
  for (int field = 3; field < 39; ++field) {
    at = static_cast<const char*>(std::memchr(at, ' ', static_cast<size_t>(end - at)));
    if (at == nullptr) return false;
    ++at;
  }
  unsigned long long value = 0;
  const char* digits = at;
  while (at < end && *at >= '0' && *at <= '9') ++at;
  if (!ParseUnsignedExact(digits, at, value) || value > 1u << 20) return false;
  cpu = static_cast<int>(value);
  return true;
}

}  // namespace

bool WatchMainThreadForYields(int pid) {
  if (pid <= 0) return false;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, pid);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const int before = gWatchFd.exchange(fd);
  if (before >= 0) close(before);
  return true;
}

void YieldToWatchedThread() {
  const int fd = gWatchFd.load(std::memory_order_relaxed);
  if (fd < 0) return;
  thread_local double lastCheckMs = 0;
  const double checkMs = ClockMs(CLOCK_MONOTONIC);
  if (checkMs - lastCheckMs < kYieldCheckEveryMs) return;
  lastCheckMs = checkMs;
  int sleeps = 0;
  double startMs = 0;
  double nowMs = 0;
  while (sleeps < kMaxYieldSleeps) {
    char text[1024];
    const long got = PreadSmall(fd, text, sizeof text);
    if (got <= 0) {
      // The thread ended (ESRCH: its handle never describes another thread): nothing to yield
      // to. The handle stays open (one fd, until this process ends, which proctop's end brings
      // soon): closing it could hand its number to another open while a helper thread still
      // preads it.
      gWatchFd.store(-1, std::memory_order_relaxed);
      break;
    }
    char state = 0;
    int cpu = -1;
    if (!ParseStateAndCpu(text, got, state, cpu)) break;
    // Runnable (R) on the CPU this thread is running on: it waits behind us.
    if (state != 'R' || cpu != sched_getcpu()) break;
    if (sleeps == 0) startMs = ClockMs(CLOCK_MONOTONIC);
    const timespec pause{0, kYieldSleepUs * 1000};
    nanosleep(&pause, nullptr);
    ++sleeps;
    nowMs = ClockMs(CLOCK_MONOTONIC);
    if (nowMs - startMs >= kMaxYieldMs) break;
  }
  if (sleeps == 0) return;
  gYields.fetch_add(1, std::memory_order_relaxed);
  gSleeps.fetch_add(static_cast<uint64_t>(sleeps), std::memory_order_relaxed);
  gYieldedNs.fetch_add(static_cast<uint64_t>((nowMs - startMs) * 1e6), std::memory_order_relaxed);
}

YieldStats YieldsTaken() {
  YieldStats stats;
  stats.yields = gYields.load(std::memory_order_relaxed);
  stats.sleeps = gSleeps.load(std::memory_order_relaxed);
  stats.yieldedMs = static_cast<double>(gYieldedNs.load(std::memory_order_relaxed)) / 1e6;
  return stats;
}

}  // namespace proctop
