// Reading the links of /proc/PID/fd: the primitives the fd walk, the pipe-peer scan and the
// socket-owner scan share. Plain C++: no napi.h here.
#pragma once
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "proc_read.h"

namespace proctop {

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

/** "socket:[123]" / "pipe:[123]" → inode, when target starts with prefix. */
inline bool ParseBracketInode(const std::string& target, const char* prefix, size_t prefixLength, uint64_t& inode) {
  if (target.size() < prefixLength + 2 || target.compare(0, prefixLength, prefix) != 0 || target.back() != ']') return false;
  unsigned long long value = 0;
  if (!ParseUnsignedExact(target.data() + prefixLength, target.data() + target.size() - 1, value)) return false;
  inode = value;
  return true;
}

/**
 * The kernel gives each /proc/PID/fd/N link S_IRUSR / S_IWUSR from the file's FMODE_READ /
 * FMODE_WRITE: one lstat instead of open+read+close of fdinfo. 0 read, 1 write, 2 both, -1 neither.
 */
inline int8_t LinkMode(const struct stat& st) {
  bool readable = st.st_mode & S_IRUSR;
  bool writable = st.st_mode & S_IWUSR;
  return static_cast<int8_t>(readable && writable ? 2 : writable ? 1 : readable ? 0 : -1);
}

/** CPUs this process may run on (its affinity mask: containers and taskset narrow it), at most 4. */
size_t UsableCpus();

/** Every pid directory under procRoot except `exclude` (0 = none), in pid order. */
std::vector<int> ListPids(const std::string& procRoot, int exclude);

enum class LinksRead { Read, Gone, Denied };

/**
 * Calls visit(fd, target) for every fd link of pid; fds closed meanwhile are skipped. Gone: the
 * process exited. Denied: its fd table or links are not ours to read (another user's process).
 */
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
    if (!ParseNumericName(entry->d_name, fd)) continue;
    if (!ReadLinkAt(dirFd, entry->d_name, target)) {
      if (errno == EACCES || errno == EPERM) return LinksRead::Denied;
      continue;
    }
    visit(fd, target);
  }
  return LinksRead::Read;
}

}  // namespace proctop
