#include "addon/xdp_binding.h"

#include <arpa/inet.h>

#include <stdexcept>
#include <string>

#include "addon/common_binding.h"
#include "addon/module.h"
#include "net/endpoint.h"
#include "xdp/xdp_lib.h"
#include "net/interface.h"
#include "recv/reader_group.h"
#include "xdp/xdp_reader.h"
#include "xdp/xdp_writer.h"

namespace spead::addon {

namespace {

std::string get_string(const Napi::Object &o, const char *name, const std::string &fallback)
{
    const Napi::Value v = o.Get(name);
    if (v.IsUndefined() || v.IsNull())
        return fallback;
    if (!v.IsString())
        throw std::invalid_argument(std::string(name) + " must be a string");
    return v.As<Napi::String>();
}

std::uint32_t get_uint(const Napi::Object &o, const char *name, std::uint32_t fallback)
{
    const double d = get_number(o, name, fallback);
    if (!(d >= 0 && d <= 4294967295.0) || d != double(std::uint64_t(d)))
        throw std::invalid_argument(std::string(name) + " must be a non-negative integer");
    return std::uint32_t(d);
}

std::vector<xdp::FlowKey> get_flows(const Napi::Value &v)
{
    if (!v.IsArray())
        throw std::invalid_argument("endpoints must be an array of {host, port}");
    const Napi::Array a = v.As<Napi::Array>();
    std::vector<xdp::FlowKey> flows;
    for (std::uint32_t i = 0; i < a.Length(); i++)
    {
        const Napi::Value e = a.Get(i);
        if (!e.IsObject())
            throw std::invalid_argument("endpoints[" + std::to_string(i) + "] must be {host, port}");
        const Napi::Object eo = e.As<Napi::Object>();
        const std::string host = get_string(eo, "host", "");
        const double port = get_number(eo, "port", -1);
        if (!(port >= 0 && port <= 65535) || port != double(int(port)))
            throw std::invalid_argument("endpoints[" + std::to_string(i) + "].port must be an integer from 1 to 65535");
        const net::Endpoint ep = net::resolve_endpoint(host, int(port));
        if (ep.family() != AF_INET)
            throw std::invalid_argument("AF_XDP endpoints are IPv4 only ('" + host + "')");
        const auto &sin = reinterpret_cast<const sockaddr_in &>(ep.addr);
        flows.push_back({ntohl(sin.sin_addr.s_addr), std::uint16_t(port)});
    }
    return flows;
}

xdp::XdpMode get_mode(const Napi::Object &o)
{
    const std::string m = get_string(o, "mode", "auto");
    if (m == "auto")
        return xdp::XdpMode::auto_mode;
    if (m == "native")
        return xdp::XdpMode::native;
    if (m == "generic")
        return xdp::XdpMode::generic;
    throw std::invalid_argument("mode must be 'auto', 'native' or 'generic' (got '" + m + "')");
}

xdp::ZeroCopy get_zero_copy(const Napi::Object &o)
{
    const Napi::Value v = o.Get("zeroCopy");
    if (v.IsUndefined() || v.IsNull())
        return xdp::ZeroCopy::automatic;
    if (!v.IsBoolean())
        throw std::invalid_argument("zeroCopy must be a boolean");
    return v.As<Napi::Boolean>().Value() ? xdp::ZeroCopy::on : xdp::ZeroCopy::off;
}

#ifndef SPEAD_HAVE_XDP
[[noreturn]] void unavailable()
{
    std::string reason;
    xdp::xdp_available(reason);
    throw std::system_error(ENOSYS, std::generic_category(), "AF_XDP is unavailable: " + reason);
}
#endif

Napi::Value xdp_available(const Napi::CallbackInfo &info)
{
    std::string reason;
    const bool ok = xdp::xdp_available(reason);
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("available", ok);
    out.Set("reason", reason);
    return out;
}

// xdpClassifyFrames(interface, queue, endpoints, frames[]) → XDP actions.
// Loads the redirect program (not attached) with an AF_XDP socket for the
// queue and runs it on each frame with BPF_PROG_TEST_RUN: what the program
// would do with them, without sending anything. For tests.
Napi::Value xdp_classify_frames(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsString() || !info[1].IsNumber() || !info[3].IsArray())
        throw Napi::TypeError::New(env, "xdpClassifyFrames(interface, queue, endpoints, frames)");
    try
    {
#ifdef SPEAD_HAVE_XDP
        const std::string ifname = info[0].As<Napi::String>();
        const std::uint32_t queue = info[1].As<Napi::Number>().Uint32Value();
        const int ifindex = net::interface_index(ifname);
        xdp::RedirectProgram program;
        for (const xdp::FlowKey &k : get_flows(info[2]))
            program.add_flow(k);
        xdp::XskOptions so;
        so.interface = ifname;
        so.queue = queue;
        so.frames = 64;
        xdp::XskSocket socket(so);
        program.set_socket(queue, socket.fd());
        const Napi::Array frames = info[3].As<Napi::Array>();
        Napi::Array out = Napi::Array::New(env, frames.Length());
        for (std::uint32_t i = 0; i < frames.Length(); i++)
        {
            const Napi::Value f = frames.Get(i);
            if (!f.IsTypedArray())
                throw std::invalid_argument("frames must be Uint8Arrays");
            const Napi::Uint8Array a = f.As<Napi::Uint8Array>();
            out.Set(i, program.test_run(a.Data(), a.ByteLength(), ifindex, queue));
        }
        return out;
#else
        unavailable();
#endif
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

} // namespace

std::unique_ptr<recv::Reader> make_xdp_reader(ThreadPool &pool, recv::PacketSink &sink, const Napi::Object &o,
                                              Napi::Object &info)
{
    xdp::XdpReaderOptions options;
    options.interface = get_string(o, "interface", "");
    const bool all_queues = o.Get("queue").IsString();
    if (all_queues && get_string(o, "queue", "") != "all")
        throw std::invalid_argument("queue must be a queue number or 'all'");
    options.queue = all_queues ? 0 : get_uint(o, "queue", 0);
    options.endpoints = get_flows(o.Get("endpoints"));
    options.frame_size = get_uint(o, "frameSize", options.frame_size);
    options.frames = get_uint(o, "frames", options.frames);
    options.max_size = get_uint(o, "maxSize", std::uint32_t(options.max_size));
    options.mode = get_mode(o);
    options.zero_copy = get_zero_copy(o);
    xdp::validate(options);
#ifdef SPEAD_HAVE_XDP
    std::vector<std::uint32_t> queues{options.queue};
    if (all_queues)
        queues = net::interface_rx_queues(options.interface);
    // All the sockets or none: a queue that fails undoes the ones before it.
    std::vector<std::unique_ptr<recv::Reader>> readers;
    const xdp::XdpReader *first = nullptr;
    for (std::uint32_t q : queues)
    {
        options.queue = q;
        auto reader = std::make_unique<xdp::XdpReader>(pool, sink, options);
        if (!first)
            first = reader.get();
        readers.push_back(std::move(reader));
    }
    info.Set("mode", xdp::mode_name(first->mode()));
    info.Set("zeroCopy", first->zero_copy());
    info.Set("multiBuffer", first->multi_buffer());
    Napi::Array bound = Napi::Array::New(info.Env(), queues.size());
    for (std::size_t i = 0; i < queues.size(); i++)
        bound.Set(std::uint32_t(i), queues[i]);
    info.Set("queues", bound);
    if (readers.size() == 1)
        return std::move(readers.front());
    return std::make_unique<recv::ReaderGroup>(std::move(readers));
#else
    (void) pool;
    (void) sink;
    (void) info;
    unavailable();
#endif
}

std::unique_ptr<send::Writer> make_xdp_writer(const Napi::Array &endpoints, const Napi::Object &o, Napi::Object &info)
{
    xdp::XdpWriterOptions options;
    options.interface = get_string(o, "interface", "");
    options.queue = get_uint(o, "queue", 0);
    for (const xdp::FlowKey &k : get_flows(endpoints))
        options.endpoints.push_back({k.address, k.port});
    const std::string mac = get_string(o, "destMac", "");
    if (!mac.empty())
        options.dest_mac = net::parse_mac(mac);
    const std::string source = get_string(o, "sourceAddress", "");
    if (!source.empty())
    {
        in_addr a{};
        if (inet_pton(AF_INET, source.c_str(), &a) != 1)
            throw std::invalid_argument("sourceAddress '" + source + "' is not an IPv4 address");
        options.source_address = ntohl(a.s_addr);
    }
    const std::uint32_t port = get_uint(o, "sourcePort", 0);
    if (port > 65535)
        throw std::invalid_argument("sourcePort must be from 0 to 65535");
    options.source_port = std::uint16_t(port);
    options.ttl = int(get_uint(o, "ttl", 64));
    options.frame_size = get_uint(o, "frameSize", options.frame_size);
    options.frames = get_uint(o, "frames", options.frames);
    options.zero_copy = get_zero_copy(o);
#ifdef SPEAD_HAVE_XDP
    auto writer = std::make_unique<xdp::XdpWriter>(options);
    info.Set("zeroCopy", writer->zero_copy());
    info.Set("sourcePort", writer->source_port());
    return writer;
#else
    (void) info;
    unavailable();
#endif
}

void init_xdp(Napi::Env env, Napi::Object exports, Module &)
{
    exports.Set("xdpAvailable", Napi::Function::New(env, &xdp_available, "xdpAvailable"));
    exports.Set("xdpClassifyFrames", Napi::Function::New(env, &xdp_classify_frames, "xdpClassifyFrames"));
}

} // namespace spead::addon
