#include "fd_list.h"
#include "timeslice.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "fd_links.h"

namespace proctop {

namespace {

const char kDeletedSuffix[] = " (deleted)";
const size_t kDeletedSuffixLength = sizeof kDeletedSuffix - 1;

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
  char buffer[256];  // pos, flags, mnt_id, ino come first; the rest is not needed
  if (ReadSmallFileAt(fdinfoDirFd, name, buffer, sizeof buffer) <= 0) return;
  const char* pos = strstr(buffer, "pos:");
  const char* flags = strstr(buffer, "flags:");
  if (pos) {
    pos += 4;
    SkipBlanks(pos);
    record.position = ParseUnsigned(pos);
    record.hasPosition = true;
  }
  if (flags) {
    unsigned long value = strtoul(flags + 6, nullptr, 8);
    unsigned access = value & 3;
    record.mode = access <= 2 ? static_cast<int8_t>(access) : -1;
  }
}

void ReadLinkMode(int dirFd, const char* name, FdRecord& record) {
  struct stat st;
  if (fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) record.mode = LinkMode(st);
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
        helpers_.push_back(StartThread([this] { WalkBatches(); }));
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
    if (!ParseNumericName(entry->d_name, fd)) continue;
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
