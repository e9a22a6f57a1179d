// System-wide figures from a proc root: /proc/stat, /proc/meminfo, /proc/loadavg, /proc/uptime.
#pragma once

#include <string>
#include <vector>

#include "proc_snapshot.h"

namespace proctop {

/**
 * Fills info from the files under the open proc root rootFd. A missing or unreadable file
 * leaves its figures at zero and adds one warning naming it (procRoot is used in the text).
 */
void ReadSystemInfo(int rootFd, const std::string& procRoot, SystemInfoRecord& info, std::vector<std::string>& warnings);

}  // namespace proctop
