// A shared library opened at run time (dlopen), for optional system libraries
// (libibverbs, librdmacm, libxdp, libbpf, libpcap) that the addon must not
// depend on at load time. The handle is closed when the object goes.
#pragma once

#include <dlfcn.h>

#include <initializer_list>
#include <memory>
#include <string>

namespace spead {

class DynamicLibrary
{
public:
    DynamicLibrary() = default;

    // Opens the first of `names` that loads (RTLD_NOW | RTLD_LOCAL, or
    // RTLD_GLOBAL when a later library resolves its symbols from this one).
    // On failure the object is empty and error() says what dlopen said.
    bool open(std::initializer_list<const char *> names, bool global = false)
    {
        error_.clear();
        for (const char *name : names)
        {
            if (void *h = dlopen(name, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL)))
            {
                handle_.reset(h);
                name_ = name;
                return true;
            }
            const char *e = dlerror();
            if (!error_.empty())
                error_ += "; ";
            error_ += e ? e : name;
        }
        return false;
    }

    explicit operator bool() const { return handle_ != nullptr; }
    const std::string &name() const { return name_; }
    const std::string &error() const { return error_; }

    // Resolves `symbol` into the function pointer `f`; on failure leaves
    // error() naming the missing symbol and returns false.
    template <typename F> bool sym(F &f, const char *symbol)
    {
        f = handle_ ? reinterpret_cast<F>(dlsym(handle_.get(), symbol)) : nullptr;
        if (!f)
            error_ = name_ + " has no symbol " + symbol;
        return f != nullptr;
    }

private:
    struct Closer
    {
        void operator()(void *h) const { dlclose(h); }
    };
    std::unique_ptr<void, Closer> handle_;
    std::string name_;
    std::string error_;
};

} // namespace spead
