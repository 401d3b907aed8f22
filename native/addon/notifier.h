// Wakes a JS callback from any thread, through a thread-safe function that
// can be closed: once closed, wake-ups are dropped (the stream is done with JS).
//
// At process exit Node finalizes thread-safe functions itself, possibly before
// the objects holding them; releasing one after that aborts the process. So
// each TSFN gets a finalizer that marks it dead, and is released only while alive.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <napi.h>
#include <string>

#include "addon/module.h"

namespace spead::addon {

class SafeTsfn
{
public:
    SafeTsfn() = default;
    SafeTsfn(Napi::Env env, Napi::Function fn, const std::string &name)
    {
        using Flag = std::shared_ptr<std::atomic<bool>>;
        auto holder = std::make_unique<Flag>(finalized_);
        tsfn_ = Napi::ThreadSafeFunction::New(
            env, fn, name, 0, 1, [](Napi::Env, Flag *flag) { std::unique_ptr<Flag> own(flag); **own = true; }, holder.get());
        holder.release(); // the finalizer owns it now
    }

    Napi::ThreadSafeFunction &get() { return tsfn_; }
    // Set once Node has finalized the TSFN (for callers on other threads).
    std::shared_ptr<std::atomic<bool>> finalized_flag() const { return finalized_; }
    bool alive() const { return tsfn_ && !*finalized_; }

    // Releases once, unless Node has finalized it already.
    void release()
    {
        if (alive() && !released_)
        {
            released_ = true;
            tsfn_.Release();
        }
    }

private:
    Napi::ThreadSafeFunction tsfn_;
    std::shared_ptr<std::atomic<bool>> finalized_ = std::make_shared<std::atomic<bool>>(false);
    bool released_ = false;
};

struct Notifier
{
    std::mutex mutex;
    bool closed = false;
    SafeTsfn tsfn;

    void notify()
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!closed && tsfn.alive())
            tsfn.get().NonBlockingCall([](Napi::Env env, Napi::Function fn) { call_js_safely(env, fn); });
    }

    void close()
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (closed)
            return;
        closed = true;
        tsfn.release();
    }
};

} // namespace spead::addon
