// The list of binding files. Each one adapts engine classes (which know
// nothing of N-API) to JS; add its initialiser here.
#pragma once

#include "addon/module.h"

// Bumped whenever the JS-facing native interface changes, so that lib/native.ts
// can tell a stale build from the current one.
#define SPEAD_ABI_VERSION 1

namespace spead::addon {

void init_info(Napi::Env env, Napi::Object exports, Module &module);
void init_inproc(Napi::Env env, Napi::Object exports, Module &module);
void init_net(Napi::Env env, Napi::Object exports, Module &module);

inline constexpr Initializer all_initializers[] = {
    init_info,
    init_inproc,
    init_net,
};

} // namespace spead::addon
