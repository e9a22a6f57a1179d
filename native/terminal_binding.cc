// Whether a file descriptor is a terminal (isatty), for the CLI's early start
// (src/sys/first-read.ts): Node's own answer (tty.isatty) loads node:tty, and with it node:net and
// the stream modules, ~2 ms before the monitor's first read could start.
#include <unistd.h>

#include "bindings.h"

namespace {

Napi::Value IsTerminal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "isTerminal(fd)");
  return Napi::Boolean::New(env, isatty(info[0].As<Napi::Number>().Int32Value()) == 1);
}

}  // namespace

void RegisterTerminal(Napi::Env env, Napi::Object exports) {
  exports.Set("isTerminal", Napi::Function::New(env, IsTerminal, "isTerminal"));
}
