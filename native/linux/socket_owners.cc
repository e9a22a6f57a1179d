#include "socket_owners.h"

#include <algorithm>

#include "fd_links.h"

namespace proctop {

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

}  // namespace proctop
