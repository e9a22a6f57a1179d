// N-API surface of the snapshot reader: `new SnapshotReader(procRoot).snapshot()` → Promise<Snapshot>.
//
// The worker thread reads /proc (native/linux/proc_snapshot.cc) and packs the result into one
// array of numbers plus one NUL-separated string. The JS thread then makes two N-API values and
// hands them to a small JS builder, because building ~5000 objects with 20 fields through
// per-property N-API calls would stall the event loop for tens of milliseconds, while a JIT-ed
// object literal does it in about a millisecond, in slices between which the loop runs. The
// builder also caches comm/user/exe/argv per identity slot, so a steady-state refresh moves no
// strings at all.
#include <napi.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "js_text.h"
#include "linux/proc_snapshot.h"

namespace {

/** Numbers per process in the packed array; the order is the contract with kBuilderSource. */
constexpr size_t kFieldsPerProcess = 20;

// Builds Snapshot objects from the packed form. Each SnapshotReader gets its own builder closure
// (its own slot → details cache, kept in step with the native identity cache). It yields to the
// event loop whenever it has run for kSliceMs, so even a cold (not yet JIT-compiled) build of a
// large snapshot never holds the loop for long, while a warm one usually finishes in one go.
constexpr const char* kBuilderSource = R"JS(
(function makeSnapshotBuilder() {
  'use strict';
  const kSliceMs = 2;
  const kCheckEvery = 64;
  const now = typeof performance === 'object' ? () => performance.now() : () => Date.now();
  const schedule = typeof setImmediate === 'function' ? setImmediate : (fn) => setTimeout(fn, 0);
  const yieldToLoop = () => new Promise((resolve) => schedule(resolve));
  const detailsBySlot = [];
  const lastBySlot = [];
  const stateLetters = [];
  const letter = (code) => stateLetters[code] ?? (stateLetters[code] = String.fromCharCode(code));
  const cpuAt = (n, i) => ({
    user: n[i], nice: n[i + 1], system: n[i + 2], idle: n[i + 3],
    iowait: n[i + 4], irq: n[i + 5], softirq: n[i + 6], steal: n[i + 7],
  });
  // True when record (built by an earlier call) still says what the numbers at n[i...] say.
  const unchanged = (record, n, i, details) =>
    record.pid === n[i] && record.startTime === n[i + 1] && record.utime === n[i + 7] && record.stime === n[i + 8] &&
    record.rssBytes === n[i + 9] && record.state === letter(n[i + 6]) && record.ppid === n[i + 2] &&
    record.pgid === n[i + 3] && record.sid === n[i + 4] && record.uid === n[i + 5] && record.vsizeBytes === n[i + 10] &&
    record.threads === n[i + 11] && record.nice === n[i + 12] && record.priority === n[i + 13] &&
    record.ttyNr === n[i + 14] && record.argv === details.argv && record.comm === details.comm &&
    record.user === details.user && record.exe === details.exe;
  return async function buildSnapshot(n, text, warnings) {
    try {
      let cursor = 0;
      const nextPiece = () => {
        const end = text.indexOf('\0', cursor);
        const piece = text.slice(cursor, end);
        cursor = end + 1;
        return piece;
      };
      const count = n[2];
      const cpuCount = n[3];
      let i = 4;
      const cpuTotal = cpuAt(n, i);
      i += 8;
      const cpus = [];
      for (let c = 0; c < cpuCount; c++, i += 8) cpus.push(cpuAt(n, i));
      const system = {
        cpuTotal,
        cpus,
        memTotalBytes: n[i], memAvailableBytes: n[i + 1], memFreeBytes: n[i + 2], buffersBytes: n[i + 3],
        cachedBytes: n[i + 4], swapTotalBytes: n[i + 5], swapFreeBytes: n[i + 6],
        loadAvg: [n[i + 7], n[i + 8], n[i + 9]],
        uptimeSeconds: n[i + 10], bootTimeMs: n[i + 11], clockTicks: n[i + 12], pageSize: n[i + 13],
        procsRunning: n[i + 14],
      };
      i += 15;
      const processes = [];
      let sliceStart = now();
      for (let k = 0; k < count; k++, i += 20) {
        if (k % kCheckEvery === kCheckEvery - 1 && now() - sliceStart >= kSliceMs) {
          await yieldToLoop();
          sliceStart = now();
        }
        const slot = n[i + 16];
        let details;
        if (n[i + 17] === 1) {
          const comm = nextPiece();
          const user = nextPiece();
          const exe = n[i + 18] === 1 ? nextPiece() : null;
          const argv = [];
          for (let a = n[i + 19]; a > 0; a--) argv.push(nextPiece());
          details = { comm, user, exe, argv: Object.freeze(argv) };
          detailsBySlot[slot] = details;
        } else {
          details = detailsBySlot[slot];
          // Most processes are idle between two refreshes: hand back last time's (frozen) record
          // when nothing in it changed, so a steady refresh allocates little and GC stays quiet.
          const last = lastBySlot[slot];
          if (last !== undefined && unchanged(last, n, i, details)) {
            processes.push(last);
            continue;
          }
        }
        const record = Object.freeze({
          pid: n[i], startTime: n[i + 1], ppid: n[i + 2], pgid: n[i + 3], sid: n[i + 4],
          uid: n[i + 5], user: details.user, state: letter(n[i + 6]), comm: details.comm,
          argv: details.argv, exe: details.exe, utime: n[i + 7], stime: n[i + 8],
          rssBytes: n[i + 9], vsizeBytes: n[i + 10], threads: n[i + 11], nice: n[i + 12],
          priority: n[i + 13], ttyNr: n[i + 14], isKernelThread: n[i + 15] === 1,
        });
        lastBySlot[slot] = record;
        processes.push(record);
      }
      return { timestampMs: n[0], monotonicMs: n[1], processes, system, warnings };
    } catch (error) {
      // The native side forgets its cache too (see Deliver) and resends every detail next time.
      detailsBySlot.length = 0;
      lastBySlot.length = 0;
      throw error;
    }
  };
})
)JS";

/** A snapshot in transfer form: made on the worker, turned into JS on the JS thread. */
struct PackedSnapshot {
  std::vector<double> numbers;
  /** comm, user, [exe], argv... of every process with fresh details, each NUL-terminated. */
  std::string text;
  std::vector<std::string> warnings;
};

void PackCpu(std::vector<double>& out, const proctop::CpuTimesRecord& cpu) {
  const unsigned long long values[] = {cpu.user, cpu.nice, cpu.system, cpu.idle, cpu.iowait, cpu.irq, cpu.softirq, cpu.steal};
  for (unsigned long long value : values) out.push_back(static_cast<double>(value));
}

void AppendPiece(std::string& text, const std::string& piece) {
  text.append(piece);
  text.push_back('\0');
}

PackedSnapshot Pack(proctop::SnapshotRecord&& snapshot) {
  PackedSnapshot packed;
  const proctop::SystemInfoRecord& system = snapshot.system;
  std::vector<double>& n = packed.numbers;
  n.reserve(4 + 8 * (1 + system.cpus.size()) + 15 + kFieldsPerProcess * snapshot.processes.size());
  n.push_back(snapshot.timestampMs);
  n.push_back(snapshot.monotonicMs);
  n.push_back(static_cast<double>(snapshot.processes.size()));
  n.push_back(static_cast<double>(system.cpus.size()));
  PackCpu(n, system.cpuTotal);
  for (const auto& cpu : system.cpus) PackCpu(n, cpu);
  const unsigned long long memory[] = {system.memTotalBytes, system.memAvailableBytes, system.memFreeBytes, system.buffersBytes,
                                       system.cachedBytes,   system.swapTotalBytes,    system.swapFreeBytes};
  for (unsigned long long value : memory) n.push_back(static_cast<double>(value));
  for (double load : system.loadAvg) n.push_back(load);
  n.push_back(system.uptimeSeconds);
  n.push_back(system.bootTimeMs);
  n.push_back(static_cast<double>(system.clockTicks));
  n.push_back(static_cast<double>(system.pageSize));
  n.push_back(system.procsRunning);

  for (const proctop::ProcessRecord& p : snapshot.processes) {
    const proctop::ProcessDetails& details = *p.details;
    const double fields[kFieldsPerProcess] = {
        static_cast<double>(p.pid),        static_cast<double>(p.startTime), static_cast<double>(p.ppid),
        static_cast<double>(p.pgid),       static_cast<double>(p.sid),       static_cast<double>(details.uid),
        static_cast<double>(static_cast<unsigned char>(p.state)),
        static_cast<double>(p.utime),      static_cast<double>(p.stime),     static_cast<double>(p.rssBytes),
        static_cast<double>(p.vsizeBytes), static_cast<double>(p.threads),   static_cast<double>(p.nice),
        static_cast<double>(p.priority),   static_cast<double>(p.ttyNr),     p.isKernelThread ? 1.0 : 0.0,
        static_cast<double>(p.cacheSlot),  p.detailsFresh ? 1.0 : 0.0,       details.hasExe ? 1.0 : 0.0,
        static_cast<double>(details.argv.size()),
    };
    n.insert(n.end(), fields, fields + kFieldsPerProcess);
    if (p.detailsFresh) {
      AppendPiece(packed.text, details.comm);
      AppendPiece(packed.text, details.user);
      if (details.hasExe) AppendPiece(packed.text, details.exe);
      for (const std::string& arg : details.argv) AppendPiece(packed.text, arg);
    }
  }
  packed.warnings = std::move(snapshot.warnings);
  return packed;
}

/** Per-environment state: the compiled builder factory. */
struct SnapshotBindingData {
  Napi::FunctionReference makeBuilder;
};

class SnapshotReaderWrap;

/** Reads one snapshot on the libuv thread pool for one SnapshotReaderWrap. */
class SnapshotWorker : public Napi::AsyncWorker {
 public:
  SnapshotWorker(Napi::Env env, SnapshotReaderWrap* owner, std::shared_ptr<proctop::ProcSnapshotReader> reader)
      : Napi::AsyncWorker(env, "proctop:snapshot"), owner_(owner), reader_(std::move(reader)) {}

  void Execute() override {
    try {
      packed_ = Pack(reader_->Read());
    } catch (const std::exception& error) {
      reader_->ForgetAll();
      SetError(error.what());
    }
  }

  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  SnapshotReaderWrap* owner_;
  std::shared_ptr<proctop::ProcSnapshotReader> reader_;
  PackedSnapshot packed_;
};

/**
 * JS class SnapshotReader. Overlapping snapshot() calls are queued and run one after another,
 * so the identity caches (native and builder) always see snapshots in order.
 */
class SnapshotReaderWrap : public Napi::ObjectWrap<SnapshotReaderWrap> {
 public:
  static Napi::Function Define(Napi::Env env, SnapshotBindingData* data) {
    return DefineClass(env, "SnapshotReader", {InstanceMethod<&SnapshotReaderWrap::Snapshot>("snapshot")}, data);
  }

  explicit SnapshotReaderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SnapshotReaderWrap>(info) {
    Napi::Env env = info.Env();
    std::string procRoot = "/proc";
    if (info.Length() > 0 && !info[0].IsUndefined()) {
      if (!info[0].IsString() || info[0].As<Napi::String>().Utf8Value().empty()) {
        throw Napi::TypeError::New(env, "SnapshotReader: procRoot must be a non-empty string");
      }
      procRoot = info[0].As<Napi::String>().Utf8Value();
    }
    reader_ = std::make_shared<proctop::ProcSnapshotReader>(procRoot);
    auto* data = static_cast<SnapshotBindingData*>(info.Data());
    build_ = Napi::Persistent(data->makeBuilder.Call({}).As<Napi::Function>());
  }

  /** Called by the worker on the JS thread with a finished read. */
  void Deliver(Napi::Env env, PackedSnapshot& packed) {
    Napi::Promise::Deferred deferred = waiting_.front();
    waiting_.pop_front();
    try {
      Napi::HandleScope scope(env);
      Napi::Float64Array numbers = TransferArray(env, packed.numbers.size());
      std::memcpy(numbers.Data(), packed.numbers.data(), packed.numbers.size() * sizeof(double));
      napi_value textValue;
      if (proctop_js::CreateByteString(env, packed.text, &textValue) != napi_ok) throw Napi::Error::New(env, "proctop: cannot create the snapshot text");
      Napi::String text(env, textValue);
      Napi::Array warnings = Napi::Array::New(env, packed.warnings.size());
      for (size_t i = 0; i < packed.warnings.size(); ++i) warnings.Set(i, packed.warnings[i]);
      Napi::Object building = build_.Call({numbers, text, warnings}).As<Napi::Object>();
      deferred.Resolve(building);
      // The next read starts only once this build is done, so both caches stay in step.
      Napi::Function onBuilt = Napi::Function::New(env, [this](const Napi::CallbackInfo& info) { StartNext(info.Env()); });
      Napi::Function onFailed = Napi::Function::New(env, [this](const Napi::CallbackInfo& info) {
        reader_->ForgetAll();
        StartNext(info.Env());
      });
      building.Get("then").As<Napi::Function>().Call(building, {onBuilt, onFailed});
    } catch (const Napi::Error& error) {
      // The builder did not take this snapshot in: resynchronize both caches from scratch.
      reader_->ForgetAll();
      deferred.Reject(error.Value());
      StartNext(env);
    }
  }

  /**
   * The array the numbers travel in, reused across snapshots (grown by half when too small):
   * a fresh ~1 MB ArrayBuffer per refresh made V8 run extra "external memory pressure" GCs.
   * Reuse is safe because the next read is delivered only after the builder has finished.
   */
  Napi::Float64Array TransferArray(Napi::Env env, size_t length) {
    if (transfer_.IsEmpty() || transfer_.Value().ElementLength() < length) {
      transfer_ = Napi::Persistent(Napi::Float64Array::New(env, length + length / 2));
    }
    return transfer_.Value();
  }

  void Fail(Napi::Env env, const Napi::Error& error) {
    Napi::Promise::Deferred deferred = waiting_.front();
    waiting_.pop_front();
    deferred.Reject(error.Value());
    StartNext(env);
  }

 private:
  Napi::Value Snapshot(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    waiting_.push_back(deferred);
    if (!running_) StartNext(env);
    return deferred.Promise();
  }

  void StartNext(Napi::Env env) {
    if (waiting_.empty()) {
      if (running_) {
        running_ = false;
        Unref();  // nothing in flight: the JS object may be collected again
      }
      return;
    }
    if (!running_) {
      running_ = true;
      Ref();  // keep this object alive while a worker points at it
    }
    (new SnapshotWorker(env, this, reader_))->Queue();
  }

  std::shared_ptr<proctop::ProcSnapshotReader> reader_;
  Napi::FunctionReference build_;
  Napi::Reference<Napi::Float64Array> transfer_;
  std::deque<Napi::Promise::Deferred> waiting_;
  bool running_ = false;
};

void SnapshotWorker::OnOK() { owner_->Deliver(Env(), packed_); }

void SnapshotWorker::OnError(const Napi::Error& error) { owner_->Fail(Env(), error); }

}  // namespace

void RegisterSnapshot(Napi::Env env, Napi::Object exports) {
  auto* data = new SnapshotBindingData();
  data->makeBuilder = Napi::Persistent(env.RunScript(kBuilderSource).As<Napi::Function>());
  env.AddCleanupHook([data]() { delete data; });
  exports.Set("SnapshotReader", SnapshotReaderWrap::Define(env, data));
}
