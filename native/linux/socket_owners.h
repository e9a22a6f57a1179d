// Which process holds which socket, for `proctop ports`: a scan of every fd table.
// Plain C++: no napi.h here.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace proctop {

/** The socket fds of one process. */
struct ProcessSockets {
  int pid = 0;
  /** readlink of /proc/PID/ns/net ("net:[4026531840]"); empty when unreadable. */
  std::string netns;
  /** The fd table was not readable (another user's process). */
  bool denied = false;
  /** (socket inode, fd) pairs in fd order. */
  std::vector<std::pair<uint64_t, int>> sockets;
};

/** Scans every process under procRoot for socket fds; vanished processes and kernel threads are skipped. */
std::vector<ProcessSockets> ScanSocketOwners(const std::string& procRoot);

}  // namespace proctop
