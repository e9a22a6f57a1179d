#include "proc_snapshot.h"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "pid_listing.h"
#include "proc_read.h"
#include "proc_system_info.h"

namespace proctop {
namespace {

/** f_type of procfs (linux/magic.h). */
constexpr long kProcSuperMagic = 0x9fa0;
/** Where the soft RLIMIT_NOFILE is raised to when the hard limit is unlimited or higher. */
constexpr rlim_t kMaxRaisedLimit = 1 << 20;
/** Descriptors never taken for stat handles: a quarter of the limit, within these bounds. */
constexpr size_t kMinReserve = 128;
constexpr size_t kMaxReserve = 1024;

/**
 * Stat handles kept by every reader of this process together: each reader's budget is for the
 * process, so two readers (a sampler and a metrics loop) never take twice the limit between them.
 */
std::atomic<size_t> gKeptHandles{0};


/** Bytes of a program's name the kernel keeps as its comm (TASK_COMM_LEN less the NUL). */
constexpr size_t kCommBytes = 15;

/**
 * True when argv[0]'s base name starts like comm does (the kernel keeps 15 bytes of the name
 * exec'd): the usual pair, which an exec between reading one and the other cannot have made.
 */
bool CommFits(const std::string& argv0, const std::string& comm) {
  const size_t slash = argv0.rfind('/');
  const size_t start = slash == std::string::npos ? 0 : slash + 1;
  const size_t length = std::min(argv0.size() - start, kCommBytes);
  return comm.size() == length && argv0.compare(start, length, comm) == 0;
}

/** A record's figures from its stat line. */
void SetFigures(const StatLine& stat, long pageSize, ProcessFigures& figures) {
  figures.state = stat.state;
  figures.ppid = static_cast<int>(stat.fields[4]);
  figures.pgid = static_cast<int>(stat.fields[5]);
  figures.sid = static_cast<int>(stat.fields[6]);
  figures.ttyNr = stat.fields[7];
  figures.isKernelThread = IsKernelThread(stat);
  figures.utime = static_cast<unsigned long long>(stat.fields[14]);
  figures.stime = static_cast<unsigned long long>(stat.fields[15]);
  figures.priority = stat.fields[18];
  figures.nice = stat.fields[19];
  figures.threads = stat.fields[20];
  figures.vsizeBytes = static_cast<unsigned long long>(stat.fields[23]);
  long long rssPages = stat.fields[24];
  figures.rssBytes = rssPages > 0 ? static_cast<unsigned long long>(rssPages) * static_cast<unsigned long long>(pageSize) : 0;
}

/**
 * The process's stat now (through its kept handle when it has one): its comm, and its figures
 * into `figures` when its start time is still `startTime`. False when unreadable or another process.
 */
bool ReadStatNow(int rootFd, char* path, size_t nameLength, int statFd, char* buf, size_t size, unsigned long long startTime, long pageSize, std::string& comm, ProcessFigures& figures) {
  long length;
  if (statFd >= 0) {
    length = PreadSmall(statFd, buf, size);
  } else {
    std::memcpy(path + nameLength, "/stat", 6);
    length = ReadSmallFileAt(rootFd, path, buf, size);
  }
  StatLine stat;
  if (length < 0 || !ParseStatLine(buf, static_cast<size_t>(length), stat)) return false;
  if (static_cast<unsigned long long>(stat.fields[22]) != startTime) return false;
  comm.assign(stat.comm, stat.commLength);
  SetFigures(stat, pageSize, figures);
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

/**
 * The first and third figures of /proc/PID/schedstat: the main thread's run time so far (ns) and
 * how many times it has been given a CPU. False for anything else.
 */
bool ParseSchedstat(const char* text, size_t length, unsigned long long& runNs, unsigned long long& runs) {
  const char* p = text;
  const char* end = text + length;
  runNs = ParseUnsigned(p, end);
  if (p == text || p == end || *p++ != ' ') return false;
  const char* delay = p;
  ParseUnsigned(p, end);
  if (p == delay || p == end || *p++ != ' ') return false;
  const char* count = p;
  runs = ParseUnsigned(p, end);
  return p != count;
}

/** States a process sleeps in (stat's one letter): it leaves them, and changes its figures, only by running. */
bool Sleeping(char state) { return state == 'S' || state == 'I' || state == 'D' || state == 'T' || state == 't'; }

/** MarkStatDue's marks, the last kDueMarks of them, for every reader to take. */
constexpr uint64_t kDueMarks = 256;
std::mutex gDueMutex;
uint64_t gDueMarks = 0;
int gDuePids[kDueMarks];

/** Spreads the processes' stat reads due by the bound over this many phases (by slot). */
constexpr uint32_t kStatPhases = 8;

/** Fewer kept handles than this are closed on the calling thread: a thread costs more than that. */
constexpr size_t kCloseInlineBelow = 64;

/** Closes a descriptor on scope exit. */
struct FdCloser {
  int fd;
  ~FdCloser() { close(fd); }
};

}  // namespace

ProcSnapshotReader::ProcSnapshotReader(std::string procRoot, uint64_t keepHandlesFromRead, double fullListingEveryMs, double secondReadAfterMs,
                                       double fullStatEveryMs, size_t keepHandlesFromCount, size_t detailsHelpersFrom, size_t detailsHelpers)
    : procRoot_(std::move(procRoot)),
      pageSize_(sysconf(_SC_PAGESIZE)),
      keepHandlesFromRead_(keepHandlesFromRead),
      keepHandlesFromCount_(keepHandlesFromCount),
      detailsHelpersFrom_(detailsHelpersFrom),
      detailsHelpers_(detailsHelpers),
      listing_(fullListingEveryMs),
      secondReadAfterMs_(secondReadAfterMs),
      fullStatEveryMs_(fullStatEveryMs) {}

ProcSnapshotReader::~ProcSnapshotReader() {
  for (auto& entry : tracked_) {
    CloseHandle(entry.second);
    CloseRunCheck(entry.second);
  }
}

void ProcSnapshotReader::ForgetAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  // Closing thousands of handles and freeing their identities takes milliseconds: ForgetAll runs
  // on the JS thread (after a failed decode), so a large table is let go of on a thread of its own.
  auto forgotten = std::make_shared<std::unordered_map<int, Tracked>>();
  forgotten->swap(tracked_);
  readAhead_.reset();  // its changes were against what is forgotten now
  // A read that failed after its first pass (its details pass threw) left its new identities
  // pending, each with the stat handle reserved for it.
  for (const Pending& later : pending_) {
    if (later.statFd < 0) continue;
    close(later.statFd);
    gKeptHandles.fetch_sub(1, std::memory_order_relaxed);
  }
  pending_.clear();
  const bool large = handles_.kept >= kCloseInlineBelow;
  handles_.kept = 0;
  handles_.runChecks = 0;
  handles_.runChecksRefused = 0;
  auto closeAll = [forgotten]() {
    for (auto& entry : *forgotten) {
      for (const int fd : {entry.second.statFd, entry.second.runFd}) {
        if (fd < 0) continue;
        close(fd);
        gKeptHandles.fetch_sub(1, std::memory_order_relaxed);
      }
    }
  };
  if (large) {
    RunOffThread(std::move(closeAll));
  } else {
    closeAll();
  }
  freeSlots_.clear();
  nextSlot_ = 0;
  listing_.Reset();
  reclaimKnown_ = false;
}

StatHandleStats ProcSnapshotReader::HandleStats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return handles_;
}

PidListingStats ProcSnapshotReader::ListingStats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return listing_.Stats();
}

DetailsStats ProcSnapshotReader::LastDetailsStats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return details_;
}

void ProcSnapshotReader::SetHandleBudget() {
  // Raise the soft limit toward the hard one (Node does the same at start; an embedder may not),
  // then keep a reserve free so fd listing, sockets and the TUI never meet EMFILE because of us.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    if (limit.rlim_cur != RLIM_INFINITY && (limit.rlim_max == RLIM_INFINITY || limit.rlim_cur < limit.rlim_max)) {
      rlimit raised = limit;
      raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? kMaxRaisedLimit : std::min<rlim_t>(limit.rlim_max, kMaxRaisedLimit);
      if (raised.rlim_cur > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
  }
  size_t soft = limit.rlim_cur == RLIM_INFINITY ? static_cast<size_t>(kMaxRaisedLimit) : static_cast<size_t>(limit.rlim_cur);
  handles_.limit = soft;
  handles_.reserve = std::min<size_t>(kMaxReserve, std::max<size_t>(kMinReserve, soft / 4));
  handles_.budget = soft > handles_.reserve ? soft - handles_.reserve : 0;
  budgetSet_ = true;
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

void ProcSnapshotReader::CloseHandle(Tracked& tracked) {
  if (tracked.statFd < 0) return;
  close(tracked.statFd);
  tracked.statFd = -1;
  --handles_.kept;
  gKeptHandles.fetch_sub(1, std::memory_order_relaxed);
}

void MarkStatDue(int pid) {
  std::lock_guard<std::mutex> lock(gDueMutex);
  gDuePids[gDueMarks % kDueMarks] = pid;
  ++gDueMarks;
}

bool DueMarksSince(uint64_t& seen, std::vector<int>& pids) {
  std::lock_guard<std::mutex> lock(gDueMutex);
  const bool kept = gDueMarks - seen <= kDueMarks;
  if (kept) {
    for (uint64_t mark = seen; mark < gDueMarks; ++mark) pids.push_back(gDuePids[mark % kDueMarks]);
  }
  seen = gDueMarks;
  return kept;
}

void MarkEveryStatDue() {
  std::lock_guard<std::mutex> lock(gDueMutex);
  gDueMarks += kDueMarks + 1;  // every reader finds more marks than the ring kept: all are due
}

void ProcSnapshotReader::TakeDueMarks() {
  std::lock_guard<std::mutex> lock(gDueMutex);
  if (gDueMarks - dueMarksSeen_ > kDueMarks) {
    for (auto& entry : tracked_) entry.second.statDue = true;  // more than the ring kept: all
  } else {
    for (uint64_t mark = dueMarksSeen_; mark < gDueMarks; ++mark) {
      auto tracked = tracked_.find(gDuePids[mark % kDueMarks]);
      if (tracked != tracked_.end()) tracked->second.statDue = true;
    }
  }
  dueMarksSeen_ = gDueMarks;
}

void ProcSnapshotReader::CloseRunCheck(Tracked& tracked) {
  tracked.runKnown = false;
  if (tracked.runFd < 0) return;
  close(tracked.runFd);
  tracked.runFd = -1;
  --handles_.runChecks;
  gKeptHandles.fetch_sub(1, std::memory_order_relaxed);
}

bool ProcSnapshotReader::MemoryMovedByKernel(int rootFd) {
  // Pages taken from processes by reclaim (kswapd, direct, khugepaged, proactive) and swapped out,
  // and huge pages khugepaged collapsed (filling in pages the process never touched): the resident
  // size of a process that did not run moves these ways (or by another process's
  // madvise(MADV_PAGEOUT) on it, or a truncate of a file it maps, which the bound covers).
  char text[16384];
  const long length = ReadSmallFileAt(rootFd, "vmstat", text, sizeof text);
  if (length <= 0) {
    reclaimKnown_ = false;
    return true;
  }
  unsigned long long total = 0;
  for (const char* line = text; line < text + length;) {
    const char* end = static_cast<const char*>(std::memchr(line, '\n', static_cast<size_t>(text + length - line)));
    if (!end) end = text + length;
    const size_t size = static_cast<size_t>(end - line);
    const char* value = nullptr;
    if (size > 8 && std::memcmp(line, "pgsteal_", 8) == 0) {
      value = static_cast<const char*>(std::memchr(line, ' ', size));
    } else {
      for (const char* name : {"pswpout ", "thp_collapse_alloc "}) {
        const size_t nameLength = std::strlen(name);
        if (size > nameLength && std::memcmp(line, name, nameLength) == 0) value = line + nameLength - 1;
      }
    }
    if (value) {
      ++value;
      total += ParseUnsigned(value, end);
    }
    line = end + 1;
  }
  const bool changed = !reclaimKnown_ || total != reclaimed_;
  reclaimed_ = total;
  reclaimKnown_ = true;
  return changed;
}

bool ProcSnapshotReader::StatUnchanged(Tracked& tracked, double nowMs, bool memoryMoved,
                                       unsigned long long& runNs, bool& haveRun) {
  haveRun = false;
  const ProcessFigures& figures = tracked.figures;
  // One thread: the main thread's run time is the process's. (A main thread that exited while
  // another runs on shows as a zombie, which is not a sleeping state.)
  if (figures.threads != 1 || !Sleeping(figures.state) || tracked.retryDetails) {
    CloseRunCheck(tracked);
    return false;
  }
  if (tracked.runFd < 0) return false;
  char text[96];
  const long length = PreadSmall(tracked.runFd, text, sizeof text);
  unsigned long long runs = 0;
  if (length <= 0 || !ParseSchedstat(text, static_cast<size_t>(length), runNs, runs) || runs == 0) {
    // Gone (its stat says so next), not run yet, or a kernel that keeps no run times ("0 0 0").
    CloseRunCheck(tracked);
    return false;
  }
  haveRun = true;
  return tracked.runKnown && runNs == tracked.runNs && !tracked.statDue && !memoryMoved && nowMs - tracked.statReadMs < fullStatEveryMs_;
}

void ProcSnapshotReader::DropReservedHandle(int fd) {
  if (fd < 0) return;
  close(fd);
  --handles_.kept;
  gKeptHandles.fetch_sub(1, std::memory_order_relaxed);
}

void ProcSnapshotReader::Release(Tracked& tracked, std::vector<uint32_t>& freedSlots) {
  if (tracked.runCheckRefused) --handles_.runChecksRefused;
  CloseHandle(tracked);
  CloseRunCheck(tracked);
  freeSlots_.push_back(tracked.slot);
  freedSlots.push_back(tracked.slot);
}

size_t ProcSnapshotReader::ShedHandles() {
  // The run checks go first: without them a process's stat is read every time, as before.
  for (auto& entry : tracked_) CloseRunCheck(entry.second);
  size_t shed = std::max<size_t>(1, handles_.kept / 8);
  size_t closed = 0;
  for (auto it = tracked_.begin(); it != tracked_.end() && closed < shed; ++it) {
    if (it->second.statFd < 0) continue;
    CloseHandle(it->second);
    ++closed;
  }
  // What this process holds now, less what was just given back, is what fits.
  handles_.budget = gKeptHandles.load(std::memory_order_relaxed);
  return closed;
}

void ProcSnapshotReader::Evict(uint64_t generation, std::vector<uint32_t>& freedSlots, std::vector<int>& ended) {
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    if (it->second.seenGeneration != generation) {
      // Exited: its handle (which would only fail with ESRCH now) is closed at once.
      ended.push_back(it->first);
      Release(it->second, freedSlots);
      it = tracked_.erase(it);
    } else {
      ++it;
    }
  }
  // Their children have a new parent now, given them without running: their stats are read next time.
  if (ended.empty()) return;
  std::sort(ended.begin(), ended.end());
  for (auto& entry : tracked_) {
    if (std::binary_search(ended.begin(), ended.end(), entry.second.figures.ppid)) entry.second.statDue = true;
  }
  ended.clear();
}

namespace {

/**
 * Opens PID/<file> under rootFd for each of pids[from, to) into fds[0, to - from): -1 where it
 * could not be (gone or hidden), its errno then in errors when given.
 */
void OpenEach(int rootFd, const std::vector<int>& pids, size_t from, size_t to, const char* file, int* fds, int* errors) {
  char path[64];
  const size_t fileLength = std::strlen(file) + 1;
  for (size_t i = from; i < to; ++i) {
    const size_t nameLength = FormatPid(pids[i], path);
    path[nameLength] = '/';
    std::memcpy(path + nameLength + 1, file, fileLength);
    fds[i - from] = openat(rootFd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (errors) errors[i - from] = fds[i - from] < 0 ? errno : 0;
  }
}

/** Set once this process's fd table was grown for the kept handles (GrowFdTableOnce). */
std::atomic<bool> gFdTableGrown{false};

/**
 * Grows this process's fd table, once, to hold a handle per task on the system (sysinfo's count
 * of threads: at least one per process) within `budget`. Kept handles would otherwise grow it one
 * doubling at a time, and in a multi-threaded process each doubling waits for an RCU grace period
 * (expand_fdtable) while every other thread's open() waits with it: five of them on the way to
 * 1,000 processes, measured at 40-120 ms of a fresh process's first read (35 ms with the table
 * grown first), the modules proctop loads meanwhile held up too. F_DUPFD asks for the lowest
 * free descriptor at or above a number, so one call grows the table in one step; the duplicate
 * is closed at once. Best effort: on any failure the table grows as before.
 */
void GrowFdTableOnce(int anyFd, size_t budget) {
  if (gFdTableGrown.exchange(true)) return;
  struct sysinfo info {};
  if (sysinfo(&info) != 0 || budget == 0) return;
  // One per task, and a batch more: a run check is opened before the stat handle it replaces is
  // closed (OpenRunChecks).
  const size_t want = std::min<size_t>(static_cast<size_t>(info.procs) + 128, budget);
  const int probe = fcntl(anyFd, F_DUPFD_CLOEXEC, static_cast<int>(want));
  if (probe >= 0) close(probe);
}

}  // namespace

ProcSnapshotReader::IdlePlan ProcSnapshotReader::PlanIdleLocked() const {
  IdlePlan plan;
  plan.prepare = lastReadOnProcfs_ && keepHandlesFromRead_ > 1 && generation_ + 1 == keepHandlesFromRead_;
  plan.readAhead = secondReadAfterMs_ > 0 && generation_ == 1 && !readAhead_;
  plan.readAheadDueMs = lastPassMidMs_ + secondReadAfterMs_;
  plan.runChecks = runChecksWanted_ > 0;
  return plan;
}

bool ProcSnapshotReader::WantsIdleWork() {
  std::lock_guard<std::mutex> lock(mutex_);
  const IdlePlan plan = PlanIdleLocked();
  return plan.prepare || plan.readAhead || plan.runChecks;
}

void ProcSnapshotReader::IdleWork(ReaderThread::Idle& idle) {
  IdlePlan plan;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    plan = PlanIdleLocked();
  }
  const double due = plan.readAheadDueMs;
  if (plan.prepare) {
    PrepareHandles([&idle, &plan, due]() { return idle.Yielding() || (plan.readAhead && ClockMs(CLOCK_MONOTONIC) >= due); });
  }
  if (plan.runChecks) OpenRunChecks([&idle]() { return idle.Yielding(); });
  if (!plan.readAhead || !idle.SleepUntil(due)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation_ == 1 && !readAhead_) readAhead_ = std::make_unique<SnapshotRecord>(ReadLocked());
}

void ProcSnapshotReader::StartStatBound(Tracked& tracked, double nowMs) const {
  tracked.statReadMs = nowMs - static_cast<double>(tracked.slot % kStatPhases) * fullStatEveryMs_ / kStatPhases;
}

ProcSnapshotReader::Pairing ProcSnapshotReader::RunTimeOfSameFigures(int runFd, const Tracked& tracked, unsigned long long& runNs) const {
  char text[96];
  const long length = PreadSmall(runFd, text, sizeof text);
  unsigned long long runs = 0;
  if (length <= 0 || !ParseSchedstat(text, static_cast<size_t>(length), runNs, runs)) return Pairing::kMoved;
  // A process that sleeps has run at least once: no runs counted means the kernel keeps no
  // schedstat figures at all, and a run time that never moves would hide every change.
  if (runs == 0) return Pairing::kNoRunCounts;
  char statText[4096];
  const long statLength = PreadSmall(tracked.statFd, statText, sizeof statText);
  StatLine stat;
  if (statLength < 0 || !ParseStatLine(statText, static_cast<size_t>(statLength), stat)) return Pairing::kMoved;
  if (static_cast<unsigned long long>(stat.fields[22]) != tracked.startTime) return Pairing::kMoved;
  ProcessFigures now;
  SetFigures(stat, pageSize_, now);
  const std::string& comm = tracked.details->comm;
  const bool same = now == tracked.figures && comm.size() == stat.commLength && std::memcmp(comm.data(), stat.comm, stat.commLength) == 0;
  return same ? Pairing::kSame : Pairing::kMoved;
}

void ProcSnapshotReader::RefuseRunCheck(Tracked& tracked) {
  if (!tracked.runCheckRefused) ++handles_.runChecksRefused;
  tracked.runCheckRefused = true;
  tracked.wantsRunCheck = false;
}

size_t ProcSnapshotReader::OpenRunChecks(const std::function<bool()>& stop) {
  constexpr size_t kBatch = 64;
  size_t opened = 0;
  std::vector<int> pids;
  size_t budget = 0;
  size_t batch = kBatch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A batch's run checks are open before the stat handles they replace are closed: with every
    // handle of the budget kept (20,000 processes against a limit of 20,000), that moment takes a
    // quarter of the reserve at most, in batches that fit it.
    const size_t slack = handles_.reserve / 4;
    budget = handles_.budget + slack;
    batch = std::min(kBatch, std::max<size_t>(1, slack));
    pids.reserve(runChecksWanted_);
    for (const auto& entry : tracked_) {
      if (entry.second.wantsRunCheck) pids.push_back(entry.first);
    }
  }
  int rootFd = open(procRoot_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootFd < 0) return 0;
  FdCloser closer{rootFd};
  int fds[kBatch];
  int errors[kBatch];
  for (size_t from = 0; from < pids.size() && !stop(); from += batch) {
    const size_t to = std::min(pids.size(), from + batch);
    if (gKeptHandles.load(std::memory_order_relaxed) + (to - from) > budget) break;
    OpenEach(rootFd, pids, from, to, "schedstat", fds, errors);
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = from; i < to; ++i) {
      const int fd = fds[i - from];
      auto tracked = tracked_.find(pids[i]);
      if (fd < 0) {
        // Refused where its stat is not (a security module): never offered again to this identity.
        if ((errors[i - from] == EACCES || errors[i - from] == EPERM) && tracked != tracked_.end()) RefuseRunCheck(tracked->second);
        continue;
      }
      // Forgotten, ended or read again meanwhile: not this one's.
      if (tracked == tracked_.end() || !tracked->second.wantsRunCheck || tracked->second.runFd >= 0 || tracked->second.statFd < 0) {
        close(fd);
        continue;
      }
      Tracked& kept = tracked->second;
      kept.wantsRunCheck = false;
      // Paired with the figures now: the run time read first, then the stat through the handle
      // still kept. That handle is bound to the identity, so it reading means the PID the run
      // check was opened by still names the same process; and figures and comm as reported mean
      // this run time is theirs, so the next read need not read the stat. Otherwise (it ran,
      // exec'd or ended meanwhile) the stat handle stays, and a later read may offer the trade again.
      unsigned long long runNs = 0;
      const Pairing pairing = RunTimeOfSameFigures(fd, kept, runNs);
      if (pairing != Pairing::kSame) {
        if (pairing == Pairing::kNoRunCounts) RefuseRunCheck(kept);
        close(fd);
        continue;
      }
      // The run check takes the place of the stat handle: the process still holds one descriptor.
      CloseHandle(kept);
      kept.runFd = fd;
      kept.runNs = runNs;
      kept.runKnown = true;
      StartStatBound(kept, ClockMs(CLOCK_MONOTONIC));
      ++handles_.runChecks;
      ++opened;
      gKeptHandles.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return opened;
}

size_t ProcSnapshotReader::PrepareHandles(const std::function<bool()>& stop) {
  constexpr size_t kBatch = 64;
  size_t kept = 0;
  std::vector<int> pids;
  size_t budget = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!budgetSet_) SetHandleBudget();
    budget = handles_.budget;
    pids.reserve(tracked_.size());
    for (const auto& entry : tracked_) {
      if (entry.second.statFd < 0 && entry.second.runFd < 0) pids.push_back(entry.first);
    }
  }
  int rootFd = open(procRoot_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootFd < 0) return 0;
  FdCloser closer{rootFd};
  struct statfs rootFs {};
  if (fstatfs(rootFd, &rootFs) != 0 || rootFs.f_type != kProcSuperMagic) return 0;
  GrowFdTableOnce(rootFd, budget);
  int opened[kBatch];
  PassBreaks breaks(passBreakEveryMs_, passBreaksTaken_);
  for (size_t from = 0; from < pids.size() && !stop(); from += kBatch) {
    const size_t to = std::min(pids.size(), from + kBatch);
    if (gKeptHandles.load(std::memory_order_relaxed) + (to - from) > budget) break;
    breaks.Tick(to - from);
    OpenEach(rootFd, pids, from, to, "stat", opened, nullptr);
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = from; i < to; ++i) {
      const int fd = opened[i - from];
      if (fd < 0) continue;
      auto tracked = tracked_.find(pids[i]);
      // Forgotten meanwhile (ForgetAll), or given a handle some other way: not this one's.
      if (tracked == tracked_.end() || tracked->second.statFd >= 0) {
        close(fd);
        continue;
      }
      tracked->second.statFd = fd;
      ++handles_.kept;
      ++handles_.prepared;
      ++kept;
      gKeptHandles.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return kept;
}

SnapshotRecord ProcSnapshotReader::Read() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (readAhead_) {
    SnapshotRecord ahead = std::move(*readAhead_);
    readAhead_.reset();
    return ahead;
  }
  return ReadLocked();
}

void ProcSnapshotReader::ReadDetailsOf(std::vector<Pending>& pending, int rootFd, DetailsStats& stats) const {
  size_t helpers = 0;
  if (pending.size() >= 2 && pending.size() >= detailsHelpersFrom_) {
    if (detailsHelpers_ != kDetailsHelpersAuto) {
      helpers = detailsHelpers_;
    } else {
      // One CPU left to the JS thread and the rest of the machine (see the constructor).
      cpu_set_t cpus;
      CPU_ZERO(&cpus);
      const int usable = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
      helpers = std::min(kMaxDetailsHelpers, static_cast<size_t>(std::max(usable - 2, 0)));
    }
  }
  // Processes a thread takes at a time: up to 32 (the shared counter stays rare), and small enough
  // that each thread gets several batches (so they finish together).
  const size_t batch = std::clamp<size_t>(pending.size() / (4 * (helpers + 1)), 1, 32);
  std::atomic<size_t> next{0};
  std::atomic<size_t> byHelpers{0};
  const long pageSize = pageSize_;
  const double breakEveryMs = passBreakEveryMs_;
  std::atomic<uint64_t>& breaksTaken = passBreaksTaken_;
  auto work = [&pending, &next, &byHelpers, batch, rootFd, pageSize, breakEveryMs, &breaksTaken](bool helper) {
    char path[64];
    char statText[4096];
    std::string cmdline;
    PassBreaks breaks(breakEveryMs, breaksTaken);
    for (;;) {
      const size_t from = next.fetch_add(batch, std::memory_order_relaxed);
      if (from >= pending.size()) return;
      const size_t to = std::min(pending.size(), from + batch);
      if (helper) byHelpers.fetch_add(to - from, std::memory_order_relaxed);
      for (size_t i = from; i < to; ++i) {
        breaks.Tick();
        Pending& later = pending[i];
        const char* name = later.name;
        const size_t nameLength = later.nameLength;
        std::memcpy(path, name, nameLength);
        ProcessRecord& record = later.record;
        auto details = std::make_shared<ProcessDetails>();
        details->comm = std::move(later.comm);
        struct stat dirStat {};
        if (fstatat(rootFd, name, &dirStat, 0) != 0) continue;  // gone since its stat was read
        details->uid = dirStat.st_uid;
        if (!record.figures.isKernelThread) {
          bool gone = false;
          // The comm was read in the first pass, the command line now: a process that exec'd in
          // between would pair its old comm with its new command line. A command line that does
          // not start with the comm is checked against the comm as it is now, and read again with
          // it when they differ (bounded: a process exec'ing in a loop keeps the last pair read).
          for (int attempt = 0; attempt < 3; ++attempt) {
            std::memcpy(path + nameLength, "/cmdline", 9);
            int rc = ReadWholeFileAt(rootFd, path, cmdline, FileEnd::ShortRead);
            if (rc == -ENOENT || rc == -ESRCH) {  // exited meanwhile
              gone = true;
              break;
            }
            details->argv.clear();
            if (rc == 0) details->argv = SplitCommandLine(cmdline);  // EACCES: argv stays empty
            std::memcpy(path + nameLength, "/exe", 5);
            details->exe.clear();
            details->hasExe = ReadLinkAt(rootFd, path, details->exe);
            if (details->argv.empty() || CommFits(details->argv.front(), details->comm) || attempt == 2) break;
            // It exec'd since the first pass: the row takes the comm and figures read now (setsid
            // and the like change the session before the exec), and the command line read next.
            std::string now;
            ProcessFigures nowFigures;
            if (!ReadStatNow(rootFd, path, nameLength, later.statFd, statText, sizeof statText, record.startTime, pageSize, now, nowFigures) ||
                now == details->comm) {
              break;
            }
            details->comm = std::move(now);
            record.figures = nowFigures;
          }
          if (gone) continue;
        }
        later.details = std::move(details);
      }
    }
  };
  // What a thread threw (out of memory): the read fails with it once every thread has stopped,
  // instead of ending the process (an exception leaving a std::thread does) or leaving processes
  // without details.
  std::mutex failureMutex;
  std::exception_ptr failure;
  auto guarded = [&work, &next, &pending, &failureMutex, &failure](bool helper) {
    try {
      work(helper);
    } catch (...) {
      next.store(pending.size(), std::memory_order_relaxed);  // the others stop after their batch
      std::lock_guard<std::mutex> lock(failureMutex);
      if (!failure) failure = std::current_exception();
    }
  };
  // Helpers inherit this thread's nice value and scheduler slice (the reader's, kReaderNiceIncrement).
  std::vector<std::thread> threads;
  threads.reserve(helpers);
  for (size_t h = 0; h < helpers; ++h) {
    try {
      threads.emplace_back(guarded, true);
    } catch (const std::system_error&) {
      break;  // no thread to be had (a thread limit): this thread reads the rest
    }
  }
  guarded(false);
  for (std::thread& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
  stats.read = pending.size();
  stats.helpers = threads.size();
  stats.byHelpers = byHelpers.load(std::memory_order_relaxed);
}

SnapshotRecord ProcSnapshotReader::ReadLocked() {
  SnapshotRecord snapshot;
  if (!budgetSet_) SetHandleBudget();

  int rootFd = open(procRoot_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootFd < 0) throw std::runtime_error("cannot open " + procRoot_ + ": " + std::strerror(errno));
  FdCloser closer{rootFd};
  // A kept handle is only sound on procfs (a fixture file rewritten by rename would keep
  // answering with its old text), so fixture trees open and close every stat.
  struct statfs rootFs {};
  const uint64_t generation = ++generation_;
  const bool isProcfs = fstatfs(rootFd, &rootFs) == 0 && rootFs.f_type == kProcSuperMagic;
  lastReadOnProcfs_ = isProcfs;
  // The read keepHandlesFromRead names keeps handles only once PrepareHandles grew the table in
  // the idle time before it; if it had no chance to (the read was asked for at once), the next
  // read grows it and keeps them.
  handles_.enabled = isProcfs && (generation > keepHandlesFromRead_ ||
                                  (generation == keepHandlesFromRead_ && (generation == 1 || gFdTableGrown.load(std::memory_order_relaxed))));
  snapshot.readStartMonotonicMs = ClockMs(CLOCK_MONOTONIC);
  // Which PIDs exist: the previous read's and those allocated since, or all of /proc (PidListing).
  if (!listing_.List(rootFd, isProcfs, snapshot.readStartMonotonicMs, pids_)) {
    throw std::runtime_error("cannot list " + procRoot_ + ": " + std::strerror(errno));
  }
  // So many processes that this read will outlast the idle time before the next: it keeps them.
  if (isProcfs && !handles_.enabled && pids_.size() >= keepHandlesFromCount_) handles_.enabled = true;
  if (handles_.enabled) GrowFdTableOnce(rootFd, handles_.budget);
  present_.clear();

  // (pid << 32 | slot) of every listed process: sorted, these are the slots in pid order.
  std::vector<uint64_t> listed;
  listed.reserve(tracked_.size() + 64);
  // Skipped processes by cause; vanished ones are normal churn and stay silent.
  size_t deniedCount = 0;
  size_t malformedCount = 0;
  size_t failedCount = 0;
  size_t unkeptCount = 0;
  size_t shedCount = 0;
  char path[64];
  char statText[4096];
  // Run checks (fullStatEveryMs): a sleeping single-threaded process that has not run keeps its
  // figures, unless the kernel reclaimed pages since the last read.
  const bool checkRuns = handles_.enabled && fullStatEveryMs_ > 0;
  const bool memoryMoved = !checkRuns || MemoryMovedByKernel(rootFd);
  const double passStartMs = snapshot.readStartMonotonicMs;
  // A run check pays only where reads come often: each read it spares saves ~4 µs of a kept stat's
  // pread, and the read the bound makes due costs ~13 µs more (the stat opened by path), even at
  // reads a third of the bound apart. Reads less than a quarter of the bound apart (by a running
  // mean of the gaps) trade stat handles for run checks; more than a third of it apart (a 4 s or
  // 10 s monitor, a metrics scrape every 15 s), they trade them back. In between, each process
  // stays as it is: gaps wavering about one threshold would trade back and forth, paying a read
  // by path at each trade back.
  if (lastPassStartMs_ > 0) {
    const double gapMs = passStartMs - lastPassStartMs_;
    readGapMs_ = readGapMs_ > 0 ? (readGapMs_ + gapMs) / 2 : gapMs;
  }
  lastPassStartMs_ = passStartMs;
  const bool frequent = readGapMs_ > 0 && readGapMs_ < fullStatEveryMs_ / 4;
  const bool seldom = readGapMs_ <= 0 || readGapMs_ > fullStatEveryMs_ / 3;
  TakeDueMarks();
  size_t unread = 0;
  std::vector<int> ended;
  runChecksWanted_ = 0;

  PassBreaks breaks(passBreakEveryMs_, passBreaksTaken_);
  // A PID with a kept handle is read through it without a path lookup or an open.
  for (const int pid : pids_) {
    breaks.Tick();
    // "PID/" + a file name: set for every pid, whether its stat comes through a kept handle or not.
    char name[12];
    const size_t nameLength = FormatPid(pid, name);
    std::memcpy(path, name, nameLength);

    auto tracked = tracked_.find(pid);
    // Its main thread's run time, read just before its stat (so the stat is at least as new).
    unsigned long long runNs = 0;
    bool haveRun = false;
    if (checkRuns && tracked != tracked_.end() &&
        StatUnchanged(tracked->second, passStartMs, memoryMoved, runNs, haveRun)) {
      // Not run since its stat was read: the same figures, as reported then.
      Tracked& same = tracked->second;
      same.seenGeneration = generation;
      present_.push_back(pid);
      listed.push_back(static_cast<uint64_t>(pid) << 32 | same.slot);
      ++unread;
      continue;
    }
    long length = -ENOENT;
    int openedFd = -1;  // a handle opened in this read, kept or closed once the record is taken
    if (tracked != tracked_.end() && tracked->second.statFd >= 0) {
      length = PreadSmall(tracked->second.statFd, statText, sizeof statText);
      // ESRCH: the process it was opened for is gone; if the PID is listed again, it is a new
      // process, opened afresh below. Any other failure: also try a fresh open.
      if (length < 0) CloseHandle(tracked->second);
    }
    if (length < 0) {
      std::memcpy(path + nameLength, "/stat", 6);
      openedFd = openat(rootFd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
      if (openedFd < 0 && (errno == EMFILE || errno == ENFILE) && handles_.kept > 0) {
        // Out of descriptors (the rest of proctop took more than the reserve): give some back.
        shedCount += ShedHandles();
        openedFd = openat(rootFd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
      }
      length = openedFd < 0 ? -errno : PreadSmall(openedFd, statText, sizeof statText);
    }
    // Closes the handle opened above unless the record keeps it.
    auto dropOpened = [&openedFd]() {
      if (openedFd >= 0) close(openedFd);
      openedFd = -1;
    };
    // ENOENT/ESRCH: exited (since the listing, or since the last read for a known PID). Any
    // other PID is still there, and the next read looks at it again, readable or not.
    if (length != -ENOENT && length != -ESRCH) present_.push_back(pid);
    if (length < 0) {
      dropOpened();
      // EACCES: hidden from us (hidepid).
      if (length == -EACCES || length == -EPERM) {
        ++deniedCount;
      } else if (length != -ENOENT && length != -ESRCH) {
        ++failedCount;
      }
      continue;
    }
    StatLine stat;
    if (!ParseStatLine(statText, static_cast<size_t>(length), stat)) {
      dropOpened();
      ++malformedCount;
      continue;
    }

    ProcessRecord record;
    record.pid = pid;
    record.startTime = static_cast<unsigned long long>(stat.fields[22]);
    SetFigures(stat, pageSize_, record.figures);
    const ProcessFigures& figures = record.figures;

    if (tracked != tracked_.end() && tracked->second.startTime != record.startTime) {
      // The PID now names another process: the old identity (slot, details, handle) ends here.
      ended.push_back(pid);
      Release(tracked->second, snapshot.freedSlots);
      tracked_.erase(tracked);
      tracked = tracked_.end();
    }
    const bool commChanged = tracked != tracked_.end() &&
                             (tracked->second.details->comm.size() != stat.commLength ||
                              std::memcmp(tracked->second.details->comm.data(), stat.comm, stat.commLength) != 0);
    // A handle opened here is kept or closed now: a first read of 20,000 processes would
    // otherwise hold every one it cannot keep open until the second pass.
    if (openedFd >= 0) {
      if (handles_.enabled && gKeptHandles.load(std::memory_order_relaxed) < handles_.budget) {
        ++handles_.kept;
        gKeptHandles.fetch_add(1, std::memory_order_relaxed);
      } else {
        dropOpened();
        // (A process read by path beside its run check still has a handle.)
        if (handles_.enabled && (tracked == tracked_.end() || tracked->second.runFd < 0)) ++unkeptCount;
      }
    }
    if (tracked == tracked_.end() || commChanged || tracked->second.retryDetails) {
      // New identity, or exec() kept pid+starttime but changed comm: its slow fields are read in
      // the second pass, once every process's figures are in.
      Pending& later = pending_.emplace_back();
      later.pid = pid;
      std::memcpy(later.name, name, nameLength + 1);
      later.nameLength = nameLength;
      later.record = std::move(record);
      later.comm.assign(stat.comm, stat.commLength);
      later.statFd = openedFd;
      continue;
    }
    Tracked& kept = tracked->second;
    const bool same = kept.figures == figures;
    if (openedFd >= 0) {
      if (kept.runFd >= 0 && haveRun && same && !seldom) {
        // Still asleep (read for the bound, a reclaim or a new parent): its run check stays its
        // one handle, and the stat opened for this read is closed.
        DropReservedHandle(openedFd);
        openedFd = -1;
      } else {
        // Awake, its run check failed, or reads come too seldom: the stat handle is its one
        // handle again. The start time just read through it is the identity it stays bound to.
        CloseRunCheck(kept);
        haveRun = false;
        kept.statFd = openedFd;
      }
    }
    kept.seenGeneration = generation;
    // A sleeper whose figures did not move over two reads trades its stat handle for a run check
    // (OpenRunChecks): not one that merely paused, and not before the monitor's first frame (its
    // first two reads), whose CPU the trading would take.
    kept.quietReads = same ? static_cast<uint8_t>(std::min(kept.quietReads + 1, 255)) : 0;
    kept.wantsRunCheck = checkRuns && frequent && kept.quietReads >= 2 && kept.runFd < 0 && kept.statFd >= 0 && !kept.runCheckRefused && figures.threads == 1 && Sleeping(figures.state);
    if (kept.wantsRunCheck) ++runChecksWanted_;
    if (haveRun) {
      // The bound counts from this read; the first one sets each process in one of kStatPhases
      // phases by slot, so the reads the bound makes due spread over the refreshes.
      if (!kept.runKnown) {
        StartStatBound(kept, passStartMs);
      } else if (passStartMs - kept.statReadMs >= fullStatEveryMs_) {
        kept.statReadMs = passStartMs;
      }
      kept.runNs = runNs;
      kept.runKnown = true;
    } else {
      kept.runKnown = false;
    }
    kept.statDue = false;
    listed.push_back(static_cast<uint64_t>(pid) << 32 | kept.slot);
    // Most processes sleep between two refreshes: only a changed one is reported.
    if (!same) {
      kept.figures = figures;
      record.details = kept.details;
      record.cacheSlot = kept.slot;
      snapshot.changed.push_back(std::move(record));
    }
  }
  // The figures are all in: the system's are read next to them, and the snapshot's stamps end
  // here, so rates are timed over the pass that read them, not over the details read next.
  std::vector<std::string> systemWarnings;
  ReadSystemInfo(rootFd, procRoot_, snapshot.system, systemWarnings);
  snapshot.timestampMs = static_cast<double>(static_cast<long long>(ClockMs(CLOCK_REALTIME)));
  snapshot.monotonicMs = ClockMs(CLOCK_MONOTONIC);
  lastPassMidMs_ = (snapshot.readStartMonotonicMs + snapshot.monotonicMs) / 2;

  // Second pass: owner, command line and executable of new (and exec'd) identities, read first
  // (on helper threads too when there are many), then taken in here in pid order.
  const size_t firstPassListed = listed.size();
  ReadDetailsOf(pending_, rootFd, details_);
  for (Pending& later : pending_) {
    ProcessRecord& record = later.record;
    const ProcessFigures& figures = record.figures;
    if (later.details == nullptr) {  // gone since its stat was read
      DropReservedHandle(later.statFd);
      continue;
    }
    std::shared_ptr<ProcessDetails> details = std::move(later.details);
    details->user = UserName(details->uid);
    auto tracked = tracked_.find(later.pid);
    if (tracked == tracked_.end()) {
      Tracked fresh;
      fresh.startTime = record.startTime;
      fresh.slot = TakeSlot();
      tracked = tracked_.emplace(later.pid, std::move(fresh)).first;
    }
    Tracked& kept = tracked->second;
    kept.runKnown = false;  // its run check, if any, is read afresh next time
    kept.statDue = false;
    // exec() sets the new comm before the new command line exists: an empty one read in
    // that instant is read again next time rather than kept for the process's lifetime.
    kept.retryDetails = details->argv.empty() && !figures.isKernelThread && figures.state != 'Z';
    kept.details = std::move(details);
    if (later.statFd >= 0) kept.statFd = later.statFd;
    kept.seenGeneration = generation;
    listed.push_back(static_cast<uint64_t>(later.pid) << 32 | kept.slot);
    kept.figures = figures;
    record.detailsFresh = true;
    record.details = kept.details;
    record.cacheSlot = kept.slot;
    snapshot.changed.push_back(std::move(record));
  }
  pending_.clear();
  Evict(generation, snapshot.freedSlots, ended);
  handles_.unread = unread;
  listing_.Remember(present_);

  // Both passes went in pid order (the listing is sorted): merge the second's identities in.
  std::inplace_merge(listed.begin(), listed.begin() + static_cast<std::ptrdiff_t>(firstPassListed), listed.end());
  snapshot.order.reserve(listed.size());
  for (uint64_t key : listed) snapshot.order.push_back(static_cast<uint32_t>(key));
  // Same wording as the JS reader (src/sys/js/snapshot.ts).
  if (deniedCount > 0) snapshot.warnings.push_back(std::to_string(deniedCount) + " process(es) skipped: permission denied reading stat");
  if (malformedCount > 0) snapshot.warnings.push_back(std::to_string(malformedCount) + " process(es) skipped: unparsable stat");
  if (failedCount > 0) snapshot.warnings.push_back(std::to_string(failedCount) + " process(es) skipped: read error");
  if (unkeptCount > 0 || shedCount > 0) {
    snapshot.warnings.push_back("open-file limit " + std::to_string(handles_.limit) + ": stat handles kept for " +
                                std::to_string(handles_.kept + handles_.runChecks) + " of " + std::to_string(snapshot.order.size()) +
                                " processes (" + std::to_string(handles_.reserve) +
                                " descriptors left free for the rest of proctop); the others are reopened every refresh");
  }
  snapshot.warnings.insert(snapshot.warnings.end(), systemWarnings.begin(), systemWarnings.end());
  return snapshot;
}

}  // namespace proctop
