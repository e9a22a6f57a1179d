// N-API surface of the batch file reader, in the shape of native/columns.h:
//   readProcFiles(procRoot, pids, names, { countFds }) → Promise<columns>   unpackProcFiles (src/sys/native-files.ts)
#include <napi.h>

#include <string>

#include "bindings.h"
#include "columns.h"
#include "linux/proc_files.h"

namespace {

using proctop_js::ColumnSet;

// Columns (the contract with src/sys/native-files.ts):
//   errors: one per (pid, name), pid after pid: 0 or the errno; lengths: one per (pid, name), 0 on
//   error; bytes: the files' bytes one after another (each decoded to a string of its own, so no
//   process's text keeps a whole batch's alive); fdCounts: one per pid (when countFds): the count, or -errno.
ColumnSet RunReadProcFiles(const proctop::ProcFilesRequest& request) {
  proctop::ProcFilesResult result = proctop::ReadProcFiles(request);
  ColumnSet out;
  std::vector<double>& errors = out.Numbers("errors");
  std::vector<double>& lengths = out.Numbers("lengths");
  std::string& bytes = out.Bytes("bytes");
  errors.reserve(result.reads.size());
  lengths.reserve(result.reads.size());
  size_t total = 0;
  for (const proctop::ProcFileRead& read : result.reads) total += read.text.size();
  bytes.reserve(total);
  for (const proctop::ProcFileRead& read : result.reads) {
    errors.push_back(read.error);
    lengths.push_back(static_cast<double>(read.text.size()));
    bytes.append(read.text);
  }
  std::vector<double>& fdCounts = out.Numbers("fdCounts");
  for (long count : result.fdCounts) fdCounts.push_back(static_cast<double>(count));
  return out;
}

Napi::Value ReadProcFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "readProcFiles(procRoot: string, pids: number[], names: string[], options?: { countFds: boolean })";
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsArray()) throw Napi::TypeError::New(env, usage);
  proctop::ProcFilesRequest request;
  request.procRoot = info[0].As<Napi::String>().Utf8Value();
  Napi::Array pids = info[1].As<Napi::Array>();
  request.pids.reserve(pids.Length());
  for (uint32_t i = 0; i < pids.Length(); ++i) {
    Napi::Value pid = pids.Get(i);
    if (!proctop_js::IsWholeNumber(pid, 1, 2147483647)) throw Napi::RangeError::New(env, "readProcFiles: every pid must be a positive integer");
    request.pids.push_back(pid.As<Napi::Number>().Int32Value());
  }
  Napi::Array names = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    Napi::Value name = names.Get(i);
    if (!name.IsString() || !proctop::IsProcFileName(name.As<Napi::String>().Utf8Value())) {
      throw Napi::TypeError::New(env, "readProcFiles: every name must be a file name of 1 to 32 letters a-z or '_'");
    }
    request.names.push_back(name.As<Napi::String>().Utf8Value());
  }
  if (info.Length() >= 4 && info[3].IsObject()) {
    Napi::Value option = info[3].As<Napi::Object>().Get("countFds");
    if (!option.IsUndefined()) request.countFds = option.ToBoolean().Value();
  }
  return proctop_js::QueueColumns(env, "proctop:readProcFiles", std::move(request), RunReadProcFiles);
}

}  // namespace

void RegisterFiles(Napi::Env env, Napi::Object exports) { exports.Set("readProcFiles", Napi::Function::New(env, ReadProcFiles, "readProcFiles")); }
