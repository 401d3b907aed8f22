// The ceiling for UDP benchmarks: a plain C++ loop, one thread sending with
// sendmmsg and one receiving with recvmmsg over loopback, no SPEAD at all.
// Exposed to bench/ only (as benchUdpCeiling).
#include "addon/bindings.h"
#include "common/system_error.h"
#include "common/unique_fd.h"
#include "net/endpoint.h"

#include <arpa/inet.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace spead::addon {

namespace {

struct CeilingResult
{
    std::uint64_t sent = 0, received = 0;
    double seconds = 0;
};

CeilingResult run_ceiling(std::size_t packet_size, double seconds)
{
    UniqueFd rx(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)), tx(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!rx || !tx)
        throw_errno("socket");
    int buf = 8 << 20;
    ::setsockopt(rx.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
    timeval tv{0, 100000};
    ::setsockopt(rx.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(rx.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
        throw_errno("bind");
    socklen_t len = sizeof(addr);
    ::getsockname(rx.get(), reinterpret_cast<sockaddr *>(&addr), &len);
    if (::connect(tx.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
        throw_errno("connect");

    constexpr std::size_t BATCH = 64;
    std::atomic<bool> sending{true};
    CeilingResult r;
    std::thread receiver([&] {
        std::vector<std::uint8_t> data(BATCH * (packet_size + 1));
        std::vector<iovec> iov(BATCH);
        std::vector<mmsghdr> msgs(BATCH);
        for (std::size_t i = 0; i < BATCH; i++)
        {
            iov[i] = {data.data() + i * (packet_size + 1), packet_size + 1};
            msgs[i].msg_hdr = msghdr{};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        for (;;)
        {
            int n = ::recvmmsg(rx.get(), msgs.data(), BATCH, 0, nullptr);
            if (n > 0)
                r.received += std::uint64_t(n);
            else if (!sending)
                break;
        }
    });
    std::vector<std::uint8_t> payload(packet_size, 0x5a);
    std::vector<iovec> iov(BATCH, iovec{payload.data(), packet_size});
    std::vector<mmsghdr> msgs(BATCH);
    for (std::size_t i = 0; i < BATCH; i++)
    {
        msgs[i].msg_hdr = msghdr{};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end)
    {
        int n = ::sendmmsg(tx.get(), msgs.data(), BATCH, 0);
        if (n > 0)
            r.sent += std::uint64_t(n);
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sending = false;
    receiver.join();
    return r;
}

Napi::Value bench_udp_ceiling(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    const auto packet = std::size_t(info[0].As<Napi::Number>().Int64Value());
    const double seconds = info[1].As<Napi::Number>().DoubleValue();
    try
    {
        CeilingResult r = run_ceiling(packet, seconds);
        Napi::Object out = Napi::Object::New(env);
        out.Set("sent", double(r.sent));
        out.Set("received", double(r.received));
        out.Set("seconds", r.seconds);
        return out;
    }
    catch (const std::exception &e)
    {
        rethrow_as_js(env, e);
    }
}

// benchUdpBlast(host, port, bytes, sizes[], seconds) → {sent, seconds}: sends
// the packets laid end to end in `bytes` (sizes[i] each) over and over with
// sendmmsg for `seconds`, as fast as the kernel takes them — a sender that
// does no encoding, to offer a receiver more than a SPEAD sender would.
Napi::Value bench_udp_blast(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    if (info.Length() < 5 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsTypedArray() || !info[3].IsArray()
        || !info[4].IsNumber())
        throw Napi::TypeError::New(env, "benchUdpBlast(host, port, bytes, sizes, seconds)");
    try
    {
        const net::Endpoint ep = net::resolve_endpoint(info[0].As<Napi::String>(), info[1].As<Napi::Number>().Int32Value());
        Napi::Uint8Array bytes = info[2].As<Napi::Uint8Array>();
        Napi::Array sizes = info[3].As<Napi::Array>();
        const double seconds = info[4].As<Napi::Number>().DoubleValue();
        std::vector<iovec> iov;
        std::size_t pos = 0;
        for (std::uint32_t i = 0; i < sizes.Length(); i++)
        {
            const auto n = std::size_t(sizes.Get(i).As<Napi::Number>().Int64Value());
            if (n == 0 || pos + n > bytes.ByteLength())
                throw std::invalid_argument("packet sizes run past the bytes");
            iov.push_back({bytes.Data() + pos, n});
            pos += n;
        }
        if (iov.empty())
            throw std::invalid_argument("no packets to send");
        UniqueFd tx(::socket(ep.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!tx)
            throw_errno("socket");
        int buf = 4 << 20;
        ::setsockopt(tx.get(), SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
        if (::connect(tx.get(), reinterpret_cast<const sockaddr *>(&ep.addr), ep.length) < 0)
            throw_errno("connect");
        std::vector<mmsghdr> msgs(iov.size());
        for (std::size_t i = 0; i < iov.size(); i++)
        {
            msgs[i].msg_hdr = msghdr{};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        constexpr std::size_t BATCH = 64;
        std::uint64_t sent = 0;
        std::size_t next = 0;
        const auto start = std::chrono::steady_clock::now();
        const auto end = start + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < end)
        {
            const std::size_t n = std::min(BATCH, msgs.size() - next);
            const int done = ::sendmmsg(tx.get(), msgs.data() + next, unsigned(n), 0);
            if (done > 0)
            {
                sent += std::uint64_t(done);
                next = (next + std::size_t(done)) % msgs.size();
            }
        }
        Napi::Object out = Napi::Object::New(env);
        out.Set("sent", double(sent));
        out.Set("seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        return out;
    }
    catch (const std::exception &e)
    {
        rethrow_as_js(env, e);
    }
}

} // namespace

void init_bench(Napi::Env env, Napi::Object exports, Module &)
{
    exports.Set("benchUdpCeiling", Napi::Function::New(env, bench_udp_ceiling, "benchUdpCeiling"));
    exports.Set("benchUdpBlast", Napi::Function::New(env, bench_udp_blast, "benchUdpBlast"));
}

} // namespace spead::addon
