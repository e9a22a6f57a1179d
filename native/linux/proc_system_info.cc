#include "proc_system_info.h"

#include <unistd.h>

#include <cstring>

#include "proc_read.h"

namespace proctop {
namespace {

void Warn(std::vector<std::string>& warnings, const std::string& procRoot, const char* file, int negErrno) {
  warnings.push_back("cannot read " + procRoot + "/" + file + ": " + std::strerror(-negErrno));
}

// "cpu  1 2 3 4 5 6 7 8 9 10": fields after the label, missing trailing ones stay 0 (old kernels).
CpuTimesRecord ParseCpuLine(const char* p) {
  unsigned long long values[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 8; ++i) {
    SkipBlanks(p);
    if (*p < '0' || *p > '9') break;
    values[i] = ParseUnsigned(p);
  }
  return {values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]};
}

void ReadCpuAndBootTime(int rootFd, const std::string& procRoot, SystemInfoRecord& info, std::vector<std::string>& warnings) {
  std::string text;
  int rc = ReadWholeFileAt(rootFd, "stat", text, FileEnd::ShortRead);
  if (rc < 0) return Warn(warnings, procRoot, "stat", rc);
  const char* line = text.c_str();
  while (*line) {
    const char* next = std::strchr(line, '\n');
    if (std::strncmp(line, "cpu", 3) == 0) {
      if (line[3] == ' ') {
        info.cpuTotal = ParseCpuLine(line + 3);
      } else if (line[3] >= '0' && line[3] <= '9') {
        const char* p = line + 3;
        ParseUnsigned(p);
        info.cpus.push_back(ParseCpuLine(p));
      }
    } else if (std::strncmp(line, "btime ", 6) == 0) {
      const char* p = line + 6;
      SkipBlanks(p);
      info.bootTimeMs = static_cast<double>(ParseUnsigned(p)) * 1000.0;
    } else if (std::strncmp(line, "procs_running ", 14) == 0) {
      const char* p = line + 14;
      SkipBlanks(p);
      info.procsRunning = static_cast<double>(ParseUnsigned(p));
    }
    if (!next) break;
    line = next + 1;
  }
}

void ReadMemory(int rootFd, const std::string& procRoot, SystemInfoRecord& info, std::vector<std::string>& warnings) {
  char buf[16384];
  long n = ReadSmallFileAt(rootFd, "meminfo", buf, sizeof buf);
  if (n < 0) return Warn(warnings, procRoot, "meminfo", static_cast<int>(n));
  struct Field {
    const char* label;
    unsigned long long* target;
  };
  const Field fields[] = {
      {"MemTotal:", &info.memTotalBytes},   {"MemFree:", &info.memFreeBytes},   {"MemAvailable:", &info.memAvailableBytes},
      {"Buffers:", &info.buffersBytes},     {"Cached:", &info.cachedBytes},     {"SwapTotal:", &info.swapTotalBytes},
      {"SwapFree:", &info.swapFreeBytes},
  };
  const char* line = buf;
  while (*line) {
    for (const Field& field : fields) {
      size_t length = std::strlen(field.label);
      if (std::strncmp(line, field.label, length) == 0) {
        const char* p = line + length;
        SkipBlanks(p);
        // meminfo values are kB (1024 bytes).
        *field.target = ParseUnsigned(p) * 1024ULL;
        break;
      }
    }
    const char* next = std::strchr(line, '\n');
    if (!next) break;
    line = next + 1;
  }
}

void ReadLoadAverage(int rootFd, const std::string& procRoot, SystemInfoRecord& info, std::vector<std::string>& warnings) {
  char buf[256];
  long n = ReadSmallFileAt(rootFd, "loadavg", buf, sizeof buf);
  if (n < 0) return Warn(warnings, procRoot, "loadavg", static_cast<int>(n));
  const char* p = buf;
  for (double& load : info.loadAvg) {
    SkipBlanks(p);
    load = ParseDecimal(p);
  }
}

void ReadUptime(int rootFd, const std::string& procRoot, SystemInfoRecord& info, std::vector<std::string>& warnings) {
  char buf[256];
  long n = ReadSmallFileAt(rootFd, "uptime", buf, sizeof buf);
  if (n < 0) return Warn(warnings, procRoot, "uptime", static_cast<int>(n));
  const char* p = buf;
  info.uptimeSeconds = ParseDecimal(p);
}

}  // namespace

void ReadSystemInfo(int rootFd, const std::string& procRoot, SystemInfoRecord& info, std::vector<std::string>& warnings) {
  ReadCpuAndBootTime(rootFd, procRoot, info, warnings);
  ReadMemory(rootFd, procRoot, info, warnings);
  ReadLoadAverage(rootFd, procRoot, info, warnings);
  ReadUptime(rootFd, procRoot, info, warnings);
  info.clockTicks = sysconf(_SC_CLK_TCK);
  info.pageSize = sysconf(_SC_PAGESIZE);
}

}  // namespace proctop
