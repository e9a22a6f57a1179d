// N-API surface of fd listing: listFds(procRoot, pid, { pipePeers }) → Promise<FdListing>.
// Arguments are read on the JS thread, /proc is read on a worker, JS objects are built back here.
#include <napi.h>

#include <string>

#include "bindings.h"
#include "linux/fd_list.h"

namespace {

// Interned property names and values: one napi_value each per call instead of one per entry.
struct Names {
  Napi::String fd, kind, path, deleted, memfd, mode, position, inode, anonType, socket, pipePeers;
  Napi::String protocol, localAddress, localPort, remoteAddress, remotePort, state, unixPath, pid, comm;
  Napi::String kinds[5];
  Napi::String modes[3];
  explicit Names(Napi::Env env)
      : fd(Napi::String::New(env, "fd")), kind(Napi::String::New(env, "kind")), path(Napi::String::New(env, "path")),
        deleted(Napi::String::New(env, "deleted")), memfd(Napi::String::New(env, "memfd")),
        mode(Napi::String::New(env, "mode")), position(Napi::String::New(env, "position")),
        inode(Napi::String::New(env, "inode")), anonType(Napi::String::New(env, "anonType")),
        socket(Napi::String::New(env, "socket")), pipePeers(Napi::String::New(env, "pipePeers")),
        protocol(Napi::String::New(env, "protocol")), localAddress(Napi::String::New(env, "localAddress")),
        localPort(Napi::String::New(env, "localPort")), remoteAddress(Napi::String::New(env, "remoteAddress")),
        remotePort(Napi::String::New(env, "remotePort")), state(Napi::String::New(env, "state")),
        unixPath(Napi::String::New(env, "unixPath")), pid(Napi::String::New(env, "pid")),
        comm(Napi::String::New(env, "comm")) {
    const char* kindNames[] = {"file", "socket", "pipe", "anon", "unknown"};
    for (int i = 0; i < 5; i++) kinds[i] = Napi::String::New(env, kindNames[i]);
    const char* modeNames[] = {"r", "w", "rw"};
    for (int i = 0; i < 3; i++) modes[i] = Napi::String::New(env, modeNames[i]);
  }
};

Napi::Value NullableString(Napi::Env env, bool present, const std::string& value) {
  if (!present) return env.Null();
  return Napi::String::New(env, value);
}

Napi::Object BuildSocket(Napi::Env env, const Names& n, const proctop::SocketRecord& s) {
  Napi::Object object = Napi::Object::New(env);
  object.Set(n.protocol, Napi::String::New(env, s.protocol));
  object.Set(n.localAddress, NullableString(env, s.hasInet, s.localAddress));
  object.Set(n.localPort, s.hasInet ? Napi::Value(Napi::Number::New(env, s.localPort)) : env.Null());
  object.Set(n.remoteAddress, NullableString(env, s.hasInet, s.remoteAddress));
  object.Set(n.remotePort, s.hasInet ? Napi::Value(Napi::Number::New(env, s.remotePort)) : env.Null());
  object.Set(n.state, NullableString(env, !s.state.empty(), s.state));
  object.Set(n.unixPath, NullableString(env, !s.unixPath.empty(), s.unixPath));
  return object;
}

Napi::Object BuildEntry(Napi::Env env, const Names& n, const proctop::FdRecord& r) {
  Napi::Object object = Napi::Object::New(env);
  object.Set(n.fd, Napi::Number::New(env, r.fd));
  object.Set(n.kind, n.kinds[static_cast<int>(r.kind)]);
  object.Set(n.path, Napi::String::New(env, r.path));
  object.Set(n.deleted, Napi::Boolean::New(env, r.deleted));
  object.Set(n.memfd, Napi::Boolean::New(env, r.memfd));
  object.Set(n.mode, r.mode >= 0 ? Napi::Value(n.modes[r.mode]) : env.Null());
  object.Set(n.position, r.hasPosition ? Napi::Value(Napi::Number::New(env, static_cast<double>(r.position))) : env.Null());
  object.Set(n.inode, r.hasInode ? Napi::Value(Napi::Number::New(env, static_cast<double>(r.inode))) : env.Null());
  object.Set(n.anonType, r.kind == proctop::FdKind::Anon ? Napi::Value(Napi::String::New(env, r.anonType)) : env.Null());
  object.Set(n.socket, r.hasSocket ? Napi::Value(BuildSocket(env, n, r.socket)) : env.Null());
  if (r.hasPipePeers) {
    Napi::Array peers = Napi::Array::New(env, r.pipePeers.size());
    for (size_t i = 0; i < r.pipePeers.size(); i++) {
      Napi::Object peer = Napi::Object::New(env);
      peer.Set(n.pid, Napi::Number::New(env, r.pipePeers[i].pid));
      peer.Set(n.comm, Napi::String::New(env, r.pipePeers[i].comm));
      peer.Set(n.fd, Napi::Number::New(env, r.pipePeers[i].fd));
      peers.Set(static_cast<uint32_t>(i), peer);
    }
    object.Set(n.pipePeers, peers);
  } else {
    object.Set(n.pipePeers, env.Null());
  }
  return object;
}

class ListFdsWorker : public Napi::AsyncWorker {
 public:
  ListFdsWorker(Napi::Env env, std::string procRoot, int pid, bool pipePeers)
      : Napi::AsyncWorker(env, "proctop:listFds"),
        deferred_(Napi::Promise::Deferred::New(env)),
        procRoot_(std::move(procRoot)),
        pid_(pid),
        pipePeers_(pipePeers) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { result_ = proctop::ListFds(procRoot_, pid_, pipePeers_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Names names(env);
    Napi::Object listing = Napi::Object::New(env);
    listing.Set("pid", Napi::Number::New(env, result_.pid));
    Napi::Array fds = Napi::Array::New(env, result_.fds.size());
    for (size_t i = 0; i < result_.fds.size(); i++) fds.Set(static_cast<uint32_t>(i), BuildEntry(env, names, result_.fds[i]));
    listing.Set("fds", fds);
    if (result_.errorCode.empty()) {
      listing.Set("error", env.Null());
    } else {
      Napi::Object error = Napi::Object::New(env);
      error.Set("code", result_.errorCode);
      error.Set("message", result_.errorMessage);
      listing.Set("error", error);
    }
    Napi::Array warnings = Napi::Array::New(env, result_.warnings.size());
    for (size_t i = 0; i < result_.warnings.size(); i++) warnings.Set(static_cast<uint32_t>(i), result_.warnings[i]);
    listing.Set("warnings", warnings);
    deferred_.Resolve(listing);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string procRoot_;
  int pid_;
  bool pipePeers_;
  proctop::FdListResult result_;
};

Napi::Value ListFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "listFds(procRoot: string, pid: number, options?: { pipePeers: boolean })");
  }
  double pid = info[1].As<Napi::Number>().DoubleValue();
  if (!(pid >= 1 && pid <= 2147483647) || pid != static_cast<double>(static_cast<int>(pid))) {
    throw Napi::RangeError::New(env, "listFds: pid must be a positive integer");
  }
  bool pipePeers = true;
  if (info.Length() >= 3 && info[2].IsObject()) {
    Napi::Value option = info[2].As<Napi::Object>().Get("pipePeers");
    if (!option.IsUndefined()) pipePeers = option.ToBoolean().Value();
  }
  auto* worker = new ListFdsWorker(env, info[0].As<Napi::String>().Utf8Value(), static_cast<int>(pid), pipePeers);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterFds(Napi::Env env, Napi::Object exports) {
  exports.Set("listFds", Napi::Function::New(env, ListFds, "listFds"));
}
