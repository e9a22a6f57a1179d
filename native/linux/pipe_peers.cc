#include "pipe_peers.h"
#include "timeslice.h"

#include <algorithm>
#include <system_error>
#include <thread>
#include <tuple>

#include "fd_links.h"

namespace proctop {

namespace {

// Below this many processes per part, a thread for the scan costs more than it saves.
const size_t kProcessesPerPart = 64;

std::string ReadComm(const std::string& procRoot, int pid) {
  char comm[64];  // TASK_COMM_LEN is 16
  long n = ReadSmallFileAt(AT_FDCWD, (procRoot + "/" + std::to_string(pid) + "/comm").c_str(), comm, sizeof comm);
  if (n <= 0) return "";
  if (comm[n - 1] == '\n') --n;
  return std::string(comm, static_cast<size_t>(n));
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

}  // namespace

// Processes are split over the usable CPUs: unlike fds of one process, different processes share no lock.
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
        helpers.push_back(StartThread(scanPart, started));
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

}  // namespace proctop
