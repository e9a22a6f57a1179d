// Small, allocation-free helpers for reading /proc files relative to an open proc root.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string>

namespace proctop {

/**
 * Reads a small file into buf (NUL-terminated) and returns its length, or -errno.
 * One read() returns the whole of a small /proc file (seq_file hands over the full record),
 * so this costs exactly open + read + close; content longer than size - 1 is cut.
 */
inline long ReadSmallFileAt(int dirFd, const char* path, char* buf, size_t size) {
  int fd = openat(dirFd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -errno;
  ssize_t n;
  do {
    n = read(fd, buf, size - 1);
  } while (n < 0 && errno == EINTR);
  int error = n < 0 ? errno : 0;
  close(fd);
  if (n < 0) return -error;
  buf[n] = '\0';
  return static_cast<long>(n);
}

/** Reads a whole file of any size into out (replacing its contents). Returns 0 or -errno. */
inline int ReadWholeFileAt(int dirFd, const char* path, std::string& out) {
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
    // A short read is EOF for /proc files and regular files alike: saves one read() per file.
    if (static_cast<size_t>(n) < sizeof chunk) break;
  }
  close(fd);
  return 0;
}

/** Parses an unsigned decimal at *p, advancing p past it. */
inline unsigned long long ParseUnsigned(const char*& p) {
  unsigned long long value = 0;
  while (*p >= '0' && *p <= '9') value = value * 10 + static_cast<unsigned long long>(*p++ - '0');
  return value;
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

}  // namespace proctop
