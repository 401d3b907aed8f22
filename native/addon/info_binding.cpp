// Build facts the JS side reports (and tests use to skip what is absent).
#include "addon/bindings.h"
#include "common/defines.h"

namespace spead::addon {

void init_info(Napi::Env env, Napi::Object exports, Module &)
{
    Napi::Object info = Napi::Object::New(env);
    info.Set("compiler", Napi::String::New(env, __VERSION__));
    info.Set("maxHeapAddressBits", Napi::Number::New(env, 56));
    exports.Set("buildInfo", info);
}

} // namespace spead::addon
