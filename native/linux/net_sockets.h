// Socket tables of one network namespace, read through /proc/PID/net/* (the target's namespace,
// not the caller's). Plain C++: no napi.h here.
#pragma once
#include <cstdint>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <unordered_map>
#include <vector>

namespace proctop {

/** One socket resolved from /proc/PID/net/{tcp,tcp6,udp,udp6,unix,netlink}. */
struct SocketRecord {
  /** tcp, tcp6, udp, udp6, unix, netlink. */
  std::string protocol;
  /** True for tcp/udp: the address and port fields are set. */
  bool hasInet = false;
  std::string localAddress;
  int localPort = 0;
  std::string remoteAddress;
  int remotePort = 0;
  /** TCP state name, UNCONN for unconnected UDP, LISTEN/CONNECTED... for unix; empty = none. */
  std::string state;
  /** Bound unix path ("@name" for abstract); empty = unbound. */
  std::string unixPath;
  /** NETLINK_* protocol number ("Eth" column of /proc/net/netlink); -1 for other sockets. */
  int netlinkProtocol = -1;
};

/** The sockets a SocketResolver found: records in the order resolved, and each inode's index. */
struct ResolvedSockets {
  std::vector<SocketRecord> records;
  std::unordered_map<uint64_t, int32_t> indexByInode;
};

/**
 * Resolves socket inodes through the socket tables of procRoot/PID/net while the caller is still
 * walking the fd table. Walkers Add the inodes they meet (from any thread); a reader thread, started
 * by the first Add, reads the tables in order unix, tcp, tcp6, udp, udp6, netlink, each one only when
 * some inode is in none of the tables read before it (tcp/tcp6 walk whole kernel hash tables, so
 * skipping them matters), and builds each record as soon as its line is found, so little is left
 * for Finish after the walk. Unreadable tables are skipped.
 */
class SocketResolver {
 public:
  SocketResolver(std::string procRoot, int pid);
  ~SocketResolver();
  SocketResolver(const SocketResolver&) = delete;
  SocketResolver& operator=(const SocketResolver&) = delete;

  /** Thread-safe: hands over socket inodes met by a walker (a batch at a time keeps locking rare). */
  void Add(const std::vector<uint64_t>& inodes);

  /** Call once, after every Add: the record of every added inode found in the tables. */
  ResolvedSockets Finish();

 private:
  struct IndexedTable;
  void ReadWhileWalking();
  void StopReader();
  /** Reads further tables until one holds inode or none is left. Reader thread, or after it ended. */
  void Locate(uint64_t inode);
  /** Locates inode and builds its record, once per inode. Same threads as Locate. */
  void Resolve(uint64_t inode);
  bool Indexed(uint64_t inode) const;

  const std::string netDir_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<uint64_t> pending_;  // guarded by mutex_
  std::vector<uint64_t> all_;      // guarded by mutex_
  bool walkDone_ = false;          // guarded by mutex_
  std::once_flag readerStarted_;
  std::thread reader_;
  std::vector<std::unique_ptr<IndexedTable>> tables_;  // reader thread's until it is joined
  ResolvedSockets resolved_;                            // likewise
};

/** Names a TCP/UDP state code as the JS parser does (UNCONN for UDP code 7). */
std::string InetStateName(unsigned code, bool datagram);

/** Formats an 8- or 32-hex-digit address from a /proc/net table (host-order 32-bit words). */
std::string DecodeHexAddress(const char* hex, size_t length);

}  // namespace proctop
