#include "net_sockets.h"
#include "timeslice.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "proc_read.h"

namespace proctop {

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

unsigned ParseHex(const char* s, size_t n) {
  unsigned value = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    unsigned digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 0;
    value = value * 16 + digit;
  }
  return value;
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

enum class TableFormat { InetStream, InetDatagram, Unix, Netlink };

struct TableSpec {
  const char* file;
  TableFormat format;
};
// unix first: the most common kind and the cheapest table; tcp/tcp6 walk whole kernel hash
// tables, so a table is read only when some socket was not found in the ones before it.
const TableSpec kTables[] = {{"unix", TableFormat::Unix},        {"tcp", TableFormat::InetStream},
                             {"tcp6", TableFormat::InetStream},  {"udp", TableFormat::InetDatagram},
                             {"udp6", TableFormat::InetDatagram}, {"netlink", TableFormat::Netlink}};
const size_t kTableCount = sizeof kTables / sizeof kTables[0];

// The inode column of one data line; 0 when the line is malformed (TIME_WAIT entries have 0 too).
uint64_t InodeOfLine(TableFormat format, const char* line, const char* end) {
  Fields f = SplitFields(line, end, format == TableFormat::Netlink ? 16 : format == TableFormat::Unix ? 7 : 10);
  int column = format == TableFormat::Unix ? 6 : format == TableFormat::Netlink ? f.count - 1 : 9;
  if (f.count < (format == TableFormat::Unix ? 7 : 10)) return 0;
  unsigned long long inode = 0;
  return ParseUnsignedExact(f.start[column], f.start[column] + f.length[column], inode) ? inode : 0;
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

// Builds the record of one data line whose inode is already known to be wanted.
SocketRecord ParseLine(const TableSpec& table, const char* line, const char* end) {
  SocketRecord record;
  if (table.format == TableFormat::Unix) {
    // "Num RefCount Protocol Flags Type St Inode Path": the path (after one space) may hold spaces.
    Fields f = SplitFields(line, end, 7);
    record.protocol = "unix";
    record.state = UnixStateName(ParseHex(f.start[3], f.length[3]), ParseHex(f.start[5], f.length[5]));
    const char* afterInode = f.start[6] + f.length[6];
    if (afterInode < end && *afterInode == ' ') record.unixPath.assign(afterInode + 1, end);
    return record;
  }
  record.protocol = table.file;
  if (table.format == TableFormat::Netlink) {
    // "sk Eth Pid Groups ...": Eth is the NETLINK_* protocol (named in src/sys/js/net.ts).
    Fields f = SplitFields(line, end, 2);
    unsigned long long protocol = 0;
    if (f.count >= 2 && ParseUnsignedExact(f.start[1], f.start[1] + f.length[1], protocol)) {
      record.netlinkProtocol = static_cast<int>(protocol);
    }
    return record;
  }
  Fields f = SplitFields(line, end, 10);
  const char* localColon = static_cast<const char*>(memchr(f.start[1], ':', f.length[1]));
  const char* remoteColon = static_cast<const char*>(memchr(f.start[2], ':', f.length[2]));
  if (!localColon || !remoteColon) return record;
  record.hasInet = true;
  record.localAddress = DecodeHexAddress(f.start[1], static_cast<size_t>(localColon - f.start[1]));
  record.localPort = static_cast<int>(ParseHex(localColon + 1, f.start[1] + f.length[1] - localColon - 1));
  record.remoteAddress = DecodeHexAddress(f.start[2], static_cast<size_t>(remoteColon - f.start[2]));
  record.remotePort = static_cast<int>(ParseHex(remoteColon + 1, f.start[2] + f.length[2] - remoteColon - 1));
  record.state = InetStateName(ParseHex(f.start[3], f.length[3]), table.format == TableFormat::InetDatagram);
  return record;
}

}  // namespace

// One table read into memory with its lines indexed by inode; records are built only for the
// inodes asked for (a busy server's tcp table can hold 100,000 lines).
struct SocketResolver::IndexedTable {
  const TableSpec* spec = nullptr;
  std::string text;
  std::unordered_map<uint64_t, std::pair<const char*, const char*>> lines;
};

SocketResolver::SocketResolver(std::string procRoot, int pid)
    : netDir_(procRoot + "/" + std::to_string(pid) + "/net/") {}

SocketResolver::~SocketResolver() { StopReader(); }

void SocketResolver::StopReader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    walkDone_ = true;
  }
  wake_.notify_one();
  if (reader_.joinable()) reader_.join();
}

void SocketResolver::Add(const std::vector<uint64_t>& inodes) {
  if (inodes.empty()) return;
  std::call_once(readerStarted_, [this] {
    try {
      reader_ = StartThread([this] { ReadWhileWalking(); });
    } catch (const std::system_error&) {
      // No thread to spare: Finish reads the tables instead.
    }
  });
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.insert(pending_.end(), inodes.begin(), inodes.end());
    all_.insert(all_.end(), inodes.begin(), inodes.end());
  }
  wake_.notify_one();
}

bool SocketResolver::Indexed(uint64_t inode) const {
  for (const auto& table : tables_) {
    if (table->lines.count(inode)) return true;
  }
  return false;
}

void SocketResolver::Locate(uint64_t inode) {
  while (!Indexed(inode) && tables_.size() < kTableCount) {
    auto table = std::make_unique<IndexedTable>();
    table->spec = &kTables[tables_.size()];
    // Many records per file: seq_file hands over about a page per read(), so read to a zero read.
    if (ReadWholeFileAt(AT_FDCWD, (netDir_ + table->spec->file).c_str(), table->text, FileEnd::ZeroRead) == 0) {
      const TableFormat format = table->spec->format;
      ForEachDataLine(table->text, [&](const char* line, const char* end) {
        uint64_t found = InodeOfLine(format, line, end);
        if (found != 0) table->lines.emplace(found, std::make_pair(line, end));  // first line wins
      });
    }
    tables_.push_back(std::move(table));
  }
}

void SocketResolver::ReadWhileWalking() {
  std::vector<uint64_t> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return !pending_.empty() || walkDone_; });
      if (pending_.empty()) return;
      batch.swap(pending_);
    }
    for (uint64_t inode : batch) Resolve(inode);
    batch.clear();
  }
}

void SocketResolver::Resolve(uint64_t inode) {
  if (resolved_.indexByInode.count(inode)) return;
  Locate(inode);
  for (const auto& table : tables_) {
    auto line = table->lines.find(inode);
    if (line == table->lines.end()) continue;
    resolved_.indexByInode.emplace(inode, static_cast<int32_t>(resolved_.records.size()));
    resolved_.records.push_back(ParseLine(*table->spec, line->second.first, line->second.second));
    return;
  }
}

ResolvedSockets SocketResolver::Finish() {
  StopReader();
  // The reader has ended: the tables, all_ and resolved_ are this thread's now. Inodes it never
  // saw (no reader thread, or added after it stopped) are resolved here.
  for (uint64_t inode : all_) Resolve(inode);
  return std::move(resolved_);
}

}  // namespace proctop
