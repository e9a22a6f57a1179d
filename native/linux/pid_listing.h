// Which PIDs a snapshot reads: every numeric /proc entry, or — on a steady refresh — the PIDs the
// previous read found plus the /proc entries allocated since. Plain C++, no napi.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace proctop {

/** How a reader's PID listings went (for tests and the bench). */
struct PidListingStats {
  /** Reads that listed every /proc entry. */
  uint64_t full = 0;
  /** Reads that listed only the PIDs allocated since the previous read (and re-read the known ones). */
  uint64_t recent = 0;
};

/**
 * Lists the PIDs of one proc root for a read, in ascending order.
 *
 * Listing /proc costs about 0.9 µs per entry (the kernel looks up or builds a dentry for every
 * PID): 17 ms of a 170 ms steady refresh at 20,000 processes, all to learn which PIDs are new.
 * The kernel hands out PIDs cyclically: every PID allocated since the last read lies between the
 * namespace's last allocated PID then and now (the last field of /proc/loadavg), unless the cursor
 * wrapped past pid_max. A directory offset of /proc names a PID (offset = PID + a constant this
 * class learns from a full listing, 258 since Linux 2.6), so a read can list only that range and
 * re-read the PIDs the previous read found (each kept stat handle says ESRCH once its process is
 * gone).
 *
 * A full listing is done instead on a first read, on a proc root that is not procfs or not of
 * this process's PID namespace, when the cursor went backwards (pid_max wrap, ns_last_pid
 * written lower), when more tasks were forked since the last listing (/proc/stat's
 * "processes") than the cursor moved by (it went all the way round pid_max; in a nested PID
 * namespace forks elsewhere count too, so there most listings are full), and at least every
 * `fullEveryMs`. That bound is how late a process can appear
 * whose PID the range missed: a fork still between allocating its PID and becoming visible while
 * more than kOverlapPids others were allocated (the range starts that many PIDs below the last
 * cursor to cover forks in flight), a PID chosen by clone3's set_tid or a lower ns_last_pid with
 * the cursor moved past the old one again by the next read (checkpoint/restore tools), or a
 * process that became visible without a fork (hidepid and a change of owner).
 */
class PidListing {
 public:
  /** PIDs below the previous read's cursor that a recent listing lists again: forks in flight then. */
  static constexpr int kOverlapPids = 64;

  explicit PidListing(double fullEveryMs) : fullEveryMs_(fullEveryMs) {}

  /**
   * Fills `pids` (ascending) with what this read must look at: every numeric entry of the proc
   * root open at rootFd, or the previous read's PIDs merged with the entries allocated since.
   * `isProcfs` says whether rootFd is a procfs (fstatfs); `nowMs` is CLOCK_MONOTONIC.
   * Returns false when the root cannot be listed (errno set).
   */
  bool List(int rootFd, bool isProcfs, double nowMs, std::vector<int>& pids);

  /**
   * Takes the PIDs this read found present (ascending; `present` gets the old list back, for its
   * capacity): the next recent listing re-reads them. A read that fails part way never gets here,
   * so the next listing runs from the older cursor: a wider range, still every new PID.
   */
  void Remember(std::vector<int>& present);

  /** Forget everything: the next listing is a full one. */
  void Reset();

  PidListingStats Stats() const { return stats_; }

 private:
  bool ListAll(int rootFd, std::vector<int>& pids);
  bool ListSince(int rootFd, long long fromPid, long long toPid, std::vector<int>& pids);
  /** True when rootFd's procfs numbers PIDs as this process's namespace does (checked once). */
  bool SameNamespace(int rootFd);

  const double fullEveryMs_;
  /** A /proc entry's directory offset less its PID, learned from the last full listing; -1 unknown. */
  long long pidOffset_ = -1;
  /** The namespace's last allocated PID when the previous listing began; -1 unknown. */
  long long lastCursor_ = -1;
  /** The cursor read at the start of this listing, kept until Remember(). */
  long long pendingCursor_ = -1;
  /** /proc/stat's fork count at the previous listing and at this one; -1 unknown. */
  long long lastForks_ = -1;
  long long pendingForks_ = -1;
  /** /proc/stat's text (kept for its capacity). */
  std::string statText_;
  double lastFullMs_ = 0;
  /** -1 unchecked, 0 another namespace (or unknown), 1 ours. */
  int sameNamespace_ = -1;
  /** PIDs the previous read found present, ascending. */
  std::vector<int> known_;
  bool knownValid_ = false;
  /** Entries of a recent listing (kept for their capacity). */
  std::vector<int> recent_;
  PidListingStats stats_;
};

/** Writes pid's decimal digits and a NUL to out (at least 12 bytes); returns the digits' count. */
size_t FormatPid(int pid, char* out);

}  // namespace proctop
