// proctop-reader: the snapshot reader in a session of its own (native/linux/reader_process.h).
// Spawned by the addon only, with its socket on fd 3 and its options as arguments:
//   proctop-reader PROC_ROOT KEEP_FROM_READ FULL_LISTING_MS SECOND_READ_MS FULL_STAT_MS
//                  KEEP_FROM_COUNT HELPERS_FROM HELPERS PASS_BREAK_MS YIELD_PID
//   (counts: a number or "max"; YIELD_PID: whose main thread its breaks yield to, 0 for none)
// Ends when the socket reaches end of file (proctop closed it, or ended).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "linux/proc_read.h"
#include "linux/reader_process.h"

namespace {

bool Count(const char* text, size_t& out) {
  if (std::strcmp(text, "max") == 0) {
    out = SIZE_MAX;
    return true;
  }
  unsigned long long value = 0;
  if (!proctop::ParseUnsignedExact(text, text + std::strlen(text), value)) return false;
  out = static_cast<size_t>(value);
  return true;
}

bool Number(const char* text, double& out) {
  char* end = nullptr;
  out = std::strtod(text, &end);
  return end != text && *end == '\0';
}

/** A process id, or 0. */
bool Id(const char* text, int& out) {
  unsigned long long value = 0;
  if (!proctop::ParseUnsignedExact(text, text + std::strlen(text), value) || value > 0x7fffffff) return false;
  out = static_cast<int>(value);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing else of proctop's (or of whoever started proctop without close-on-exec) stays open here.
  if (syscall(SYS_close_range, proctop::kReaderSocketFd + 1u, ~0u, 0u) != 0) {
    for (int fd = proctop::kReaderSocketFd + 1; fd < 1024; ++fd) close(fd);
  }
  struct stat socketStat {};
  if (argc != 11 || fstat(proctop::kReaderSocketFd, &socketStat) != 0 || !S_ISSOCK(socketStat.st_mode)) {
    std::fputs("proctop-reader: started by proctop's addon only (a socket on fd 3 and 10 arguments)\n", stderr);
    return 2;
  }
  proctop::ReaderOptions options;
  options.procRoot = argv[1];
  size_t keepFromRead = 0;
  if (options.procRoot.empty() || !Count(argv[2], keepFromRead) || keepFromRead < 1 || !Number(argv[3], options.fullListingEveryMs) ||
      !Number(argv[4], options.secondReadAfterMs) || !Number(argv[5], options.fullStatEveryMs) ||
      !Count(argv[6], options.keepHandlesFromCount) || !Count(argv[7], options.detailsHelpersFrom) ||
      !Count(argv[8], options.detailsHelpers) || !Number(argv[9], options.passBreakEveryMs) ||
      !Id(argv[10], options.yieldToPid)) {
    std::fputs("proctop-reader: an argument does not parse\n", stderr);
    return 2;
  }
  options.keepHandlesFromRead = keepFromRead;
  return proctop::ServeReader(proctop::kReaderSocketFd, options);
}
