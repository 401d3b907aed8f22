// Wakes a JS callback from any thread, through a thread-safe function that
// can be closed: once closed, wake-ups are dropped (the stream is done with JS).
#pragma once

#include <mutex>
#include <napi.h>

#include "addon/module.h"

namespace spead::addon {

struct Notifier
{
    std::mutex mutex;
    bool closed = false;
    Napi::ThreadSafeFunction tsfn;

    void notify()
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!closed)
            tsfn.NonBlockingCall([](Napi::Env env, Napi::Function fn) { call_js_safely(env, fn); });
    }

    void close()
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (closed)
            return;
        closed = true;
        tsfn.Release();
    }
};

} // namespace spead::addon
