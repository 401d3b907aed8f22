#include "addon/ibv_options.h"
#include "addon/common_binding.h"
#include "ibv/ibv_lib.h"
#include "ibv/udp_ibv_writer.h"

#include <cmath>
#include <stdexcept>

namespace spead::addon {

namespace {

std::vector<std::pair<std::string, int>> read_endpoints(Napi::Env env, Napi::Value value)
{
    if (!value.IsArray())
        throw Napi::TypeError::New(env, "endpoints must be an array of {host, port}");
    Napi::Array eps = value.As<Napi::Array>();
    std::vector<std::pair<std::string, int>> out;
    for (std::uint32_t i = 0; i < eps.Length(); i++)
    {
        Napi::Value v = eps.Get(i);
        if (!v.IsObject())
            throw Napi::TypeError::New(env, "endpoints must be an array of {host, port}");
        Napi::Object ep = v.As<Napi::Object>();
        const double port = get_number(ep, "port", -1);
        if (!(port >= 0 && port <= 65535) || std::floor(port) != port)
            throw Napi::RangeError::New(env, "endpoint port must be an integer from 0 to 65535");
        out.emplace_back(ep.Get("host").IsString() ? std::string(ep.Get("host").As<Napi::String>()) : std::string(),
                         int(port));
    }
    return out;
}

std::string read_string(const Napi::Object &o, const char *name)
{
    Napi::Value v = o.Get(name);
    return v.IsString() ? std::string(v.As<Napi::String>()) : std::string();
}

// A non-negative integer option (sizes); negative or fractional → RangeError.
std::size_t read_size(Napi::Env env, const Napi::Object &o, const char *name, std::size_t fallback)
{
    const double d = get_number(o, name, double(fallback));
    if (!(d >= 0) || d > 9007199254740991.0 || std::floor(d) != d)
        throw Napi::RangeError::New(env, std::string(name) + " must be a non-negative integer");
    return std::size_t(d);
}

int read_int(Napi::Env env, const Napi::Object &o, const char *name, int fallback)
{
    const double d = get_number(o, name, fallback);
    if (!(std::fabs(d) <= 2147483647.0) || std::floor(d) != d)
        throw Napi::RangeError::New(env, std::string(name) + " must be an integer");
    return int(d);
}

Napi::Value ibv_available(const Napi::CallbackInfo &info)
{
    const ibv::Availability a = ibv::availability();
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("available", a.available);
    out.Set("reason", a.reason);
    return out;
}

} // namespace

recv::UdpIbvReaderConfig read_udp_ibv_reader_config(Napi::Env env, Napi::Value options)
{
    if (!options.IsObject())
        throw Napi::TypeError::New(env, "addUdpIbvReader(options)");
    Napi::Object o = options.As<Napi::Object>();
    recv::UdpIbvReaderConfig c;
    c.endpoints = read_endpoints(env, o.Get("endpoints"));
    c.interface_address = read_string(o, "interfaceAddress");
    c.buffer_size = read_size(env, o, "bufferSize", c.buffer_size);
    c.max_size = read_size(env, o, "maxSize", c.max_size);
    c.comp_vector = read_int(env, o, "compVector", c.comp_vector);
    c.max_poll = read_int(env, o, "maxPoll", c.max_poll);
    return c;
}

std::unique_ptr<send::Writer> make_udp_ibv_writer(Napi::Env env, const Napi::Array &endpoints,
                                                  const Napi::Object &options, const send::SendConfig &config)
{
    config.validate(); // before the writer claims a device
    send::UdpIbvWriterConfig c;
    c.endpoints = read_endpoints(env, endpoints);
    c.interface_address = read_string(options, "interfaceAddress");
    c.buffer_size = read_size(env, options, "bufferSize", c.buffer_size);
    c.ttl = read_int(env, options, "ttl", c.ttl);
    c.comp_vector = read_int(env, options, "compVector", c.comp_vector);
    c.max_poll = read_int(env, options, "maxPoll", c.max_poll);
    Napi::Value regions = options.Get("memoryRegions");
    if (regions.IsArray())
    {
        Napi::Array a = regions.As<Napi::Array>();
        for (std::uint32_t i = 0; i < a.Length(); i++)
        {
            Napi::Value v = a.Get(i);
            if (v.IsTypedArray())
            {
                Napi::TypedArray ta = v.As<Napi::TypedArray>();
                const auto *data = static_cast<const std::uint8_t *>(ta.ArrayBuffer().Data());
                c.memory_regions.emplace_back(data ? data + ta.ByteOffset() : nullptr, ta.ByteLength());
            }
            else if (v.IsArrayBuffer())
            {
                Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
                c.memory_regions.emplace_back(static_cast<const std::uint8_t *>(ab.Data()), ab.ByteLength());
            }
            else
                throw Napi::TypeError::New(env, "memoryRegions must hold ArrayBuffers or typed arrays (Buffers)");
        }
    }
    else if (!regions.IsUndefined())
        throw Napi::TypeError::New(env, "memoryRegions must be an array");
    return std::make_unique<send::UdpIbvWriter>(c, config.max_packet_size);
}

void init_ibv(Napi::Env env, Napi::Object exports, Module &)
{
    exports.Set("ibvAvailable", Napi::Function::New(env, ibv_available, "ibvAvailable"));
}

} // namespace spead::addon
