#include "socket_owners.h"

#include <algorithm>

#include "fd_links.h"
#include "proc_read.h"

namespace proctop {
namespace {

/** A kernel thread holds no fds; its fd table is denied only because root owns it. */
bool IsKernelThreadPid(const std::string& procRoot, int pid) {
  char buffer[1024];
  const long length = ReadSmallFileAt(AT_FDCWD, (procRoot + "/" + std::to_string(pid) + "/stat").c_str(), buffer, sizeof buffer);
  StatLine stat;
  return length > 0 && ParseStatLine(buffer, static_cast<size_t>(length), stat) && IsKernelThread(stat);
}

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
      if (IsKernelThreadPid(procRoot, pid)) continue;
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

}  // namespace proctop
