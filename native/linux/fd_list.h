// Lists one process's /proc/PID/fd with fdinfo, its sockets resolved and, when asked, pipe peers.
// Plain C++: no napi.h here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "net_sockets.h"
#include "pipe_peers.h"

namespace proctop {

enum class FdKind { File, Socket, Pipe, Anon, Unknown };

/** One entry of /proc/PID/fd; mirrors FdEntry in src/sys/types.ts. Kept small: 10,000 of them per call. */
struct FdRecord {
  int fd = 0;
  FdKind kind = FdKind::Unknown;
  /** O_ACCMODE: 0 r, 1 w, 2 rw; -1 = not read. */
  int8_t mode = -1;
  bool deleted = false;
  bool memfd = false;
  bool hasPosition = false;
  bool hasInode = false;
  uint64_t position = 0;
  uint64_t inode = 0;
  /** readlink target, " (deleted)" stripped when the file really has no links. */
  std::string path;
  /** Index into FdListResult::sockets; -1 = not a socket or not found in the tables. */
  int32_t socket = -1;
  /** Index into FdListResult::pipePeerLists; -1 = not a pipe or peers not scanned. */
  int32_t pipePeers = -1;
};

/** The whole listing; errorCode empty on success, else EACCES, ENOENT or OTHER. */
struct FdListResult {
  int pid = 0;
  std::vector<FdRecord> fds;
  /** Resolved sockets, shared by every fd of the same socket. */
  std::vector<SocketRecord> sockets;
  /** Peer lists, one per pipe inode; fds of the same pipe share one. */
  std::vector<std::vector<PipePeerRecord>> pipePeerLists;
  std::string errorCode;
  std::string errorMessage;
  std::vector<std::string> warnings;
};

/** Lists procRoot/PID/fd. Never throws for EACCES/ENOENT: they land in errorCode. */
FdListResult ListFds(const std::string& procRoot, int pid, bool pipePeers);

}  // namespace proctop
