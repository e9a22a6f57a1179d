#include "fd_list.h"

#include <dirent.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <tuple>
#include <cerrno>
#include <cstring>
#include <charconv>
#include <unordered_map>
#include <unordered_set>

namespace proctop {

namespace {

const char kDeletedSuffix[] = " (deleted)";
const size_t kDeletedSuffixLength = sizeof kDeletedSuffix - 1;

// Closes a descriptor or DIR* when the scope ends, whatever path leaves it.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) close(fd);
  }
};
struct DirCloser {
  DIR* dir;
  ~DirCloser() {
    if (dir) closedir(dir);
  }
};

bool ParseFdName(const char* name, int& fd) {
  if (*name < '0' || *name > '9') return false;
  long value = 0;
  for (const char* p = name; *p; p++) {
    if (*p < '0' || *p > '9') return false;
    value = value * 10 + (*p - '0');
    if (value > 0x7fffffff) return false;
  }
  fd = static_cast<int>(value);
  return true;
}

// readlinkat into a growing buffer; false (errno set) when the fd vanished or is not ours to read.
bool ReadLinkAt(int dirFd, const char* name, std::string& out) {
  char stackBuffer[4096 + 64];
  ssize_t n = readlinkat(dirFd, name, stackBuffer, sizeof stackBuffer);
  if (n < 0) return false;
  if (static_cast<size_t>(n) < sizeof stackBuffer) {
    out.assign(stackBuffer, static_cast<size_t>(n));
    return true;
  }
  for (size_t size = sizeof stackBuffer * 2; size <= (1u << 20); size *= 2) {
    out.resize(size);
    n = readlinkat(dirFd, name, &out[0], size);
    if (n < 0) return false;
    if (static_cast<size_t>(n) < size) {
      out.resize(static_cast<size_t>(n));
      return true;
    }
  }
  return false;
}

// "socket:[123]" / "pipe:[123]" → inode, when target starts with prefix.
bool ParseBracketInode(const std::string& target, const char* prefix, size_t prefixLength, uint64_t& inode) {
  if (target.size() < prefixLength + 2 || target.compare(0, prefixLength, prefix) != 0 || target.back() != ']') return false;
  uint64_t value = 0;
  for (size_t i = prefixLength; i + 1 < target.size(); i++) {
    char c = target[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  inode = value;
  return true;
}

// Sets kind, path, inode and the memfd/deleted candidates from the readlink target.
void Classify(FdRecord& record, std::string&& target, bool& deletedSuffix) {
  deletedSuffix = false;
  if (ParseBracketInode(target, "socket:[", 8, record.inode)) {
    record.kind = FdKind::Socket;
    record.hasInode = true;
  } else if (ParseBracketInode(target, "pipe:[", 6, record.inode)) {
    record.kind = FdKind::Pipe;
    record.hasInode = true;
  } else if (target.compare(0, 11, "anon_inode:") == 0) {
    record.kind = FdKind::Anon;
  } else if (!target.empty() && target[0] == '/') {
    record.kind = FdKind::File;
    if (target.size() >= kDeletedSuffixLength &&
        target.compare(target.size() - kDeletedSuffixLength, kDeletedSuffixLength, kDeletedSuffix) == 0) {
      deletedSuffix = true;
    }
    record.memfd = target.compare(0, 7, "/memfd:") == 0;
  } else {
    record.kind = FdKind::Unknown;  // namespace handles ("net:[...]") and anything newer
  }
  record.path = std::move(target);
}

// Reads "pos:" and "flags:" from fdinfo/N through the fdinfo directory descriptor.
void ReadFdInfo(int fdinfoDirFd, const char* name, FdRecord& record) {
  if (fdinfoDirFd < 0) return;
  int fd = openat(fdinfoDirFd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buffer[256];  // pos, flags, mnt_id, ino come first; the rest is not needed
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n <= 0) return;
  buffer[n] = '\0';
  const char* pos = strstr(buffer, "pos:");
  const char* flags = strstr(buffer, "flags:");
  if (pos) {
    record.position = strtoull(pos + 4, nullptr, 10);
    record.hasPosition = true;
  }
  if (flags) {
    unsigned long value = strtoul(flags + 6, nullptr, 8);
    unsigned access = value & 3;
    record.mode = access <= 2 ? static_cast<int8_t>(access) : -1;
  }
}

// The kernel gives each /proc/PID/fd/N link S_IRUSR / S_IWUSR from the file's FMODE_READ / FMODE_WRITE:
// one lstat instead of open+read+close of fdinfo. 0 read, 1 write, 2 both, -1 neither.
int8_t LinkMode(const struct stat& st) {
  bool readable = st.st_mode & S_IRUSR;
  bool writable = st.st_mode & S_IWUSR;
  return static_cast<int8_t>(readable && writable ? 2 : writable ? 1 : readable ? 0 : -1);
}

void ReadLinkMode(int dirFd, const char* name, FdRecord& record) {
  struct stat st;
  if (fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) record.mode = LinkMode(st);
}

// CPUs this process may run on (its affinity mask: containers and taskset narrow it), at most 4.
size_t UsableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::min(4, std::max(1, CPU_COUNT(&set)));
}

// Below this many processes per part, a thread for the pipe-peer scan costs more than it saves.
const size_t kProcessesPerPart = 64;

std::string ReadComm(const std::string& procRoot, int pid) {
  std::string text;
  if (!ReadWholeFile(procRoot + "/" + std::to_string(pid) + "/comm", text)) return "";
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Every pid directory under procRoot except `exclude` (0 = none), in pid order.
std::vector<int> ListPids(const std::string& procRoot, int exclude) {
  std::vector<int> pids;
  DIR* proc = opendir(procRoot.c_str());
  if (!proc) return pids;
  DirCloser procCloser{proc};
  while (dirent* entry = readdir(proc)) {
    int pid = 0;
    if (ParseFdName(entry->d_name, pid) && pid > 0 && pid != exclude) pids.push_back(pid);
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

enum class LinksRead { Read, Gone, Denied };

// Calls visit(fd, target) for every fd link of pid; fds closed meanwhile are skipped. Gone: the
// process exited. Denied: its fd table or links are not ours to read (another user's process).
template <typename Visit>
LinksRead ReadFdLinks(const std::string& procRoot, int pid, std::string& target, Visit visit) {
  int dirFd = open((procRoot + "/" + std::to_string(pid) + "/fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0) return errno == EACCES || errno == EPERM ? LinksRead::Denied : LinksRead::Gone;
  DIR* dir = fdopendir(dirFd);
  if (!dir) {
    close(dirFd);
    return LinksRead::Gone;
  }
  DirCloser dirCloser{dir};
  while (dirent* entry = readdir(dir)) {
    int fd = 0;
    if (!ParseFdName(entry->d_name, fd)) continue;
    if (!ReadLinkAt(dirFd, entry->d_name, target)) {
      if (errno == EACCES || errno == EPERM) return LinksRead::Denied;
      continue;
    }
    visit(fd, target);
  }
  return LinksRead::Read;
}

// The pipe inodes among pids' fd tables: (pid, fd, inode) hits in pid then fd order, and how many
// processes would not let us look.
struct PipeScan {
  std::vector<std::tuple<int, int, uint64_t>> hits;
  int hidden = 0;
};

PipeScan ScanPipes(const std::string& procRoot, const int* pids, size_t count, const std::unordered_set<uint64_t>& wanted) {
  PipeScan scan;
  std::string target;
  for (size_t p = 0; p < count; p++) {
    const int pid = pids[p];
    const size_t first = scan.hits.size();
    LinksRead read = ReadFdLinks(procRoot, pid, target, [&](int fd, const std::string& link) {
      uint64_t inode = 0;
      if (ParseBracketInode(link, "pipe:[", 6, inode) && wanted.count(inode)) scan.hits.emplace_back(pid, fd, inode);
    });
    if (read == LinksRead::Denied) scan.hidden++;
    std::sort(scan.hits.begin() + static_cast<std::ptrdiff_t>(first), scan.hits.end());
  }
  return scan;
}

// Scans every other process's fd table for the wanted pipe inodes (like lsof +E). Processes are
// split over the usable CPUs: unlike fds of one process, different processes share no lock.
std::unordered_map<uint64_t, std::vector<PipePeerRecord>> FindPipePeers(const std::string& procRoot, int selfPid,
                                                                        const std::unordered_set<uint64_t>& wanted,
                                                                        int& hiddenProcesses) {
  std::unordered_map<uint64_t, std::vector<PipePeerRecord>> peers;
  hiddenProcesses = 0;
  const std::vector<int> pids = ListPids(procRoot, selfPid);
  const size_t parts = std::max<size_t>(1, std::min(UsableCpus(), pids.size() / kProcessesPerPart));
  std::vector<PipeScan> scans(parts);
  {
    std::vector<std::thread> helpers;
    struct Joiner {
      std::vector<std::thread>& threads;
      ~Joiner() {
        for (std::thread& t : threads) t.join();
      }
    } joiner{helpers};
    auto scanPart = [&](size_t k) {
      const size_t begin = pids.size() * k / parts;
      const size_t end = pids.size() * (k + 1) / parts;
      scans[k] = ScanPipes(procRoot, pids.data() + begin, end - begin, wanted);
    };
    size_t started = 1;
    for (; started < parts; started++) {
      try {
        helpers.emplace_back(scanPart, started);
      } catch (const std::system_error&) {
        break;  // out of threads: this thread scans the rest
      }
    }
    scanPart(0);
    for (size_t k = started; k < parts; k++) scanPart(k);
  }
  std::unordered_map<int, std::string> comms;
  for (const PipeScan& scan : scans) {
    hiddenProcesses += scan.hidden;
    for (const auto& [pid, fd, inode] : scan.hits) {
      auto comm = comms.find(pid);
      if (comm == comms.end()) comm = comms.emplace(pid, ReadComm(procRoot, pid)).first;
      PipePeerRecord peer{pid, comm->second, fd};
      // Which end the peer holds (lsof +E's r/w): the link's permission bits.
      struct stat st;
      const std::string link = procRoot + "/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
      if (lstat(link.c_str(), &st) == 0) peer.mode = LinkMode(st);
      peers[inode].push_back(std::move(peer));
    }
  }
  return peers;
}

// fds per batch handed from the directory reader to the walkers, and the count after which helper
// threads join in (below it a thread costs more than it saves).
const size_t kBatchSize = 256;
const size_t kFdsBeforeHelpers = 1024;

// Reads the link (and fdinfo or mode) of every fd while the directory is still being listed:
// getdents on /proc/PID/fd costs about a third of the readlinks, so the reader publishes batches
// and walkers (this thread once listing ends, plus helpers on the other usable CPUs) take them.
class FdWalk {
 public:
  FdWalk(int dirFd, int fdinfoDirFd, SocketResolver& sockets) : dirFd_(dirFd), fdinfoDirFd_(fdinfoDirFd), sockets_(sockets) {}
  ~FdWalk() { Finish(); }

  void Publish(std::vector<int>&& fds) {
    if (fds.empty()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      batches_.emplace_back();
      batches_.back().fds = std::move(fds);
    }
    wake_.notify_one();
  }

  void StartHelpers(size_t count) {
    for (size_t i = 0; i < count; i++) {
      try {
        helpers_.emplace_back([this] { WalkBatches(); });
      } catch (const std::system_error&) {
        return;  // out of threads: the listing thread walks alone
      }
    }
  }

  /** Listing is over: walks what is left on this thread, then waits for the helpers. */
  void Finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (finished_) return;
      finished_ = true;
    }
    wake_.notify_all();
    WalkBatches();
    for (std::thread& helper : helpers_) helper.join();
    helpers_.clear();
  }

  bool Denied() const { return denied_.load(); }

  /** The records in fd order. After Finish. */
  std::vector<FdRecord> TakeRecords() {
    size_t count = 0;
    for (const Batch& batch : batches_) count += batch.records.size();
    std::vector<FdRecord> records;
    records.reserve(count);
    for (Batch& batch : batches_) {
      for (FdRecord& record : batch.records) records.push_back(std::move(record));
    }
    // getdents lists /proc/PID/fd in ascending order; sort only if a kernel ever does not.
    auto byFd = [](const FdRecord& a, const FdRecord& b) { return a.fd < b.fd; };
    if (!std::is_sorted(records.begin(), records.end(), byFd)) std::sort(records.begin(), records.end(), byFd);
    return records;
  }

 private:
  struct Batch {
    std::vector<int> fds;
    std::vector<FdRecord> records;
  };

  void WalkBatches() {
    for (;;) {
      Batch* batch = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return claimed_ < batches_.size() || finished_; });
        if (claimed_ == batches_.size()) return;
        batch = &batches_[claimed_++];  // a deque keeps references valid while it grows
      }
      WalkBatch(*batch);
    }
  }

  void WalkBatch(Batch& batch) {
    std::string target;
    std::vector<uint64_t> socketInodes;
    char name[16];
    batch.records.reserve(batch.fds.size());
    for (int fd : batch.fds) {
      if (denied_.load(std::memory_order_relaxed)) return;
      *std::to_chars(name, name + sizeof name - 1, fd).ptr = '\0';
      if (!ReadLinkAt(dirFd_, name, target)) {
        // The fd directory can be listable while its links are not (ptrace access check): that is EACCES.
        if (errno == EACCES || errno == EPERM) denied_.store(true);
        continue;  // otherwise closed mid-listing: skip
      }
      batch.records.emplace_back();
      FdRecord& record = batch.records.back();
      record.fd = fd;
      bool deletedSuffix = false;
      Classify(record, std::move(target), deletedSuffix);
      target.clear();
      if (deletedSuffix) {
        // A file may really be named "x (deleted)": only a link count of 0 means deleted.
        struct stat st;
        bool unlinked = fstatat(dirFd_, name, &st, 0) != 0 || st.st_nlink == 0;
        if (unlinked) {
          record.path.resize(record.path.size() - kDeletedSuffixLength);
          record.deleted = !record.memfd;
        }
      }
      if (record.kind == FdKind::File) {
        ReadFdInfo(fdinfoDirFd_, name, record);
      } else if (record.kind == FdKind::Pipe || record.kind == FdKind::Anon) {
        ReadLinkMode(dirFd_, name, record);  // which end / access; no position worth a fdinfo read
      } else if (record.kind == FdKind::Socket) {
        ReadLinkMode(dirFd_, name, record);  // read-write, as lsof's "u"
        socketInodes.push_back(record.inode);
      }
    }
    sockets_.Add(socketInodes);
  }

  const int dirFd_;
  const int fdinfoDirFd_;
  SocketResolver& sockets_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Batch> batches_;  // guarded by mutex_ while growing; a batch belongs to its claimer
  size_t claimed_ = 0;         // guarded by mutex_
  bool finished_ = false;      // guarded by mutex_
  std::atomic<bool> denied_{false};
  std::vector<std::thread> helpers_;
};

}  // namespace

std::vector<ProcessSockets> ScanSocketOwners(const std::string& procRoot) {
  std::vector<ProcessSockets> result;
  std::string target;
  for (int pid : ListPids(procRoot, 0)) {
    ProcessSockets process;
    process.pid = pid;
    LinksRead read = ReadFdLinks(procRoot, pid, target, [&](int fd, const std::string& link) {
      uint64_t inode = 0;
      if (ParseBracketInode(link, "socket:[", 8, inode)) process.sockets.emplace_back(inode, fd);
    });
    if (read == LinksRead::Gone) continue;
    if (read == LinksRead::Denied) {
      process.denied = true;
      process.sockets.clear();
    }
    if (!process.sockets.empty() && ReadLinkAt(AT_FDCWD, (procRoot + "/" + std::to_string(pid) + "/ns/net").c_str(), target)) {
      process.netns = target;
    }
    std::sort(process.sockets.begin(), process.sockets.end(),
              [](const std::pair<uint64_t, int>& a, const std::pair<uint64_t, int>& b) { return a.second < b.second; });
    if (process.denied || !process.sockets.empty()) result.push_back(std::move(process));
  }
  return result;
}

std::string AnonTypeOf(const std::string& path) {
  if (path.compare(0, 11, "anon_inode:") != 0) return "";
  std::string type = path.substr(11);
  if (type.size() >= 2 && type.front() == '[' && type.back() == ']') type = type.substr(1, type.size() - 2);
  return type;
}

FdListResult ListFds(const std::string& procRoot, int pid, bool pipePeers) {
  FdListResult result;
  result.pid = pid;
  const std::string base = procRoot + "/" + std::to_string(pid);
  int dirFd = open((base + "/fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0) {
    int error = errno;
    if (error == EACCES || error == EPERM) {
      result.errorCode = "EACCES";
      result.errorMessage = "permission denied: run as the owner of PID or root";
    } else if (error == ENOENT || error == ESRCH) {
      result.errorCode = "ENOENT";
      result.errorMessage = "process " + std::to_string(pid) + " does not exist";
    } else {
      result.errorCode = "OTHER";
      result.errorMessage = "cannot list " + base + "/fd: " + strerror(error);
    }
    return result;
  }
  DIR* dir = fdopendir(dirFd);
  if (!dir) {
    close(dirFd);
    result.errorCode = "OTHER";
    result.errorMessage = "cannot list " + base + "/fd: " + strerror(errno);
    return result;
  }
  DirCloser dirCloser{dir};
  FdCloser fdinfoCloser{open((base + "/fdinfo").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};

  SocketResolver sockets(procRoot, pid);
  FdWalk walk(dirFd, fdinfoCloser.fd, sockets);
  std::vector<int> batch;
  batch.reserve(kBatchSize);
  size_t listed = 0;
  while (dirent* entry = readdir(dir)) {
    int fd = 0;
    if (!ParseFdName(entry->d_name, fd)) continue;
    batch.push_back(fd);
    if (batch.size() < kBatchSize) continue;
    listed += batch.size();
    walk.Publish(std::move(batch));
    batch = std::vector<int>();
    batch.reserve(kBatchSize);
    if (listed == kFdsBeforeHelpers) walk.StartHelpers(UsableCpus() - 1);
  }
  walk.Publish(std::move(batch));
  walk.Finish();

  if (walk.Denied()) {
    result.errorCode = "EACCES";
    result.errorMessage = "permission denied: run as the owner of PID or root";
    return result;
  }
  result.fds = walk.TakeRecords();
  ResolvedSockets resolved = sockets.Finish();
  for (FdRecord& record : result.fds) {
    if (record.kind != FdKind::Socket) continue;
    auto found = resolved.indexByInode.find(record.inode);
    if (found != resolved.indexByInode.end()) record.socket = found->second;
  }
  result.sockets = std::move(resolved.records);
  std::unordered_set<uint64_t> pipeInodes;
  if (pipePeers) {
    for (const FdRecord& record : result.fds) {
      if (record.kind == FdKind::Pipe) pipeInodes.insert(record.inode);
    }
  }
  if (!pipeInodes.empty()) {
    int hidden = 0;
    auto peers = FindPipePeers(procRoot, pid, pipeInodes, hidden);
    result.pipePeerLists.emplace_back();  // index 0: no other holder found
    std::unordered_map<uint64_t, int32_t> indexByInode;
    for (FdRecord& record : result.fds) {
      if (record.kind != FdKind::Pipe) continue;
      auto found = peers.find(record.inode);
      if (found == peers.end()) {
        record.pipePeers = 0;
        continue;
      }
      auto known = indexByInode.emplace(record.inode, static_cast<int32_t>(result.pipePeerLists.size()));
      if (known.second) result.pipePeerLists.push_back(std::move(found->second));
      record.pipePeers = known.first->second;
    }
    if (hidden > 0) {
      result.warnings.push_back("pipe peers: " + std::to_string(hidden) + " other process" + (hidden == 1 ? "" : "es") +
                                " could not be inspected (permission denied)");
    }
  }
  return result;
}

}  // namespace proctop
