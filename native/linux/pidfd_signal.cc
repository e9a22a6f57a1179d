#include "pidfd_signal.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc_read.h"

// Older libc headers lack the pidfd syscall numbers; they are the same on every architecture.
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

namespace proctop {
namespace {

/** Whether this process may use pidfds, decided once by a probe on ourselves. */
struct PidfdSupport {
  bool available = false;
  /** Why not, when unavailable (e.g. "pidfd_open: ENOSYS"). */
  std::string reason;
};

std::atomic<bool> sigsysSeen{false};

void OnSigsys(int) { sigsysSeen.store(true); }

std::string ErrnoName(int err) {
  switch (err) {
    case ESRCH: return "ESRCH";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOSYS: return "ENOSYS";
    case ENOMEM: return "ENOMEM";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    default: return std::strerror(err);
  }
}

long PidfdOpen(int pid) { return syscall(SYS_pidfd_open, pid, 0); }

long PidfdSendSignal(int pidfd, int signal) { return syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0); }

// Seccomp may answer ENOSYS/EPERM or trap with SIGSYS (whose default action would kill node), so the
// probe runs once with a temporary SIGSYS handler and every later call trusts its verdict.
PidfdSupport ProbePidfdSupport() {
  PidfdSupport support;
  struct sigaction trap {};
  struct sigaction previous {};
  trap.sa_handler = OnSigsys;
  sigemptyset(&trap.sa_mask);
  sigaction(SIGSYS, &trap, &previous);
  sigsysSeen.store(false);
  errno = 0;
  long fd = PidfdOpen(getpid());
  int openError = errno;
  if (sigsysSeen.exchange(false)) {
    support.reason = "pidfd_open trapped by seccomp (SIGSYS)";
  } else if (fd < 0) {
    support.reason = "pidfd_open: " + ErrnoName(openError);
  } else {
    errno = 0;
    long sent = PidfdSendSignal(static_cast<int>(fd), 0);
    int sendError = errno;
    if (sigsysSeen.exchange(false)) {
      support.reason = "pidfd_send_signal trapped by seccomp (SIGSYS)";
    } else if (sent < 0) {
      support.reason = "pidfd_send_signal: " + ErrnoName(sendError);
    } else {
      support.available = true;
    }
    close(static_cast<int>(fd));
  }
  sigaction(SIGSYS, &previous, nullptr);
  return support;
}

const PidfdSupport& CachedPidfdSupport() {
  static std::once_flag once;
  static PidfdSupport support;
  std::call_once(once, [] { support = ProbePidfdSupport(); });
  return support;
}

std::string FallbackWarning(const std::string& reason) {
  return "pidfd unavailable (" + reason +
         "): used check-then-kill, which cannot exclude a PID reused between the check and the kill";
}

/** Result for a process whose identity is checked but not yet signalled; empty outcome = matches. */
SignalResult CheckIdentity(const SignalRequest& request) {
  SignalResult result;
  uint64_t startTime = 0;
  char state = '?';
  if (!ReadStartTime(request.procRoot, request.pid, &startTime, &state)) {
    result.outcome = "exited";
    return result;
  }
  if (startTime != request.startTime) {
    result.outcome = "reused";
    result.error = "start time is now " + std::to_string(startTime) + ", expected " + std::to_string(request.startTime);
    return result;
  }
  if (state == 'Z' || state == 'X') {
    result.outcome = "exited";
    result.error = "zombie: exited, not yet reaped by its parent";
  }
  return result;
}

SignalResult OutcomeOfSendError(int err, bool viaPidfd) {
  SignalResult result;
  result.viaPidfd = viaPidfd;
  if (err == ESRCH) {
    result.outcome = "exited";
  } else if (err == EPERM) {
    result.outcome = "permission";
    result.error = "EPERM";
  } else {
    result.outcome = "error";
    result.error = ErrnoName(err);
  }
  return result;
}

SignalResult CheckThenKill(const SignalRequest& request, const std::string& reason) {
  SignalResult result = CheckIdentity(request);
  if (result.outcome.empty()) {
    if (kill(request.pid, request.signal) == 0) {
      result.outcome = "sent";
    } else {
      result = OutcomeOfSendError(errno, false);
    }
  }
  result.viaPidfd = false;
  result.warnings.push_back(FallbackWarning(reason));
  return result;
}

}  // namespace

bool ReadStartTime(const std::string& procRoot, int pid, uint64_t* startTime, char* state) {
  const std::string path = procRoot + "/" + std::to_string(pid) + "/stat";
  char buffer[4096];
  if (ReadSmallFileAt(AT_FDCWD, path.c_str(), buffer, sizeof buffer) <= 0) return false;
  // comm may contain ')' and spaces: the fields start after the LAST ')'.
  char* lastParen = std::strrchr(buffer, ')');
  if (lastParen == nullptr || lastParen[1] == '\0') return false;
  char* cursor = lastParen + 2;
  *state = *cursor;
  // cursor is at field 3 (state); walk to field 22.
  for (int field = 3; field < 22; ++field) {
    cursor = std::strchr(cursor, ' ');
    if (cursor == nullptr) return false;
    ++cursor;
  }
  const char* end = std::strchr(cursor, ' ');
  unsigned long long value = 0;
  if (!ParseUnsignedExact(cursor, end ? end : cursor + std::strlen(cursor), value)) return false;
  *startTime = value;
  return true;
}

SignalResult SendIdentityCheckedSignal(const SignalRequest& request) {
  if (request.forceFallback) return CheckThenKill(request, "PROCTOP_NO_PIDFD is set");
  const PidfdSupport& support = CachedPidfdSupport();
  if (!support.available) return CheckThenKill(request, support.reason);

  errno = 0;
  long opened = PidfdOpen(request.pid);
  if (opened < 0) {
    int err = errno;
    if (err == ESRCH) {
      SignalResult gone;
      gone.outcome = "exited";
      gone.viaPidfd = true;
      return gone;
    }
    if (err == ENOSYS || err == EPERM) return CheckThenKill(request, "pidfd_open: " + ErrnoName(err));
    SignalResult failed;
    failed.outcome = "error";
    failed.error = err == EINVAL ? "EINVAL: not a process id (a thread id?)" : ErrnoName(err);
    failed.viaPidfd = true;
    return failed;
  }
  int pidfd = static_cast<int>(opened);
  // The pidfd now pins this exact process: if the start time still matches, the signal cannot
  // reach a successor that reuses the PID.
  SignalResult result = CheckIdentity(request);
  if (result.outcome.empty()) {
    if (PidfdSendSignal(pidfd, request.signal) == 0) {
      result.outcome = "sent";
    } else {
      result = OutcomeOfSendError(errno, true);
    }
  }
  result.viaPidfd = true;
  close(pidfd);
  return result;
}

}  // namespace proctop
