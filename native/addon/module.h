// Per-addon-instance state and the helpers every binding file shares.
// Nothing here is static, so the addon loads in several worker threads at once.
#pragma once

#include <napi.h>

#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

namespace spead::addon {

class Module
{
public:
    Module(Napi::Env env, Napi::Object exports);

    // Constructors of the wrapped classes, by class name, so that one binding
    // can create or recognise instances of another (e.g. a stream taking a ThreadPool).
    std::unordered_map<std::string, Napi::FunctionReference> constructors;

    static Module &get(Napi::Env env) { return *env.GetInstanceData<Module>(); }
};

// Throws a JS Error for the exception currently being handled, keeping the
// `code`/`errno` of system errors as Node does for its own.
[[noreturn]] void rethrow_as_js(Napi::Env env, const std::exception &e);

// Calls fn from a thread-safe-function callback. A JS exception goes back to
// JS as an uncaught exception; nothing escapes as a C++ exception (during
// environment teardown, when JS cannot run, that would terminate the process).
void call_js_safely(Napi::Env env, Napi::Function fn, const std::vector<napi_value> &args = {});

// Each binding file exports one initialiser; module.cpp calls them all.
using Initializer = void (*)(Napi::Env env, Napi::Object exports, Module &module);

} // namespace spead::addon
