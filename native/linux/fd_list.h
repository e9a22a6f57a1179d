// Lists /proc/PID/fd with fdinfo, socket resolution and pipe peers. Plain C++: no napi.h here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "net_sockets.h"

namespace proctop {

enum class FdKind { File, Socket, Pipe, Anon, Unknown };

/** Another process holding the same pipe inode. */
struct PipePeerRecord {
  int pid = 0;
  std::string comm;
  int fd = 0;
};

/** One entry of /proc/PID/fd; mirrors FdEntry in src/sys/types.ts. */
struct FdRecord {
  int fd = 0;
  FdKind kind = FdKind::Unknown;
  /** readlink target, " (deleted)" stripped when the file really has no links. */
  std::string path;
  bool deleted = false;
  bool memfd = false;
  /** O_ACCMODE from fdinfo flags: 0 r, 1 w, 2 rw; -1 = not read. */
  int mode = -1;
  bool hasPosition = false;
  uint64_t position = 0;
  bool hasInode = false;
  uint64_t inode = 0;
  /** Empty = not an anon fd. */
  std::string anonType;
  bool hasSocket = false;
  SocketRecord socket;
  bool hasPipePeers = false;
  std::vector<PipePeerRecord> pipePeers;
};

/** The whole listing; errorCode empty on success, else EACCES, ENOENT or OTHER. */
struct FdListResult {
  int pid = 0;
  std::vector<FdRecord> fds;
  std::string errorCode;
  std::string errorMessage;
  std::vector<std::string> warnings;
};

/** Lists procRoot/PID/fd. Never throws for EACCES/ENOENT: they land in errorCode. */
FdListResult ListFds(const std::string& procRoot, int pid, bool pipePeers);

}  // namespace proctop
