#include "proc_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "proc_read.h"

namespace proctop {

namespace {

/** Entries of an open directory, less "." and ".." (what readdir lists), or -errno. */
long CountEntries(int dirFd) {
  alignas(8) char buf[16384];
  long count = 0;
  for (;;) {
    long n = syscall(SYS_getdents64, dirFd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return count;
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const struct dirent64*>(buf + at);
      const char* name = entry->d_name;
      if (!(name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))) ++count;
      at += entry->d_reclen;
    }
  }
}

}  // namespace

bool IsProcFileName(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

ProcFilesResult ReadProcFiles(const ProcFilesRequest& request) {
  int rootFd = open(request.procRoot.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootFd < 0) throw std::runtime_error("cannot open " + request.procRoot + ": " + std::strerror(errno));
  ProcFilesResult result;
  result.reads.resize(request.pids.size() * request.names.size());
  if (request.countFds) result.fdCounts.assign(request.pids.size(), 0);
  size_t at = 0;
  std::string path;
  for (size_t i = 0; i < request.pids.size(); ++i) {
    // "PID/name" from the root each time: one path walk per file is cheaper than opening the
    // process's directory first (~12% of the batch at 20,000 processes), and the stat read last
    // proves every file was the identity's all the same.
    const std::string dir = std::to_string(request.pids[i]) + "/";
    if (request.countFds) {
      path = dir + "fd";
      int fdDir = openat(rootFd, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      result.fdCounts[i] = fdDir < 0 ? -errno : CountEntries(fdDir);
      if (fdDir >= 0) close(fdDir);
    }
    for (const std::string& name : request.names) {
      ProcFileRead& read = result.reads[at++];
      path = dir + name;
      const int rc = ReadWholeFileAt(rootFd, path.c_str(), read.text, FileEnd::ShortRead);
      if (rc < 0) {
        read.error = -rc;
        read.text.clear();
      }
    }
  }
  close(rootFd);
  return result;
}

}  // namespace proctop
