// The snapshot reader in a process of its own session (session 23).
//
// Why: with autogroup (the default of most distributions' kernels) the CPU is shared between
// sessions first and between a session's threads second, so a reader thread's CPU time is charged
// to proctop's session and delays the JS thread's next turn however nice the reader thread is
// (bench: "scheduling-group rounds"). `proctop-reader` (native/reader/main.cc, built beside the
// addon) is spawned in a session of its own; it owns the reader, its kept stat handles (in its
// own fd table, not proctop's) and its thread, and answers each request over a socket pair with
// the same PackedSnapshot the in-process reader makes. No napi.h here: the addon
// (native/snapshot_binding.cc) drives a ReaderProcess from its pool thread.
//
// Wire (one request at a time, both ends built from the same sources):
//   request  'R' u32 marks (UINT32_MAX: every stat is due) i32 pids...   a read
//            'P'                                                         open handles now
//            'F'                                                         forget everything
//   answer   'K' payload Report | 'E' u32 length, message
//            read's payload: u64 count, u64 sizes of columns, order, freed, system, text,
//            u32 warnings, then the arrays, then each warning as u32 length and bytes;
//            prepare's payload: u64 handles kept.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "cpu_yield.h"
#include "proc_snapshot.h"
#include "snapshot_pack.h"

namespace proctop {

/** What the reader tells with each answer: the figures the addon's stats methods return. */
struct ReaderReport {
  StatHandleStats handles;
  PidListingStats listing;
  DetailsStats details;
  ReaderThreadInfo thread;
  /** ProcSnapshotReader::PassBreaksTaken. */
  uint64_t passBreaks = 0;
  /** YieldsTaken: how often and how long the passes gave their CPU to proctop's JS thread. */
  YieldStats yields;
};

/**
 * How long a reader process's passes run between two breaks (ProcSnapshotReader::SetPassBreaks):
 * its own session's CPU time no longer delays proctop's JS thread by the group's turn, but a
 * JS thread that wakes on the CPU the reader runs on still waits for the scheduler's tick.
 */
constexpr double kReaderPassBreakEveryMs = 0.2;

/** ProcSnapshotReader's constructor arguments, and the reader process's pass breaks. */
struct ReaderOptions {
  std::string procRoot = "/proc";
  uint64_t keepHandlesFromRead = 1;
  double fullListingEveryMs = ProcSnapshotReader::kFullListingEveryMs;
  double secondReadAfterMs = 0;
  double fullStatEveryMs = ProcSnapshotReader::kFullStatEveryMs;
  size_t keepHandlesFromCount = ProcSnapshotReader::kKeepHandlesFromCount;
  size_t detailsHelpersFrom = ProcSnapshotReader::kDetailsHelpersFrom;
  size_t detailsHelpers = ProcSnapshotReader::kDetailsHelpersAuto;
  /** ProcSnapshotReader::SetPassBreaks. */
  double passBreakEveryMs = kReaderPassBreakEveryMs;
  /** The process whose main thread its pass breaks yield to while that thread waits (cpu_yield.h); 0: none. */
  int yieldToPid = 0;
};

/** The reader process's descriptor for its socket (the addon puts it there; main.cc checks it). */
constexpr int kReaderSocketFd = 3;

/** The file name of the reader executable, built and shipped beside the addon. */
constexpr const char* kReaderExecutableName = "proctop-reader";

/** The reader executable's path beside the module this code is linked into (the addon), or "" when unknown. */
std::string ReaderExecutableBeside();

/** The longest proctop waits for one answer before it ends the reader process (ms). */
constexpr int kReaderAnswerTimeoutMs = 30000;

/** The parent's end: one reader process, spawned on construction, ended on destruction. */
class ReaderProcess {
 public:
  /** Spawns `executable` in a session of its own; throws std::runtime_error saying why it could not. */
  ReaderProcess(const std::string& executable, const ReaderOptions& options);
  /**
   * Closes the socket (the reader exits on end of file), waits up to 1 s for it to exit, then
   * kills it (SIGKILL: our own child, not yet reaped, so its PID cannot have been reused) and
   * waits up to 5 s more; a child still unreaped after that is left to init.
   */
  ~ReaderProcess();
  ReaderProcess(const ReaderProcess&) = delete;
  ReaderProcess& operator=(const ReaderProcess&) = delete;

  /**
   * One read: sends the stat marks made in this process since the last request (MarkStatDue),
   * fills `packed` and `report`. Throws std::runtime_error when the reader said it failed
   * (Broken() stays false: it has forgotten everything, like the in-process reader) or when the
   * process did not answer in kReaderAnswerTimeoutMs or ended (Broken() turns true; it is killed).
   */
  void Read(PackedSnapshot& packed, ReaderReport& report);
  /** PrepareHandles in the reader: resolves how many handles it kept. Throws as Read does. */
  size_t PrepareHandles(ReaderReport& report);
  /** ForgetAll in the reader, not waited for (the next request is answered after it). */
  void ForgetAll();

  pid_t Pid() const { return pid_; }
  bool Broken() const { return broken_; }

 private:
  void Send(const void* data, size_t size);
  void Receive(void* data, size_t size, double deadlineMs);
  /** Reads 'K' or throws the reader's 'E' message. */
  void ReceiveStatus(double deadlineMs);
  [[noreturn]] void Fail(const std::string& why);

  std::mutex mutex_;
  int fd_ = -1;
  pid_t pid_ = 0;
  bool broken_ = false;
  uint64_t dueSeen_ = 0;
  std::vector<int> duePids_;
};

/** The reader process's loop on socket `fd` until end of file; returns its exit status. */
int ServeReader(int fd, const ReaderOptions& options);

}  // namespace proctop
