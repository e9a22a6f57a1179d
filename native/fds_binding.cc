// N-API surface of fd listing: listFds(procRoot, pid, { pipePeers }) → Promise<PackedFdListing>.
// Arguments are read on the JS thread, /proc is read on a worker, JS objects are built back here.
#include <napi.h>

#include <charconv>
#include <cstring>
#include <vector>
#include <string>

#include "bindings.h"
#include "js_text.h"
#include "linux/fd_list.h"
#include "linux/socket_owners.h"

namespace {

// Variable-shaped results (the port scan, pipe peer lists) are written as JSON text on the worker
// thread and parsed with V8's JSON.parse on the JS thread: cheaper than one N-API call per property.
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
    // Fast path: most strings need no escaping and are ASCII.
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

// Flags column of a packed fd (src/sys/native-fds.ts decodes the same layout).
constexpr unsigned kModeShift = 3;        // bits 3-4: mode + 1 (0 = not read, 1 r, 2 w, 3 rw)
constexpr unsigned kDeletedBit = 1u << 5;
constexpr unsigned kMemfdBit = 1u << 6;   // bits 0-2: FdKind
constexpr size_t kFdColumns = 6;          // fd, flags, position, inode, socket index, pipe-peer list index
constexpr size_t kSocketColumns = 4;      // hasInet, localPort, remotePort, netlink protocol (-1 none)

// A listing in columns: 10,000 fds become one string of paths, one Float64Array and a few small
// values, and JS builds the objects in one monomorphic loop. That costs a fraction of parsing
// ~2 MB of JSON (or of creating each property through N-API).
struct PackedListing {
  std::string paths;  // readlink targets joined by NUL (a path cannot hold one)
  bool pathsAscii = true;
  std::vector<double> fdColumns;
  std::string socketText;  // protocol, localAddress, remoteAddress, state, unixPath per socket, NUL-joined
  bool socketTextAscii = true;
  std::vector<double> socketColumns;
  JsonWriter pipePeers;  // [[{pid, comm, fd}...]...]: a handful of lists at most
};

bool IsAscii(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

void AppendField(std::string& joined, bool& ascii, const std::string& value, bool first) {
  if (!first) joined += '\0';
  joined += value;
  if (ascii && !IsAscii(value)) ascii = false;
}

void Pack(const proctop::FdListResult& result, PackedListing& packed) {
  packed.paths.reserve(result.fds.size() * 24);
  packed.fdColumns.reserve(result.fds.size() * kFdColumns);
  for (size_t i = 0; i < result.fds.size(); i++) {
    const proctop::FdRecord& r = result.fds[i];
    AppendField(packed.paths, packed.pathsAscii, r.path, i == 0);
    unsigned flags = static_cast<unsigned>(r.kind) | (static_cast<unsigned>(r.mode + 1) << kModeShift) |
                     (r.deleted ? kDeletedBit : 0) | (r.memfd ? kMemfdBit : 0);
    packed.fdColumns.push_back(r.fd);
    packed.fdColumns.push_back(flags);
    packed.fdColumns.push_back(r.hasPosition ? static_cast<double>(r.position) : -1);
    packed.fdColumns.push_back(r.hasInode ? static_cast<double>(r.inode) : -1);
    packed.fdColumns.push_back(r.socket);
    packed.fdColumns.push_back(r.pipePeers);
  }
  for (size_t i = 0; i < result.sockets.size(); i++) {
    const proctop::SocketRecord& s = result.sockets[i];
    AppendField(packed.socketText, packed.socketTextAscii, s.protocol, i == 0);
    AppendField(packed.socketText, packed.socketTextAscii, s.localAddress, false);
    AppendField(packed.socketText, packed.socketTextAscii, s.remoteAddress, false);
    AppendField(packed.socketText, packed.socketTextAscii, s.state, false);
    AppendField(packed.socketText, packed.socketTextAscii, s.unixPath, false);
    packed.socketColumns.push_back(s.hasInet ? 1 : 0);
    packed.socketColumns.push_back(s.localPort);
    packed.socketColumns.push_back(s.remotePort);
    packed.socketColumns.push_back(s.netlinkProtocol);
  }
  JsonWriter& w = packed.pipePeers;
  w.Raw("[");
  for (size_t i = 0; i < result.pipePeerLists.size(); i++) {
    const auto& peers = result.pipePeerLists[i];
    if (i) w.Raw(",");
    w.Raw("[");
    for (size_t j = 0; j < peers.size(); j++) {
      if (j) w.Raw(",");
      w.Raw("{"); w.Key("pid"); w.Int(peers[j].pid);
      w.Raw(","); w.Key("comm"); w.String(peers[j].comm);
      w.Raw(","); w.Key("fd"); w.Int(peers[j].fd);
      w.Raw(","); w.Key("mode");
      static const char* const kModes[] = {"\"r\"", "\"w\"", "\"rw\""};
      w.Raw(peers[j].mode >= 0 && peers[j].mode <= 2 ? kModes[peers[j].mode] : "null");
      w.Raw("}");
    }
    w.Raw("]");
  }
  w.Raw("]");
}

Napi::Value TextValue(Napi::Env env, const std::string& text, bool ascii) {
  napi_value value;
  napi_status status = ascii ? napi_create_string_latin1(env, text.data(), text.size(), &value)
                             : proctop_js::CreateByteString(env, text, &value);
  if (status != napi_ok) throw Napi::Error::New(env, "proctop: cannot create a result string");
  return Napi::Value(env, value);
}

Napi::Float64Array ColumnsValue(Napi::Env env, const std::vector<double>& columns) {
  Napi::Float64Array array = Napi::Float64Array::New(env, columns.size());
  if (!columns.empty()) memcpy(array.Data(), columns.data(), columns.size() * sizeof(double));
  return array;
}

// Turns JSON text built on a worker into JS values with V8's JSON.parse and settles the promise.
void ResolveJson(Napi::Env env, Napi::Promise::Deferred& deferred, const JsonWriter& json) {
  Napi::HandleScope scope(env);
  napi_value text;
  napi_status status = json.ascii ? napi_create_string_latin1(env, json.text.data(), json.text.size(), &text)
                                  : proctop_js::CreateByteString(env, json.text, &text);
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
    Pack(result, packed_);
    errorCode_ = std::move(result.errorCode);
    errorMessage_ = std::move(result.errorMessage);
    warnings_ = std::move(result.warnings);
  }

  // Builds the PackedFdListing of src/sys/native-fds.ts.
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      Napi::Object listing = Napi::Object::New(env);
      listing.Set("pid", pid_);
      if (errorCode_.empty()) {
        listing.Set("error", env.Null());
      } else {
        Napi::Object error = Napi::Object::New(env);
        error.Set("code", errorCode_);
        error.Set("message", errorMessage_);
        listing.Set("error", error);
      }
      Napi::Array warnings = Napi::Array::New(env, warnings_.size());
      for (size_t i = 0; i < warnings_.size(); i++) warnings.Set(static_cast<uint32_t>(i), warnings_[i]);
      listing.Set("warnings", warnings);
      listing.Set("paths", TextValue(env, packed_.paths, packed_.pathsAscii));
      listing.Set("fdColumns", ColumnsValue(env, packed_.fdColumns));
      listing.Set("socketText", TextValue(env, packed_.socketText, packed_.socketTextAscii));
      listing.Set("socketColumns", ColumnsValue(env, packed_.socketColumns));
      listing.Set("pipePeers", TextValue(env, packed_.pipePeers.text, packed_.pipePeers.ascii));
      deferred_.Resolve(listing);
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string procRoot_;
  int pid_;
  bool pipePeers_;
  PackedListing packed_;
  std::string errorCode_;
  std::string errorMessage_;
  std::vector<std::string> warnings_;
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
