// The ceiling for UDP benchmarks: a plain C++ loop, one thread sending with
// sendmmsg and one receiving with recvmmsg over loopback, no SPEAD at all.
// Exposed to bench/ only (as benchUdpCeiling).
#include "addon/bindings.h"
#include "common/system_error.h"
#include "common/unique_fd.h"

#include <arpa/inet.h>
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

} // namespace

void init_bench(Napi::Env env, Napi::Object exports, Module &)
{
    exports.Set("benchUdpCeiling", Napi::Function::New(env, bench_udp_ceiling, "benchUdpCeiling"));
}

} // namespace spead::addon
