// JS face of InprocQueue: created by send.InprocStream, read by recv.Stream.addInprocReader.
#include "addon/bindings.h"
#include "addon/inproc_binding.h"

namespace spead::addon {

InprocQueueWrap::InprocQueueWrap(const Napi::CallbackInfo &info)
    : Napi::ObjectWrap<InprocQueueWrap>(info), queue_(std::make_shared<InprocQueue>())
{
}

Napi::Value InprocQueueWrap::stop(const Napi::CallbackInfo &info)
{
    queue_->stop();
    return info.Env().Undefined();
}

Napi::Value InprocQueueWrap::stopped(const Napi::CallbackInfo &info)
{
    return Napi::Boolean::New(info.Env(), queue_->stopped());
}

std::shared_ptr<InprocQueue> InprocQueueWrap::unwrap(Napi::Env env, Napi::Value value)
{
    Module &module = Module::get(env);
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(module.constructors.at("InprocQueue").Value()))
        throw Napi::TypeError::New(env, "expected an InprocQueue");
    return Unwrap(value.As<Napi::Object>())->queue_;
}

void init_inproc(Napi::Env env, Napi::Object exports, Module &module)
{
    Napi::Function ctor = InprocQueueWrap::DefineClass(env, "InprocQueue",
                                                       {
                                                           InprocQueueWrap::InstanceMethod("stop", &InprocQueueWrap::stop),
                                                           InprocQueueWrap::InstanceAccessor("stopped", &InprocQueueWrap::stopped, nullptr),
                                                       });
    module.constructors["InprocQueue"] = Napi::Persistent(ctor);
    exports.Set("InprocQueue", ctor);
}

} // namespace spead::addon
