// N-API surface of the snapshot reader: `new SnapshotReader(procRoot, options)`, `read()` →
// Promise<PackedSnapshot>, `forgetAll()`, `handleStats()`, `readerProcess()`, and
// `snapshotLayout` (the column names).
//
// The async shape of every binding: arguments are read on the JS thread, /proc is read off it
// (native/linux/proc_snapshot.cc) and packed there into columns (snapshot_layout.h), and the JS
// thread only copies the columns into typed arrays it keeps from one read to the next. Unlike the
// other bindings, a read does not run on the libuv pool thread itself: the pool thread hands it to
// the reader's own thread (native/linux/reader_thread.h, niced so the JS thread wins a shared CPU)
// and waits for it, so the pool is held exactly as long as it was when it read.
// Only processes that are new or whose figures moved since the previous read are packed as rows
// (most processes sleep between two refreshes), with every process's identity slot in pid order:
// src/sys/native-snapshot.ts keeps one record per slot and replaces only the changed ones, so the
// JS work of a steady refresh follows the amount of change, not the number of processes.
// With { readerProcess: true } (proctop's collectors) the reading and packing happen in
// `proctop-reader`, a child in a session of its own (native/linux/reader_process.h): the pool
// thread sends the request and copies the answer into the same PackedSnapshot, and the rest of
// this file does not know the difference; the in-process reader below stays as its fallback.
#include <napi.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bindings.h"
#include "js_text.h"
#include "linux/proc_snapshot.h"
#include "linux/reader_process.h"
#include "linux/reader_thread.h"
#include "linux/snapshot_pack.h"
#include "snapshot_layout.h"

namespace {

namespace column = proctop_layout::column;
namespace sysfield = proctop_layout::system;

Napi::Array NameList(Napi::Env env, const char* const* names, size_t count) {
  Napi::Array list = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; ++i) list.Set(static_cast<uint32_t>(i), names[i]);
  return list;
}

using proctop::PackedSnapshot;

/**
 * A SnapshotReader's reader process (readerProcess: true), shared by its workers: spawned by the
 * first request, on the pool thread; dropped for the in-process reader when it cannot be spawned
 * or breaks (`failure` says why). The stats methods answer from the report of its last answer.
 */
struct Remote {
  bool asked = false;
  std::string executable;
  proctop::ReaderOptions options;
  std::mutex mutex;  // guards the fields below against the JS thread's stats methods
  std::unique_ptr<proctop::ReaderProcess> process;
  bool tried = false;
  std::string failure;
  bool reported = false;
  proctop::ReaderReport report;

  /** The live reader process, spawning it on first use; null when the in-process reader reads. */
  proctop::ReaderProcess* Process() {
    std::unique_ptr<proctop::ReaderProcess> spawned;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!asked || process || tried) return process.get();
      tried = true;
    }
    std::string why;
    try {
      spawned = std::make_unique<proctop::ReaderProcess>(executable, options);
    } catch (const std::exception& error) {
      why = error.what();
    }
    std::lock_guard<std::mutex> lock(mutex);
    failure = why;
    process = std::move(spawned);
    return process.get();
  }

  void Report(const proctop::ReaderReport& from) {
    std::lock_guard<std::mutex> lock(mutex);
    report = from;
    reported = true;
  }

  /** After a request threw: a broken process is dropped (and reaped here, on the pool thread); the next read is the in-process reader's first. */
  void AfterFailure(const std::exception& error) {
    std::unique_ptr<proctop::ReaderProcess> gone;
    std::lock_guard<std::mutex> lock(mutex);
    if (!process || !process->Broken()) return;
    failure = error.what();
    gone = std::move(process);
    reported = false;
  }
};

class SnapshotReaderWrap;

/** A job on a SnapshotReader's reader thread that settles a promise, keeping its owner alive meanwhile. */
class ReaderWorker : public Napi::AsyncWorker {
 public:
  ReaderWorker(Napi::Env env, const char* name, SnapshotReaderWrap* owner, std::shared_ptr<proctop::ProcSnapshotReader> reader,
               std::shared_ptr<proctop::ReaderThread> thread, std::shared_ptr<Remote> remote)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        reader_(std::move(reader)),
        thread_(std::move(thread)),
        remote_(std::move(remote)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void OnError(const Napi::Error& error) override;

 protected:
  Napi::Promise::Deferred deferred_;
  SnapshotReaderWrap* owner_;
  std::shared_ptr<proctop::ProcSnapshotReader> reader_;
  std::shared_ptr<proctop::ReaderThread> thread_;
  std::shared_ptr<Remote> remote_;
};

/** Opens stat handles now, on its owner's reader thread (what the reader otherwise does in its idle time). */
class PrepareWorker : public ReaderWorker {
 public:
  PrepareWorker(Napi::Env env, SnapshotReaderWrap* owner, std::shared_ptr<proctop::ProcSnapshotReader> reader,
                std::shared_ptr<proctop::ReaderThread> thread, std::shared_ptr<Remote> remote)
      : ReaderWorker(env, "proctop:prepare-handles", owner, std::move(reader), std::move(thread), std::move(remote)) {}

  void Execute() override {
    if (proctop::ReaderProcess* process = remote_->Process()) {
      try {
        proctop::ReaderReport report;
        kept_ = process->PrepareHandles(report);
        remote_->Report(report);
      } catch (const std::exception& error) {
        remote_->AfterFailure(error);
        SetError(error.what());
      }
      return;
    }
    thread_->Run([this]() { kept_ = reader_->PrepareHandles([]() { return false; }); });
  }

  void OnOK() override;

 private:
  size_t kept_ = 0;
};

/** Reads one snapshot, on its owner's reader thread, into its owner's reused PackedSnapshot. */
class SnapshotWorker : public ReaderWorker {
 public:
  SnapshotWorker(Napi::Env env, SnapshotReaderWrap* owner, std::shared_ptr<proctop::ProcSnapshotReader> reader,
                 std::shared_ptr<proctop::ReaderThread> thread, std::shared_ptr<Remote> remote, PackedSnapshot* packed)
      : ReaderWorker(env, "proctop:snapshot", owner, std::move(reader), std::move(thread), std::move(remote)), packed_(packed) {}

  void Execute() override {
    if (proctop::ReaderProcess* process = remote_->Process()) {
      // The reader process reads, packs and does its idle work itself; this thread only waits
      // for the answer (bounded: kReaderAnswerTimeoutMs) and copies it into packed_.
      try {
        proctop::ReaderReport report;
        process->Read(*packed_, report);
        remote_->Report(report);
      } catch (const std::exception& error) {
        remote_->AfterFailure(error);
        SetError(error.what());
      }
      return;
    }
    try {
      thread_->Run([this]() { Pack(reader_->Read(), *packed_); });
      // Between this read and the next, the reader thread would idle: the reader may grow the fd
      // table and open the handles the next read keeps, or read the next ahead (IdleWork; a read
      // asked for meanwhile stops it).
      if (reader_->WantsIdleWork()) {
        thread_->Post([reader = reader_](proctop::ReaderThread::Idle& idle) { reader->IdleWork(idle); });
      }
    } catch (const std::exception& error) {
      reader_->ForgetAll();
      SetError(error.what());
    }
  }

  void OnOK() override;

 private:
  PackedSnapshot* packed_;
};

/**
 * JS class SnapshotReader. One read at a time: the caller (src/sys/native-snapshot.ts) awaits
 * each read and finishes decoding it before the next, because the typed arrays a read resolves
 * with are the same ones the next read fills.
 */
/**
 * A count option of SnapshotReader: a whole number >= 1, or Infinity (SIZE_MAX: never);
 * `fallback` when absent. Throws a TypeError naming the option otherwise.
 */
size_t CountOption(Napi::Env env, const Napi::Object& options, const char* name, size_t fallback) {
  Napi::Value value = options.Get(name);
  if (value.IsUndefined()) return fallback;
  const double asked = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(asked >= 1) || (std::isfinite(asked) && asked != std::floor(asked))) {
    throw Napi::TypeError::New(env, std::string("SnapshotReader: ") + name + " must be a whole number >= 1 or Infinity");
  }
  return std::isfinite(asked) && asked < 1e15 ? static_cast<size_t>(asked) : SIZE_MAX;
}

class SnapshotReaderWrap : public Napi::ObjectWrap<SnapshotReaderWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SnapshotReader",
                       {InstanceMethod<&SnapshotReaderWrap::Read>("read"), InstanceMethod<&SnapshotReaderWrap::ForgetAll>("forgetAll"),
                        InstanceMethod<&SnapshotReaderWrap::HandleStats>("handleStats"),
                        InstanceMethod<&SnapshotReaderWrap::ListingStats>("listingStats"),
                        InstanceMethod<&SnapshotReaderWrap::DetailsStats>("detailsStats"),
                        InstanceMethod<&SnapshotReaderWrap::ThreadInfo>("readerThread"),
                        InstanceMethod<&SnapshotReaderWrap::ReaderProcessInfo>("readerProcess"),
                        InstanceMethod<&SnapshotReaderWrap::PrepareHandles>("prepareHandles")});
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
    // { keepHandlesFromRead, keepHandlesFromCount, fullListingEveryMs, secondReadAfterMs, fullStatEveryMs, detailsHelpersFrom,
    // detailsHelpers }: see
    // ProcSnapshotReader (the monitor's early reader defers keeping and reads its second read
    // ahead; tests bound the time between full listings and between a sleeper's stat reads).
    uint64_t keepHandlesFromRead = 1;
    double fullListingEveryMs = proctop::ProcSnapshotReader::kFullListingEveryMs;
    double secondReadAfterMs = 0;
    double fullStatEveryMs = proctop::ProcSnapshotReader::kFullStatEveryMs;
    size_t keepHandlesFromCount = proctop::ProcSnapshotReader::kKeepHandlesFromCount;
    size_t detailsHelpersFrom = proctop::ProcSnapshotReader::kDetailsHelpersFrom;
    size_t detailsHelpers = proctop::ProcSnapshotReader::kDetailsHelpersAuto;
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object options = info[1].As<Napi::Object>();
      Napi::Value from = options.Get("keepHandlesFromRead");
      if (!from.IsUndefined()) {
        if (!from.IsNumber() || from.As<Napi::Number>().DoubleValue() < 1) {
          throw Napi::TypeError::New(env, "SnapshotReader: keepHandlesFromRead must be a number >= 1");
        }
        keepHandlesFromRead = static_cast<uint64_t>(from.As<Napi::Number>().DoubleValue());
      }
      keepHandlesFromCount = CountOption(env, options, "keepHandlesFromCount", keepHandlesFromCount);
      detailsHelpersFrom = CountOption(env, options, "detailsHelpersFrom", detailsHelpersFrom);
      Napi::Value helpers = options.Get("detailsHelpers");
      if (!helpers.IsUndefined()) {
        const double asked = helpers.IsNumber() ? helpers.As<Napi::Number>().DoubleValue() : -1;
        if (!(asked >= 0 && asked <= proctop::ProcSnapshotReader::kMaxAskedDetailsHelpers) || asked != std::floor(asked)) {
          throw Napi::TypeError::New(env, "SnapshotReader: detailsHelpers must be a whole number from 0 to " +
                                              std::to_string(proctop::ProcSnapshotReader::kMaxAskedDetailsHelpers));
        }
        detailsHelpers = static_cast<size_t>(asked);
      }
      Napi::Value every = options.Get("fullListingEveryMs");
      if (!every.IsUndefined()) {
        if (!every.IsNumber() || !(every.As<Napi::Number>().DoubleValue() >= 0)) {
          throw Napi::TypeError::New(env, "SnapshotReader: fullListingEveryMs must be a number >= 0");
        }
        fullListingEveryMs = every.As<Napi::Number>().DoubleValue();
      }
      Napi::Value ahead = options.Get("secondReadAfterMs");
      if (!ahead.IsUndefined()) {
        if (!ahead.IsNumber() || !(ahead.As<Napi::Number>().DoubleValue() >= 0) || !std::isfinite(ahead.As<Napi::Number>().DoubleValue())) {
          throw Napi::TypeError::New(env, "SnapshotReader: secondReadAfterMs must be a finite number >= 0");
        }
        secondReadAfterMs = ahead.As<Napi::Number>().DoubleValue();
      }
      Napi::Value stat = options.Get("fullStatEveryMs");
      if (!stat.IsUndefined()) {
        if (!stat.IsNumber() || !(stat.As<Napi::Number>().DoubleValue() >= 0) || !std::isfinite(stat.As<Napi::Number>().DoubleValue())) {
          throw Napi::TypeError::New(env, "SnapshotReader: fullStatEveryMs must be a finite number >= 0");
        }
        fullStatEveryMs = stat.As<Napi::Number>().DoubleValue();
      }
    }
    reader_ = std::make_shared<proctop::ProcSnapshotReader>(procRoot, keepHandlesFromRead, fullListingEveryMs, secondReadAfterMs, fullStatEveryMs,
                                                            keepHandlesFromCount, detailsHelpersFrom, detailsHelpers);
    remote_ = std::make_shared<Remote>();
    remote_->options = {procRoot, keepHandlesFromRead, fullListingEveryMs, secondReadAfterMs, fullStatEveryMs, keepHandlesFromCount, detailsHelpersFrom, detailsHelpers};
    remote_->executable = proctop::ReaderExecutableBeside();
    // The process's main thread, whose event loop is the one a person or a scraper waits on (the
    // TUI's and the CLI's; serve-metrics samples on a worker thread but answers scrapes there):
    // the reader process's breaks yield to it.
    remote_->options.yieldToPid = static_cast<int>(getpid());
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object options = info[1].As<Napi::Object>();
      Napi::Value process = options.Get("readerProcess");
      if (!process.IsUndefined()) {
        if (!process.IsBoolean()) throw Napi::TypeError::New(env, "SnapshotReader: readerProcess must be true or false");
        remote_->asked = process.As<Napi::Boolean>().Value();
      }
      Napi::Value executable = options.Get("readerExecutable");
      if (!executable.IsUndefined()) {
        if (!executable.IsString() || executable.As<Napi::String>().Utf8Value().empty()) {
          throw Napi::TypeError::New(env, "SnapshotReader: readerExecutable must be a non-empty path");
        }
        remote_->executable = executable.As<Napi::String>().Utf8Value();
      }
      Napi::Value breaks = options.Get("passBreakMs");
      if (!breaks.IsUndefined()) {
        const double every = breaks.IsNumber() ? breaks.As<Napi::Number>().DoubleValue() : -1;
        if (!(every >= 0) || !std::isfinite(every)) throw Napi::TypeError::New(env, "SnapshotReader: passBreakMs must be a finite number >= 0");
        remote_->options.passBreakEveryMs = every;
      }
      Napi::Value yield = options.Get("yieldToJsThread");
      if (!yield.IsUndefined()) {
        if (!yield.IsBoolean()) throw Napi::TypeError::New(env, "SnapshotReader: yieldToJsThread must be true or false");
        if (!yield.As<Napi::Boolean>().Value()) remote_->options.yieldToPid = 0;
      }
    }
    thread_ = std::make_shared<proctop::ReaderThread>("proctop-read", proctop::kReaderNiceIncrement);
  }

  /**
   * Runs in the collected object's finalizer, on the JS thread: the reader's destructor closes
   * every kept handle and frees every cached identity (over 10 ms at 5,000 processes), so the
   * reader is let go of on a thread of its own, and its thread (idle: no read is running, one
   * holds a reference) is asked to finish and joined there too.
   */
  ~SnapshotReaderWrap() override {
    proctop::RunOffThread([reader = std::move(reader_), thread = std::move(thread_), remote = std::move(remote_)]() mutable {
      remote.reset();  // closes the reader process's socket and reaps it (bounded: ReaderProcess)
      thread.reset();
      reader.reset();
    });
  }

  /** Resolves a finished read as { count, columns, order, freed, system, text, textLength, warnings }. */
  Napi::Value Deliver(Napi::Env env) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("count", static_cast<double>(packed_.count));
    Napi::ArrayBuffer columnBuffer = Kept(env, columns_, packed_.columns);
    result.Set("columns", Napi::Float64Array::New(env, packed_.columnCount, columnBuffer, 0));
    Napi::ArrayBuffer orderBuffer = Kept(env, order_, packed_.order);
    result.Set("order", Napi::Uint32Array::New(env, packed_.orderCount, orderBuffer, 0));
    Napi::Uint32Array freed = Napi::Uint32Array::New(env, packed_.freed.size());
    if (!packed_.freed.empty()) std::memcpy(freed.Data(), packed_.freed.data(), packed_.freed.size() * sizeof(uint32_t));
    result.Set("freed", freed);
    Napi::Float64Array system = Napi::Float64Array::New(env, packed_.system.size());
    std::memcpy(system.Data(), packed_.system.data(), packed_.system.size() * sizeof(double));
    result.Set("system", system);
    // Raw bytes, decoded piece by piece in TypeScript: no one large string made at once here.
    // Large text (a first read) is handed over for good: the decoder keeps it until every record
    // is built, and copying it out of a kept buffer (2 MB at 20,000 processes) held the loop for
    // 5-7 ms. Small text (a steady read) crosses in the kept buffer and is copied by the decoder.
    const size_t textLength = packed_.text.size();
    const bool textOwned = textLength >= kOwnTextFrom;
    result.Set("text", textOwned ? Handed(env, packed_.text) : Kept(env, text_, packed_.text));
    result.Set("textLength", static_cast<double>(textLength));
    result.Set("textOwned", textOwned);
    Napi::Array warnings = Napi::Array::New(env, packed_.warnings.size());
    for (size_t i = 0; i < packed_.warnings.size(); ++i) {
      napi_value warning;
      if (proctop_js::CreateByteString(env, packed_.warnings[i], &warning) != napi_ok) throw Napi::Error::New(env, "proctop: cannot create a warning string");
      warnings.Set(static_cast<uint32_t>(i), Napi::Value(env, warning));
    }
    result.Set("warnings", warnings);
    return result;
  }

  void Finished() {
    running_ = false;
    Unref();  // nothing in flight: the JS object may be collected again
  }

 private:
  /**
   * The buffer a read's data crosses in, kept across reads. When the data fits the kept buffer it
   * is copied in (a steady read: only the changed rows, a few KB); a fresh ~1 MB buffer per
   * refresh made V8 run extra "external memory pressure" GCs. When it does not (a first read:
   * every process, 4 MB of columns and 2 MB of text at 20,000), the worker's own container is
   * handed over as the buffer's memory instead of being copied: allocating, zero-filling and
   * copying megabytes on the JS thread took milliseconds of the loop's time. It is kept from then
   * on, and the worker fills a new container for the next read. Where external buffers are
   * refused (a V8 sandbox), it falls back to a copy. Afterwards `data` is empty.
   */
  template <typename Container>
  static Napi::ArrayBuffer Kept(Napi::Env env, Napi::Reference<Napi::ArrayBuffer>& kept, Container& data) {
    const size_t bytes = data.size() * sizeof(typename Container::value_type);
    if (kept.IsEmpty() || kept.Value().ByteLength() < bytes) {
      Napi::ArrayBuffer fresh = bytes > 0 ? External(env, data) : Napi::ArrayBuffer();
      if (fresh.IsEmpty()) fresh = Napi::ArrayBuffer::New(env, bytes + bytes / 2 + 4096);
      kept = Napi::Persistent(fresh);
      if (data.empty()) return fresh;
    }
    Napi::ArrayBuffer buffer = kept.Value();
    if (bytes > 0) std::memcpy(buffer.Data(), data.data(), bytes);
    data.clear();
    return buffer;
  }

  /**
   * A buffer holding `data` that no later read writes to: the worker's container itself where
   * external buffers are allowed, else a copy. Afterwards `data` is empty.
   */
  template <typename Container>
  static Napi::ArrayBuffer Handed(Napi::Env env, Container& data) {
    const size_t bytes = data.size() * sizeof(typename Container::value_type);
    Napi::ArrayBuffer buffer = External(env, data);
    if (buffer.IsEmpty()) {
      buffer = Napi::ArrayBuffer::New(env, bytes);
      if (bytes > 0) std::memcpy(buffer.Data(), data.data(), bytes);
    }
    data = Container();
    return buffer;
  }

  /** An external buffer that owns `data`'s memory (data left empty), or an empty handle (data untouched) where V8 refuses one. */
  template <typename Container>
  static Napi::ArrayBuffer External(Napi::Env env, Container& data) {
    const size_t bytes = data.size() * sizeof(typename Container::value_type);
    auto* owned = new Container(std::move(data));
    try {
      return Napi::ArrayBuffer::New(env, owned->data(), bytes, [](Napi::Env, void*, Container* gone) { delete gone; }, owned);
    } catch (const Napi::Error&) {
      data = std::move(*owned);  // external buffers refused (a V8 sandbox)
      delete owned;
      return Napi::ArrayBuffer();
    }
  }

  /** Text at least this long is handed over rather than kept (see Deliver). */
  static constexpr size_t kOwnTextFrom = 64 * 1024;

  /**
   * Resolves with how many stat handles it opened for the identities of the last read that had
   * none: what the reader does by itself in its idle time before keepHandlesFromRead (tests call
   * it to put a handle in place at a moment of their choosing). Not while a read runs.
   */
  Napi::Value PrepareHandles(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (running_) throw Napi::Error::New(env, "SnapshotReader.prepareHandles: a read has not finished");
    running_ = true;
    Ref();
    auto* worker = new PrepareWorker(env, this, reader_, thread_, remote_);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (running_) throw Napi::Error::New(env, "SnapshotReader.read: the previous read has not finished");
    running_ = true;
    Ref();  // keep this object alive while a worker points at it
    auto* worker = new SnapshotWorker(env, this, reader_, thread_, remote_, &packed_);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value ForgetAll(const Napi::CallbackInfo& info) {
    if (running_) throw Napi::Error::New(info.Env(), "SnapshotReader.forgetAll: a read is running");
    {
      std::lock_guard<std::mutex> lock(remote_->mutex);
      if (remote_->process) remote_->process->ForgetAll();
    }
    reader_->ForgetAll();
    return info.Env().Undefined();
  }

  Napi::Value HandleStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    proctop::StatHandleStats stats = Reported(&proctop::ReaderReport::handles, [this]() { return reader_->HandleStats(); });
    Napi::Object result = Napi::Object::New(env);
    result.Set("kept", static_cast<double>(stats.kept));
    result.Set("budget", static_cast<double>(stats.budget));
    result.Set("limit", static_cast<double>(stats.limit));
    result.Set("reserve", static_cast<double>(stats.reserve));
    result.Set("enabled", stats.enabled);
    result.Set("prepared", static_cast<double>(stats.prepared));
    result.Set("runChecks", static_cast<double>(stats.runChecks));
    result.Set("unread", static_cast<double>(stats.unread));
    result.Set("runChecksRefused", static_cast<double>(stats.runChecksRefused));
    return result;
  }

  /** { full, recent }: how many reads listed all of /proc, and how many only the PIDs new since the read before. */
  Napi::Value ListingStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    proctop::PidListingStats stats = Reported(&proctop::ReaderReport::listing, [this]() { return reader_->ListingStats(); });
    Napi::Object result = Napi::Object::New(env);
    result.Set("full", static_cast<double>(stats.full));
    result.Set("recent", static_cast<double>(stats.recent));
    return result;
  }

  /** { read, helpers, byHelpers }: identities whose details the last read read, the helper threads started, and how many they read. */
  Napi::Value DetailsStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    proctop::DetailsStats stats = Reported(&proctop::ReaderReport::details, [this]() { return reader_->LastDetailsStats(); });
    Napi::Object result = Napi::Object::New(env);
    result.Set("read", static_cast<double>(stats.read));
    result.Set("helpers", static_cast<double>(stats.helpers));
    result.Set("byHelpers", static_cast<double>(stats.byHelpers));
    return result;
  }

  /** { started, tid, nice } of the reader's own thread (started by the first read). */
  Napi::Value ThreadInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    proctop::ReaderThreadInfo thread = Reported(&proctop::ReaderReport::thread, [this]() { return thread_->Info(); });
    Napi::Object result = Napi::Object::New(env);
    result.Set("started", thread.started);
    result.Set("tid", static_cast<double>(thread.tid));
    result.Set("nice", static_cast<double>(thread.nice));
    return result;
  }

  /**
   * A stats figure: from the reader process's last answer while one reads (as of that answer:
   * asking it now would wait behind a running read), else from the in-process reader.
   */
  template <typename Field, typename Local>
  Field Reported(Field proctop::ReaderReport::*field, Local local) {
    {
      std::lock_guard<std::mutex> lock(remote_->mutex);
      if (remote_->process) return remote_->reported ? remote_->report.*field : Field{};
    }
    return local();
  }

  /**
   * { asked, pid, failure, passBreaks, yields, yieldSleeps, yieldedMs }: whether a reader process
   * was asked for, its PID while one reads (0 otherwise), why the in-process reader reads instead
   * (null when it does not, or before the first read), how many breaks its passes have taken, and
   * at how many of them it slept, how often and how long while the JS thread waited behind it (as
   * of its last answer).
   */
  Napi::Value ReaderProcessInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object result = Napi::Object::New(env);
    std::lock_guard<std::mutex> lock(remote_->mutex);
    result.Set("asked", remote_->asked);
    result.Set("pid", static_cast<double>(remote_->process ? remote_->process->Pid() : 0));
    const bool reported = remote_->process && remote_->reported;
    result.Set("passBreaks", static_cast<double>(reported ? remote_->report.passBreaks : 0));
    result.Set("yields", static_cast<double>(reported ? remote_->report.yields.yields : 0));
    result.Set("yieldSleeps", static_cast<double>(reported ? remote_->report.yields.sleeps : 0));
    result.Set("yieldedMs", reported ? remote_->report.yields.yieldedMs : 0.0);
    if (remote_->failure.empty()) {
      result.Set("failure", env.Null());
    } else {
      napi_value failure;
      if (proctop_js::CreateByteString(env, remote_->failure, &failure) != napi_ok) throw Napi::Error::New(env, "proctop: cannot create a string");
      result.Set("failure", Napi::Value(env, failure));
    }
    return result;
  }

  std::shared_ptr<proctop::ProcSnapshotReader> reader_;
  std::shared_ptr<proctop::ReaderThread> thread_;
  std::shared_ptr<Remote> remote_;
  PackedSnapshot packed_;
  Napi::Reference<Napi::ArrayBuffer> columns_;
  Napi::Reference<Napi::ArrayBuffer> order_;
  Napi::Reference<Napi::ArrayBuffer> text_;
  bool running_ = false;
};

void SnapshotWorker::OnOK() {
  Napi::Env env = Env();
  try {
    deferred_.Resolve(owner_->Deliver(env));
  } catch (const Napi::Error& error) {
    // The changes of this read never reach the decoder: the next read starts from nothing.
    reader_->ForgetAll();
    deferred_.Reject(error.Value());
  }
  // Last: Unref may let the wrapper be collected.
  owner_->Finished();
}

void PrepareWorker::OnOK() {
  deferred_.Resolve(Napi::Number::New(Env(), static_cast<double>(kept_)));
  owner_->Finished();
}

void ReaderWorker::OnError(const Napi::Error& error) {
  owner_->Finished();
  deferred_.Reject(error.Value());
}

}  // namespace

/** markStatDue(pid): every reader reads pid's stat on its next read (proctop reniced it). */
Napi::Value MarkStatDue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().DoubleValue() < 1 ||
      info[0].As<Napi::Number>().DoubleValue() > 0x7fffffff) {
    throw Napi::TypeError::New(env, "markStatDue: pid must be a positive integer");
  }
  proctop::MarkStatDue(info[0].As<Napi::Number>().Int32Value());
  return env.Undefined();
}

void RegisterSnapshot(Napi::Env env, Napi::Object exports) {
  exports.Set("SnapshotReader", SnapshotReaderWrap::Define(env));
  exports.Set("markStatDue", Napi::Function::New(env, MarkStatDue, "markStatDue"));
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("processColumns", NameList(env, proctop_layout::kProcessColumnNames, column::kCount));
  layout.Set("systemFields", NameList(env, proctop_layout::kSystemFieldNames, sysfield::kCount));
  layout.Set("cpuFields", NameList(env, proctop_layout::kCpuFieldNames, proctop_layout::cpu::kCount));
  layout.Set("delivery", proctop_layout::kDelivery);
  exports.Set("snapshotLayout", layout);
}
