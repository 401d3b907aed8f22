// JS faces of the send engine: SendHeap (a send.Heap's native form, holding
// its buffers), SendStream (UDP), and in-memory encoding for BytesStream,
// HeapEncoder and InprocStream.
#include "addon/bindings.h"
#include "addon/common_binding.h"
#include "addon/ibv_options.h"
#include "addon/inproc_binding.h"
#include "addon/notifier.h"
#include "addon/xdp_binding.h"
#include "protocol/packet_decoder.h"
#include "protocol/packet_generator.h"
#include "send/stream.h"
#include "send/tcp_writer.h"
#include "send/udp_writer.h"

#include <cstring>

namespace spead::addon {

namespace {

// JS buffers a SendHeap points into; released on the JS thread only.
struct JsRefs
{
    std::vector<Napi::Reference<Napi::Value>> refs;
};

std::uint64_t to_u64(Napi::Env env, Napi::Value v, const char *what)
{
    if (v.IsBigInt())
    {
        bool lossless;
        std::uint64_t r = v.As<Napi::BigInt>().Uint64Value(&lossless);
        if (!lossless)
            throw Napi::RangeError::New(env, std::string(what) + " does not fit in 64 bits");
        return r;
    }
    if (!v.IsNumber())
        throw Napi::TypeError::New(env, std::string(what) + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d > 9007199254740991.0 || double(std::uint64_t(d)) != d)
        throw Napi::RangeError::New(env, std::string(what) + " must be a non-negative integer");
    return std::uint64_t(d);
}

} // namespace

class SendHeapWrap : public Napi::ObjectWrap<SendHeapWrap>
{
public:
    // SendHeap(addressBits, repeatPointers, ids[], datas[], allowImmediate[], swapWidths[]?)
    explicit SendHeapWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<SendHeapWrap>(info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 5 || !info[2].IsArray() || !info[3].IsArray() || !info[4].IsArray())
            throw Napi::TypeError::New(env, "SendHeap(addressBits, repeatPointers, ids, datas, allowImmediate)");
        auto heap = std::make_shared<send::SendHeap>();
        heap->address_bits = int(to_u64(env, info[0], "addressBits"));
        if (!Flavour::valid_address_bits(heap->address_bits))
            throw Napi::RangeError::New(env, "heap address bits must be a multiple of 8 between 8 and 56");
        heap->repeat_pointers = info[1].ToBoolean().Value();
        Napi::Array ids = info[2].As<Napi::Array>(), datas = info[3].As<Napi::Array>(), imm = info[4].As<Napi::Array>();
        if (datas.Length() != ids.Length() || imm.Length() != ids.Length())
            throw Napi::TypeError::New(env, "SendHeap: ids, datas and allowImmediate differ in length");
        // Optional: per item, the lane width its bytes are swapped by on the way out.
        Napi::Array swaps = info.Length() > 5 && info[5].IsArray() ? info[5].As<Napi::Array>() : Napi::Array();
        if (!swaps.IsEmpty() && swaps.Length() != ids.Length())
            throw Napi::TypeError::New(env, "SendHeap: swapWidths and ids differ in length");
        auto refs = std::make_shared<JsRefs>();
        for (std::uint32_t i = 0; i < ids.Length(); i++)
        {
            Napi::Value d = datas.Get(i);
            if (!d.IsTypedArray())
                throw Napi::TypeError::New(env, "SendHeap: item data must be a Uint8Array");
            Napi::TypedArray ta = d.As<Napi::TypedArray>();
            const auto *bytes = static_cast<const std::uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
            heap->items.push_back({to_u64(env, ids.Get(i), "item ID"), bytes, ta.ByteLength(),
                                   imm.Get(i).ToBoolean().Value()});
            if (!swaps.IsEmpty())
            {
                const std::uint64_t w = to_u64(env, swaps.Get(i), "swap width");
                if (w != 1 && w != 2 && w != 4 && w != 8 && w != 16)
                    throw Napi::RangeError::New(env, "SendHeap: a swap width must be 1, 2, 4, 8 or 16");
                if (ta.ByteLength() % w != 0)
                    throw Napi::RangeError::New(env, "SendHeap: item data is not a whole number of swapped lanes");
                heap->items.back().swap_width = std::uint8_t(w);
            }
            refs->refs.push_back(Napi::Persistent(d));
        }
        heap->keepalive = refs;
        refs_ = refs;
        heap_ = heap;
    }

    // The number of bytes this heap takes on the wire with the given packet size.
    Napi::Value wire_size(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        try
        {
            protocol::PacketGenerator gen(*heap_, 1, std::size_t(to_u64(env, info[0], "maxPacketSize")));
            return Napi::Number::New(env, double(gen.total_bytes()));
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
    }

    static std::shared_ptr<const send::SendHeap> unwrap(Napi::Env env, Napi::Value value)
    {
        Module &module = Module::get(env);
        if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(module.constructors.at("SendHeap").Value()))
            throw Napi::TypeError::New(env, "expected a send.Heap");
        SendHeapWrap *self = Unwrap(value.As<Napi::Object>());
        self->check_buffers(env);
        return self->heap_;
    }

private:
    // The heap points into its items' JS memory. An ArrayBuffer transferred
    // away since (postMessage, structuredClone, ArrayBuffer.prototype.transfer)
    // is detached here and its memory may be freed: refuse to send rather
    // than read it.
    void check_buffers(Napi::Env env) const
    {
        for (std::size_t i = 0; i < heap_->items.size(); i++)
        {
            napi_typedarray_type type;
            std::size_t length = 0, offset = 0;
            void *data = nullptr;
            napi_value ab;
            const send::SendItem &item = heap_->items[i];
            if (napi_get_typedarray_info(env, refs_->refs[i].Value(), &type, &length, &data, &ab, &offset) != napi_ok ||
                (item.length > 0 && (data != item.data || length < item.length)))
            {
                Napi::Error err = Napi::Error::New(
                    env, "item " + std::to_string(item.id) +
                             " of the heap: its buffer has been detached (transferred away?) since the heap was built; "
                             "build the heap again from live data");
                err.Set("code", Napi::String::New(env, "ERR_SPEAD_BUFFER_DETACHED"));
                throw err;
            }
        }
    }

    std::shared_ptr<const send::SendHeap> heap_;
    std::shared_ptr<JsRefs> refs_;
};

namespace {

send::SendConfig read_send_config(const Napi::Object &c)
{
    send::SendConfig config;
    config.max_packet_size = std::size_t(get_number(c, "maxPacketSize", double(config.max_packet_size)));
    config.rate = get_number(c, "rate", 0);
    config.burst_size = std::size_t(get_number(c, "burstSize", double(config.burst_size)));
    config.max_heaps = std::size_t(get_number(c, "maxHeaps", double(config.max_heaps)));
    config.burst_rate_ratio = get_number(c, "burstRateRatio", config.burst_rate_ratio);
    config.rate_method = send::RateMethod(int(get_number(c, "rateMethod", int(send::RateMethod::AUTO))));
    return config;
}

std::vector<send::HeapRequest> read_group(Napi::Env env, const Napi::CallbackInfo &info, std::size_t first)
{
    // heaps[], cnts (Float64Array, -1 = auto), substreams (Float64Array), rates (Float64Array)
    if (info.Length() < first + 4 || !info[first].IsArray())
        throw Napi::TypeError::New(env, "expected heaps, cnts, substreams, rates");
    Napi::Array heaps = info[first].As<Napi::Array>();
    Napi::Float64Array cnts = info[first + 1].As<Napi::Float64Array>();
    Napi::Float64Array subs = info[first + 2].As<Napi::Float64Array>();
    Napi::Float64Array rates = info[first + 3].As<Napi::Float64Array>();
    const std::size_t n = heaps.Length();
    if (cnts.ElementLength() != n || subs.ElementLength() != n || rates.ElementLength() != n)
        throw Napi::TypeError::New(env, "heap options differ in length from the heaps");
    std::vector<send::HeapRequest> group(n);
    for (std::size_t i = 0; i < n; i++)
    {
        group[i].heap = SendHeapWrap::unwrap(env, heaps.Get(std::uint32_t(i)));
        const double cnt = cnts[i];
        if (cnt >= 9007199254740992.0)
            throw Napi::RangeError::New(env, "heap cnt is too large");
        group[i].cnt = cnt < 0 ? -1 : std::int64_t(cnt);
        if (!(subs[i] >= 0))
            throw Napi::RangeError::New(env, "substream index must be >= 0");
        group[i].substream = std::size_t(subs[i]);
        group[i].rate = rates[i];
    }
    return group;
}

} // namespace

class SendStreamWrap : public Napi::ObjectWrap<SendStreamWrap>
{
public:
    // SendStream('udp', endpoints[{host, port}], config, options, onComplete, threadPool?)
    explicit SendStreamWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<SendStreamWrap>(info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 5 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsObject() || !info[4].IsFunction())
            throw Napi::TypeError::New(env, "SendStream(kind, endpoints, config, options, onComplete, threadPool?)");
        const std::string kind = info[0].As<Napi::String>();
        Napi::Array eps = info[1].As<Napi::Array>();
        Napi::Object opts = info[3].IsObject() ? info[3].As<Napi::Object>() : Napi::Object::New(env);
        std::shared_ptr<ThreadPool> pool;
        if (info.Length() > 5 && !info[5].IsUndefined() && !info[5].IsNull())
            pool = ThreadPoolWrap::unwrap(env, info[5]);
        try
        {
            send::SendConfig config = read_send_config(info[2].As<Napi::Object>());
            if (!pool)
                pool = std::make_shared<ThreadPool>(1);
            if (kind == "tcp")
            {
                if (eps.Length() != 1)
                    throw std::invalid_argument("a TCP stream takes exactly one endpoint");
                Napi::Object ep = eps.Get(0u).As<Napi::Object>();
                const net::Endpoint endpoint = net::resolve_endpoint(ep.Get("host").ToString(), int(get_number(ep, "port", -1)));
                // The stream exists first, so the connection's result can be reported through it.
                stream_ = std::make_unique<send::Stream>(config, pool, nullptr);
                send::Stream *s = stream_.get();
                stream_->set_writer(std::make_unique<send::TcpWriter>(
                    *pool, endpoint, std::size_t(get_number(opts, "bufferSize", 212992)),
                    [s](int err) { s->add_completion({0, 0, err, {}}); }));
                connecting_ = true;
                init_notifier(env, info[4].As<Napi::Function>());
                return;
            }
            std::unique_ptr<send::Writer> writer;
            if (kind == "udp_xdp")
            {
                Napi::Object xdp_info = Napi::Object::New(env);
                writer = make_xdp_writer(eps, opts, xdp_info);
                Value().Set("xdp", xdp_info);
                stream_ = std::make_unique<send::Stream>(config, pool, std::move(writer));
                init_notifier(env, info[4].As<Napi::Function>());
                return;
            }
            if (kind == "udp_ibv")
            {
                stream_ = std::make_unique<send::Stream>(config, pool, make_udp_ibv_writer(env, eps, opts, config));
                init_notifier(env, info[4].As<Napi::Function>());
                return;
            }
            if (kind != "udp")
                throw std::invalid_argument("unknown send stream kind " + kind);
            std::vector<net::Endpoint> endpoints;
            for (std::uint32_t i = 0; i < eps.Length(); i++)
            {
                Napi::Object ep = eps.Get(i).As<Napi::Object>();
                endpoints.push_back(net::resolve_endpoint(ep.Get("host").ToString(), int(get_number(ep, "port", -1))));
            }
            send::UdpWriterOptions o;
            o.buffer_size = std::size_t(get_number(opts, "bufferSize", double(o.buffer_size)));
            o.ttl = int(get_number(opts, "ttl", -1));
            if (opts.Get("interfaceAddress").IsString())
                o.interface_address = opts.Get("interfaceAddress").As<Napi::String>();
            o.interface_index = int(get_number(opts, "interfaceIndex", 0));
            o.gso = get_bool(opts, "gso", true);
            writer = std::make_unique<send::UdpWriter>(std::move(endpoints), o);
            stream_ = std::make_unique<send::Stream>(config, pool, std::move(writer));
        }
        catch (const Napi::Error &)
        {
            throw;
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
        init_notifier(env, info[4].As<Napi::Function>());
    }

    void init_notifier(Napi::Env env, Napi::Function on_complete)
    {
        notifier_ = std::make_shared<Notifier>();
        notifier_->tsfn = SafeTsfn(env, on_complete, "spead.send.Stream");
        // Only work in flight keeps the process alive (a pending connect counts).
        if (stream_->in_flight() == 0 && !connecting_)
            notifier_->tsfn.get().Unref(env);
        else
            tsfn_refed_ = true;
        std::shared_ptr<Notifier> n = notifier_;
        stream_->set_notify([n] { n->notify(); });
    }

    ~SendStreamWrap() override { close(); }

    // sendHeaps(heaps, cnts, substreams, rates, mode) → group id
    Napi::Value send_heaps(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (closed_)
            throw Napi::Error::New(env, "send stream is closed");
        std::vector<send::HeapRequest> group = read_group(env, info, 0);
        const auto mode = send::GroupMode(int(info[4].ToNumber().Int32Value()));
        try
        {
            std::uint64_t id = stream_->enqueue(std::move(group), mode);
            if (ref_ && !tsfn_refed_)
            {
                notifier_->tsfn.get().Ref(env);
                tsfn_refed_ = true;
            }
            return Napi::Number::New(env, double(id));
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
    }

    // takeCompletions() → Float64Array of (id, bytes, errno) triples
    Napi::Value take_completions(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        std::vector<send::Completion> done = stream_->take_completions();
        Napi::Float64Array out = Napi::Float64Array::New(env, done.size() * 3);
        for (std::size_t i = 0; i < done.size(); i++)
        {
            out[3 * i] = double(done[i].id);
            out[3 * i + 1] = double(done[i].bytes);
            out[3 * i + 2] = double(done[i].error);
        }
        done.clear(); // the heaps' JS references are released here, on the JS thread
        connecting_ = false;
        if (tsfn_refed_ && stream_->in_flight() == 0)
        {
            notifier_->tsfn.get().Unref(env);
            tsfn_refed_ = false;
        }
        return out;
    }

    Napi::Value set_cnt_sequence(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        try
        {
            stream_->set_cnt_sequence(to_u64(env, info[0], "next"), to_u64(env, info[1], "step"));
        }
        catch (const Napi::Error &)
        {
            throw;
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
        return env.Undefined();
    }

    Napi::Value num_substreams(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(), double(stream_->num_substreams()));
    }

    Napi::Value in_flight(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(), double(stream_->in_flight()));
    }

    Napi::Value set_ref(const Napi::CallbackInfo &info)
    {
        ref_ = info[0].ToBoolean().Value();
        if (!ref_ && tsfn_refed_)
        {
            notifier_->tsfn.get().Unref(info.Env());
            tsfn_refed_ = false;
        }
        return info.Env().Undefined();
    }

    Napi::Value close_js(const Napi::CallbackInfo &info)
    {
        close();
        return info.Env().Undefined();
    }

private:
    void close()
    {
        if (closed_)
            return;
        closed_ = true;
        stream_->stop();
        notifier_->close();
    }

    std::unique_ptr<send::Stream> stream_;
    std::shared_ptr<Notifier> notifier_;
    bool closed_ = false;
    bool ref_ = true;
    bool tsfn_refed_ = false;
    bool connecting_ = false;
};

namespace {

// encodeHeaps(heaps, cnts, substreams, rates, mode, maxPacketSize) → Buffer:
// the packets spead2's BytesStream would write, back to back.
Napi::Value encode_heaps(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    std::vector<send::HeapRequest> group = read_group(env, info, 0);
    const auto mode = send::GroupMode(int(info[4].ToNumber().Int32Value()));
    const std::size_t max_packet_size = std::size_t(to_u64(env, info[5], "maxPacketSize"));
    try
    {
        std::vector<protocol::PacketGenerator> gens;
        std::uint64_t total = 0;
        for (const auto &h : group)
        {
            if (h.cnt < 0)
                throw std::invalid_argument("encodeHeaps needs explicit cnts");
            gens.emplace_back(*h.heap, std::uint64_t(h.cnt), max_packet_size);
            total += gens.back().total_bytes();
        }
        Napi::Buffer<std::uint8_t> out = Napi::Buffer<std::uint8_t>::New(env, std::size_t(total));
        std::uint8_t *dst = out.Data();
        std::vector<std::uint8_t> scratch(gens.empty() ? 0 : gens[0].max_packet_size());
        std::vector<iovec> pieces;
        std::size_t active = gens.size(), current = 0;
        while (active > 0)
        {
            while (!gens[current].has_next())
                current = (current + 1) % gens.size();
            pieces.clear();
            gens[current].next(scratch.data(), pieces);
            for (const iovec &v : pieces)
            {
                std::memcpy(dst, v.iov_base, v.iov_len);
                dst += v.iov_len;
            }
            const bool done = !gens[current].has_next();
            if (done)
                active--;
            if (mode == send::GroupMode::ROUND_ROBIN || done)
                current = (current + 1) % gens.size();
        }
        return out;
    }
    catch (const std::exception &e)
    {
        rethrow_as_js(env, e);
    }
}

// inprocPush(queue, packets: Buffer) → packets pushed: splits concatenated packets.
Napi::Value inproc_push(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    std::shared_ptr<InprocQueue> queue = InprocQueueWrap::unwrap(env, info[0]);
    if (info.Length() < 2 || !info[1].IsTypedArray())
        throw Napi::TypeError::New(env, "inprocPush(queue, packets)");
    Napi::TypedArray ta = info[1].As<Napi::TypedArray>();
    const auto *data = static_cast<const std::uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    const std::size_t size = ta.ByteLength();
    std::size_t pos = 0, n = 0;
    try
    {
        while (pos < size)
        {
            std::int64_t len = protocol::packet_size(data + pos, size - pos);
            if (len <= 0 || std::size_t(len) > size - pos)
                throw std::invalid_argument("inprocPush: bytes are not whole SPEAD packets");
            queue->push(InprocQueue::Packet(data + pos, data + pos + len));
            pos += std::size_t(len);
            n++;
        }
    }
    catch (const std::exception &e)
    {
        rethrow_as_js(env, e);
    }
    return Napi::Number::New(env, double(n));
}

} // namespace

void init_send(Napi::Env env, Napi::Object exports, Module &module)
{
    Napi::Function heap = SendHeapWrap::DefineClass(env, "SendHeap",
                                                    {SendHeapWrap::InstanceMethod("wireSize", &SendHeapWrap::wire_size)});
    module.constructors["SendHeap"] = Napi::Persistent(heap);
    exports.Set("SendHeap", heap);
    using W = SendStreamWrap;
    Napi::Function stream = W::DefineClass(env, "SendStream",
                                           {
                                               W::InstanceMethod("sendHeaps", &W::send_heaps),
                                               W::InstanceMethod("takeCompletions", &W::take_completions),
                                               W::InstanceMethod("setCntSequence", &W::set_cnt_sequence),
                                               W::InstanceAccessor("numSubstreams", &W::num_substreams, nullptr),
                                               W::InstanceAccessor("inFlight", &W::in_flight, nullptr),
                                               W::InstanceMethod("setRef", &W::set_ref),
                                               W::InstanceMethod("close", &W::close_js),
                                           });
    module.constructors["SendStream"] = Napi::Persistent(stream);
    exports.Set("SendStream", stream);
    exports.Set("encodeHeaps", Napi::Function::New(env, encode_heaps, "encodeHeaps"));
    exports.Set("inprocPush", Napi::Function::New(env, inproc_push, "inprocPush"));
}

} // namespace spead::addon
