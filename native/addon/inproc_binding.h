#pragma once

#include <memory>
#include <napi.h>

#include "common/inproc_queue.h"

namespace spead::addon {

class InprocQueueWrap : public Napi::ObjectWrap<InprocQueueWrap>
{
public:
    explicit InprocQueueWrap(const Napi::CallbackInfo &info);

    Napi::Value stop(const Napi::CallbackInfo &info);
    Napi::Value stopped(const Napi::CallbackInfo &info);

    // The queue behind a JS InprocQueue; throws a TypeError for anything else.
    static std::shared_ptr<InprocQueue> unwrap(Napi::Env env, Napi::Value value);

private:
    std::shared_ptr<InprocQueue> queue_;
};

} // namespace spead::addon
