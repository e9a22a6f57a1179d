// A snapshot in transfer form (columns of numbers, one text blob, warnings), made from a
// SnapshotRecord off the JS thread. No napi.h here: the addon (native/snapshot_binding.cc) hands
// it to JS, and the reader process (native/linux/reader_process.h) sends it over its socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "proc_snapshot.h"

namespace proctop {

/** A snapshot in transfer form, made on the worker; its buffers are reused from read to read. */
struct PackedSnapshot {
  /** Rows packed: processes new or changed since the previous read. */
  size_t count = 0;
  /** Numbers in columns, and slots in order (the containers are emptied as they cross to JS). */
  size_t columnCount = 0;
  size_t orderCount = 0;
  /** column::kCount columns of count numbers each, column after column. */
  std::vector<double> columns;
  /** Identity slot of every process of the snapshot, in pid order. */
  std::vector<uint32_t> order;
  /** Slots whose identity ended since the previous read (applied before the rows). */
  std::vector<uint32_t> freed;
  /** system::kCount figures, then cpu::kCount numbers for the total and for each CPU. */
  std::vector<double> system;
  /** comm, user, [exe], argv... of every process with fresh details, each NUL-terminated (raw bytes). */
  std::string text;
  std::vector<std::string> warnings;
};

/** Packs `snapshot` into `packed` (the layout of snapshot_layout.h), reusing its buffers; ticks `breaks` per row when given. */
void Pack(SnapshotRecord&& snapshot, PackedSnapshot& packed, PassBreaks* breaks = nullptr);

}  // namespace proctop
