// N-API surface of fd listing: listFds(procRoot, pid, { pipePeers }) → Promise<FdListing>.
// Arguments are read on the JS thread, /proc is read on a worker, JS objects are built back here.
#include <napi.h>

#include <charconv>
#include <string>

#include "bindings.h"
#include "linux/fd_list.h"

namespace {

// The listing is serialised to JSON text on the worker thread and parsed with V8's JSON.parse on
// the JS thread: for 10,000 fds that is ~3x cheaper than creating each property through N-API.
class JsonWriter {
 public:
  std::string text;
  bool ascii = true;

  void Raw(const char* s) { text += s; }
  void Key(const char* key) {
    text += '"';
    text += key;
    text += "\":";
  }
  void Number(uint64_t value) {
    char buffer[24];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    text.append(buffer, static_cast<size_t>(end - buffer));
  }
  void Int(int value) { Number(static_cast<uint64_t>(value < 0 ? 0 : value)); }
  void Bool(bool value) { text += value ? "true" : "false"; }
  void Null() { text += "null"; }
  void String(const std::string& value) {
    static const char kHex[] = "0123456789abcdef";
    text += '"';
    // Fast path: most paths need no escaping and are ASCII.
    bool plain = true;
    for (unsigned char c : value) {
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
        plain = false;
        break;
      }
    }
    if (plain) {
      text += value;
      text += '"';
      return;
    }
    for (unsigned char c : value) {
      if (c == '"' || c == '\\') {
        text += '\\';
        text += static_cast<char>(c);
      } else if (c < 0x20) {
        text += "\\u00";
        text += kHex[c >> 4];
        text += kHex[c & 15];
      } else {
        if (c >= 0x80) ascii = false;
        text += static_cast<char>(c);
      }
    }
    text += '"';
  }
  void NullableString(bool present, const std::string& value) {
    if (present) String(value); else Null();
  }
};

const char* const kKindNames[] = {"file", "socket", "pipe", "anon", "unknown"};
const char* const kModeNames[] = {"r", "w", "rw"};

void WriteSocket(JsonWriter& w, const proctop::SocketRecord& s) {
  w.Raw("{");
  w.Key("protocol"); w.String(s.protocol);
  w.Raw(","); w.Key("localAddress"); w.NullableString(s.hasInet, s.localAddress);
  w.Raw(","); w.Key("localPort"); if (s.hasInet) w.Int(s.localPort); else w.Null();
  w.Raw(","); w.Key("remoteAddress"); w.NullableString(s.hasInet, s.remoteAddress);
  w.Raw(","); w.Key("remotePort"); if (s.hasInet) w.Int(s.remotePort); else w.Null();
  w.Raw(","); w.Key("state"); w.NullableString(!s.state.empty(), s.state);
  w.Raw(","); w.Key("unixPath"); w.NullableString(!s.unixPath.empty(), s.unixPath);
  w.Raw("}");
}

void WriteEntry(JsonWriter& w, const proctop::FdListResult& result, const proctop::FdRecord& r) {
  w.Raw("{"); w.Key("fd"); w.Int(r.fd);
  w.Raw(","); w.Key("kind"); w.Raw("\""); w.Raw(kKindNames[static_cast<int>(r.kind)]); w.Raw("\"");
  w.Raw(","); w.Key("path"); w.String(r.path);
  w.Raw(","); w.Key("deleted"); w.Bool(r.deleted);
  w.Raw(","); w.Key("memfd"); w.Bool(r.memfd);
  w.Raw(","); w.Key("mode");
  if (r.mode >= 0) { w.Raw("\""); w.Raw(kModeNames[r.mode]); w.Raw("\""); } else { w.Null(); }
  w.Raw(","); w.Key("position"); if (r.hasPosition) w.Number(r.position); else w.Null();
  w.Raw(","); w.Key("inode"); if (r.hasInode) w.Number(r.inode); else w.Null();
  w.Raw(","); w.Key("anonType");
  if (r.kind == proctop::FdKind::Anon) w.String(proctop::AnonTypeOf(r.path)); else w.Null();
  w.Raw(","); w.Key("socket"); if (r.socket >= 0) WriteSocket(w, result.sockets[r.socket]); else w.Null();
  w.Raw(","); w.Key("pipePeers");
  if (r.pipePeers >= 0) {
    const auto& peers = result.pipePeerLists[r.pipePeers];
    w.Raw("[");
    for (size_t i = 0; i < peers.size(); i++) {
      if (i) w.Raw(",");
      w.Raw("{"); w.Key("pid"); w.Int(peers[i].pid);
      w.Raw(","); w.Key("comm"); w.String(peers[i].comm);
      w.Raw(","); w.Key("fd"); w.Int(peers[i].fd);
      w.Raw("}");
    }
    w.Raw("]");
  } else {
    w.Null();
  }
  w.Raw("}");
}

// Writes the whole FdListing (src/sys/types.ts) as JSON.
void WriteListing(JsonWriter& w, const proctop::FdListResult& result) {
  w.text.reserve(64 + result.fds.size() * 240);
  w.Raw("{"); w.Key("pid"); w.Int(result.pid);
  w.Raw(","); w.Key("fds"); w.Raw("[");
  for (size_t i = 0; i < result.fds.size(); i++) {
    if (i) w.Raw(",");
    WriteEntry(w, result, result.fds[i]);
  }
  w.Raw("]"); w.Raw(","); w.Key("error");
  if (result.errorCode.empty()) {
    w.Null();
  } else {
    w.Raw("{"); w.Key("code"); w.String(result.errorCode);
    w.Raw(","); w.Key("message"); w.String(result.errorMessage); w.Raw("}");
  }
  w.Raw(","); w.Key("warnings"); w.Raw("[");
  for (size_t i = 0; i < result.warnings.size(); i++) {
    if (i) w.Raw(",");
    w.String(result.warnings[i]);
  }
  w.Raw("]}");
}

// Turns JSON text built on a worker into JS values with V8's JSON.parse and settles the promise.
void ResolveJson(Napi::Env env, Napi::Promise::Deferred& deferred, const JsonWriter& json) {
  Napi::HandleScope scope(env);
  napi_value text;
  napi_status status = json.ascii ? napi_create_string_latin1(env, json.text.data(), json.text.size(), &text)
                                  : napi_create_string_utf8(env, json.text.data(), json.text.size(), &text);
  if (status != napi_ok) {
    deferred.Reject(Napi::Error::New(env, "proctop: cannot create the result string").Value());
    return;
  }
  try {
    Napi::Function parse = env.Global().Get("JSON").As<Napi::Object>().Get("parse").As<Napi::Function>();
    deferred.Resolve(parse.Call({Napi::Value(env, text)}));
  } catch (const Napi::Error& error) {
    deferred.Reject(error.Value());
  }
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

  void Execute() override {
    proctop::FdListResult result = proctop::ListFds(procRoot_, pid_, pipePeers_);
    WriteListing(json_, result);
  }

  void OnOK() override { ResolveJson(Env(), deferred_, json_); }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string procRoot_;
  int pid_;
  bool pipePeers_;
  JsonWriter json_;
};

// listSocketOwners(procRoot) → Promise<{pid, netns, denied, sockets: [inode, fd][]}[]>, for `proctop ports`.
class SocketOwnersWorker : public Napi::AsyncWorker {
 public:
  SocketOwnersWorker(Napi::Env env, std::string procRoot)
      : Napi::AsyncWorker(env, "proctop:listSocketOwners"), deferred_(Napi::Promise::Deferred::New(env)), procRoot_(std::move(procRoot)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::vector<proctop::ProcessSockets> owners = proctop::ScanSocketOwners(procRoot_);
    JsonWriter& w = json_;
    w.Raw("[");
    for (size_t i = 0; i < owners.size(); i++) {
      const proctop::ProcessSockets& p = owners[i];
      if (i) w.Raw(",");
      w.Raw("{"); w.Key("pid"); w.Int(p.pid);
      w.Raw(","); w.Key("netns"); w.NullableString(!p.netns.empty(), p.netns);
      w.Raw(","); w.Key("denied"); w.Bool(p.denied);
      w.Raw(","); w.Key("sockets"); w.Raw("[");
      for (size_t j = 0; j < p.sockets.size(); j++) {
        if (j) w.Raw(",");
        w.Raw("["); w.Number(p.sockets[j].first); w.Raw(","); w.Int(p.sockets[j].second); w.Raw("]");
      }
      w.Raw("]}");
    }
    w.Raw("]");
  }

  void OnOK() override { ResolveJson(Env(), deferred_, json_); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string procRoot_;
  JsonWriter json_;
};

Napi::Value ListSocketOwners(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "listSocketOwners(procRoot: string)");
  auto* worker = new SocketOwnersWorker(env, info[0].As<Napi::String>().Utf8Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

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
  exports.Set("listSocketOwners", Napi::Function::New(env, ListSocketOwners, "listSocketOwners"));
}
