#include <napi.h>
#include "bindings.h"

// Module entry: every capability adds one Register* call here.
static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  RegisterSnapshot(env, exports);
  RegisterSignal(env, exports);
  RegisterFds(env, exports);
  RegisterTerminal(env, exports);
  RegisterSched(env, exports);
  RegisterFiles(env, exports);
  return exports;
}

NODE_API_MODULE(proctop, Init)
