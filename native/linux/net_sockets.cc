#include "net_sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace proctop {

bool ReadWholeFile(const std::string& path, std::string& out) {
  out.clear();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[65536];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

std::string InetStateName(unsigned code, bool datagram) {
  static const char* const kTcpStates[] = {nullptr,      "ESTABLISHED", "SYN_SENT", "SYN_RECV",  "FIN_WAIT1",
                                           "FIN_WAIT2",  "TIME_WAIT",   "CLOSE",    "CLOSE_WAIT", "LAST_ACK",
                                           "LISTEN",     "CLOSING",     "NEW_SYN_RECV"};
  if (datagram && code == 0x07) return "UNCONN";
  if (datagram && code == 0x01) return "ESTABLISHED";
  if (code >= 1 && code <= 12) return kTcpStates[code];
  return "UNKNOWN(" + std::to_string(code) + ")";
}

static uint32_t ParseHexWord(const char* hex) {
  char word[9];
  memcpy(word, hex, 8);
  word[8] = '\0';
  return static_cast<uint32_t>(strtoul(word, nullptr, 16));
}

std::string DecodeHexAddress(const char* hex, size_t length) {
  char text[INET6_ADDRSTRLEN];
  if (length == 8) {
    // The kernel printed the in-memory u32 with %08X: copying it back restores network byte order.
    uint32_t word = ParseHexWord(hex);
    unsigned char bytes[4];
    memcpy(bytes, &word, 4);
    if (!inet_ntop(AF_INET, bytes, text, sizeof text)) return "";
    return text;
  }
  if (length == 32) {
    unsigned char bytes[16];
    for (int i = 0; i < 4; i++) {
      uint32_t word = ParseHexWord(hex + i * 8);
      memcpy(bytes + i * 4, &word, 4);
    }
    if (!inet_ntop(AF_INET6, bytes, text, sizeof text)) return "";
    return text;
  }
  return "";
}

namespace {

// Splits one line into whitespace-separated fields (pointers into the line, no copies).
struct Fields {
  const char* start[16];
  size_t length[16];
  int count = 0;
};

Fields SplitFields(const char* line, const char* end, int max) {
  Fields f;
  const char* p = line;
  while (p < end && f.count < max) {
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    if (p >= end) break;
    const char* s = p;
    while (p < end && *p != ' ' && *p != '\t') p++;
    f.start[f.count] = s;
    f.length[f.count] = static_cast<size_t>(p - s);
    f.count++;
  }
  return f;
}

uint64_t ParseDecimal(const char* s, size_t n, bool& ok) {
  uint64_t value = 0;
  ok = n > 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') {
      ok = false;
      return 0;
    }
    value = value * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  return value;
}

unsigned ParseHex(const char* s, size_t n) {
  unsigned value = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    unsigned digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 0;
    value = value * 16 + digit;
  }
  return value;
}

// nullptr = every socket with an inode (TIME_WAIT entries have none).
bool Wanted(const std::unordered_set<uint64_t>* wanted, uint64_t inode) {
  return wanted ? wanted->count(inode) > 0 : inode != 0;
}

// Calls visit(line, end) for every line after the header.
template <typename Visit>
void ForEachDataLine(const std::string& text, Visit visit) {
  const char* p = text.data();
  const char* end = p + text.size();
  const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
  if (!nl) return;
  p = nl + 1;
  while (p < end) {
    nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* lineEnd = nl ? nl : end;
    visit(p, lineEnd);
    p = lineEnd + 1;
  }
}

void ParseInet(const std::string& text, const char* protocol, bool datagram, const std::unordered_set<uint64_t>* wanted,
               std::unordered_map<uint64_t, SocketRecord>& found) {
  ForEachDataLine(text, [&](const char* line, const char* end) {
    Fields f = SplitFields(line, end, 10);
    if (f.count < 10) return;
    bool ok = false;
    uint64_t inode = ParseDecimal(f.start[9], f.length[9], ok);
    if (!ok || !Wanted(wanted, inode) || found.count(inode)) return;
    const char* localColon = static_cast<const char*>(memchr(f.start[1], ':', f.length[1]));
    const char* remoteColon = static_cast<const char*>(memchr(f.start[2], ':', f.length[2]));
    if (!localColon || !remoteColon) return;
    SocketRecord record;
    record.protocol = protocol;
    record.hasInet = true;
    record.localAddress = DecodeHexAddress(f.start[1], static_cast<size_t>(localColon - f.start[1]));
    record.localPort = static_cast<int>(ParseHex(localColon + 1, f.start[1] + f.length[1] - localColon - 1));
    record.remoteAddress = DecodeHexAddress(f.start[2], static_cast<size_t>(remoteColon - f.start[2]));
    record.remotePort = static_cast<int>(ParseHex(remoteColon + 1, f.start[2] + f.length[2] - remoteColon - 1));
    record.state = InetStateName(ParseHex(f.start[3], f.length[3]), datagram);
    found.emplace(inode, std::move(record));
  });
}

std::string UnixStateName(unsigned flags, unsigned st) {
  if (flags & 0x10000) return "LISTEN";  // __SO_ACCEPTCON
  switch (st) {
    case 1: return "UNCONNECTED";
    case 2: return "CONNECTING";
    case 3: return "CONNECTED";
    case 4: return "DISCONNECTING";
    default: return "UNKNOWN(" + std::to_string(st) + ")";
  }
}

// "Num RefCount Protocol Flags Type St Inode Path": the path (after one space) may hold spaces.
void ParseUnix(const std::string& text, const std::unordered_set<uint64_t>* wanted, std::unordered_map<uint64_t, SocketRecord>& found) {
  ForEachDataLine(text, [&](const char* line, const char* end) {
    Fields f = SplitFields(line, end, 7);
    if (f.count < 7) return;
    bool ok = false;
    uint64_t inode = ParseDecimal(f.start[6], f.length[6], ok);
    if (!ok || !Wanted(wanted, inode) || found.count(inode)) return;
    SocketRecord record;
    record.protocol = "unix";
    record.state = UnixStateName(ParseHex(f.start[3], f.length[3]), ParseHex(f.start[5], f.length[5]));
    const char* afterInode = f.start[6] + f.length[6];
    if (afterInode < end && *afterInode == ' ') record.unixPath.assign(afterInode + 1, end);
    found.emplace(inode, std::move(record));
  });
}

void ParseNetlink(const std::string& text, const std::unordered_set<uint64_t>* wanted, std::unordered_map<uint64_t, SocketRecord>& found) {
  ForEachDataLine(text, [&](const char* line, const char* end) {
    Fields f = SplitFields(line, end, 16);
    if (f.count < 10) return;
    bool ok = false;
    uint64_t inode = ParseDecimal(f.start[f.count - 1], f.length[f.count - 1], ok);
    if (!ok || !Wanted(wanted, inode) || found.count(inode)) return;
    SocketRecord record;
    record.protocol = "netlink";
    found.emplace(inode, std::move(record));
  });
}

}  // namespace

namespace {

struct Table {
  const char* file;
  int parser;  // 0 inet stream, 1 inet datagram, 2 unix, 3 netlink
};
// unix first: the most common kind and the cheapest table; tcp/tcp6 walk whole hash tables, so
// stopping once every inode is found often skips them.
const Table kTables[] = {{"unix", 2}, {"tcp", 0}, {"tcp6", 0}, {"udp", 1}, {"udp6", 1}, {"netlink", 3}};

void ReadTable(const std::string& base, const Table& table, const std::unordered_set<uint64_t>* wanted,
               std::unordered_map<uint64_t, SocketRecord>& found, std::string& text) {
  if (!ReadWholeFile(base + table.file, text)) return;
  switch (table.parser) {
    case 0: ParseInet(text, table.file, false, wanted, found); break;
    case 1: ParseInet(text, table.file, true, wanted, found); break;
    case 2: ParseUnix(text, wanted, found); break;
    default: ParseNetlink(text, wanted, found); break;
  }
}

size_t CountFound(const std::unordered_map<uint64_t, SocketRecord>& found, const std::unordered_set<uint64_t>& wanted) {
  size_t count = 0;
  for (uint64_t inode : wanted) count += found.count(inode);
  return count;
}

}  // namespace

std::unordered_map<uint64_t, SocketRecord> ResolveSockets(const std::string& procRoot, int pid,
                                                         const std::unordered_set<uint64_t>* wanted) {
  std::unordered_map<uint64_t, SocketRecord> found;
  const std::string base = procRoot + "/" + std::to_string(pid) + "/net/";
  std::string text;
  for (const Table& table : kTables) {
    if (wanted && found.size() >= wanted->size()) break;
    ReadTable(base, table, wanted, found, text);
  }
  return found;
}

std::unordered_map<uint64_t, SocketRecord> ResolveSocketsOverlapped(const std::string& procRoot, int pid,
                                                                   std::future<std::unordered_set<uint64_t>> wantedFuture) {
  std::unordered_map<uint64_t, SocketRecord> all;
  const std::string base = procRoot + "/" + std::to_string(pid) + "/net/";
  std::string text;
  ReadTable(base, kTables[0], nullptr, all, text);
  const std::unordered_set<uint64_t> wanted = wantedFuture.get();
  std::unordered_map<uint64_t, SocketRecord> found;
  for (uint64_t inode : wanted) {
    auto hit = all.find(inode);
    if (hit != all.end()) found.emplace(inode, std::move(hit->second));
  }
  for (size_t i = 1; i < sizeof kTables / sizeof kTables[0]; i++) {
    if (CountFound(found, wanted) >= wanted.size()) break;
    ReadTable(base, kTables[i], &wanted, found, text);
  }
  return found;
}

}  // namespace proctop
