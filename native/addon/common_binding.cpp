#include "addon/common_binding.h"
#include "addon/bindings.h"

#include <cmath>

namespace spead::addon {

double get_number(const Napi::Object &obj, const char *name, double fallback)
{
    Napi::Value v = obj.Get(name);
    if (v.IsUndefined() || v.IsNull())
        return fallback;
    if (v.IsBigInt())
    {
        bool lossless;
        return double(v.As<Napi::BigInt>().Uint64Value(&lossless));
    }
    if (!v.IsNumber())
        throw Napi::TypeError::New(obj.Env(), std::string(name) + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d))
        throw Napi::RangeError::New(obj.Env(), std::string(name) + " must not be NaN");
    return d;
}

bool get_bool(const Napi::Object &obj, const char *name, bool fallback)
{
    Napi::Value v = obj.Get(name);
    if (v.IsUndefined() || v.IsNull())
        return fallback;
    if (!v.IsBoolean())
        throw Napi::TypeError::New(obj.Env(), std::string(name) + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
}

namespace {

std::size_t to_size(Napi::Env env, double d, const char *what)
{
    if (!(d >= 0) || d > 9007199254740991.0 || std::floor(d) != d)
        throw Napi::RangeError::New(env, std::string(what) + " must be a non-negative integer");
    return std::size_t(d);
}

} // namespace

ThreadPoolWrap::ThreadPoolWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<ThreadPoolWrap>(info)
{
    Napi::Env env = info.Env();
    std::size_t threads = 1;
    std::vector<int> affinity;
    if (info.Length() > 0 && !info[0].IsUndefined())
    {
        if (!info[0].IsNumber())
            throw Napi::TypeError::New(env, "ThreadPool: threads must be a number");
        threads = to_size(env, info[0].As<Napi::Number>().DoubleValue(), "ThreadPool: threads");
        if (threads == 0)
            throw Napi::RangeError::New(env, "ThreadPool: threads must be at least 1");
    }
    if (info.Length() > 1 && !info[1].IsUndefined())
    {
        if (!info[1].IsArray())
            throw Napi::TypeError::New(env, "ThreadPool: affinity must be an array of CPU numbers");
        Napi::Array a = info[1].As<Napi::Array>();
        for (std::uint32_t i = 0; i < a.Length(); i++)
        {
            Napi::Value v = a.Get(i);
            if (!v.IsNumber())
                throw Napi::TypeError::New(env, "ThreadPool: affinity must be an array of CPU numbers");
            affinity.push_back(int(to_size(env, v.As<Napi::Number>().DoubleValue(), "ThreadPool: CPU number")));
        }
    }
    try
    {
        pool_ = std::make_shared<ThreadPool>(threads, affinity);
    }
    catch (const std::exception &e)
    {
        rethrow_as_js(env, e);
    }
}

Napi::Value ThreadPoolWrap::stop(const Napi::CallbackInfo &info)
{
    pool_->stop();
    return info.Env().Undefined();
}

Napi::Value ThreadPoolWrap::size(const Napi::CallbackInfo &info)
{
    return Napi::Number::New(info.Env(), double(pool_->size()));
}

std::shared_ptr<ThreadPool> ThreadPoolWrap::unwrap(Napi::Env env, Napi::Value value)
{
    Module &module = Module::get(env);
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(module.constructors.at("ThreadPool").Value()))
        throw Napi::TypeError::New(env, "threadPool must be a ThreadPool");
    return Unwrap(value.As<Napi::Object>())->pool_;
}

AllocatorWrap::AllocatorWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<AllocatorWrap>(info)
{
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString())
        throw Napi::TypeError::New(env, "allocator kind expected");
    const std::string kind = info[0].As<Napi::String>();
    Napi::Object opts = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
    try
    {
        if (kind == "memory")
            allocator_ = std::make_shared<MemoryAllocator>();
        else if (kind == "mmap")
            allocator_ = std::make_shared<MmapAllocator>(get_bool(opts, "prefault", false),
                                                         get_bool(opts, "preferHuge", false));
        else if (kind == "pool")
        {
            std::shared_ptr<ThreadPool> refill;
            if (!opts.Get("threadPool").IsUndefined())
                refill = ThreadPoolWrap::unwrap(env, opts.Get("threadPool"));
            std::shared_ptr<Allocator> base;
            if (!opts.Get("allocator").IsUndefined())
                base = unwrap(env, opts.Get("allocator"));
            pool_ = std::make_shared<MemoryPool>(
                to_size(env, get_number(opts, "lower", 0), "lower"), to_size(env, get_number(opts, "upper", 0), "upper"),
                to_size(env, get_number(opts, "maxFree", 0), "maxFree"),
                to_size(env, get_number(opts, "initial", 0), "initial"),
                to_size(env, get_number(opts, "lowWater", 0), "lowWater"), refill, base);
            allocator_ = pool_;
            if (opts.Get("onWarning").IsFunction())
            {
                warnings_ = SafeTsfn(env, opts.Get("onWarning").As<Napi::Function>(), "spead.MemoryPool.warning");
                warnings_.get().Unref(env); // warnings must not keep the process alive
                Napi::ThreadSafeFunction tsfn = warnings_.get();
                std::shared_ptr<std::atomic<bool>> gone = warnings_.finalized_flag();
                pool_->set_warning_handler([tsfn, gone](const std::string &message) mutable {
                    if (*gone)
                        return;
                    auto copy = std::make_unique<std::string>(message);
                    if (tsfn.NonBlockingCall(copy.get(), [](Napi::Env env, Napi::Function fn, std::string *m) {
                            std::unique_ptr<std::string> owned(m);
                            if (env != nullptr)
                                call_js_safely(env, fn, {Napi::String::New(env, *owned)});
                        }) == napi_ok)
                        copy.release(); // now owned by the call
                });
            }
        }
        else
            throw Napi::TypeError::New(env, "unknown allocator kind " + kind);
    }
    catch (const Napi::Error &)
    {
        throw;
    }
    catch (const std::exception &e)
    {
        rethrow_as_js(env, e);
    }
}

AllocatorWrap::~AllocatorWrap()
{
    if (pool_)
        pool_->set_warning_handler(nullptr);
    warnings_.release();
}

Napi::Value AllocatorWrap::stats(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    if (!pool_)
        return out;
    MemoryPool::Stats s = pool_->stats();
    out.Set("free", double(s.free));
    out.Set("lent", double(s.lent));
    out.Set("fromPool", double(s.from_pool));
    out.Set("grown", double(s.grown));
    out.Set("direct", double(s.direct));
    out.Set("refills", double(s.refills));
    return out;
}

Napi::Value AllocatorWrap::set_warn_on_empty(const Napi::CallbackInfo &info)
{
    if (pool_ && info.Length() > 0)
        pool_->set_warn_on_empty(info[0].ToBoolean().Value());
    return info.Env().Undefined();
}

std::shared_ptr<Allocator> AllocatorWrap::unwrap(Napi::Env env, Napi::Value value)
{
    Module &module = Module::get(env);
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(module.constructors.at("Allocator").Value()))
        throw Napi::TypeError::New(env, "memoryAllocator must be a MemoryAllocator, MmapAllocator or MemoryPool");
    return Unwrap(value.As<Napi::Object>())->allocator_;
}

void init_common(Napi::Env env, Napi::Object exports, Module &module)
{
    Napi::Function pool = ThreadPoolWrap::DefineClass(env, "ThreadPool",
                                                      {
                                                          ThreadPoolWrap::InstanceMethod("stop", &ThreadPoolWrap::stop),
                                                          ThreadPoolWrap::InstanceAccessor("size", &ThreadPoolWrap::size, nullptr),
                                                      });
    module.constructors["ThreadPool"] = Napi::Persistent(pool);
    exports.Set("ThreadPool", pool);
    Napi::Function alloc = AllocatorWrap::DefineClass(
        env, "Allocator",
        {
            AllocatorWrap::InstanceMethod("stats", &AllocatorWrap::stats),
            AllocatorWrap::InstanceMethod("setWarnOnEmpty", &AllocatorWrap::set_warn_on_empty),
        });
    module.constructors["Allocator"] = Napi::Persistent(alloc);
    exports.Set("Allocator", alloc);
}

} // namespace spead::addon
