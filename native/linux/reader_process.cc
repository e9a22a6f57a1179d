#include "reader_process.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "reader_thread.h"

namespace proctop {

namespace {

constexpr uint32_t kEveryStatDue = UINT32_MAX;

/** Writes all of data; false when the other end is gone. */
bool SendAll(int fd, const void* data, size_t size) {
  const char* at = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t sent = send(fd, at, size, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd wait{fd, POLLOUT, 0};
        poll(&wait, 1, 1000);
        continue;
      }
      return false;
    }
    at += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

/**
 * Reads exactly size bytes; false at end of file or on an error, or (deadlineMs > 0) once the
 * monotonic clock passes deadlineMs (errno ETIMEDOUT).
 */
bool ReceiveAll(int fd, void* data, size_t size, double deadlineMs) {
  char* at = static_cast<char*>(data);
  while (size > 0) {
    if (deadlineMs > 0) {
      const double left = deadlineMs - ClockMs(CLOCK_MONOTONIC);
      if (left <= 0) {
        errno = ETIMEDOUT;
        return false;
      }
      pollfd wait{fd, POLLIN, 0};
      const int ready = poll(&wait, 1, static_cast<int>(left) + 1);
      if (ready < 0 && errno != EINTR) return false;
      if (ready <= 0) continue;
    }
    const ssize_t got = recv(fd, at, size, 0);
    if (got == 0) {
      errno = EPIPE;
      return false;
    }
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    at += got;
    size -= static_cast<size_t>(got);
  }
  return true;
}

template <typename Container>
void AppendBytes(std::string& out, const Container& data) {
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(typename Container::value_type));
}

void AppendU64(std::string& out, uint64_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }
void AppendU32(std::string& out, uint32_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }

/** Answers 'E' with what the request threw; false when the other end is gone. */
bool SendFailure(int fd, const std::exception& error) {
  const std::string message = error.what();
  std::string answer = "E";
  AppendU32(answer, static_cast<uint32_t>(message.size()));
  answer += message;
  return SendAll(fd, answer.data(), answer.size());
}

ReaderReport ReportOf(ProcSnapshotReader& reader, ReaderThread& thread) {
  ReaderReport report;
  report.handles = reader.HandleStats();
  report.listing = reader.ListingStats();
  report.details = reader.LastDetailsStats();
  report.thread = thread.Info();
  report.passBreaks = reader.PassBreaksTaken();
  report.yields = YieldsTaken();
  return report;
}

}  // namespace

std::string ReaderExecutableBeside() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&ReaderExecutableBeside), &info) == 0 || info.dli_fname == nullptr) return "";
  std::string module = info.dli_fname;
  const size_t slash = module.rfind('/');
  if (slash == std::string::npos) return "";
  return module.substr(0, slash + 1) + kReaderExecutableName;
}

ReaderProcess::ReaderProcess(const std::string& executable, const ReaderOptions& options) {
  if (executable.empty()) throw std::runtime_error("no reader executable beside the addon");
  if (access(executable.c_str(), X_OK) != 0) throw std::runtime_error(executable + ": " + std::strerror(errno));
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  // The child's end goes to fd 3 by dup2, which clears close-on-exec only when the two differ.
  int childEnd = ends[1];
  if (childEnd == kReaderSocketFd) {
    childEnd = fcntl(ends[1], F_DUPFD_CLOEXEC, kReaderSocketFd + 1);
    close(ends[1]);
    if (childEnd < 0) {
      close(ends[0]);
      throw std::runtime_error(std::string("fcntl: ") + std::strerror(errno));
    }
  }
  const auto number = [](double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%.17g", value);
    return std::string(text);
  };
  const auto count = [](size_t value) { return value == SIZE_MAX ? std::string("max") : std::to_string(value); };
  std::vector<std::string> args = {kReaderExecutableName,
                                   options.procRoot,
                                   std::to_string(options.keepHandlesFromRead),
                                   number(options.fullListingEveryMs),
                                   number(options.secondReadAfterMs),
                                   number(options.fullStatEveryMs),
                                   count(options.keepHandlesFromCount),
                                   count(options.detailsHelpersFrom),
                                   count(options.detailsHelpers),
                                   number(options.passBreakEveryMs),
                                   std::to_string(options.yieldToPid)};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  char* envp[] = {nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  // No terminal, no proctop output: it answers over the socket only.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, childEnd, kReaderSocketFd);
  // A session of its own (and with it a scheduling autogroup of its own), default signal
  // handling and no blocked signals whatever the spawning thread had.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, executable.c_str(), &actions, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(childEnd);
  if (spawned != 0) {
    close(ends[0]);
    throw std::runtime_error(executable + ": " + std::strerror(spawned));
  }
  fd_ = ends[0];
  pid_ = pid;
}

ReaderProcess::~ReaderProcess() {
  if (fd_ >= 0) close(fd_);
  if (pid_ <= 0) return;
  // Bounded: 1 s for it to see end of file and exit, then SIGKILL and 5 s more.
  bool killed = false;
  for (double start = ClockMs(CLOCK_MONOTONIC);;) {
    int status = 0;
    const pid_t reaped = waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_ || (reaped < 0 && errno != EINTR)) return;
    const double waited = ClockMs(CLOCK_MONOTONIC) - start;
    if (!killed && waited >= 1000) {
      kill(pid_, SIGKILL);
      killed = true;
    }
    if (waited >= 6000) return;
    usleep(2000);
  }
}

void ReaderProcess::Fail(const std::string& why) {
  broken_ = true;
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (pid_ > 0) kill(pid_, SIGKILL);  // still ours: not reaped until the destructor
  throw std::runtime_error("proctop-reader " + std::to_string(pid_) + ": " + why);
}

void ReaderProcess::Send(const void* data, size_t size) {
  if (broken_) throw std::runtime_error("proctop-reader " + std::to_string(pid_) + ": ended earlier");
  if (SendAll(fd_, data, size)) return;
  if (errno == EPIPE || errno == ECONNRESET) Fail("ended");
  Fail(std::string("cannot send a request: ") + std::strerror(errno));
}

void ReaderProcess::Receive(void* data, size_t size, double deadlineMs) {
  if (ReceiveAll(fd_, data, size, deadlineMs)) return;
  if (errno == ETIMEDOUT) Fail("no answer within " + std::to_string(kReaderAnswerTimeoutMs / 1000) + " s");
  if (errno == EPIPE || errno == ECONNRESET) Fail("ended while reading");
  Fail(std::string("cannot receive its answer: ") + std::strerror(errno));
}

void ReaderProcess::ReceiveStatus(double deadlineMs) {
  char status = 0;
  Receive(&status, 1, deadlineMs);
  if (status == 'K') return;
  if (status != 'E') Fail("answered out of turn");
  uint32_t length = 0;
  Receive(&length, sizeof length, deadlineMs);
  if (length > (1u << 20)) Fail("answered out of turn");
  std::string message(length, '\0');
  Receive(message.data(), length, deadlineMs);
  throw std::runtime_error(message);
}

void ReaderProcess::Read(PackedSnapshot& packed, ReaderReport& report) {
  std::lock_guard<std::mutex> lock(mutex_);
  duePids_.clear();
  const bool kept = DueMarksSince(dueSeen_, duePids_);
  std::string request = "R";
  AppendU32(request, kept ? static_cast<uint32_t>(duePids_.size()) : kEveryStatDue);
  if (kept) AppendBytes(request, duePids_);
  Send(request.data(), request.size());
  const double deadline = ClockMs(CLOCK_MONOTONIC) + kReaderAnswerTimeoutMs;
  ReceiveStatus(deadline);
  uint64_t sizes[6];
  uint32_t warnings = 0;
  Receive(sizes, sizeof sizes, deadline);
  Receive(&warnings, sizeof warnings, deadline);
  // Sizes beyond any /proc (2^22 processes of 20 columns; 1 GB of text) mean a stream out of step.
  if (sizes[1] > (1ull << 27) || sizes[2] > (1ull << 23) || sizes[3] > (1ull << 23) || sizes[4] > 65536 || sizes[5] > (1ull << 30) ||
      warnings > 4096) {
    Fail("answered out of turn");
  }
  packed.count = sizes[0];
  packed.columns.resize(sizes[1]);
  packed.order.resize(sizes[2]);
  packed.freed.resize(sizes[3]);
  packed.system.resize(sizes[4]);
  packed.text.resize(sizes[5]);
  Receive(packed.columns.data(), sizes[1] * sizeof(double), deadline);
  Receive(packed.order.data(), sizes[2] * sizeof(uint32_t), deadline);
  Receive(packed.freed.data(), sizes[3] * sizeof(uint32_t), deadline);
  Receive(packed.system.data(), sizes[4] * sizeof(double), deadline);
  Receive(packed.text.data(), sizes[5], deadline);
  packed.columnCount = packed.columns.size();
  packed.orderCount = packed.order.size();
  packed.warnings.clear();
  for (uint32_t i = 0; i < warnings; ++i) {
    uint32_t length = 0;
    Receive(&length, sizeof length, deadline);
    if (length > 65536) Fail("answered out of turn");
    std::string warning(length, '\0');
    Receive(warning.data(), length, deadline);
    packed.warnings.push_back(std::move(warning));
  }
  Receive(&report, sizeof report, deadline);
}

size_t ReaderProcess::PrepareHandles(ReaderReport& report) {
  std::lock_guard<std::mutex> lock(mutex_);
  Send("P", 1);
  const double deadline = ClockMs(CLOCK_MONOTONIC) + kReaderAnswerTimeoutMs;
  ReceiveStatus(deadline);
  uint64_t kept = 0;
  Receive(&kept, sizeof kept, deadline);
  Receive(&report, sizeof report, deadline);
  return static_cast<size_t>(kept);
}

void ReaderProcess::ForgetAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (broken_) return;
  // No request is in flight (the addon refuses forgetAll during a read): one byte fits the socket.
  if (send(fd_, "F", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
    broken_ = true;
    close(fd_);
    fd_ = -1;
    if (pid_ > 0) kill(pid_, SIGKILL);
  }
}

int ServeReader(int fd, const ReaderOptions& options) {
  signal(SIGPIPE, SIG_IGN);
  // Everything this process does is a read the monitor waits for without needing it now: nicer
  // than proctop, as its reader thread was, and its session's scheduling group too (autogroup
  // weighs groups by this value; raising it needs no privilege).
  setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + kReaderNiceIncrement);
  if (FILE* group = std::fopen("/proc/self/autogroup", "w")) {
    std::fprintf(group, "%d", kReaderNiceIncrement);
    std::fclose(group);
  }
  // Its breaks sleep 1 µs: with the default timer slack (50 µs) each would sleep 50 µs.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  ProcSnapshotReader reader(options.procRoot, options.keepHandlesFromRead, options.fullListingEveryMs, options.secondReadAfterMs,
                            options.fullStatEveryMs, options.keepHandlesFromCount, options.detailsHelpersFrom, options.detailsHelpers);
  reader.SetPassBreaks(options.passBreakEveryMs);
  // Not watched (no such thread any more, or none asked for): the breaks only enter the scheduler.
  if (options.yieldToPid > 0) WatchMainThreadForYields(options.yieldToPid);
  ReaderThread thread("proctop-read", 0);  // started below, after the slack: threads inherit it
  PackedSnapshot packed;
  std::string answer;
  std::vector<int> pids;
  for (;;) {
    char op = 0;
    if (!ReceiveAll(fd, &op, 1, 0)) return 0;  // proctop closed its end or ended
    answer.clear();
    if (op == 'R') {
      uint32_t marks = 0;
      if (!ReceiveAll(fd, &marks, sizeof marks, 0)) return 0;
      if (marks == kEveryStatDue) {
        MarkEveryStatDue();
      } else {
        if (marks > 65536) return 2;
        pids.resize(marks);
        if (!ReceiveAll(fd, pids.data(), marks * sizeof(int), 0)) return 0;
        for (int pid : pids) MarkStatDue(pid);
      }
      try {
        thread.Run([&]() {
          SnapshotRecord record = reader.Read();
          PassBreaks breaks = reader.NewPassBreaks();  // a first read's rows take milliseconds to pack
          Pack(std::move(record), packed, &breaks);
        });
      } catch (const std::exception& error) {
        reader.ForgetAll();
        if (!SendFailure(fd, error)) return 0;
        continue;
      }
      answer = "K";
      const uint64_t sizes[6] = {packed.count, packed.columns.size(), packed.order.size(), packed.freed.size(), packed.system.size(), packed.text.size()};
      answer.append(reinterpret_cast<const char*>(sizes), sizeof sizes);
      AppendU32(answer, static_cast<uint32_t>(packed.warnings.size()));
      // The large arrays go straight from their containers; the rest is gathered in `answer`.
      if (!SendAll(fd, answer.data(), answer.size()) || !SendAll(fd, packed.columns.data(), packed.columns.size() * sizeof(double)) ||
          !SendAll(fd, packed.order.data(), packed.order.size() * sizeof(uint32_t)) ||
          !SendAll(fd, packed.freed.data(), packed.freed.size() * sizeof(uint32_t)) ||
          !SendAll(fd, packed.system.data(), packed.system.size() * sizeof(double)) || !SendAll(fd, packed.text.data(), packed.text.size())) {
        return 0;
      }
      answer.clear();
      for (const std::string& warning : packed.warnings) {
        AppendU32(answer, static_cast<uint32_t>(warning.size()));
        answer += warning;
      }
      const ReaderReport report = ReportOf(reader, thread);
      answer.append(reinterpret_cast<const char*>(&report), sizeof report);
      if (!SendAll(fd, answer.data(), answer.size())) return 0;
      // As in the addon: the idle time until the next request opens the next read's handles or
      // reads ahead; a request stops it.
      if (reader.WantsIdleWork()) thread.Post([&reader](ReaderThread::Idle& idle) { reader.IdleWork(idle); });
    } else if (op == 'P') {
      size_t kept = 0;
      try {
        thread.Run([&]() { kept = reader.PrepareHandles([]() { return false; }); });
      } catch (const std::exception& error) {
        if (!SendFailure(fd, error)) return 0;
        continue;
      }
      answer = "K";
      AppendU64(answer, kept);
      const ReaderReport report = ReportOf(reader, thread);
      answer.append(reinterpret_cast<const char*>(&report), sizeof report);
      if (!SendAll(fd, answer.data(), answer.size())) return 0;
    } else if (op == 'F') {
      reader.ForgetAll();
    } else {
      return 2;
    }
  }
}

}  // namespace proctop
