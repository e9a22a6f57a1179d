#include "proc_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "proc_read.h"
#include "proc_system_info.h"

namespace proctop {
namespace {

/** PF_KTHREAD from include/linux/sched.h. */
constexpr unsigned long long kPfKthread = 0x00200000ULL;

/** The stat fields a snapshot needs, as parsed from one /proc/PID/stat line. */
struct StatLine {
  const char* comm = nullptr;
  size_t commLength = 0;
  char state = '?';
  long long fields[25] = {};  // fields[n] = field n of proc(5), for 4 <= n <= 24
};

/**
 * Parses a stat line. comm may contain spaces, parentheses and newlines, so it runs from the
 * first '(' to the LAST ')'; the numeric fields follow. Returns false for a malformed line.
 */
bool ParseStatLine(const char* text, size_t length, StatLine& out) {
  const char* open = static_cast<const char*>(std::memchr(text, '(', length));
  const char* close = static_cast<const char*>(memrchr(text, ')', length));
  if (!open || !close || close < open || close + 2 >= text + length) return false;
  out.comm = open + 1;
  out.commLength = static_cast<size_t>(close - open - 1);
  const char* p = close + 2;
  out.state = *p++;
  for (int field = 4; field <= 24; ++field) {
    if (*p != ' ') return false;
    ++p;
    out.fields[field] = ParseSigned(p);
  }
  return true;
}

/**
 * Splits cmdline on NUL; trailing NULs make no empty arguments. A process that rewrote its title
 * (postgres, redis, setproctitle) leaves the title plus the NUL padding of the old argv area: one
 * title string, as ps shows it (src/sys/js/cmdline.ts does the same).
 */
std::vector<std::string> SplitCommandLine(const std::string& text) {
  std::vector<std::string> argv;
  size_t used = text.find_last_not_of('\0');
  if (used == std::string::npos) return argv;
  const std::string raw = text.substr(0, used + 1);
  size_t start = 0;
  for (;;) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) {
      argv.emplace_back(raw, start);
      break;
    }
    argv.emplace_back(raw, start, end - start);
    start = end + 1;
    if (start == raw.size()) break;
  }
  return argv;
}

double ClockMs(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

/** Closes a directory stream on scope exit. */
struct DirCloser {
  DIR* dir;
  ~DirCloser() {
    if (dir) closedir(dir);
  }
};

}  // namespace

ProcSnapshotReader::ProcSnapshotReader(std::string procRoot)
    : procRoot_(std::move(procRoot)), pageSize_(sysconf(_SC_PAGESIZE)) {}

void ProcSnapshotReader::ForgetAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  identities_.clear();
  freeSlots_.clear();
  nextSlot_ = 0;
}

const std::string& ProcSnapshotReader::UserName(uid_t uid) {
  auto found = userNames_.find(uid);
  if (found != userNames_.end()) return found->second;
  std::string name = std::to_string(uid);
  std::vector<char> buf(16384);
  for (;;) {
    passwd entry{};
    passwd* result = nullptr;
    int rc = getpwuid_r(uid, &entry, buf.data(), buf.size(), &result);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc == 0 && result && result->pw_name) name = result->pw_name;
    break;
  }
  return userNames_.emplace(uid, std::move(name)).first->second;
}

uint32_t ProcSnapshotReader::TakeSlot() {
  if (!freeSlots_.empty()) {
    uint32_t slot = freeSlots_.back();
    freeSlots_.pop_back();
    return slot;
  }
  return nextSlot_++;
}

void ProcSnapshotReader::Evict(uint64_t generation) {
  for (auto it = identities_.begin(); it != identities_.end();) {
    if (it->second.seenGeneration != generation) {
      freeSlots_.push_back(it->second.slot);
      it = identities_.erase(it);
    } else {
      ++it;
    }
  }
}

SnapshotRecord ProcSnapshotReader::Read() {
  std::lock_guard<std::mutex> lock(mutex_);
  SnapshotRecord snapshot;

  int rootFd = open(procRoot_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootFd < 0) throw std::runtime_error("cannot open " + procRoot_ + ": " + std::strerror(errno));
  // fdopendir owns rootFd from here; dirfd() keeps serving openat().
  DIR* dir = fdopendir(rootFd);
  if (!dir) {
    int error = errno;
    close(rootFd);
    throw std::runtime_error("cannot list " + procRoot_ + ": " + std::strerror(error));
  }
  DirCloser closer{dir};

  const uint64_t generation = ++generation_;
  snapshot.processes.reserve(identities_.size() + 64);
  // Skipped processes by cause; vanished ones are normal churn and stay silent.
  size_t deniedCount = 0;
  size_t malformedCount = 0;
  size_t failedCount = 0;
  char path[64];
  char statText[4096];
  std::string cmdline;

  while (dirent* entry = readdir(dir)) {
    const char* name = entry->d_name;
    if (name[0] < '1' || name[0] > '9') continue;
    size_t nameLength = 0;
    bool numeric = true;
    for (; name[nameLength]; ++nameLength) {
      if (name[nameLength] < '0' || name[nameLength] > '9') numeric = false;
    }
    if (!numeric || nameLength > 10) continue;

    std::memcpy(path, name, nameLength);
    std::memcpy(path + nameLength, "/stat", 6);
    long length = ReadSmallFileAt(rootFd, path, statText, sizeof statText);
    if (length < 0) {
      // ENOENT/ESRCH: exited since readdir. EACCES: hidden from us (hidepid).
      if (length == -EACCES || length == -EPERM) {
        ++deniedCount;
      } else if (length != -ENOENT && length != -ESRCH) {
        ++failedCount;
      }
      continue;
    }
    StatLine stat;
    if (!ParseStatLine(statText, static_cast<size_t>(length), stat)) {
      ++malformedCount;
      continue;
    }

    ProcessRecord record;
    const char* digits = name;
    record.pid = static_cast<int>(ParseUnsigned(digits));
    record.state = stat.state;
    record.ppid = static_cast<int>(stat.fields[4]);
    record.pgid = static_cast<int>(stat.fields[5]);
    record.sid = static_cast<int>(stat.fields[6]);
    record.ttyNr = stat.fields[7];
    record.isKernelThread = (static_cast<unsigned long long>(stat.fields[9]) & kPfKthread) != 0;
    record.utime = static_cast<unsigned long long>(stat.fields[14]);
    record.stime = static_cast<unsigned long long>(stat.fields[15]);
    record.priority = stat.fields[18];
    record.nice = stat.fields[19];
    record.threads = stat.fields[20];
    record.startTime = static_cast<unsigned long long>(stat.fields[22]);
    record.vsizeBytes = static_cast<unsigned long long>(stat.fields[23]);
    long long rssPages = stat.fields[24];
    record.rssBytes = rssPages > 0 ? static_cast<unsigned long long>(rssPages) * static_cast<unsigned long long>(pageSize_) : 0;

    const IdentityKey key{record.pid, record.startTime};
    auto cached = identities_.find(key);
    const bool commChanged = cached != identities_.end() &&
                             (cached->second.details->comm.size() != stat.commLength ||
                              std::memcmp(cached->second.details->comm.data(), stat.comm, stat.commLength) != 0);
    if (cached == identities_.end() || commChanged) {
      // New identity, or exec() kept pid+starttime but changed comm: read the slow fields.
      auto details = std::make_shared<ProcessDetails>();
      details->comm.assign(stat.comm, stat.commLength);
      struct stat dirStat {};
      if (fstatat(rootFd, name, &dirStat, 0) != 0) continue;  // gone since its stat was read
      details->uid = dirStat.st_uid;
      details->user = UserName(dirStat.st_uid);
      if (!record.isKernelThread) {
        std::memcpy(path + nameLength, "/cmdline", 9);
        int rc = ReadWholeFileAt(rootFd, path, cmdline, FileEnd::ShortRead);
        if (rc == -ENOENT || rc == -ESRCH) continue;  // exited meanwhile
        if (rc == 0) details->argv = SplitCommandLine(cmdline);  // EACCES: argv stays empty
        std::memcpy(path + nameLength, "/exe", 5);
        details->hasExe = ReadLinkAt(rootFd, path, details->exe);
      }
      if (cached == identities_.end()) {
        cached = identities_.emplace(key, CachedIdentity{nullptr, TakeSlot(), 0}).first;
      }
      cached->second.details = std::move(details);
      record.detailsFresh = true;
    }
    cached->second.seenGeneration = generation;
    record.details = cached->second.details;
    record.cacheSlot = cached->second.slot;
    snapshot.processes.push_back(std::move(record));
  }
  Evict(generation);

  // readdir of /proc is in pid order already; fixture trees on other filesystems are not.
  auto byPid = [](const ProcessRecord& a, const ProcessRecord& b) { return a.pid < b.pid; };
  if (!std::is_sorted(snapshot.processes.begin(), snapshot.processes.end(), byPid)) {
    std::sort(snapshot.processes.begin(), snapshot.processes.end(), byPid);
  }
  // Same wording as the JS reader (src/sys/js/snapshot.ts).
  if (deniedCount > 0) snapshot.warnings.push_back(std::to_string(deniedCount) + " process(es) skipped: permission denied reading stat");
  if (malformedCount > 0) snapshot.warnings.push_back(std::to_string(malformedCount) + " process(es) skipped: unparsable stat");
  if (failedCount > 0) snapshot.warnings.push_back(std::to_string(failedCount) + " process(es) skipped: read error");
  ReadSystemInfo(rootFd, procRoot_, snapshot.system, snapshot.warnings);
  snapshot.timestampMs = static_cast<double>(static_cast<long long>(ClockMs(CLOCK_REALTIME)));
  snapshot.monotonicMs = ClockMs(CLOCK_MONOTONIC);
  return snapshot;
}

}  // namespace proctop
