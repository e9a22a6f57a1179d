#include "reader_thread.h"
#include "timeslice.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <system_error>

namespace proctop {

ReaderThread::ReaderThread(const char* name, int niceIncrement) : name_(name), niceIncrement_(niceIncrement) {}

ReaderThread::~ReaderThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    yield_.store(true, std::memory_order_relaxed);
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ReaderThreadInfo ReaderThread::Info() {
  std::lock_guard<std::mutex> lock(mutex_);
  return info_;
}

bool ReaderThread::Idle::Yielding() const { return thread_.yield_.load(std::memory_order_relaxed); }

bool ReaderThread::Idle::SleepUntil(double untilMonotonicMs) {
  std::unique_lock<std::mutex> lock(thread_.mutex_);
  for (;;) {
    if (thread_.yield_.load(std::memory_order_relaxed)) return false;
    const double left = untilMonotonicMs - ClockMs(CLOCK_MONOTONIC);
    if (left <= 0) return true;
    // Run() and the destructor notify after setting yield_, under the same mutex.
    thread_.changed_.wait_for(lock, std::chrono::microseconds(static_cast<int64_t>(left * 1e3) + 1));
  }
}

void ReaderThread::Post(std::function<void(Idle&)> job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!thread_.joinable() || stop_) return;
  posted_ = std::move(job);
  changed_.notify_all();
}

void ReaderThread::Run(const std::function<void()>& job) {
  yield_.store(true, std::memory_order_relaxed);  // before the lock: a posted job may be running
  std::unique_lock<std::mutex> lock(mutex_);
  posted_ = nullptr;
  if (!thread_.joinable() && !unavailable_) {
    try {
      thread_ = StartThread([this]() { Loop(); });
    } catch (const std::system_error&) {
      unavailable_ = true;  // no thread to be had: read on the caller, as before there was one
    }
  }
  if (unavailable_) {
    lock.unlock();
    job();
    return;
  }
  job_ = &job;
  failure_ = nullptr;
  changed_.notify_all();
  changed_.wait(lock, [this]() { return job_ == nullptr; });
  if (failure_) std::rethrow_exception(failure_);
}

void ReaderThread::Loop() {
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  pthread_setname_np(pthread_self(), name_);
  // Relative to the nice it inherited (a `nice -n 5 proctop` reads at 15), at most 19.
  errno = 0;
  const int inherited = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (errno == 0) setpriority(PRIO_PROCESS, static_cast<id_t>(tid), std::min(19, inherited + niceIncrement_));
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  std::unique_lock<std::mutex> lock(mutex_);
  info_ = {true, tid, errno == 0 ? nice : inherited};
  for (;;) {
    changed_.wait(lock, [this]() { return stop_ || job_ != nullptr || posted_; });
    if (job_ == nullptr && !stop_) {
      std::function<void(Idle&)> idle = std::move(posted_);
      posted_ = nullptr;
      lock.unlock();
      try {
        Idle context(*this);
        idle(context);
      } catch (...) {
        // Idle-time work is best effort: whatever it did not do, the next job does as it would have.
      }
      idle = nullptr;  // what it holds is let go of before a waiting job may start
      lock.lock();
      continue;
    }
    if (job_ == nullptr) return;  // stop_, and nothing left to run
    yield_.store(false, std::memory_order_relaxed);
    const std::function<void()>* job = job_;
    lock.unlock();
    std::exception_ptr failure;
    try {
      (*job)();
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    failure_ = failure;
    job_ = nullptr;
    changed_.notify_all();
  }
}

}  // namespace proctop
