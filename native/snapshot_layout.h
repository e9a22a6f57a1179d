// The column layout of a packed snapshot, defined once. snapshot_binding.cc packs by these
// lists and exports their names (`snapshotLayout`); src/sys/native-snapshot.ts holds the same
// names and refuses the addon at load when they differ, so a change on one side fails loudly.
#pragma once

#include <cstddef>

// One number per process per column, laid out column after column (stride = process count).
// state: the kernel's state letter as a char code. slot: the reader's small per-identity number.
// detailsFresh: comm, user, [exe], argv follow in the text for this process. hasExe: exe is one
// of them. argc: how many argv pieces. textAscii: every byte of this process's pieces is < 0x80.
// textBytes: how many bytes of text its pieces take, NULs included (0 when not fresh).
#define PROCTOP_PROCESS_COLUMNS(X)                                                                            \
  X(pid) X(startTime) X(ppid) X(pgid) X(sid) X(uid) X(state) X(utime) X(stime) X(rssBytes) X(vsizeBytes) \
  X(threads) X(nice) X(priority) X(ttyNr) X(isKernelThread) X(slot) X(detailsFresh) X(hasExe) X(argc)     \
  X(textAscii) X(textBytes)

// The system figures, once per snapshot, followed by one CPU row for the total and one per CPU.
// monotonicMs: when the read finished; readStartMonotonicMs: when its pass over the processes began.
#define PROCTOP_SYSTEM_FIELDS(X)                                                                            \
  X(timestampMs) X(monotonicMs) X(readStartMonotonicMs) X(cpuCount) X(memTotalBytes) X(memAvailableBytes) \
  X(memFreeBytes) X(buffersBytes) X(cachedBytes) X(swapTotalBytes) X(swapFreeBytes) X(loadAvg1)            \
  X(loadAvg5) X(loadAvg15) X(uptimeSeconds) X(bootTimeMs) X(clockTicks) X(pageSize) X(procsRunning)

#define PROCTOP_CPU_FIELDS(X) X(user) X(nice) X(system) X(idle) X(iowait) X(irq) X(softirq) X(steal)

namespace proctop_layout {

#define PROCTOP_ENUM_ENTRY(name) name,
// Each list in its own namespace: column::nice and cpu::nice are different numbers.
namespace column {
enum Index : size_t { PROCTOP_PROCESS_COLUMNS(PROCTOP_ENUM_ENTRY) kCount };
}
namespace system {
enum Index : size_t { PROCTOP_SYSTEM_FIELDS(PROCTOP_ENUM_ENTRY) kCount };
}
namespace cpu {
enum Index : size_t { PROCTOP_CPU_FIELDS(PROCTOP_ENUM_ENTRY) kCount };
}
#undef PROCTOP_ENUM_ENTRY

/**
 * How rows are delivered: "changed-rows" = only processes new or changed since the previous read
 * are packed, with every process's slot in pid order (snapshot_binding.cc). A decoder expecting
 * another delivery refuses the addon.
 */
inline constexpr const char* kDelivery = "changed-rows";

#define PROCTOP_NAME_ENTRY(name) #name,
inline constexpr const char* kProcessColumnNames[] = {PROCTOP_PROCESS_COLUMNS(PROCTOP_NAME_ENTRY)};
inline constexpr const char* kSystemFieldNames[] = {PROCTOP_SYSTEM_FIELDS(PROCTOP_NAME_ENTRY)};
inline constexpr const char* kCpuFieldNames[] = {PROCTOP_CPU_FIELDS(PROCTOP_NAME_ENTRY)};
#undef PROCTOP_NAME_ENTRY

}  // namespace proctop_layout
