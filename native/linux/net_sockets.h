// Socket tables of one network namespace, read through /proc/PID/net/* (the target's namespace,
// not the caller's). Plain C++: no napi.h here.
#pragma once
#include <cstdint>
#include <future>
#include <string>
#include <unordered_map>
#include <unordered_set>

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
};

/**
 * Reads the socket tables of procRoot/PID/net in order unix, tcp, tcp6, udp, udp6, netlink.
 * With a wanted set: keeps only those inodes and stops once all are found. With nullptr: every
 * socket of the namespace (used when the tables are read in parallel with the fd walk, before
 * the wanted set is known). Unreadable tables are skipped.
 */
std::unordered_map<uint64_t, SocketRecord> ResolveSockets(const std::string& procRoot, int pid,
                                                         const std::unordered_set<uint64_t>* wanted);

/**
 * Resolves sockets while the caller is still walking the fd table: reads the unix table (most
 * common, cheap) right away, then waits for the wanted inodes and reads the other tables only
 * while some are missing (tcp/tcp6 walk whole kernel hash tables, so skipping them matters).
 */
std::unordered_map<uint64_t, SocketRecord> ResolveSocketsOverlapped(const std::string& procRoot, int pid,
                                                                   std::future<std::unordered_set<uint64_t>> wanted);

/** Names a TCP/UDP state code as the JS parser does (UNCONN for UDP code 7). */
std::string InetStateName(unsigned code, bool datagram);

/** Formats an 8- or 32-hex-digit address from a /proc/net table (host-order 32-bit words). */
std::string DecodeHexAddress(const char* hex, size_t length);

/** Reads a whole file into out (procfs files report size 0, so read until EOF). */
bool ReadWholeFile(const std::string& path, std::string& out);

}  // namespace proctop
