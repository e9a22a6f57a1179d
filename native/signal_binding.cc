// N-API surface of identity-checked signalling: sendSignal(procRoot, pid, startTime, signal)
// → Promise<SignalDelivery>. Arguments are read here, the syscalls run on a worker thread.
#include <napi.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "bindings.h"
#include "linux/pidfd_signal.h"

namespace {

class SendSignalWorker : public Napi::AsyncWorker {
 public:
  SendSignalWorker(Napi::Env env, proctop::SignalRequest request)
      : Napi::AsyncWorker(env), request_(std::move(request)), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { result_ = proctop::SendIdentityCheckedSignal(request_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object delivery = Napi::Object::New(env);
    delivery.Set("outcome", result_.outcome);
    delivery.Set("error", result_.error.empty() ? env.Null() : Napi::String::New(env, result_.error));
    delivery.Set("viaPidfd", result_.viaPidfd);
    Napi::Array warnings = Napi::Array::New(env, result_.warnings.size());
    for (size_t i = 0; i < result_.warnings.size(); ++i) warnings.Set(static_cast<uint32_t>(i), result_.warnings[i]);
    delivery.Set("warnings", warnings);
    deferred_.Resolve(delivery);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  proctop::SignalRequest request_;
  proctop::SignalResult result_;
  Napi::Promise::Deferred deferred_;
};

bool IsWholeNumber(const Napi::Value& value, double min, double max) {
  if (!value.IsNumber()) return false;
  double number = value.As<Napi::Number>().DoubleValue();
  return std::isfinite(number) && std::floor(number) == number && number >= min && number <= max;
}

Napi::Value SendSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString()) {
    throw Napi::TypeError::New(env, "sendSignal(procRoot: string, pid: number, startTime: number, signal: number)");
  }
  if (!IsWholeNumber(info[1], 1, 2147483647)) throw Napi::RangeError::New(env, "sendSignal: pid must be a positive integer");
  if (!IsWholeNumber(info[2], 0, 9007199254740991.0)) {
    throw Napi::RangeError::New(env, "sendSignal: startTime must be a non-negative integer");
  }
  if (!IsWholeNumber(info[3], 0, 64)) throw Napi::RangeError::New(env, "sendSignal: signal must be an integer 0..64");

  proctop::SignalRequest request;
  request.procRoot = info[0].As<Napi::String>().Utf8Value();
  request.pid = info[1].As<Napi::Number>().Int32Value();
  request.startTime = static_cast<uint64_t>(info[2].As<Napi::Number>().DoubleValue());
  request.signal = info[3].As<Napi::Number>().Int32Value();
  // Read on the JS thread: getenv is not safe against concurrent setenv from node.
  const char* noPidfd = std::getenv("PROCTOP_NO_PIDFD");
  request.forceFallback = noPidfd != nullptr && std::strcmp(noPidfd, "") != 0 && std::strcmp(noPidfd, "0") != 0;

  auto* worker = new SendSignalWorker(env, std::move(request));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterSignal(Napi::Env env, Napi::Object exports) {
  exports.Set("sendSignal", Napi::Function::New(env, SendSignal, "sendSignal"));
}
