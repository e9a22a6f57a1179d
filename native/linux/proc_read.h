// The one set of file-reading and number-parsing helpers for every native /proc reader (snapshot,
// system figures, fds, sockets, signals). Plain C++, no napi.h; inline because the snapshot's hot
// loop calls them once per process.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace proctop {

/**
 * Reads a small file from offset 0 into buf (NUL-terminated) and returns its length, or -errno.
 * pread at 0 is what makes a kept /proc/PID/stat handle useful: every call returns fresh figures,
 * and ESRCH once the process it was opened for is gone. Content longer than size - 1 is cut.
 */
inline long PreadSmall(int fd, char* buf, size_t size) {
  ssize_t n;
  do {
    n = pread(fd, buf, size - 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return static_cast<long>(n);
}

/**
 * Reads a small file into buf (NUL-terminated) and returns its length, or -errno.
 * One read returns the whole of a small /proc file (seq_file hands over the full record),
 * so this costs exactly open + read + close; content longer than size - 1 is cut.
 * dirFd may be AT_FDCWD for an absolute path.
 */
inline long ReadSmallFileAt(int dirFd, const char* path, char* buf, size_t size) {
  int fd = openat(dirFd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -errno;
  long n = PreadSmall(fd, buf, size);
  close(fd);
  return n;
}

/** How ReadWholeFileAt knows it has reached the end of a file. */
enum class FileEnd {
  /**
   * A read() that returns 0. Always right; needed for multi-record seq_file files
   * (/proc/net/tcp, unix...), which hand over about one page per read() whatever the buffer.
   */
  ZeroRead,
  /**
   * The first short read. Saves one read() per file; right only for files that fill every read
   * until their end: regular files, single-record /proc files (stat, meminfo) and cmdline.
   */
  ShortRead,
};

/** Reads a whole file of any size into out (replacing its contents). Returns 0 or -errno. */
inline int ReadWholeFileAt(int dirFd, const char* path, std::string& out, FileEnd end) {
  out.clear();
  int fd = openat(dirFd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -errno;
  char chunk[8192];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      close(fd);
      return -error;
    }
    if (n == 0) break;
    out.append(chunk, static_cast<size_t>(n));
    if (end == FileEnd::ShortRead && static_cast<size_t>(n) < sizeof chunk) break;
  }
  close(fd);
  return 0;
}

/**
 * readlink of a dirFd-relative path (AT_FDCWD: absolute) into out, growing past PATH_MAX for deep
 * mounts. False on any error with errno kept (EACCES, ENOENT for kernel threads' exe...); out is
 * left as it was then.
 */
inline bool ReadLinkAt(int dirFd, const char* path, std::string& out) {
  char buf[4096];
  ssize_t n = readlinkat(dirFd, path, buf, sizeof buf);
  if (n < 0) return false;
  if (static_cast<size_t>(n) < sizeof buf) {
    out.assign(buf, static_cast<size_t>(n));
    return true;
  }
  for (size_t size = sizeof buf * 2; size <= (1u << 20); size *= 2) {
    std::string big(size, '\0');
    n = readlinkat(dirFd, path, &big[0], size);
    if (n < 0) return false;
    if (static_cast<size_t>(n) < size) {
      big.resize(static_cast<size_t>(n));
      out = std::move(big);
      return true;
    }
  }
  errno = ENAMETOOLONG;
  return false;
}

/**
 * THE decimal parser: the unsigned decimal at p, stopping at the first non-digit (or at end when
 * given), advancing p past it. No digits: 0 and p unchanged. /proc never prints a value past 2^64;
 * callers that must reject one use ParseUnsignedExact.
 */
inline unsigned long long ParseUnsigned(const char*& p, const char* end = nullptr) {
  unsigned long long value = 0;
  while (p != end && *p >= '0' && *p <= '9') value = value * 10 + static_cast<unsigned long long>(*p++ - '0');
  return value;
}

/** [begin, end) is nothing but 1 to 19 digits (so it cannot overflow): its value. */
inline bool ParseUnsignedExact(const char* begin, const char* end, unsigned long long& value) {
  if (begin == end || end - begin > 19) return false;
  const char* p = begin;
  value = ParseUnsigned(p, end);
  return p == end;
}

/** A directory entry named by a decimal number that fits an int (a pid under /proc, an fd). */
inline bool ParseNumericName(const char* name, int& value) {
  unsigned long long parsed = 0;
  if (!ParseUnsignedExact(name, name + std::strlen(name), parsed) || parsed > 0x7fffffff) return false;
  value = static_cast<int>(parsed);
  return true;
}

/** Parses an optionally negative decimal at *p, advancing p past it. */
inline long long ParseSigned(const char*& p) {
  bool negative = *p == '-';
  if (negative) ++p;
  long long value = static_cast<long long>(ParseUnsigned(p));
  return negative ? -value : value;
}

/** Parses "12.34" at *p without strtod (locale-independent), advancing p past it. */
inline double ParseDecimal(const char*& p) {
  unsigned long long whole = ParseUnsigned(p);
  double value = static_cast<double>(whole);
  if (*p == '.') {
    ++p;
    // One correctly rounded division: "12.34" → 1234 / 100, the same double as JS Number("12.34").
    unsigned long long fraction = 0;
    double scale = 1;
    while (*p >= '0' && *p <= '9' && scale < 1e15) {
      fraction = fraction * 10 + static_cast<unsigned long long>(*p++ - '0');
      scale *= 10;
    }
    while (*p >= '0' && *p <= '9') ++p;
    value = (static_cast<double>(whole) * scale + static_cast<double>(fraction)) / scale;
  }
  return value;
}

/** Skips spaces and tabs. */
inline void SkipBlanks(const char*& p) {
  while (*p == ' ' || *p == '\t') ++p;
}

/** The stat fields a snapshot needs, as parsed from one /proc/PID/stat line. */
struct StatLine {
  const char* comm = nullptr;
  size_t commLength = 0;
  char state = '?';
  long long fields[25] = {};  // fields[n] = field n of proc(5), for 4 <= n <= 24
};

/**
 * Parses a stat line. comm may contain spaces, parentheses and newlines, so it runs from the
 * first '(' to the LAST ')'; the numeric fields follow. Returns false for a malformed line.
 */
inline bool ParseStatLine(const char* text, size_t length, StatLine& out) {
  const char* open = static_cast<const char*>(std::memchr(text, '(', length));
  const char* close = static_cast<const char*>(memrchr(text, ')', length));
  if (!open || !close || close < open || close + 2 >= text + length) return false;
  out.comm = open + 1;
  out.commLength = static_cast<size_t>(close - open - 1);
  const char* p = close + 2;
  out.state = *p++;
  for (int field = 4; field <= 24; ++field) {
    if (*p != ' ') return false;
    ++p;
    out.fields[field] = ParseSigned(p);
  }
  return true;
}

/** PF_KTHREAD (include/linux/sched.h) in a stat line's flags (field 9): a kernel thread. */
inline bool IsKernelThread(const StatLine& stat) {
  constexpr unsigned long long kPfKthread = 0x00200000ULL;
  return (static_cast<unsigned long long>(stat.fields[9]) & kPfKthread) != 0;
}

}  // namespace proctop
