// JS faces of the shared engine objects (ThreadPool, allocators), and how
// other bindings recognise them.
#pragma once

#include <memory>
#include <napi.h>

#include "addon/module.h"
#include "addon/notifier.h"
#include "common/allocator.h"
#include "common/memory_pool.h"
#include "common/thread_pool.h"

namespace spead::addon {

class ThreadPoolWrap : public Napi::ObjectWrap<ThreadPoolWrap>
{
public:
    explicit ThreadPoolWrap(const Napi::CallbackInfo &info);
    Napi::Value stop(const Napi::CallbackInfo &info);
    Napi::Value size(const Napi::CallbackInfo &info);
    // The pool behind a JS ThreadPool; a TypeError for anything else.
    static std::shared_ptr<ThreadPool> unwrap(Napi::Env env, Napi::Value value);

private:
    std::shared_ptr<ThreadPool> pool_;
};

// MemoryAllocator, MmapAllocator and MemoryPool share one wrapper class.
class AllocatorWrap : public Napi::ObjectWrap<AllocatorWrap>
{
public:
    explicit AllocatorWrap(const Napi::CallbackInfo &info);
    ~AllocatorWrap() override;
    Napi::Value stats(const Napi::CallbackInfo &info);
    Napi::Value set_warn_on_empty(const Napi::CallbackInfo &info);
    static std::shared_ptr<Allocator> unwrap(Napi::Env env, Napi::Value value);

private:
    std::shared_ptr<Allocator> allocator_;
    std::shared_ptr<MemoryPool> pool_; // when it is a pool
    SafeTsfn warnings_;
};

// Reads an optional numeric property, with a clear error when it is not a number.
double get_number(const Napi::Object &obj, const char *name, double fallback);
bool get_bool(const Napi::Object &obj, const char *name, bool fallback);

} // namespace spead::addon
