// Reads every process and the system figures under a proc root (default /proc) into plain
// structs. No napi.h here: the N-API surface is native/snapshot_binding.cc.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cpu_yield.h"
#include "pid_listing.h"
#include "reader_thread.h"
#include "timeslice.h"

namespace proctop {

/**
 * Runs work on a detached thread of its own, or here when no thread can be started: for cleanup
 * the JS thread must not wait for (closing thousands of kept handles took 10 ms there).
 */
template <typename Work>
void RunOffThread(Work&& work) {
  auto shared = std::make_shared<std::decay_t<Work>>(std::forward<Work>(work));
  try {
    StartThread([shared]() { (*shared)(); }).detach();
  } catch (const std::system_error&) {
    (*shared)();  // no thread to be had (EAGAIN)
  }
}

/** Cumulative CPU counters of one /proc/stat line, in clock ticks. */
struct CpuTimesRecord {
  unsigned long long user = 0;
  unsigned long long nice = 0;
  unsigned long long system = 0;
  unsigned long long idle = 0;
  unsigned long long iowait = 0;
  unsigned long long irq = 0;
  unsigned long long softirq = 0;
  unsigned long long steal = 0;
};

/** System-wide figures (mirrors SystemInfo in src/sys/types.ts). */
struct SystemInfoRecord {
  /** The aggregate "cpu" line. */
  CpuTimesRecord cpuTotal;
  /** One entry per "cpuN" line, in file order. */
  std::vector<CpuTimesRecord> cpus;
  unsigned long long memTotalBytes = 0;
  unsigned long long memAvailableBytes = 0;
  unsigned long long memFreeBytes = 0;
  unsigned long long buffersBytes = 0;
  unsigned long long cachedBytes = 0;
  unsigned long long swapTotalBytes = 0;
  unsigned long long swapFreeBytes = 0;
  /** 1, 5 and 15 minute load averages. */
  double loadAvg[3] = {0, 0, 0};
  /** First field of /proc/uptime. */
  double uptimeSeconds = 0;
  /** "btime" of /proc/stat × 1000. */
  double bootTimeMs = 0;
  /** "procs_running" of /proc/stat: runnable threads system-wide. */
  double procsRunning = 0;
  /** sysconf(_SC_CLK_TCK). */
  long clockTicks = 0;
  /** sysconf(_SC_PAGESIZE). */
  long pageSize = 0;
};

/** The slow-to-read parts of a process, read once per identity and cached. */
struct ProcessDetails {
  /** comm at the time the details were read; a different comm means exec() happened. */
  std::string comm;
  /** Owner uid of /proc/PID. */
  uid_t uid = 0;
  /** User name for uid, or the uid as text when it has no passwd entry. */
  std::string user;
  /** cmdline split on NUL (trailing empty element dropped); empty for kernel threads. */
  std::vector<std::string> argv;
  /** False when /proc/PID/exe could not be read (EACCES, ENOENT, kernel thread). */
  bool hasExe = false;
  /** readlink target of /proc/PID/exe, " (deleted)" kept as the kernel writes it. */
  std::string exe;
};

/**
 * The stat figures of one process that may change while its identity lives: the reader keeps the
 * last ones per identity and reports a process again only when one of them moved.
 */
struct ProcessFigures {
  int ppid = 0;
  int pgid = 0;
  int sid = 0;
  /** One-letter kernel state. */
  char state = '?';
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  unsigned long long rssBytes = 0;
  unsigned long long vsizeBytes = 0;
  long long threads = 0;
  long long nice = 0;
  long long priority = 0;
  long long ttyNr = 0;
  /** PF_KTHREAD set in the stat flags. */
  bool isKernelThread = false;

  bool operator==(const ProcessFigures& other) const {
    return utime == other.utime && stime == other.stime && rssBytes == other.rssBytes && state == other.state &&
           vsizeBytes == other.vsizeBytes && threads == other.threads && ppid == other.ppid && pgid == other.pgid &&
           sid == other.sid && nice == other.nice && priority == other.priority && ttyNr == other.ttyNr &&
           isKernelThread == other.isKernelThread;
  }
  bool operator!=(const ProcessFigures& other) const { return !(*this == other); }
};

/** One process of one snapshot whose figures or details changed (mirrors RawProcess in src/sys/types.ts). */
struct ProcessRecord {
  int pid = 0;
  /** Field 22 of stat: start time in ticks after boot (identity with pid). */
  unsigned long long startTime = 0;
  ProcessFigures figures;
  /** comm, uid, user, argv, exe: shared with the reader's identity cache. */
  std::shared_ptr<const ProcessDetails> details;
  /** Stable small number for this identity while it stays cached (lets callers cache too). */
  uint32_t cacheSlot = 0;
  /** True when details were (re)read in this snapshot: new identity, or comm changed (exec). */
  bool detailsFresh = false;
};

/**
 * Everything one refresh reads, as a change against the reader's previous Read(): the caller
 * keeps one row per identity slot and applies, in this order, freedSlots (identities that ended),
 * then changed (rows to replace or add), then lists the rows of order.
 */
struct SnapshotRecord {
  /** CLOCK_REALTIME when the figures were all in, epoch ms (see monotonicMs). */
  double timestampMs = 0;
  /**
   * CLOCK_MONOTONIC when the figures were all in, ms: every process's stat and the system's
   * figures, read in a first pass; the details of new identities are read after it.
   */
  double monotonicMs = 0;
  /**
   * CLOCK_MONOTONIC when the pass over the processes began (after the reader's one-off set-up), ms:
   * each process's figures were read between this and monotonicMs, so rates can be timed between two reads'
   * midpoints (a first read is several times longer than the next).
   */
  double readStartMonotonicMs = 0;
  /**
   * Processes new since the previous Read(), and those whose figures or details differ from what
   * it reported; every other listed process is as the previous Read() reported it.
   */
  std::vector<ProcessRecord> changed;
  /** The identity slot of every process of this snapshot, in pid order. */
  std::vector<uint32_t> order;
  /** Slots whose identity ended since the previous Read() (exited, or its PID reused); a slot may be given again in changed. */
  std::vector<uint32_t> freedSlots;
  SystemInfoRecord system;
  /** Non-fatal problems. */
  std::vector<std::string> warnings;
};

/**
 * Has every reader of this process read pid's stat on its next read, whatever its run check says:
 * for a change proctop itself made to a process without waking it (renice), which would otherwise
 * show only by the bound (fullStatEveryMs). Keeps the last 256 marks; a reader that missed more
 * reads every stat once.
 */
void MarkStatDue(int pid);

/**
 * The marks made since `seen` (a count of marks, 0 at first), for a reader in another process
 * (native/linux/reader_process.h): appends their pids to `pids` and returns true, or returns
 * false when more were made than the last 256 kept (every stat is due). Sets `seen` to now.
 */
bool DueMarksSince(uint64_t& seen, std::vector<int>& pids);

/** Has every reader of this process read every stat on its next read (more marks were missed than kept). */
void MarkEveryStatDue();

/**
 * ProcSnapshotReader::SetPassBreaks for one loop: Tick() once per process; every 32 processes it
 * looks at the clock and, once everyMs have passed since the last break, asks for a 1 µs sleep
 * (timer slack 1 ns in a reader process). That enters the scheduler, which runs a thread it
 * prefers that waits for this CPU; the sleep itself hardly ever happens (the timer fires before
 * the switch). In a reader process that watches proctop's JS thread, a break also sleeps while
 * that thread waits behind it (native/linux/cpu_yield.h). everyMs 0: never.
 */
class PassBreaks {
 public:
  PassBreaks(double everyMs, std::atomic<uint64_t>& taken) : everyMs_(everyMs), lastMs_(everyMs > 0 ? ClockMs(CLOCK_MONOTONIC) : 0), taken_(taken) {}

  /** After `processes` more processes. */
  void Tick(size_t processes = 1) {
    if (everyMs_ <= 0) return;
    ticks_ += processes;
    if (ticks_ < 32) return;
    ticks_ = 0;
    if (ClockMs(CLOCK_MONOTONIC) - lastMs_ < everyMs_) return;
    const timespec pause{0, 1000};
    nanosleep(&pause, nullptr);
    YieldToWatchedThread();  // a no-op unless a reader process watches proctop's JS thread
    taken_.fetch_add(1, std::memory_order_relaxed);
    lastMs_ = ClockMs(CLOCK_MONOTONIC);
  }

 private:
  const double everyMs_;
  double lastMs_;
  std::atomic<uint64_t>& taken_;
  size_t ticks_ = 0;
};

/** How the last read read the details of new identities (for tests and the bench). */
struct DetailsStats {
  /** Identities whose owner, command line and executable the last read read. */
  size_t read = 0;
  /** Helper threads started to read them beside the reader's thread (0: the reader's thread alone). */
  size_t helpers = 0;
  /** How many of them the helpers read. */
  size_t byHelpers = 0;
};

/** What the reader knows about its kept /proc/PID/stat handles (for warnings, tests and the bench). */
struct StatHandleStats {
  /** Handles this reader holds now (one per live identity that got one). */
  size_t kept = 0;
  /** Most handles all readers of this process keep together: the soft RLIMIT_NOFILE minus reserve. */
  size_t budget = 0;
  /** The soft RLIMIT_NOFILE after the reader raised it toward the hard limit. */
  size_t limit = 0;
  /** Descriptors left to the rest of the process (Node, libuv, fd listing, the TUI). */
  size_t reserve = 0;
  /** False on a proc root that is not procfs (fixture trees): every stat is opened and closed. */
  bool enabled = false;
  /** Handles PrepareHandles opened while the reader was idle (counted in kept while they last). */
  size_t prepared = 0;
  /** Kept /proc/PID/schedstat handles (run checks), counted against the same budget as the stat handles. */
  size_t runChecks = 0;
  /** Processes the last Read() did not read the stat of again: their main thread had not run since it was last read. */
  size_t unread = 0;
  /**
   * Live identities never offered a run check again: their schedstat was refused (EACCES, EPERM)
   * or counts no runs (a kernel without CONFIG_SCHED_INFO reads "0 0 0").
   */
  size_t runChecksRefused = 0;
};

/**
 * Reads snapshots of one proc root, caching per identity (pid, startTime) the fields that only
 * change on exec (argv, exe, uid, user), so a steady-state refresh reads little more than each
 * /proc/PID/stat. On procfs it keeps each process's stat file open and re-reads it with pread
 * at offset 0: the handle is bound to the process it was opened for and fails with ESRCH once
 * that process is gone, so it can never describe a recycled PID. Read() is serialized by an
 * internal mutex.
 */
class ProcSnapshotReader {
 public:
  /**
   * keepHandlesFromRead: the first Read() (1-based) that keeps stat handles; the reads before it
   * open, read and close every stat. Keeping handles needs the fd table grown to one per task,
   * and growing a threaded process's table waits for an RCU grace period (~12 ms here) before the
   * pass can start. So when keepHandlesFromRead is 2 or more, the read before it leaves the
   * growth and the opening to the reader thread's idle time (PrepareHandles): the monitor's early
   * reader (src/sys/first-read.ts) keeps none in its first read, grows the table and opens a
   * handle per process in the ~90 ms before its second, which then preads them.
   * keepHandlesFromCount: a read before keepHandlesFromRead still keeps its handles when its
   * listing finds at least this many processes. There the read before the keeping one outlasts the
   * time until the next (the early reader's first read at 5,000 processes takes ~180 ms, its second
   * is due ~150 ms after it began): no idle time is left to open the handles in, and the keeping
   * read would open every stat by path again (at 20,000 processes ~200 ms more before the first
   * full frame) to save the one growth of the table (an RCU grace period). Below ~2,500 processes
   * on this kind of VM (a first read ~36 µs a process, opening a handle ~8 µs) the idle time
   * after the first read is enough to open them all; the default starts a little above that.
   * fullListingEveryMs: the longest between two full listings of /proc (PidListing); the reads
   * between them list only the PIDs allocated since the read before.
   * secondReadAfterMs (0: never): the second read starts by itself, in the reader thread's idle
   * time, this long after the middle of the first read's pass, and the second Read() answers with
   * it (or reads then, when asked for sooner). The monitor's first CPU figures are the difference
   * of its first two reads: read ahead, the second starts on time even while the JS thread is
   * still busy with the first, instead of when the JS thread gets to asking for it.
   * fullStatEveryMs (0: every read reads every stat): the longest a process's stat goes unread
   * while it has not run. A single-threaded process that sleeps changes its figures only by
   * running, or by another's hand. Once two reads in a row find one asleep with the same figures, the reader
   * thread trades its stat handle for a kept /proc/PID/schedstat one (a run check: a third of the
   * kernel's work of a stat; OpenRunChecks), and each read reads that first: the same run time as
   * when its stat was last read means the same figures, and its stat is not read. Otherwise its
   * stat is opened by path and read; if its figures moved, the stat handle is kept again instead
   * of the run check. Still one handle per process: each kept handle pins a page of kernel memory
   * once read. What another process can change on a sleeper is read within this bound: the nice
   * value (renice), the process group or terminal; a new parent on the read after the old one
   * exited, and the memory on every read after the kernel reclaimed or collapsed pages
   * (/proc/vmstat). Only
   * reads less than a quarter of the bound apart trade; reads more than a third of it apart trade
   * run checks back for stat handles: there the read the bound makes due (by path) costs more than
   * the reads a run check spares.
   * detailsHelpersFrom: a read with at least this many new identities (a first read, a fork
   * storm) reads their details (owner, command line, executable: ~17 µs a process here, each
   * independent of the others) on helper threads beside its own. A first read of 20,000 processes
   * spent ~350 ms on them alone on one CPU while the monitor's JS thread waited for it, idle.
   * detailsHelpers: how many such helpers, or kDetailsHelpersAuto: two fewer than the CPUs it may
   * run on, at most kMaxDetailsHelpers, so one CPU stays free of the read for the JS thread and
   * the rest of the machine. With autogroup the kernel charges the helpers' CPU time to proctop's
   * session like the JS thread's own: on 2 CPUs, where a helper left the JS thread no CPU, its
   * event loop stalled over 5 ms in 13 of 24 first reads at 20,000 processes against 6 of 24
   * without, for a first read ~4% shorter (session 22).
   */
  explicit ProcSnapshotReader(std::string procRoot, uint64_t keepHandlesFromRead = 1, double fullListingEveryMs = kFullListingEveryMs,
                              double secondReadAfterMs = 0, double fullStatEveryMs = kFullStatEveryMs,
                              size_t keepHandlesFromCount = kKeepHandlesFromCount, size_t detailsHelpersFrom = kDetailsHelpersFrom,
                              size_t detailsHelpers = kDetailsHelpersAuto);
  ~ProcSnapshotReader();
  ProcSnapshotReader(const ProcSnapshotReader&) = delete;
  ProcSnapshotReader& operator=(const ProcSnapshotReader&) = delete;

  /**
   * Reads every process and the system figures, reporting processes as changes against the
   * previous Read() (see SnapshotRecord). Throws std::runtime_error when procRoot is unreadable.
   */
  SnapshotRecord Read();

  /**
   * Drops every cached identity and closes every kept handle: the next Read() reports every
   * process as new, with fresh details. Closing thousands of handles takes milliseconds, so they
   * are closed on a short-lived thread of their own, never on the caller's (the JS thread).
   */
  void ForgetAll();

  /**
   * Whether the reader has work for its thread's idle time before the next Read(): opening the
   * handles that read keeps (after the read before keepHandlesFromRead, on procfs), or reading
   * ahead (secondReadAfterMs, after the first read).
   */
  bool WantsIdleWork();

  /**
   * That work, on the reader thread between two reads: PrepareHandles (until the read ahead is
   * due, when there is one), then the read ahead at its time, unless `idle` says to yield first.
   */
  void IdleWork(ReaderThread::Idle& idle);

  /**
   * Grows the fd table (once per process) and opens a stat handle for each identity the last
   * Read() saw that has none, within the budget, so the next Read() preads them instead of
   * opening each stat (and the growth's RCU wait falls here, not in that read's pass). Meant for a
   * reader thread's idle time: it stops early, between batches of 64 opens, once `stop` says so
   * (the next read is asked for, or due). The handle of a PID reused since the read is found out by that
   * read, which checks the start time it preads against the identity's and opens afresh. Holds
   * the reader's mutex only to list the identities and to attach each batch of handles. Returns
   * how many handles it kept.
   */
  size_t PrepareHandles(const std::function<bool()>& stop);

  /**
   * Opens the /proc/PID/schedstat run check of each sleeping single-threaded process that has a
   * stat handle and no run check, within the budget (after a read, in the reader thread's idle
   * time: 5,000 opens in a read's pass would lengthen it by a hundred milliseconds). Stops between
   * batches of 64 once `stop` says so. Returns how many it opened.
   */
  size_t OpenRunChecks(const std::function<bool()>& stop);

  /**
   * Has the reads' passes (the stats, the details, opening handles in the idle time) enter the
   * scheduler (a 1 µs sleep, PassBreaks) once they have run `everyMs` since the last break; 0 (the
   * default): never. For a reader process: on a busy box a process that wakes (proctop's JS thread)
   * otherwise waits for the scheduler's next tick (4 ms at HZ=250) behind a read that runs on;
   * at a break the scheduler chooses again and can run it at once. Call before the first Read().
   */
  void SetPassBreaks(double everyMs) { passBreakEveryMs_ = everyMs; }

  /** Breaks for another loop over this read's processes (packing it), counted with the passes'. */
  PassBreaks NewPassBreaks() const { return PassBreaks(passBreakEveryMs_, passBreaksTaken_); }

  /** How many breaks the passes have taken so far (for tests and the bench). */
  uint64_t PassBreaksTaken() const { return passBreaksTaken_.load(std::memory_order_relaxed); }

  /** The kept-handle figures as of the last Read(). */
  StatHandleStats HandleStats();

  /** How the reads so far listed /proc. */
  PidListingStats ListingStats();

  /** How the last Read() read the details of its new identities. */
  DetailsStats LastDetailsStats();

  /** Default bound on the time between two full listings of /proc. */
  static constexpr double kFullListingEveryMs = 10000;
  /** Default bound on the time a process that has not run goes without its stat read (fullStatEveryMs). */
  static constexpr double kFullStatEveryMs = 10000;
  /** Default keepHandlesFromCount: from here, a first read at once keeps its handles (see the constructor). */
  static constexpr size_t kKeepHandlesFromCount = 3000;
  /** Default detailsHelpersFrom (see the constructor): below it a thread's start and join (~0.1 ms) is not worth it. */
  static constexpr size_t kDetailsHelpersFrom = 500;
  /** Most helper threads a read's details pass starts by itself (kDetailsHelpersAuto). */
  static constexpr size_t kMaxDetailsHelpers = 3;
  /** detailsHelpers: chosen from the CPUs (see the constructor). */
  static constexpr size_t kDetailsHelpersAuto = SIZE_MAX;
  /** Most helper threads a caller may ask for (detailsHelpers). */
  static constexpr size_t kMaxAskedDetailsHelpers = 16;

  const std::string& procRoot() const { return procRoot_; }

 private:
  /** One live identity: the process a PID names now. */
  struct Tracked {
    /** Field 22 of stat: with the pid, the identity. */
    unsigned long long startTime = 0;
    std::shared_ptr<const ProcessDetails> details;
    uint32_t slot = 0;
    /** Generation of the last snapshot that saw this identity; older ones are evicted. */
    uint64_t seenGeneration = 0;
    /** Details to be read again next time (an empty command line, as read in the middle of an exec). */
    bool retryDetails = false;
    /** Kept /proc/PID/stat handle (O_CLOEXEC), or -1 when the budget had none to spare. */
    int statFd = -1;
    /** Kept /proc/PID/schedstat handle (the run check), or -1. */
    int runFd = -1;
    /** The main thread's run time (ns) read just before the stat was last read; valid when runKnown. */
    unsigned long long runNs = 0;
    bool runKnown = false;
    /** When the stat was last read (CLOCK_MONOTONIC ms), less a stagger on the first (see ReadLocked). */
    double statReadMs = 0;
    /** Read the stat next time whatever the run check says (its parent exited). */
    bool statDue = false;
    /** Its figures did not move at the last read: OpenRunChecks trades its stat handle for a run check. */
    bool wantsRunCheck = false;
    /** Reads in a row that found its figures as the one before (up to 255). */
    uint8_t quietReads = 0;
    /** Its schedstat could not be opened (EACCES, EPERM) or counts no runs: read through its stat only. */
    bool runCheckRefused = false;
    /** The figures last reported for this identity. */
    ProcessFigures figures;
  };

  /**
   * A process whose stat was read in a read's first pass and whose details (owner, command line,
   * executable) are read in its second: a new identity, an exec'd one or one to read again.
   */
  struct Pending {
    int pid = 0;
    /** Its /proc entry's name (the pid's digits), NUL-terminated. */
    char name[12] = {};
    size_t nameLength = 0;
    ProcessRecord record;
    std::string comm;
    /** A stat handle opened in the first pass and counted as kept (-1: none). */
    int statFd = -1;
    /** What ReadDetails found: null when the process was gone by then. */
    std::shared_ptr<ProcessDetails> details;
  };

  /**
   * The details of each pending process, on this thread and, for many, on helper threads too
   * (detailsHelpersFrom). Reads files only: it touches nothing of the reader's own state, so the
   * threads share nothing but the list, each taking the next batch of it. Says how in `stats`.
   */
  void ReadDetailsOf(std::vector<Pending>& pending, int rootFd, DetailsStats& stats) const;

  const std::string& UserName(uid_t uid);
  uint32_t TakeSlot();
  /** Closes a handle counted as kept that no identity took after all. */
  void DropReservedHandle(int fd);
  /** Ends an identity: closes its handle and frees its slot (reported in freedSlots). */
  void Release(Tracked& tracked, std::vector<uint32_t>& freedSlots);
  void CloseHandle(Tracked& tracked);
  void CloseRunCheck(Tracked& tracked);
  /**
   * Whether a process's stat can go unread this time: it has a run check, its main thread has not
   * run since its stat was last read, and neither the bound nor a reason to read it has come.
   * Reads the run check (one wanted, counted in runChecksWanted_, when there is none); `runNs` is
   * what it read, or `haveRun` false when nothing could be read.
   */
  bool StatUnchanged(Tracked& tracked, double nowMs, bool memoryMoved, unsigned long long& runNs, bool& haveRun);
  /**
   * Starts the bound on a process's unread stat at its first run time: set back by its slot's
   * share of the bound (one of kStatPhases), so the reads the bound makes due spread over refreshes.
   */
  void StartStatBound(Tracked& tracked, double nowMs) const;
  /** What pairing a new run check with the figures last reported found. */
  enum class Pairing {
    /** The stat is still the identity's and shows the figures and comm last reported: trade. */
    kSame,
    /** It ran, exec'd or ended meanwhile, or a read failed: keep the stat handle, offer again later. */
    kMoved,
    /** The schedstat counts no runs (a kernel without CONFIG_SCHED_INFO): never offer again. */
    kNoRunCounts,
  };
  /** Reads a new run check (its run time into `runNs`), then the process's stat through its kept handle. */
  Pairing RunTimeOfSameFigures(int runFd, const Tracked& tracked, unsigned long long& runNs) const;
  /** Never offers this identity a run check again (counted in runChecksRefused). */
  void RefuseRunCheck(Tracked& tracked);
  /**
   * Whether the kernel reclaimed pages or collapsed huge pages since the last call (/proc/vmstat):
   * the resident size of a process that did not run may have moved.
   */
  bool MemoryMovedByKernel(int rootFd);
  /** Closes about an eighth of the kept handles and lowers the budget to what is left (after EMFILE). */
  size_t ShedHandles();
  /** Ends the identities this read did not see, and has their children's stats read next time. ended: pids ended earlier in this read. */
  void Evict(uint64_t generation, std::vector<uint32_t>& freedSlots, std::vector<int>& ended);
  void SetHandleBudget();
  /** Read(), with mutex_ held. */
  SnapshotRecord ReadLocked();
  /** What the reader thread's idle time before the next Read() is for (IdleWork). */
  struct IdlePlan {
    bool prepare = false;
    bool readAhead = false;
    /** When the read ahead starts (CLOCK_MONOTONIC ms). */
    double readAheadDueMs = 0;
    bool runChecks = false;
  };
  /** With mutex_ held. */
  IdlePlan PlanIdleLocked() const;

  std::string procRoot_;
  long pageSize_;
  std::mutex mutex_;
  uint64_t generation_ = 0;
  const uint64_t keepHandlesFromRead_;
  const size_t keepHandlesFromCount_;
  const size_t detailsHelpersFrom_;
  const size_t detailsHelpers_;
  DetailsStats details_;
  /** By pid: a pid names at most one process at a time; a different start time is a new identity. */
  std::unordered_map<int, Tracked> tracked_;
  std::unordered_map<uid_t, std::string> userNames_;
  std::vector<uint32_t> freeSlots_;
  /** The read's second pass (kept from read to read for its capacity). */
  std::vector<Pending> pending_;
  uint32_t nextSlot_ = 0;
  StatHandleStats handles_;
  PidListing listing_;
  /** This read's PIDs to look at, and those found present (kept for their capacity). */
  std::vector<int> pids_;
  std::vector<int> present_;
  bool budgetSet_ = false;
  /** The last Read() found procfs at procRoot_ (kept handles are sound there only). */
  bool lastReadOnProcfs_ = false;
  const double secondReadAfterMs_;
  /** The middle of the last read's pass (CLOCK_MONOTONIC ms). */
  double lastPassMidMs_ = 0;
  /** The second read, read ahead (IdleWork) and not yet asked for; null when none. */
  std::unique_ptr<SnapshotRecord> readAhead_;
  const double fullStatEveryMs_;
  /** SetPassBreaks: 0, or how long a pass runs between two breaks (ms). */
  double passBreakEveryMs_ = 0;
  /** PassBreaksTaken (helpers count theirs too). */
  mutable std::atomic<uint64_t> passBreaksTaken_{0};
  /** Pages the kernel reclaimed or swapped out so far (/proc/vmstat), as of the last read; valid when reclaimKnown_. */
  unsigned long long reclaimed_ = 0;
  bool reclaimKnown_ = false;
  /** Marks of MarkStatDue this reader has taken (a count of all marks made). */
  uint64_t dueMarksSeen_ = 0;
  /** Takes the marks made since the last read (with mutex_ held). */
  void TakeDueMarks();
  /** When the last read's pass started (CLOCK_MONOTONIC ms; 0 before the first). */
  double lastPassStartMs_ = 0;
  /** The gap between reads' passes, a running mean (each gap weighs half); 0 before the second read. */
  double readGapMs_ = 0;
  /** Processes the last read found wanting a run check (OpenRunChecks opens them). */
  size_t runChecksWanted_ = 0;
};

}  // namespace proctop
