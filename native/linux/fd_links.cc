#include "fd_links.h"

#include <sched.h>

#include <algorithm>

namespace proctop {

size_t UsableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::min(4, std::max(1, CPU_COUNT(&set)));
}

std::vector<int> ListPids(const std::string& procRoot, int exclude) {
  std::vector<int> pids;
  DIR* proc = opendir(procRoot.c_str());
  if (!proc) return pids;
  DirCloser procCloser{proc};
  while (dirent* entry = readdir(proc)) {
    int pid = 0;
    if (ParseNumericName(entry->d_name, pid) && pid > 0 && pid != exclude) pids.push_back(pid);
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

}  // namespace proctop
