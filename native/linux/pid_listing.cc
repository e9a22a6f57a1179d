#include "pid_listing.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "proc_read.h"

namespace proctop {
namespace {

/** The kernel's struct linux_dirent64 (getdents64(2)). */
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

/** The PID a /proc entry names, or -1 (any other name; /proc writes no leading zeros). */
int EntryPid(const char* name) {
  int pid = 0;
  return name[0] >= '1' && name[0] <= '9' && ParseNumericName(name, pid) ? pid : -1;
}

long GetDents(int fd, char* buf, size_t size) {
  long n;
  do {
    n = syscall(SYS_getdents64, fd, buf, size);
  } while (n < 0 && errno == EINTR);
  return n;
}

/** The last field of /proc/loadavg: the last PID allocated in the reader's PID namespace, or -1. */
long long LastAllocatedPid(int rootFd) {
  char buf[256];
  long n = ReadSmallFileAt(rootFd, "loadavg", buf, sizeof buf);
  if (n <= 0) return -1;
  const char* end = buf + n;
  while (end > buf && (end[-1] == '\n' || end[-1] == ' ')) --end;
  const char* start = end;
  while (start > buf && start[-1] >= '0' && start[-1] <= '9') --start;
  unsigned long long pid = 0;
  if (!ParseUnsignedExact(start, end, pid) || pid > 0x7fffffffULL) return -1;
  return static_cast<long long>(pid);
}

/** "processes" of /proc/stat: tasks forked since boot, in every PID namespace; -1 when unreadable. */
long long ForkCount(int rootFd, std::string& text) {
  if (ReadWholeFileAt(rootFd, "stat", text, FileEnd::ShortRead) < 0) return -1;
  const size_t at = text.find("\nprocesses ");
  if (at == std::string::npos) return -1;
  const char* p = text.c_str() + at + 11;
  SkipBlanks(p);
  const char* start = p;
  const unsigned long long forks = ParseUnsigned(p);
  return p == start ? -1 : static_cast<long long>(forks);
}

}  // namespace

size_t FormatPid(int pid, char* out) {
  char digits[12];
  size_t count = 0;
  unsigned int value = static_cast<unsigned int>(pid);
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (size_t i = 0; i < count; ++i) out[i] = digits[count - 1 - i];
  out[count] = '\0';
  return count;
}

bool PidListing::SameNamespace(int rootFd) {
  if (sameNamespace_ < 0) {
    // "self" in a procfs is this process's PID as that procfs's namespace numbers it; loadavg's
    // cursor is counted in this process's own namespace, so the two must agree.
    char target[32];
    ssize_t n = readlinkat(rootFd, "self", target, sizeof target - 1);
    char mine[12];
    const size_t length = FormatPid(static_cast<int>(getpid()), mine);
    sameNamespace_ = n == static_cast<ssize_t>(length) && std::memcmp(target, mine, length) == 0 ? 1 : 0;
  }
  return sameNamespace_ == 1;
}

bool PidListing::ListAll(int rootFd, std::vector<int>& pids) {
  if (lseek(rootFd, 0, SEEK_SET) < 0) return false;
  alignas(LinuxDirent64) char buf[32768];
  // An entry's d_off is where the listing resumes after it: the next entry's offset (for the
  // first PID, that of "thread-self" before it). Every PID's offset less the PID must be one
  // constant, and the PIDs ascending, for a recent listing to seek by PID.
  long long offset = -1;
  bool consistent = true;
  int previousPid = -1;
  long long previousOff = -1;
  for (;;) {
    long n = GetDents(rootFd, buf, sizeof buf);
    if (n < 0) return false;
    if (n == 0) break;
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const LinuxDirent64*>(buf + at);
      at += entry->d_reclen;
      const long long entryOff = entry->d_off;
      const int pid = EntryPid(entry->d_name);
      if (pid >= 0) {
        if (previousOff >= 0) {
          const long long here = previousOff - pid;
          if (here < 0 || (offset >= 0 && here != offset)) consistent = false;
          offset = here;
        }
        if (pid <= previousPid) consistent = false;
        previousPid = pid;
        pids.push_back(pid);
      }
      previousOff = entryOff;
    }
  }
  pidOffset_ = consistent ? offset : -1;
  return true;
}

bool PidListing::ListSince(int rootFd, long long fromPid, long long toPid, std::vector<int>& pids) {
  if (lseek(rootFd, static_cast<off_t>(pidOffset_ + fromPid), SEEK_SET) < 0) return false;
  // Few PIDs are new between two refreshes: a small buffer keeps the kernel from building
  // dentries for entries past the range.
  alignas(LinuxDirent64) char buf[2048];
  for (;;) {
    long n = GetDents(rootFd, buf, sizeof buf);
    if (n < 0) return false;
    if (n == 0) return true;
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const LinuxDirent64*>(buf + at);
      at += entry->d_reclen;
      const int pid = EntryPid(entry->d_name);
      if (pid < fromPid) continue;  // also any name that is not a PID (-1)
      if (pid > toPid) return true;
      pids.push_back(pid);
    }
  }
}

bool PidListing::List(int rootFd, bool isProcfs, double nowMs, std::vector<int>& pids) {
  pids.clear();
  // The cursor and the fork count are read only where a recent listing can ever be used.
  const bool eligible = isProcfs && SameNamespace(rootFd);
  pendingCursor_ = eligible ? LastAllocatedPid(rootFd) : -1;
  pendingForks_ = pendingCursor_ >= 0 ? ForkCount(rootFd, statText_) : -1;
  // Each fork since the last listing took a PID the cursor passed on its way here; more forks
  // than that means it went all the way round pid_max (or forks in other namespaces counted).
  const bool recent = eligible && knownValid_ && pidOffset_ >= 0 && lastCursor_ >= 0 && pendingCursor_ >= lastCursor_ &&
                      lastForks_ >= 0 && pendingForks_ >= lastForks_ && pendingForks_ - lastForks_ <= pendingCursor_ - lastCursor_ &&
                      nowMs - lastFullMs_ < fullEveryMs_;
  if (recent) {
    recent_.clear();
    const long long from = std::max<long long>(1, lastCursor_ - kOverlapPids);
    if (ListSince(rootFd, from, pendingCursor_, recent_)) {
      // Both lists ascend: merge them, a PID in both once.
      pids.reserve(known_.size() + recent_.size());
      std::set_union(known_.begin(), known_.end(), recent_.begin(), recent_.end(), std::back_inserter(pids));
      ++stats_.recent;
      return true;
    }
    pids.clear();
  }
  if (!ListAll(rootFd, pids)) return false;
  // The PIDs come in the kernel's order (ascending on procfs); a fixture tree's are sorted here.
  if (!std::is_sorted(pids.begin(), pids.end())) std::sort(pids.begin(), pids.end());
  lastFullMs_ = nowMs;
  ++stats_.full;
  return true;
}

void PidListing::Remember(std::vector<int>& present) {
  known_.swap(present);
  knownValid_ = true;
  lastCursor_ = pendingCursor_;
  lastForks_ = pendingForks_;
}

void PidListing::Reset() {
  known_.clear();
  knownValid_ = false;
  lastCursor_ = -1;
  pendingCursor_ = -1;
  lastForks_ = -1;
  pendingForks_ = -1;
}

}  // namespace proctop
