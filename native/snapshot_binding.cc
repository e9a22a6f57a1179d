// N-API surface of the snapshot reader: `new SnapshotReader(procRoot)`, `read()` →
// Promise<PackedSnapshot>, `forgetAll()`, `handleStats()`, and `snapshotLayout` (the column names).
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
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "js_text.h"
#include "linux/proc_snapshot.h"
#include "linux/reader_thread.h"
#include "snapshot_layout.h"

namespace {

namespace column = proctop_layout::column;
namespace sysfield = proctop_layout::system;

/** A snapshot in transfer form, made on the worker; its buffers are reused from read to read. */
struct PackedSnapshot {
  /** Rows packed: processes new or changed since the previous read. */
  size_t count = 0;
  /** Numbers in columns, and slots in order (the containers are emptied as they cross to JS). */
  size_t columnCount = 0;
  size_t orderCount = 0;
  /** column::kCount columns of count numbers each, column after column. */
  std::vector<double> columns;
  /** Identity slot of every process of the snapshot, in pid order. */
  std::vector<uint32_t> order;
  /** Slots whose identity ended since the previous read (applied before the rows). */
  std::vector<uint32_t> freed;
  /** system::kCount figures, then cpu::kCount numbers for the total and for each CPU. */
  std::vector<double> system;
  /** comm, user, [exe], argv... of every process with fresh details, each NUL-terminated (raw bytes). */
  std::string text;
  std::vector<std::string> warnings;
};

void PackCpu(std::vector<double>& out, const proctop::CpuTimesRecord& cpu) {
  // Order of PROCTOP_CPU_FIELDS.
  const unsigned long long values[proctop_layout::cpu::kCount] = {cpu.user, cpu.nice,    cpu.system,  cpu.idle,
                                                                  cpu.iowait, cpu.irq, cpu.softirq, cpu.steal};
  for (unsigned long long value : values) out.push_back(static_cast<double>(value));
}

bool AppendPiece(std::string& text, const std::string& piece) {
  bool ascii = true;
  for (unsigned char c : piece) {
    if (c >= 0x80) ascii = false;
  }
  text.append(piece);
  text.push_back('\0');
  return ascii;
}

void Pack(proctop::SnapshotRecord&& snapshot, PackedSnapshot& packed) {
  const proctop::SystemInfoRecord& system = snapshot.system;
  std::vector<double>& s = packed.system;
  s.assign(sysfield::kCount, 0);
  s[sysfield::timestampMs] = snapshot.timestampMs;
  s[sysfield::monotonicMs] = snapshot.monotonicMs;
  s[sysfield::readStartMonotonicMs] = snapshot.readStartMonotonicMs;
  s[sysfield::cpuCount] = static_cast<double>(system.cpus.size());
  s[sysfield::memTotalBytes] = static_cast<double>(system.memTotalBytes);
  s[sysfield::memAvailableBytes] = static_cast<double>(system.memAvailableBytes);
  s[sysfield::memFreeBytes] = static_cast<double>(system.memFreeBytes);
  s[sysfield::buffersBytes] = static_cast<double>(system.buffersBytes);
  s[sysfield::cachedBytes] = static_cast<double>(system.cachedBytes);
  s[sysfield::swapTotalBytes] = static_cast<double>(system.swapTotalBytes);
  s[sysfield::swapFreeBytes] = static_cast<double>(system.swapFreeBytes);
  s[sysfield::loadAvg1] = system.loadAvg[0];
  s[sysfield::loadAvg5] = system.loadAvg[1];
  s[sysfield::loadAvg15] = system.loadAvg[2];
  s[sysfield::uptimeSeconds] = system.uptimeSeconds;
  s[sysfield::bootTimeMs] = system.bootTimeMs;
  s[sysfield::clockTicks] = static_cast<double>(system.clockTicks);
  s[sysfield::pageSize] = static_cast<double>(system.pageSize);
  s[sysfield::procsRunning] = system.procsRunning;
  PackCpu(s, system.cpuTotal);
  for (const auto& cpu : system.cpus) PackCpu(s, cpu);

  const size_t count = snapshot.changed.size();
  packed.count = count;
  packed.columns.resize(column::kCount * count);
  packed.order = std::move(snapshot.order);
  packed.columnCount = packed.columns.size();
  packed.orderCount = packed.order.size();
  packed.freed = std::move(snapshot.freedSlots);
  packed.text.clear();
  double* c = packed.columns.data();
  for (size_t i = 0; i < count; ++i) {
    const proctop::ProcessRecord& p = snapshot.changed[i];
    const proctop::ProcessFigures& f = p.figures;
    const proctop::ProcessDetails& details = *p.details;
    auto put = [c, count, i](column::Index index, double value) { c[index * count + i] = value; };
    put(column::pid, p.pid);
    put(column::startTime, static_cast<double>(p.startTime));
    put(column::ppid, f.ppid);
    put(column::pgid, f.pgid);
    put(column::sid, f.sid);
    put(column::uid, details.uid);
    put(column::state, static_cast<unsigned char>(f.state));
    put(column::utime, static_cast<double>(f.utime));
    put(column::stime, static_cast<double>(f.stime));
    put(column::rssBytes, static_cast<double>(f.rssBytes));
    put(column::vsizeBytes, static_cast<double>(f.vsizeBytes));
    put(column::threads, static_cast<double>(f.threads));
    put(column::nice, static_cast<double>(f.nice));
    put(column::priority, static_cast<double>(f.priority));
    put(column::ttyNr, static_cast<double>(f.ttyNr));
    put(column::isKernelThread, f.isKernelThread ? 1 : 0);
    put(column::slot, p.cacheSlot);
    put(column::detailsFresh, p.detailsFresh ? 1 : 0);
    put(column::hasExe, details.hasExe ? 1 : 0);
    put(column::argc, static_cast<double>(details.argv.size()));
    bool ascii = true;
    const size_t textStart = packed.text.size();
    if (p.detailsFresh) {
      ascii = AppendPiece(packed.text, details.comm) && ascii;
      ascii = AppendPiece(packed.text, details.user) && ascii;
      if (details.hasExe) ascii = AppendPiece(packed.text, details.exe) && ascii;
      for (const std::string& arg : details.argv) ascii = AppendPiece(packed.text, arg) && ascii;
    }
    put(column::textAscii, ascii ? 1 : 0);
    put(column::textBytes, static_cast<double>(packed.text.size() - textStart));
  }
  packed.warnings = std::move(snapshot.warnings);
}

Napi::Array NameList(Napi::Env env, const char* const* names, size_t count) {
  Napi::Array list = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; ++i) list.Set(static_cast<uint32_t>(i), names[i]);
  return list;
}

class SnapshotReaderWrap;

/** A job on a SnapshotReader's reader thread that settles a promise, keeping its owner alive meanwhile. */
class ReaderWorker : public Napi::AsyncWorker {
 public:
  ReaderWorker(Napi::Env env, const char* name, SnapshotReaderWrap* owner, std::shared_ptr<proctop::ProcSnapshotReader> reader,
               std::shared_ptr<proctop::ReaderThread> thread)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        reader_(std::move(reader)),
        thread_(std::move(thread)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void OnError(const Napi::Error& error) override;

 protected:
  Napi::Promise::Deferred deferred_;
  SnapshotReaderWrap* owner_;
  std::shared_ptr<proctop::ProcSnapshotReader> reader_;
  std::shared_ptr<proctop::ReaderThread> thread_;
};

/** Opens stat handles now, on its owner's reader thread (what the reader otherwise does in its idle time). */
class PrepareWorker : public ReaderWorker {
 public:
  PrepareWorker(Napi::Env env, SnapshotReaderWrap* owner, std::shared_ptr<proctop::ProcSnapshotReader> reader,
                std::shared_ptr<proctop::ReaderThread> thread)
      : ReaderWorker(env, "proctop:prepare-handles", owner, std::move(reader), std::move(thread)) {}

  void Execute() override {
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
                 std::shared_ptr<proctop::ReaderThread> thread, PackedSnapshot* packed)
      : ReaderWorker(env, "proctop:snapshot", owner, std::move(reader), std::move(thread)), packed_(packed) {}

  void Execute() override {
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
    thread_ = std::make_shared<proctop::ReaderThread>("proctop-read", proctop::kReaderNiceIncrement);
  }

  /**
   * Runs in the collected object's finalizer, on the JS thread: the reader's destructor closes
   * every kept handle and frees every cached identity (over 10 ms at 5,000 processes), so the
   * reader is let go of on a thread of its own, and its thread (idle: no read is running, one
   * holds a reference) is asked to finish and joined there too.
   */
  ~SnapshotReaderWrap() override {
    proctop::RunOffThread([reader = std::move(reader_), thread = std::move(thread_)]() mutable {
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
    auto* worker = new PrepareWorker(env, this, reader_, thread_);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (running_) throw Napi::Error::New(env, "SnapshotReader.read: the previous read has not finished");
    running_ = true;
    Ref();  // keep this object alive while a worker points at it
    auto* worker = new SnapshotWorker(env, this, reader_, thread_, &packed_);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value ForgetAll(const Napi::CallbackInfo& info) {
    if (running_) throw Napi::Error::New(info.Env(), "SnapshotReader.forgetAll: a read is running");
    reader_->ForgetAll();
    return info.Env().Undefined();
  }

  Napi::Value HandleStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    proctop::StatHandleStats stats = reader_->HandleStats();
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
    proctop::PidListingStats stats = reader_->ListingStats();
    Napi::Object result = Napi::Object::New(env);
    result.Set("full", static_cast<double>(stats.full));
    result.Set("recent", static_cast<double>(stats.recent));
    return result;
  }

  /** { read, helpers, byHelpers }: identities whose details the last read read, the helper threads started, and how many they read. */
  Napi::Value DetailsStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    proctop::DetailsStats stats = reader_->LastDetailsStats();
    Napi::Object result = Napi::Object::New(env);
    result.Set("read", static_cast<double>(stats.read));
    result.Set("helpers", static_cast<double>(stats.helpers));
    result.Set("byHelpers", static_cast<double>(stats.byHelpers));
    return result;
  }

  /** { started, tid, nice } of the reader's own thread (started by the first read). */
  Napi::Value ThreadInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    proctop::ReaderThreadInfo thread = thread_->Info();
    Napi::Object result = Napi::Object::New(env);
    result.Set("started", thread.started);
    result.Set("tid", static_cast<double>(thread.tid));
    result.Set("nice", static_cast<double>(thread.nice));
    return result;
  }

  std::shared_ptr<proctop::ProcSnapshotReader> reader_;
  std::shared_ptr<proctop::ReaderThread> thread_;
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
