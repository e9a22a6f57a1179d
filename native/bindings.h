// Each capability registers its exports from its own N-API file (snapshot_binding.cc,
// fds_binding.cc, files_binding.cc, signal_binding.cc, terminal_binding.cc, sched_binding.cc). Readers under native/linux/ use plain structs, no napi.h.
#pragma once
#include <napi.h>

void RegisterSnapshot(Napi::Env env, Napi::Object exports);
void RegisterFds(Napi::Env env, Napi::Object exports);
void RegisterSignal(Napi::Env env, Napi::Object exports);
void RegisterTerminal(Napi::Env env, Napi::Object exports);
void RegisterSched(Napi::Env env, Napi::Object exports);
void RegisterFiles(Napi::Env env, Napi::Object exports);
