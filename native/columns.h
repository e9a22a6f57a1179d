// The one shape of the fds and signal bindings (native/fds_binding.cc, native/signal_binding.cc):
//   1. the JS thread reads the arguments into a plain Request struct (napi-free, native/linux/);
//   2. Run(request) does the syscalls on a libuv worker and returns a ColumnSet: named number
//      columns, named text columns and named byte columns, no JS values;
//   3. back on the JS thread the set becomes one object { name: Float64Array | string | Buffer } and the
//      promise resolves with it; src/sys/native-*.ts decode it (src/sys/native-columns.ts reads
//      the columns by name).
// A binding that must answer synchronously (sendSignalSync, for exit handlers) runs the same Run
// on the JS thread and returns the same object. The snapshot reader keeps its buffers between
// reads (native/snapshot_binding.cc) but crosses in the same parts: numbers and NUL-ended text.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstring>
#include <deque>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "js_text.h"

namespace proctop_js {

/** Step 1's argument check: value is an integer number in [min, max]. */
inline bool IsWholeNumber(const Napi::Value& value, double min, double max) {
  if (!value.IsNumber()) return false;
  double number = value.As<Napi::Number>().DoubleValue();
  return std::isfinite(number) && std::floor(number) == number && number >= min && number <= max;
}

/** Pieces of text, each ended by NUL (no /proc string holds one): src/sys splits them back. */
class TextColumn {
 public:
  void Add(const std::string& piece) {
    if (ascii_) {
      for (unsigned char c : piece) {
        if (c >= 0x80) {
          ascii_ = false;
          break;
        }
      }
    }
    bytes_.append(piece);
    bytes_.push_back('\0');
  }
  void Reserve(size_t bytes) { bytes_.reserve(bytes); }

  /** Latin-1 when every byte is ASCII (V8's cheapest string), else bytes kept exactly (js_text.h). */
  Napi::Value ToJs(Napi::Env env) const {
    napi_value value;
    napi_status status = ascii_ ? napi_create_string_latin1(env, bytes_.data(), bytes_.size(), &value)
                                : CreateByteString(env, bytes_, &value);
    if (status != napi_ok) throw Napi::Error::New(env, "proctop: cannot create a result string");
    return Napi::Value(env, value);
  }

 private:
  std::string bytes_;
  bool ascii_ = true;
};

/** A worker's whole result, in columns. Names are the contract with the decoder in src/sys/. */
class ColumnSet {
 public:
  /**
   * The number column `name` (made on first use); rows of several numbers are laid out row after
   * row. The reference stays valid while the set lives.
   */
  std::vector<double>& Numbers(const char* name) {
    for (auto& column : numbers_) {
      if (std::strcmp(column.first, name) == 0) return column.second;
    }
    numbers_.emplace_back(name, std::vector<double>());
    return numbers_.back().second;
  }
  /** The byte column `name` (made on first use): raw bytes, handed over as a Buffer for the decoder to cut. */
  std::string& Bytes(const char* name) {
    for (auto& column : bytes_) {
      if (std::strcmp(column.first, name) == 0) return column.second;
    }
    bytes_.emplace_back(name, std::string());
    return bytes_.back().second;
  }
  /** The text column `name` (made on first use). */
  TextColumn& Text(const char* name) {
    for (auto& column : texts_) {
      if (std::strcmp(column.first, name) == 0) return column.second;
    }
    texts_.emplace_back(name, TextColumn());
    return texts_.back().second;
  }

  Napi::Object ToJs(Napi::Env env) const {
    Napi::Object result = Napi::Object::New(env);
    for (const auto& [name, values] : numbers_) {
      Napi::Float64Array array = Napi::Float64Array::New(env, values.size());
      if (!values.empty()) std::memcpy(array.Data(), values.data(), values.size() * sizeof(double));
      result.Set(name, array);
    }
    for (const auto& [name, text] : texts_) result.Set(name, text.ToJs(env));
    for (const auto& [name, bytes] : bytes_) result.Set(name, Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size()));
    return result;
  }

 private:
  // deques: a column made later never moves the ones handed out before (Run keeps references).
  std::deque<std::pair<const char*, std::vector<double>>> numbers_;
  std::deque<std::pair<const char*, TextColumn>> texts_;
  std::deque<std::pair<const char*, std::string>> bytes_;
};

/** Runs run(request) on a libuv worker; the promise resolves to the ColumnSet as one JS object. */
template <typename Request>
class ColumnsWorker : public Napi::AsyncWorker {
 public:
  using Run = ColumnSet (*)(const Request&);

  ColumnsWorker(Napi::Env env, const char* name, Request request, Run run)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), request_(std::move(request)), run_(run) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      columns_ = run_(request_);
    } catch (const std::exception& error) {
      SetError(error.what());  // out of memory, out of threads: a rejected promise, not an abort
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      deferred_.Resolve(columns_.ToJs(env));
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Request request_;
  Run run_;
  ColumnSet columns_;
};

/** Steps 2 and 3 of the shape above: queues run(request) and returns its promise. */
template <typename Request>
Napi::Promise QueueColumns(Napi::Env env, const char* name, Request request, ColumnSet (*run)(const Request&)) {
  auto* worker = new ColumnsWorker<Request>(env, name, std::move(request), run);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace proctop_js
