// The calling thread's scheduler slice (native/linux/timeslice.h), for the CLI's long-running
// modes (preferShortTimeslice in src/sys/first-read.ts): the JS thread asks for a short one so its
// event loop wakes on time while other threads hold the CPUs.
#include "bindings.h"
#include "linux/timeslice.h"

namespace {

Napi::Value RequestTimeslice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "requestTimeslice(sliceNs)");
  const double asked = info[0].As<Napi::Number>().DoubleValue();
  if (!(asked > 0) || asked > 1e12) throw Napi::RangeError::New(env, "requestTimeslice: sliceNs must be a positive number of nanoseconds");
  const proctop::TimesliceResult result = proctop::RequestTimeslice(static_cast<uint64_t>(asked));
  Napi::Object out = Napi::Object::New(env);
  out.Set("applied", Napi::Boolean::New(env, result.applied));
  out.Set("sliceNs", Napi::Number::New(env, static_cast<double>(result.sliceNs)));
  out.Set("reason", result.applied ? env.Null() : Napi::String::New(env, result.reason));
  return out;
}

}  // namespace

void RegisterSched(Napi::Env env, Napi::Object exports) {
  exports.Set("requestTimeslice", Napi::Function::New(env, RequestTimeslice, "requestTimeslice"));
}
