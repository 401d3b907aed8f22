// The list of binding files. Each one adapts engine classes (which know
// nothing of N-API) to JS; add its initialiser here.
#pragma once

#include "addon/module.h"

// Bumped whenever the JS-facing native interface changes, so that lib/native.ts
// can tell a stale build from the current one.
#define SPEAD_ABI_VERSION 6

namespace spead::addon {

void init_info(Napi::Env env, Napi::Object exports, Module &module);
void init_inproc(Napi::Env env, Napi::Object exports, Module &module);
void init_common(Napi::Env env, Napi::Object exports, Module &module);
void init_recv_stream(Napi::Env env, Napi::Object exports, Module &module);
void init_send(Napi::Env env, Napi::Object exports, Module &module);
void init_bench(Napi::Env env, Napi::Object exports, Module &module);
void init_net(Napi::Env env, Napi::Object exports, Module &module);
void init_xdp(Napi::Env env, Napi::Object exports, Module &module);
void init_ibv(Napi::Env env, Napi::Object exports, Module &module);
void init_values(Napi::Env env, Napi::Object exports, Module &module);

inline constexpr Initializer all_initializers[] = {
    init_info,
    init_inproc,
    init_common,
    init_recv_stream,
    init_send,
    init_bench,
    init_net,
    init_xdp,
    init_ibv,
    init_values,
};

} // namespace spead::addon
