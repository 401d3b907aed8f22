// JS face of values::swap_copy / reorder_copy: bulk byte-order and
// array-order conversion of item values between typed arrays.
#include "addon/bindings.h"
#include "common/element_order.h"

#include <stdexcept>

namespace spead::addon {

namespace {

struct View
{
    std::uint8_t *data = nullptr;
    std::size_t length = 0;
};

Napi::Error coded(Napi::Env env, const char *code, const std::string &message, bool range)
{
    Napi::Error e = range ? Napi::Error(Napi::RangeError::New(env, message)) : Napi::Error(Napi::TypeError::New(env, message));
    e.Set("code", Napi::String::New(env, code));
    return e;
}

// The bytes of a TypedArray or DataView, without creating an ArrayBuffer handle.
View view_of(Napi::Env env, Napi::Value v, const char *what)
{
    View out;
    void *data = nullptr;
    if (v.IsTypedArray())
    {
        napi_typedarray_type type;
        std::size_t length = 0, offset = 0;
        napi_value ab;
        NAPI_THROW_IF_FAILED(env, napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset), out);
        // Bytes per element, by napi_typedarray_type (the last is float16, in newer Node-API).
        static constexpr std::size_t sizes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8, 2};
        out.length = length * (std::size_t(type) < std::size(sizes) ? sizes[type] : 1);
    }
    else if (v.IsDataView())
    {
        napi_value ab;
        std::size_t offset = 0;
        NAPI_THROW_IF_FAILED(env, napi_get_dataview_info(env, v, &out.length, &data, &ab, &offset), out);
    }
    else
        throw coded(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a TypedArray or DataView", false);
    out.data = static_cast<std::uint8_t *>(data);
    return out;
}

std::size_t width_arg(Napi::Env env, Napi::Value v, const char *what)
{
    const double w = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (w != 1 && w != 2 && w != 4 && w != 8 && w != 16)
        throw coded(env, "ERR_OUT_OF_RANGE", std::string(what) + " must be 1, 2, 4, 8 or 16", true);
    return std::size_t(w);
}

bool overlaps(const View &a, const View &b, std::size_t n)
{
    return a.data < b.data + n && b.data < a.data + n;
}

// swapCopy(src, dst, width): dst's first src.byteLength bytes get src with
// every `width`-byte lane reversed. dst may be src itself (in place).
Napi::Value swap_copy(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    const View src = view_of(env, info[0], "swapCopy: src");
    const View dst = view_of(env, info[1], "swapCopy: dst");
    const std::size_t width = width_arg(env, info[2], "swapCopy: width");
    if (src.length % width != 0)
        throw coded(env, "ERR_OUT_OF_RANGE", "swapCopy: src holds " + std::to_string(src.length) +
                                                 " bytes, not a whole number of " + std::to_string(width) + "-byte lanes",
                    true);
    if (dst.length < src.length)
        throw coded(env, "ERR_OUT_OF_RANGE", "swapCopy: dst holds " + std::to_string(dst.length) + " bytes, src " +
                                                 std::to_string(src.length), true);
    if (src.data != dst.data && overlaps(src, dst, src.length))
        throw coded(env, "ERR_INVALID_ARG_VALUE", "swapCopy: src and dst overlap", false);
    values::swap_copy(src.data, dst.data, src.length / width, width);
    return env.Undefined();
}

// reorderCopy(src, dst, shape, elementSize, toFortran, swapWidth)
Napi::Value reorder_copy(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    const View src = view_of(env, info[0], "reorderCopy: src");
    const View dst = view_of(env, info[1], "reorderCopy: dst");
    if (!info[2].IsArray())
        throw coded(env, "ERR_INVALID_ARG_TYPE", "reorderCopy: shape must be an array of dimensions", false);
    Napi::Array dims = info[2].As<Napi::Array>();
    std::vector<std::size_t> shape;
    std::size_t elements = 1;
    for (std::uint32_t i = 0; i < dims.Length(); i++)
    {
        Napi::Value d = dims.Get(i);
        const double v = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
        if (!(v >= 0) || v != double(std::size_t(v)) || v > double(src.length))
            throw coded(env, "ERR_OUT_OF_RANGE", "reorderCopy: dimension " + std::to_string(i) + " is not a valid length", true);
        shape.push_back(std::size_t(v));
        elements *= std::size_t(v);
    }
    const double es = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : 0;
    if (!(es >= 1) || es != double(std::size_t(es)))
        throw coded(env, "ERR_OUT_OF_RANGE", "reorderCopy: elementSize must be a positive integer", true);
    const std::size_t element_size = std::size_t(es);
    const bool to_fortran = info[4].ToBoolean();
    const std::size_t swap_width = info[5].IsUndefined() ? 1 : width_arg(env, info[5], "reorderCopy: swapWidth");
    if (element_size % swap_width != 0)
        throw coded(env, "ERR_OUT_OF_RANGE", "reorderCopy: elementSize must be a multiple of swapWidth", true);
    const std::size_t bytes = elements * element_size;
    if (elements != 0 && (bytes / element_size != elements || src.length < bytes || dst.length < bytes))
        throw coded(env, "ERR_OUT_OF_RANGE", "reorderCopy: the shape needs " + std::to_string(bytes) + " bytes; src has " +
                                                 std::to_string(src.length) + ", dst " + std::to_string(dst.length), true);
    if (overlaps(src, dst, bytes))
        throw coded(env, "ERR_INVALID_ARG_VALUE", "reorderCopy: src and dst overlap", false);
    values::reorder_copy(src.data, dst.data, shape, element_size, to_fortran, swap_width);
    return env.Undefined();
}

} // namespace

void init_values(Napi::Env env, Napi::Object exports, Module &)
{
    exports.Set("swapCopy", Napi::Function::New(env, swap_copy, "swapCopy"));
    exports.Set("reorderCopy", Napi::Function::New(env, reorder_copy, "reorderCopy"));
    exports.Set("swapKernel", Napi::String::New(env, values::swap_kernel_name()));
}

} // namespace spead::addon
