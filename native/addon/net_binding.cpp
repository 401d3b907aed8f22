// JS face of the raw-frame layer and the pcap file reader/writer
// (native/net). Used by tests and, later, by the pcap stream readers/writers.
#include "addon/bindings.h"
#include "net/frame.h"
#include "net/pcap_file.h"

#include <arpa/inet.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace spead::addon {

namespace {

using net::Ipv4Endpoint;

std::string format_ipv4(std::uint32_t address)
{
    in_addr a{htonl(address)};
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof(buf));
    return buf;
}

Napi::Object endpoint_to_js(Napi::Env env, const Ipv4Endpoint &ep)
{
    Napi::Object o = Napi::Object::New(env);
    o.Set("address", format_ipv4(ep.address));
    o.Set("port", ep.port);
    return o;
}

Ipv4Endpoint endpoint_from_js(Napi::Env env, Napi::Value v, const char *what)
{
    if (!v.IsObject())
        throw Napi::TypeError::New(env, std::string(what) + " must be an object {address, port}");
    Napi::Object o = v.As<Napi::Object>();
    Napi::Value address = o.Get("address"), port = o.Get("port");
    if (!address.IsString())
        throw Napi::TypeError::New(env, std::string(what) + ".address must be a dotted IPv4 string");
    in_addr a{};
    std::string s = address.As<Napi::String>();
    if (inet_pton(AF_INET, s.c_str(), &a) != 1)
        throw Napi::RangeError::New(env, std::string(what) + ".address '" + s + "' is not an IPv4 address");
    double p = port.IsNumber() ? port.As<Napi::Number>().DoubleValue() : -1;
    if (!(p >= 0 && p <= 65535) || p != double(int(p)))
        throw Napi::RangeError::New(env, std::string(what) + ".port must be an integer from 0 to 65535");
    return {ntohl(a.s_addr), std::uint16_t(p)};
}

net::MacAddress mac_from_js(Napi::Env env, Napi::Value v, const char *what)
{
    net::MacAddress mac{};
    if (v.IsUndefined())
        return mac;
    if (!v.IsBuffer() || v.As<Napi::Buffer<std::uint8_t>>().Length() != 6)
        throw Napi::TypeError::New(env, std::string(what) + " must be a 6-byte Buffer");
    auto b = v.As<Napi::Buffer<std::uint8_t>>();
    std::copy(b.Data(), b.Data() + 6, mac.begin());
    return mac;
}

// A Buffer or an array of Buffers, as iovecs that borrow their memory.
std::vector<iovec> payload_from_js(Napi::Env env, Napi::Value v)
{
    std::vector<iovec> iov;
    auto add = [&](Napi::Value part) {
        if (!part.IsBuffer())
            throw Napi::TypeError::New(env, "payload must be a Buffer or an array of Buffers");
        auto b = part.As<Napi::Buffer<std::uint8_t>>();
        iov.push_back({b.Data(), b.Length()});
    };
    if (v.IsArray())
    {
        Napi::Array a = v.As<Napi::Array>();
        for (std::uint32_t i = 0; i < a.Length(); i++)
            add(a.Get(i));
    }
    else
        add(v);
    return iov;
}

Napi::Object frame_stats_to_js(Napi::Env env, const net::FrameStats &stats, Napi::Object o)
{
    o.Set("accepted", double(stats.accepted));
    for (std::size_t i = 0; i < net::frame_reject_count; i++)
        o.Set(net::frame_reject_names[i], double(stats.counts[i]));
    return o;
}

std::uint32_t link_type_arg(const Napi::CallbackInfo &info, std::size_t index)
{
    if (info.Length() <= index || info[index].IsUndefined())
        return std::uint32_t(net::LinkType::ethernet);
    std::uint32_t lt = info[index].As<Napi::Number>().Uint32Value();
    if (!net::link_type_supported(lt))
        throw Napi::RangeError::New(info.Env(), "unsupported link type " + std::to_string(lt));
    return lt;
}

Napi::Value parse_frame(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsBuffer())
        throw Napi::TypeError::New(env, "parseFrame expects a Buffer");
    auto buf = info[0].As<Napi::Buffer<std::uint8_t>>();
    auto link = net::LinkType(link_type_arg(info, 1));
    net::FrameParseResult r = net::parse_frame(link, buf.Data(), buf.Length());
    Napi::Object o = Napi::Object::New(env);
    o.Set("ok", r.ok);
    if (!r.ok)
    {
        o.Set("reason", net::frame_reject_names[static_cast<std::size_t>(r.reason)]);
        return o;
    }
    const auto &d = r.datagram;
    o.Set("payload", Napi::Buffer<std::uint8_t>::Copy(env, d.payload, d.payload_size));
    o.Set("src", endpoint_to_js(env, d.src));
    o.Set("dst", endpoint_to_js(env, d.dst));
    if (d.vlan >= 0)
        o.Set("vlan", d.vlan);
    return o;
}

Napi::Value build_udp_frame(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject())
        throw Napi::TypeError::New(env, "buildUdpFrame expects (options, payload)");
    Napi::Object opts = info[0].As<Napi::Object>();
    net::UdpFrameSpec spec;
    spec.src = endpoint_from_js(env, opts.Get("src"), "src");
    spec.dst = endpoint_from_js(env, opts.Get("dst"), "dst");
    spec.src_mac = mac_from_js(env, opts.Get("srcMac"), "srcMac");
    if (opts.Get("dstMac").IsUndefined() && net::is_ipv4_multicast(spec.dst.address))
        spec.dst_mac = net::multicast_mac(spec.dst.address);
    else
        spec.dst_mac = mac_from_js(env, opts.Get("dstMac"), "dstMac");
    if (opts.Get("ttl").IsNumber())
    {
        std::uint32_t ttl = opts.Get("ttl").As<Napi::Number>().Uint32Value();
        if (ttl > 255)
            throw Napi::RangeError::New(env, "ttl must be from 0 to 255");
        spec.ttl = std::uint8_t(ttl);
    }
    if (opts.Get("ipId").IsNumber())
        spec.ip_id = std::uint16_t(opts.Get("ipId").As<Napi::Number>().Uint32Value());
    spec.udp_checksum = opts.Get("udpChecksum").ToBoolean();
    std::vector<iovec> iov = payload_from_js(env, info[1]);
    try
    {
        std::size_t total = net::udp_frame_header_size;
        for (const auto &v : iov)
            total += v.iov_len;
        std::vector<std::uint8_t> out(std::min(total, net::udp_frame_header_size + net::max_udp_payload + 1));
        std::size_t n = net::build_udp_frame(spec, iov.data(), iov.size(), out.data(), out.size());
        return Napi::Buffer<std::uint8_t>::Copy(env, out.data(), n);
    }
    catch (const std::exception &e)
    {
        rethrow_as_js(env, e);
    }
}

class PcapFileReaderWrap : public Napi::ObjectWrap<PcapFileReaderWrap>
{
public:
    explicit PcapFileReaderWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<PcapFileReaderWrap>(info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 1 || !info[0].IsString())
            throw Napi::TypeError::New(env, "PcapFileReader expects a file name");
        std::string filter;
        if (info.Length() >= 2 && !info[1].IsUndefined() && !info[1].IsNull())
        {
            if (!info[1].IsString())
                throw Napi::TypeError::New(env, "the pcap filter must be a string");
            filter = info[1].As<Napi::String>();
        }
        try
        {
            reader_ = std::make_unique<net::PcapFileReader>(info[0].As<Napi::String>(), filter);
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
    }

    Napi::Value read_batch(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!reader_)
            throw Napi::Error::New(env, "PcapFileReader is closed");
        double max = info.Length() >= 1 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 64;
        if (!(max >= 1 && max <= 1e6))
            throw Napi::RangeError::New(env, "readBatch: max must be from 1 to 1000000");
        const auto &batch = reader_->next_batch(std::size_t(max));
        if (batch.empty())
            return env.Null();
        Napi::Array out = Napi::Array::New(env, batch.size());
        for (std::size_t i = 0; i < batch.size(); i++)
        {
            const auto &r = batch[i];
            Napi::Object o = Napi::Object::New(env);
            o.Set("payload", Napi::Buffer<std::uint8_t>::Copy(env, r.payload, r.payload_size));
            o.Set("src", endpoint_to_js(env, r.src));
            o.Set("dst", endpoint_to_js(env, r.dst));
            if (r.vlan >= 0)
                o.Set("vlan", r.vlan);
            o.Set("timestamp", double(r.timestamp_ns) / 1e9);
            out.Set(std::uint32_t(i), o);
        }
        return out;
    }

    Napi::Value stats(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        Napi::Object o = Napi::Object::New(env);
        const auto &s = reader_ ? reader_->stats() : final_stats_;
        frame_stats_to_js(env, s.frames, o);
        o.Set("filtered", double(s.filtered));
        o.Set("truncated", double(s.truncated));
        return o;
    }

    Napi::Value link_type(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(), reader_ ? reader_->link_type() : 0);
    }

    Napi::Value close(const Napi::CallbackInfo &info)
    {
        if (reader_)
            final_stats_ = reader_->stats();
        reader_.reset();
        return info.Env().Undefined();
    }

private:
    std::unique_ptr<net::PcapFileReader> reader_;
    net::PcapReaderStats final_stats_; // what stats shows after close()
};

class PcapFileWriterWrap : public Napi::ObjectWrap<PcapFileWriterWrap>
{
public:
    explicit PcapFileWriterWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<PcapFileWriterWrap>(info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 1 || !info[0].IsString())
            throw Napi::TypeError::New(env, "PcapFileWriter expects a file name");
        try
        {
            writer_ = std::make_unique<net::PcapFileWriter>(info[0].As<Napi::String>());
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
    }

    Napi::Value write(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 2 || !info[1].IsObject())
            throw Napi::TypeError::New(env, "write expects (payload, {src, dst})");
        std::vector<iovec> iov = payload_from_js(env, info[0]);
        Napi::Object opts = info[1].As<Napi::Object>();
        Ipv4Endpoint src = endpoint_from_js(env, opts.Get("src"), "src");
        Ipv4Endpoint dst = endpoint_from_js(env, opts.Get("dst"), "dst");
        try
        {
            writer_->write(iov.data(), iov.size(), src, dst);
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
        return env.Undefined();
    }

    Napi::Value flush(const Napi::CallbackInfo &info)
    {
        try
        {
            writer_->flush();
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(info.Env(), e);
        }
        return info.Env().Undefined();
    }

    Napi::Value close(const Napi::CallbackInfo &info)
    {
        try
        {
            writer_->close();
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(info.Env(), e);
        }
        return info.Env().Undefined();
    }

    Napi::Value records(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(), double(writer_->records()));
    }

private:
    std::unique_ptr<net::PcapFileWriter> writer_;
};

} // namespace

void init_net(Napi::Env env, Napi::Object exports, Module &module)
{
    exports.Set("parseFrame", Napi::Function::New(env, parse_frame, "parseFrame"));
    exports.Set("buildUdpFrame", Napi::Function::New(env, build_udp_frame, "buildUdpFrame"));
    exports.Set("libpcapAvailable", Napi::Boolean::New(env, net::libpcap_available()));
    Napi::Array names = Napi::Array::New(env, net::frame_reject_count);
    for (std::size_t i = 0; i < net::frame_reject_count; i++)
        names.Set(std::uint32_t(i), net::frame_reject_names[i]);
    exports.Set("frameRejectNames", names);

    Napi::Function reader = PcapFileReaderWrap::DefineClass(
        env, "PcapFileReader",
        {
            PcapFileReaderWrap::InstanceMethod("readBatch", &PcapFileReaderWrap::read_batch),
            PcapFileReaderWrap::InstanceMethod("close", &PcapFileReaderWrap::close),
            PcapFileReaderWrap::InstanceAccessor("stats", &PcapFileReaderWrap::stats, nullptr),
            PcapFileReaderWrap::InstanceAccessor("linkType", &PcapFileReaderWrap::link_type, nullptr),
        });
    module.constructors["PcapFileReader"] = Napi::Persistent(reader);
    exports.Set("PcapFileReader", reader);

    Napi::Function writer = PcapFileWriterWrap::DefineClass(
        env, "PcapFileWriter",
        {
            PcapFileWriterWrap::InstanceMethod("write", &PcapFileWriterWrap::write),
            PcapFileWriterWrap::InstanceMethod("flush", &PcapFileWriterWrap::flush),
            PcapFileWriterWrap::InstanceMethod("close", &PcapFileWriterWrap::close),
            PcapFileWriterWrap::InstanceAccessor("records", &PcapFileWriterWrap::records, nullptr),
        });
    module.constructors["PcapFileWriter"] = Napi::Persistent(writer);
    exports.Set("PcapFileWriter", writer);
}

} // namespace spead::addon
