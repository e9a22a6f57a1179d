// The snapshot reader's own thread: one long-lived thread per reader, named and running a little
// nicer than the rest of the process, so that on a machine with few CPUs the JS thread wins a CPU
// it shares with the reader (bench: the event loop waited for a CPU while the read ran). No
// napi.h here: native/snapshot_binding.cc hands it each read.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace proctop {

/**
 * How much nicer than the thread that starts it the reader's thread makes itself. An
 * unprivileged thread may raise its own nice but never lower it again, so this is only ever done
 * on a thread of our own, never on a shared libuv pool thread.
 */
constexpr int kReaderNiceIncrement = 5;

/** The time on `clock` in ms (CLOCK_MONOTONIC for durations and deadlines). */
inline double ClockMs(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

/** What a ReaderThread is, for tests and the bench (read back from the kernel, not assumed). */
struct ReaderThreadInfo {
  /** False until the first job started the thread (or when no thread could be had: jobs run on the caller). */
  bool started = false;
  /** Its kernel thread id (gettid()). */
  pid_t tid = 0;
  /** Its nice value as getpriority() read it back after raising it. */
  int nice = 0;
};

/**
 * One thread that runs the jobs handed to it, one at a time, each while its caller waits. Started
 * on the first job; asked to finish and joined when destroyed (never destroy it from a job).
 */
class ReaderThread {
 public:
  /** name: at most 15 bytes (the kernel's comm). */
  ReaderThread(const char* name, int niceIncrement);
  ~ReaderThread();
  ReaderThread(const ReaderThread&) = delete;
  ReaderThread& operator=(const ReaderThread&) = delete;

  /**
   * Runs job on the thread and returns once it has finished, rethrowing what it threw. When no
   * thread can be started (EAGAIN), runs it on the caller instead.
   */
  void Run(const std::function<void()>& job);

  /** What a job run in the thread's idle time (Post) is given. */
  class Idle {
   public:
    /** True once a Run() job is asked for or the thread is to finish: the idle job should return. */
    bool Yielding() const;
    /**
     * Sleeps until `untilMonotonicMs` (CLOCK_MONOTONIC, ms); returns false at once when woken to
     * yield instead.
     */
    bool SleepUntil(double untilMonotonicMs);

   private:
    friend class ReaderThread;
    explicit Idle(ReaderThread& thread) : thread_(thread) {}
    ReaderThread& thread_;
  };

  /**
   * Hands the thread a job for its idle time, run when no Run() job is waiting and never waited
   * for. It should return soon after Idle::Yielding() turns true. One at a time: a later Post()
   * replaces one not yet started, and a Run() drops it (the idle time it was for is over).
   * Without a thread of its own, nothing runs.
   */
  void Post(std::function<void(Idle&)> job);

  ReaderThreadInfo Info();

 private:
  void Loop();

  const char* name_;
  int niceIncrement_;
  std::mutex mutex_;
  std::condition_variable changed_;
  /** The job waiting or running, null when idle. */
  const std::function<void()>* job_ = nullptr;
  /** The idle-time job waiting (Post), empty when none. */
  std::function<void(Idle&)> posted_;
  /** Set while a Run() job waits or the thread is to finish: a running posted job should return. */
  std::atomic<bool> yield_{false};
  std::exception_ptr failure_;
  bool stop_ = false;
  bool unavailable_ = false;
  ReaderThreadInfo info_;
  std::thread thread_;
};

}  // namespace proctop
