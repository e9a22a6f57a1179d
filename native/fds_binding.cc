// N-API surface of fd listing, in the shape of native/columns.h (arguments into a Request struct
// here, /proc read on a worker, results as columns decoded by src/sys/native-fds.ts):
//   listFds(procRoot, pid, { pipePeers }) → Promise<columns>    unpackFdListing
//   listSocketOwners(procRoot) → Promise<columns>               unpackSocketOwners
#include <napi.h>

#include <string>

#include "bindings.h"
#include "columns.h"
#include "linux/fd_list.h"
#include "linux/socket_owners.h"

namespace {

using proctop_js::ColumnSet;
using proctop_js::TextColumn;

/** listFds' arguments. */
struct ListFdsRequest {
  std::string procRoot;
  int pid = 0;
  /** Scan every process for the other ends of pipes (lsof +E). */
  bool pipePeers = true;
};

/** listSocketOwners' arguments. */
struct SocketOwnersRequest {
  std::string procRoot;
};

// Flags number of an fd row (src/sys/native-fds.ts decodes the same layout).
constexpr unsigned kModeShift = 3;        // bits 3-4: mode + 1 (0 = not read, 1 r, 2 w, 3 rw)
constexpr unsigned kDeletedBit = 1u << 5;
constexpr unsigned kMemfdBit = 1u << 6;   // bits 0-2: FdKind

// Columns (names and row widths are the contract with src/sys/native-fds.ts):
//   listing [pid]; error: code, message (nothing on success); warnings
//   fds: 6 per fd (fd, flags, position or -1, inode or -1, socket index or -1, peer list or -1); paths
//   sockets: 4 per socket (hasInet, localPort, remotePort, netlink protocol or -1); socketText: 5 per socket
//   peerLists [count]; peers: 4 per peer (list index, pid, fd, mode or -1); peerComms
ColumnSet RunListFds(const ListFdsRequest& request) {
  proctop::FdListResult result = proctop::ListFds(request.procRoot, request.pid, request.pipePeers);
  ColumnSet out;
  out.Numbers("listing").push_back(result.pid);
  TextColumn& error = out.Text("error");
  if (!result.errorCode.empty()) {
    error.Add(result.errorCode);
    error.Add(result.errorMessage);
  }
  TextColumn& warnings = out.Text("warnings");
  for (const std::string& warning : result.warnings) warnings.Add(warning);

  std::vector<double>& fds = out.Numbers("fds");
  TextColumn& paths = out.Text("paths");
  fds.reserve(result.fds.size() * 6);
  paths.Reserve(result.fds.size() * 24);
  for (const proctop::FdRecord& r : result.fds) {
    paths.Add(r.path);
    unsigned flags = static_cast<unsigned>(r.kind) | (static_cast<unsigned>(r.mode + 1) << kModeShift) |
                     (r.deleted ? kDeletedBit : 0) | (r.memfd ? kMemfdBit : 0);
    fds.insert(fds.end(), {static_cast<double>(r.fd), static_cast<double>(flags), r.hasPosition ? static_cast<double>(r.position) : -1,
                           r.hasInode ? static_cast<double>(r.inode) : -1, static_cast<double>(r.socket), static_cast<double>(r.pipePeers)});
  }

  std::vector<double>& sockets = out.Numbers("sockets");
  TextColumn& socketText = out.Text("socketText");
  for (const proctop::SocketRecord& s : result.sockets) {
    for (const std::string* piece : {&s.protocol, &s.localAddress, &s.remoteAddress, &s.state, &s.unixPath}) socketText.Add(*piece);
    sockets.insert(sockets.end(), {s.hasInet ? 1.0 : 0.0, static_cast<double>(s.localPort), static_cast<double>(s.remotePort),
                                   static_cast<double>(s.netlinkProtocol)});
  }

  out.Numbers("peerLists").push_back(static_cast<double>(result.pipePeerLists.size()));
  std::vector<double>& peers = out.Numbers("peers");
  TextColumn& peerComms = out.Text("peerComms");
  for (size_t list = 0; list < result.pipePeerLists.size(); list++) {
    for (const proctop::PipePeerRecord& peer : result.pipePeerLists[list]) {
      peers.insert(peers.end(), {static_cast<double>(list), static_cast<double>(peer.pid), static_cast<double>(peer.fd), static_cast<double>(peer.mode)});
      peerComms.Add(peer.comm);
    }
  }
  return out;
}

// Columns: processes: 3 per process (pid, denied, how many sockets rows are its); netns per
// process ('' = unreadable); sockets: 2 per socket (inode, fd), the processes' in order.
ColumnSet RunSocketOwners(const SocketOwnersRequest& request) {
  ColumnSet out;
  std::vector<double>& processes = out.Numbers("processes");
  std::vector<double>& sockets = out.Numbers("sockets");
  TextColumn& netns = out.Text("netns");
  for (const proctop::ProcessSockets& p : proctop::ScanSocketOwners(request.procRoot)) {
    processes.insert(processes.end(), {static_cast<double>(p.pid), p.denied ? 1.0 : 0.0, static_cast<double>(p.sockets.size())});
    netns.Add(p.netns);
    for (const auto& [inode, fd] : p.sockets) sockets.insert(sockets.end(), {static_cast<double>(inode), static_cast<double>(fd)});
  }
  return out;
}

Napi::Value ListSocketOwners(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "listSocketOwners(procRoot: string)");
  return proctop_js::QueueColumns(env, "proctop:listSocketOwners", SocketOwnersRequest{info[0].As<Napi::String>().Utf8Value()}, RunSocketOwners);
}

Napi::Value ListFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "listFds(procRoot: string, pid: number, options?: { pipePeers: boolean })");
  }
  ListFdsRequest request;
  request.procRoot = info[0].As<Napi::String>().Utf8Value();
  if (!proctop_js::IsWholeNumber(info[1], 1, 2147483647)) throw Napi::RangeError::New(env, "listFds: pid must be a positive integer");
  request.pid = info[1].As<Napi::Number>().Int32Value();
  if (info.Length() >= 3 && info[2].IsObject()) {
    Napi::Value option = info[2].As<Napi::Object>().Get("pipePeers");
    if (!option.IsUndefined()) request.pipePeers = option.ToBoolean().Value();
  }
  return proctop_js::QueueColumns(env, "proctop:listFds", std::move(request), RunListFds);
}

}  // namespace

void RegisterFds(Napi::Env env, Napi::Object exports) {
  exports.Set("listFds", Napi::Function::New(env, ListFds, "listFds"));
  exports.Set("listSocketOwners", Napi::Function::New(env, ListSocketOwners, "listSocketOwners"));
}
