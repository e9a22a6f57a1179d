// Who else holds a pipe: scans every process's fd table for pipe inodes (like lsof +E).
// Plain C++: no napi.h here.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace proctop {

/** Another process holding the same pipe inode. */
struct PipePeerRecord {
  int pid = 0;
  std::string comm;
  int fd = 0;
  /** Which end: 0 read, 1 write, 2 both, -1 unknown (from the fd link's permission bits). */
  int8_t mode = -1;
};

/**
 * The holders of each wanted pipe inode among every process under procRoot except selfPid, in pid
 * then fd order. hiddenProcesses counts the fd tables we were not allowed to read.
 */
std::unordered_map<uint64_t, std::vector<PipePeerRecord>> FindPipePeers(const std::string& procRoot, int selfPid,
                                                                        const std::unordered_set<uint64_t>& wanted,
                                                                        int& hiddenProcesses);

}  // namespace proctop
