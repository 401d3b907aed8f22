#include "addon/module.h"
#include "addon/bindings.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace spead::addon {

namespace {

// errno → the symbolic code Node puts on its own system errors.
const char *errno_name(int err)
{
    switch (err)
    {
    case EACCES: return "EACCES";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EBUSY: return "EBUSY";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case EINVAL: return "EINVAL";
    case EMSGSIZE: return "EMSGSIZE";
    case ENETUNREACH: return "ENETUNREACH";
    case ENODEV: return "ENODEV";
    case ENOENT: return "ENOENT";
    case ENOMEM: return "ENOMEM";
    case ENOSYS: return "ENOSYS";
    case ENOTCONN: return "ENOTCONN";
    case EPERM: return "EPERM";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOBUFS: return "ENOBUFS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESHUTDOWN: return "ESHUTDOWN";
    default: return nullptr;
    }
}

} // namespace

[[noreturn]] void rethrow_as_js(Napi::Env env, const std::exception &e)
{
    if (auto *se = dynamic_cast<const std::system_error *>(&e))
    {
        Napi::Error err = Napi::Error::New(env, se->what());
        int value = se->code().value();
        if (se->code().category() == std::generic_category() || se->code().category() == std::system_category())
        {
            const char *name = errno_name(value);
            err.Set("errno", Napi::Number::New(env, -value));
            err.Set("code", Napi::String::New(env, name ? name : ("E" + std::to_string(value))));
        }
        throw err;
    }
    if (dynamic_cast<const std::invalid_argument *>(&e) || dynamic_cast<const std::out_of_range *>(&e)
        || dynamic_cast<const std::length_error *>(&e))
        throw Napi::RangeError::New(env, e.what());
    throw Napi::Error::New(env, e.what());
}

void call_js_safely(Napi::Env env, Napi::Function fn, const std::vector<napi_value> &args)
{
    if (env == nullptr || fn == nullptr)
        return;
    try
    {
        fn.Call(args);
    }
    catch (const Napi::Error &e)
    {
        napi_throw(env, e.Value()); // fails harmlessly when the environment is going away
    }
}

Module::Module(Napi::Env env, Napi::Object exports)
{
    for (Initializer init : all_initializers)
        init(env, exports, *this);
    exports.Set("abiVersion", Napi::Number::New(env, SPEAD_ABI_VERSION));
}

} // namespace spead::addon

static Napi::Object Init(Napi::Env env, Napi::Object exports)
{
    // The env owns the module from here on and deletes it when the addon unloads.
    env.SetInstanceData(std::make_unique<spead::addon::Module>(env, exports).release());
    return exports;
}

NODE_API_MODULE(spead_native, Init)
