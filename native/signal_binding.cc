// N-API surface of identity-checked signalling, in the shape of native/columns.h (arguments into
// a SignalRequest here, the syscalls on a worker, the result as columns decoded by
// src/sys/native-signal.ts):
//   sendSignal(procRoot, pid, startTime, signal) → Promise<columns>
//   sendSignalSync(procRoot, pid, startTime, signal) → columns
#include <napi.h>

#include <cstdlib>
#include <cstring>

#include "bindings.h"
#include "columns.h"
#include "linux/pidfd_signal.h"

namespace {

// Columns: delivery [viaPidfd]; outcome: the outcome, then the error ('' = none); warnings.
proctop_js::ColumnSet RunSendSignal(const proctop::SignalRequest& request) {
  proctop::SignalResult result = proctop::SendIdentityCheckedSignal(request);
  proctop_js::ColumnSet out;
  out.Numbers("delivery").push_back(result.viaPidfd ? 1 : 0);
  proctop_js::TextColumn& outcome = out.Text("outcome");
  outcome.Add(result.outcome);
  outcome.Add(result.error);
  proctop_js::TextColumn& warnings = out.Text("warnings");
  for (const std::string& warning : result.warnings) warnings.Add(warning);
  return out;
}

using proctop_js::IsWholeNumber;

/** Reads and checks the arguments on the JS thread; throws a TypeError/RangeError naming the bad one. */
proctop::SignalRequest ReadRequest(const Napi::CallbackInfo& info, const char* name) {
  Napi::Env env = info.Env();
  const std::string fn = name;
  if (info.Length() < 4 || !info[0].IsString()) {
    throw Napi::TypeError::New(env, fn + "(procRoot: string, pid: number, startTime: number, signal: number)");
  }
  if (!IsWholeNumber(info[1], 1, 2147483647)) throw Napi::RangeError::New(env, fn + ": pid must be a positive integer");
  if (!IsWholeNumber(info[2], 0, 9007199254740991.0)) throw Napi::RangeError::New(env, fn + ": startTime must be a non-negative integer");
  if (!IsWholeNumber(info[3], 0, 64)) throw Napi::RangeError::New(env, fn + ": signal must be an integer 0..64");

  proctop::SignalRequest request;
  request.procRoot = info[0].As<Napi::String>().Utf8Value();
  request.pid = info[1].As<Napi::Number>().Int32Value();
  request.startTime = static_cast<uint64_t>(info[2].As<Napi::Number>().DoubleValue());
  request.signal = info[3].As<Napi::Number>().Int32Value();
  // Read on the JS thread: getenv is not safe against concurrent setenv from node.
  const char* noPidfd = std::getenv("PROCTOP_NO_PIDFD");
  request.forceFallback = noPidfd != nullptr && std::strcmp(noPidfd, "") != 0 && std::strcmp(noPidfd, "0") != 0;
  return request;
}

Napi::Value SendSignal(const Napi::CallbackInfo& info) {
  return proctop_js::QueueColumns(info.Env(), "proctop:sendSignal", ReadRequest(info, "sendSignal"), RunSendSignal);
}

// Synchronous on purpose: exit handlers (process 'exit', a signal handler about to re-raise)
// cannot wait for a worker, and what they send (SIGCONT to members left stopped) must still go
// through the pidfd identity check. It is a handful of syscalls (pidfd_open, one stat read,
// pidfd_send_signal), so running them on the JS thread costs microseconds.
Napi::Value SendSignalSync(const Napi::CallbackInfo& info) {
  return RunSendSignal(ReadRequest(info, "sendSignalSync")).ToJs(info.Env());
}

}  // namespace

void RegisterSignal(Napi::Env env, Napi::Object exports) {
  exports.Set("sendSignal", Napi::Function::New(env, SendSignal, "sendSignal"));
  exports.Set("sendSignalSync", Napi::Function::New(env, SendSignalSync, "sendSignalSync"));
}
