// JS face of recv::Stream: readers are added here, and heaps leave the ring in
// batches (one call, many heaps; addon/heap_batch.h lays them out).
#include "addon/bindings.h"
#include "addon/common_binding.h"
#include "addon/heap_batch.h"
#include "addon/ibv_options.h"
#include "addon/inproc_binding.h"
#include "addon/notifier.h"
#include "addon/xdp_binding.h"
#include "protocol/packet_decoder.h"
#include "recv/buffer_reader.h"
#include "recv/inproc_reader.h"
#include "recv/pcap_reader.h"
#include "recv/tcp_reader.h"
#include "recv/stream.h"
#include "recv/udp_reader.h"

#include <cstring>

#include <algorithm>

namespace spead::addon {

class RecvStreamWrap : public Napi::ObjectWrap<RecvStreamWrap>
{
public:
    explicit RecvStreamWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<RecvStreamWrap>(info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction())
            throw Napi::TypeError::New(env, "RecvStream(config, onReady, threadPool?, allocator?)");
        Napi::Object c = info[0].As<Napi::Object>();
        recv::StreamConfig config;
        config.max_heaps = std::size_t(get_number(c, "maxHeaps", double(config.max_heaps)));
        config.substreams = std::size_t(get_number(c, "substreams", double(config.substreams)));
        config.bug_compat = int(get_number(c, "bugCompat", 0));
        config.allow_out_of_order = get_bool(c, "allowOutOfOrder", false);
        config.stop_on_stop_item = get_bool(c, "stopOnStopItem", true);
        config.allow_unsized_heaps = get_bool(c, "allowUnsizedHeaps", true);
        config.explicit_start = get_bool(c, "explicitStart", false);
        config.stream_id = std::uint64_t(get_number(c, "streamId", 0));
        config.max_heap_size = std::uint64_t(get_number(c, "maxHeapSize", double(config.max_heap_size)));
        config.ring_heaps = std::size_t(get_number(c, "ringHeaps", double(config.ring_heaps)));
        config.contiguous_only = get_bool(c, "contiguousOnly", true);
        config.incomplete_keep_payload_ranges = get_bool(c, "incompleteKeepPayloadRanges", false);

        std::shared_ptr<ThreadPool> pool;
        if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull())
            pool = ThreadPoolWrap::unwrap(env, info[2]);
        std::shared_ptr<Allocator> allocator;
        if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull())
            allocator = AllocatorWrap::unwrap(env, info[3]);
        try
        {
            if (!pool)
                pool = std::make_shared<ThreadPool>(1);
            stream_ = std::make_shared<recv::Stream>(config, pool, allocator);
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
        notifier_ = std::make_shared<Notifier>();
        notifier_->tsfn = SafeTsfn(env, info[1].As<Napi::Function>(), "spead.recv.Stream");
    }

    ~RecvStreamWrap() override { close(); }

    Napi::Value add_buffer_reader(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 1 || !info[0].IsTypedArray())
            throw Napi::TypeError::New(env, "addBufferReader: expected a Buffer or Uint8Array");
        Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
        const auto *data = static_cast<const std::uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
        // With copy false the reader reads the JS memory in place: the caller
        // (lib/recv/stream.ts) has made the ArrayBuffer untransferable, and the
        // reference keeps it alive until the stream is closed (which stops the
        // reader first). Otherwise it reads a copy.
        const bool copy = info.Length() < 2 || info[1].ToBoolean().Value();
        guarded(env, [&] {
            const std::uint8_t *bytes = data;
            if (copy)
            {
                Allocation block = MemoryAllocator::shared_default()->allocate(ta.ByteLength());
                if (ta.ByteLength() > 0)
                    std::memcpy(block.data(), data, ta.ByteLength());
                bytes = block.data();
                copies_.push_back(std::move(block));
            }
            else
                keep_.push_back(Napi::Persistent(info[0]));
            stream_->add_reader(std::make_unique<recv::BufferReader>(stream_->thread_pool(), *stream_, bytes, ta.ByteLength()));
        });
        return env.Undefined();
    }

    // addUdpReader(host, port, {maxSize, bufferSize, interfaceAddress, interfaceIndex})
    // → {port, warnings}
    Napi::Value add_udp_reader(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber())
            throw Napi::TypeError::New(env, "addUdpReader(host, port, options)");
        Napi::Object o = info.Length() > 2 && info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
        recv::UdpReaderOptions options;
        options.max_size = std::size_t(get_number(o, "maxSize", double(options.max_size)));
        options.buffer_size = std::size_t(get_number(o, "bufferSize", double(options.buffer_size)));
        if (o.Get("interfaceAddress").IsString())
            options.interface_address = o.Get("interfaceAddress").As<Napi::String>();
        options.interface_index = int(get_number(o, "interfaceIndex", 0));
        options.gro = get_bool(o, "gro", true);
        std::vector<std::string> warnings;
        int port = 0;
        guarded(env, [&] {
            const net::Endpoint ep = net::resolve_endpoint(info[0].As<Napi::String>(),
                                                           int(info[1].As<Napi::Number>().DoubleValue()));
            auto reader = std::make_unique<recv::UdpReader>(stream_->thread_pool(), *stream_, ep, options, warnings);
            port = reader->bound_port();
            stream_->add_reader(std::move(reader));
        });
        Napi::Object out = Napi::Object::New(env);
        out.Set("port", port);
        Napi::Array w = Napi::Array::New(env, warnings.size());
        for (std::size_t i = 0; i < warnings.size(); i++)
            w.Set(std::uint32_t(i), warnings[i]);
        out.Set("warnings", w);
        return out;
    }

    // addUdpXdpReader({interface, queue, endpoints, frameSize, frames, maxSize, zeroCopy, mode})
    // → {mode, zeroCopy} as obtained
    Napi::Value add_udp_xdp_reader(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 1 || !info[0].IsObject())
            throw Napi::TypeError::New(env, "addUdpXdpReader(options)");
        Napi::Object out = Napi::Object::New(env);
        guarded(env, [&] {
            stream_->add_reader(make_xdp_reader(stream_->thread_pool(), *stream_, info[0].As<Napi::Object>(), out));
        });
        return out;
    }

    // addUdpIbvReader({endpoints, interfaceAddress, bufferSize, maxSize, compVector, maxPoll})
    Napi::Value add_udp_ibv_reader(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        const recv::UdpIbvReaderConfig config = read_udp_ibv_reader_config(env, info[0]);
        guarded(env, [&] {
            stream_->add_reader(std::make_unique<recv::UdpIbvReader>(stream_->thread_pool(), *stream_, config));
        });
        return env.Undefined();
    }

    // addTcpReader(host, port, {maxSize, bufferSize}) → bound port
    Napi::Value add_tcp_reader(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber())
            throw Napi::TypeError::New(env, "addTcpReader(host, port, options)");
        Napi::Object o = info.Length() > 2 && info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
        recv::TcpReaderOptions options;
        options.max_size = std::size_t(get_number(o, "maxSize", double(options.max_size)));
        options.buffer_size = std::size_t(get_number(o, "bufferSize", double(options.buffer_size)));
        int port = 0;
        guarded(env, [&] {
            const net::Endpoint ep = net::resolve_endpoint(info[0].As<Napi::String>(), int(info[1].As<Napi::Number>().DoubleValue()));
            auto reader = std::make_unique<recv::TcpReader>(stream_->thread_pool(), *stream_, ep, options);
            port = reader->bound_port();
            stream_->add_reader(std::move(reader));
        });
        return Napi::Number::New(env, port);
    }

    // addPcapFileReader(path, filter)
    Napi::Value add_pcap_file_reader(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 1 || !info[0].IsString())
            throw Napi::TypeError::New(env, "addPcapFileReader(path, filter?)");
        const std::string path = info[0].As<Napi::String>();
        const std::string filter = info.Length() > 1 && info[1].IsString() ? std::string(info[1].As<Napi::String>()) : "";
        guarded(env, [&] {
            stream_->add_reader(std::make_unique<recv::PcapReader>(stream_->thread_pool(), *stream_, path, filter));
        });
        return env.Undefined();
    }

    Napi::Value add_inproc_reader(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        std::shared_ptr<InprocQueue> queue = InprocQueueWrap::unwrap(env, info[0]);
        guarded(env, [&] {
            stream_->add_reader(std::make_unique<recv::InprocReader>(stream_->thread_pool(), *stream_, queue));
        });
        return env.Undefined();
    }

    // feed(bytes) → {figures, batch, consumed, error?}: synchronous assembly on the JS
    // thread for HeapDecoder. Whole packets at the start of `bytes` are
    // assembled; `consumed` says how far; a partial packet at the end waits for
    // more bytes. Packets go in slices small enough that the ring never fills
    // (a push never blocks this thread).
    Napi::Value feed(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 1 || !info[0].IsTypedArray())
            throw Napi::TypeError::New(env, "feed(bytes)");
        Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
        const auto *data = static_cast<const std::uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
        const std::size_t size = ta.ByteLength();
        const std::size_t slice = std::max<std::size_t>(1, (stream_->ring().capacity() - stream_->config().max_heaps * stream_->config().substreams) / 2);
        std::vector<recv::ReceivedPacket> batch;
        std::vector<recv::FrozenHeap> heaps;
        std::size_t pos = 0;
        std::string error;
        for (;;)
        {
            batch.clear();
            while (batch.size() < slice && pos < size)
            {
                const std::int64_t len = protocol::packet_size(data + pos, size - pos);
                if (len == 0 || (len > 0 && std::size_t(len) > size - pos))
                    break; // incomplete: wait for more bytes
                protocol::PacketHeader hdr;
                if (len < 0 || protocol::decode_packet(data + pos, std::size_t(len), false, hdr) != protocol::PacketReject::NONE)
                {
                    error = "bytes at offset " + std::to_string(pos) + " are not a valid SPEAD packet";
                    break;
                }
                batch.push_back({data + pos, std::size_t(len)});
                pos += std::size_t(len);
            }
            if (batch.empty())
                break;
            stream_->add_packets(batch.data(), batch.size(), false);
            drain(heaps);
            if (!error.empty())
                break;
        }
        return decoded(env, heaps, pos, error);
    }

    // finish() → {figures, batch}: the end of the input (live heaps are flushed, as spead2
    // does at the end of a buffer).
    Napi::Value finish(const Napi::CallbackInfo &info)
    {
        stream_->end_of_input();
        std::vector<recv::FrozenHeap> heaps;
        drain(heaps);
        return decoded(info.Env(), heaps, 0, "");
    }

    Napi::Value start(const Napi::CallbackInfo &info)
    {
        guarded(info.Env(), [&] { stream_->start(); });
        return info.Env().Undefined();
    }

    Napi::Value stop(const Napi::CallbackInfo &info)
    {
        stream_->stop();
        return info.Env().Undefined();
    }

    // acknowledge(n): n heaps handed out by popBatch have reached the user's
    // loop, so they stop occupying ring slots before the next popBatch.
    Napi::Value acknowledge(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        const double n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
        if (n >= 1)
        {
            std::vector<recv::FrozenHeap> none;
            bool ended = false;
            stream_->ring().pop_batch(none, 0, ended, std::size_t(n));
        }
        return env.Undefined();
    }

    // popBatch(max, consumed, figures) → batch handle or undefined: acknowledges
    // `consumed` heaps taken before, then takes every ready heap up to max,
    // without waiting. The count, `ended` and each heap's figures go into
    // `figures` (addon/heap_batch.h), which JS reuses from call to call.
    Napi::Value pop_batch(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsTypedArray()
            || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
            throw Napi::TypeError::New(env, "popBatch(max, consumed, figures: Float64Array)");
        Napi::Float64Array figures = info[2].As<Napi::Float64Array>();
        const std::size_t room = heap_figures_room(figures.ElementLength());
        const double max_arg = info[0].As<Napi::Number>().DoubleValue();
        const std::size_t max = std::min(room, max_arg >= 1 ? std::size_t(max_arg) : std::size_t(1));
        if (max == 0)
            throw Napi::RangeError::New(env, "popBatch: figures has no room for a heap");
        const std::size_t consumed = std::size_t(std::max(0.0, info[1].As<Napi::Number>().DoubleValue()));
        std::vector<recv::FrozenHeap> heaps;
        heaps.reserve(max);
        bool ended = false;
        stream_->ring().pop_batch(heaps, max, ended, consumed);
        Napi::Value batch = heap_batch_to_js(env, heaps, figures.Data());
        set_batch_ended(figures.Data(), ended);
        return batch;
    }

    // arm() → true when onReady will be called once more arrives; false when
    // something is ready already (pop again now).
    Napi::Value arm(const Napi::CallbackInfo &info)
    {
        std::shared_ptr<Notifier> n = notifier_;
        bool armed = stream_->ring().arm([n] { n->notify(); });
        return Napi::Boolean::New(info.Env(), armed);
    }

    Napi::Value stats(const Napi::CallbackInfo &info)
    {
        std::vector<std::uint64_t> s = stream_->stats();
        Napi::Float64Array out = Napi::Float64Array::New(info.Env(), s.size() + 2);
        for (std::size_t i = 0; i < s.size(); i++)
            out[i] = double(s[i]);
        out[s.size()] = double(stream_->ring().size());
        out[s.size() + 1] = double(stream_->ring().capacity());
        return out;
    }

    Napi::Value take_warnings(const Napi::CallbackInfo &info)
    {
        std::vector<std::string> w = stream_->take_warnings();
        Napi::Array out = Napi::Array::New(info.Env(), w.size());
        for (std::size_t i = 0; i < w.size(); i++)
            out.Set(std::uint32_t(i), w[i]);
        return out;
    }

    Napi::Value ref(const Napi::CallbackInfo &info)
    {
        std::lock_guard<std::mutex> lock(notifier_->mutex);
        if (!notifier_->closed)
            notifier_->tsfn.get().Ref(info.Env());
        return info.Env().Undefined();
    }

    Napi::Value unref(const Napi::CallbackInfo &info)
    {
        std::lock_guard<std::mutex> lock(notifier_->mutex);
        if (!notifier_->closed)
            notifier_->tsfn.get().Unref(info.Env());
        return info.Env().Undefined();
    }

    // Stops the stream and lets go of everything JS-side; heaps already
    // handed out stay valid.
    Napi::Value close_js(const Napi::CallbackInfo &info)
    {
        close();
        return info.Env().Undefined();
    }

private:
    // Takes every ready heap, and frees their slots at once (they go straight out).
    void drain(std::vector<recv::FrozenHeap> &heaps)
    {
        bool ended;
        const std::size_t before = heaps.size();
        stream_->ring().pop_batch(heaps, stream_->ring().capacity(), ended, 0);
        std::vector<recv::FrozenHeap> none;
        stream_->ring().pop_batch(none, 0, ended, heaps.size() - before);
    }

    // {figures, batch, consumed, error?}: a figures array of the right size per call.
    static Napi::Object decoded(Napi::Env env, std::vector<recv::FrozenHeap> &heaps, std::size_t consumed, const std::string &error)
    {
        Napi::Float64Array figures = Napi::Float64Array::New(env, heap_figures_size(heaps.size()));
        Napi::Value batch = heap_batch_to_js(env, heaps, figures.Data());
        set_batch_ended(figures.Data(), false);
        Napi::Object out = Napi::Object::New(env);
        out.Set("figures", figures);
        out.Set("batch", batch);
        out.Set("consumed", Napi::Number::New(env, double(consumed)));
        if (!error.empty())
            out.Set("error", error);
        return out;
    }

    template <typename F> void guarded(Napi::Env env, F &&f)
    {
        try
        {
            f();
        }
        catch (const std::exception &e)
        {
            rethrow_as_js(env, e);
        }
    }

    void close()
    {
        if (closed_)
            return;
        closed_ = true;
        stream_->stop(); // readers stopped: nothing reads the kept buffers any more
        copies_.clear();
        keep_.clear();
        notifier_->close();
    }

    std::shared_ptr<recv::Stream> stream_;
    std::shared_ptr<Notifier> notifier_;
    std::vector<Allocation> copies_; // what buffer readers read (freed once they are stopped)
    std::vector<Napi::Reference<Napi::Value>> keep_; // JS buffers read in place
    bool closed_ = false;
};

void init_recv_stream(Napi::Env env, Napi::Object exports, Module &module)
{
    using W = RecvStreamWrap;
    Napi::Function ctor = W::DefineClass(env, "RecvStream",
                                         {
                                             W::InstanceMethod("addBufferReader", &W::add_buffer_reader),
                                             W::InstanceMethod("addInprocReader", &W::add_inproc_reader),
                                             W::InstanceMethod("addUdpReader", &W::add_udp_reader),
                                             W::InstanceMethod("addPcapFileReader", &W::add_pcap_file_reader),
                                             W::InstanceMethod("addTcpReader", &W::add_tcp_reader),
                                             W::InstanceMethod("addUdpXdpReader", &W::add_udp_xdp_reader),
                                             W::InstanceMethod("addUdpIbvReader", &W::add_udp_ibv_reader),
                                             W::InstanceMethod("start", &W::start),
                                             W::InstanceMethod("feed", &W::feed),
                                             W::InstanceMethod("finish", &W::finish),
                                             W::InstanceMethod("stop", &W::stop),
                                             W::InstanceMethod("popBatch", &W::pop_batch),
                                             W::InstanceMethod("acknowledge", &W::acknowledge),
                                             W::InstanceMethod("arm", &W::arm),
                                             W::InstanceMethod("stats", &W::stats),
                                             W::InstanceMethod("takeWarnings", &W::take_warnings),
                                             W::InstanceMethod("ref", &W::ref),
                                             W::InstanceMethod("unref", &W::unref),
                                             W::InstanceMethod("close", &W::close_js),
                                         });
    module.constructors["RecvStream"] = Napi::Persistent(ctor);
    exports.Set("RecvStream", ctor);
    init_heap_batch(env, exports);
    const auto &names = recv::Stream::stat_names();
    Napi::Array n = Napi::Array::New(env, names.size() + 2);
    for (std::size_t i = 0; i < names.size(); i++)
        n.Set(std::uint32_t(i), names[i]);
    n.Set(std::uint32_t(names.size()), "ring_heaps");
    n.Set(std::uint32_t(names.size() + 1), "ring_capacity");
    exports.Set("recvStatNames", n);
}

} // namespace spead::addon
