// Named files of many processes in one call (the extras of src/sys/js/extras.ts: io, status,
// limits, smaps_rollup, stat): the JS reader's way, an open, a read and a close on the libuv pool
// per file, made three pool round trips a file and took 5 s for the exact RSS of 20,000
// processes (`proctop pstat`) and 8 s for a metrics sample.
#pragma once
#include <string>
#include <vector>

namespace proctop {

/** What ReadProcFiles reads: for each pid, its fd entries counted (when asked), then each file in order. */
struct ProcFilesRequest {
  std::string procRoot;
  std::vector<int> pids;
  /** File names under /proc/PID (plain names, no '/'): put "stat" last to prove the others were the same process's. */
  std::vector<std::string> names;
  /** Count the entries of /proc/PID/fd first. */
  bool countFds = false;
};

/** One file of one process: its bytes, or the errno that stopped the read. */
struct ProcFileRead {
  int error = 0;
  std::string text;
};

/** Per pid: names.size() reads in order; fdCounts[i] is the count, or -errno (when countFds). */
struct ProcFilesResult {
  std::vector<ProcFileRead> reads;
  std::vector<long> fdCounts;
};

/** True for a name ReadProcFiles accepts: 1 to 32 of [a-z_]. */
bool IsProcFileName(const std::string& name);

/** Reads every named file of every pid (a pid gone reads ENOENT or ESRCH). Throws when procRoot cannot be opened. */
ProcFilesResult ReadProcFiles(const ProcFilesRequest& request);

}  // namespace proctop
