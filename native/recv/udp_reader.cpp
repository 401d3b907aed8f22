#include "recv/udp_reader.h"
#include "common/system_error.h"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#ifndef UDP_GRO
#define UDP_GRO 104 // Linux 5.0+
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

namespace spead::recv {

namespace {

constexpr std::size_t BATCH = 64;
// Room for the SO_RXQ_OVFL counter and the GRO segment size.
constexpr std::size_t CONTROL_SIZE = CMSG_SPACE(sizeof(std::uint32_t)) + CMSG_SPACE(sizeof(int));
// A GRO buffer can hold a whole 64 KiB UDP payload of coalesced datagrams.
constexpr std::size_t GRO_SLOT = 65536;
// Datagrams read per wake-up before yielding the thread to other readers.
constexpr int MAX_ROUNDS = 16;

void set_buffer(int fd, std::size_t want, std::vector<std::string> &warnings)
{
    if (want == 0)
        return;
    int size = int(std::min<std::size_t>(want, 0x7fffffff));
    // SO_RCVBUFFORCE passes the system cap when we are allowed to.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    int actual = 0;
    socklen_t len = sizeof(actual);
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &len);
    // Linux reports double the usable size.
    if (std::size_t(actual) / 2 < want)
        warnings.push_back("requested socket buffer size " + std::to_string(want) + " but only received "
                           + std::to_string(actual / 2) + ": refer to the documentation for advice (net.core.rmem_max)");
}

} // namespace

UdpReader::UdpReader(ThreadPool &pool, PacketSink &sink, const net::Endpoint &endpoint, const UdpReaderOptions &options,
                     std::vector<std::string> &warnings)
    : pool_(pool), sink_(sink), max_size_(options.max_size)
{
    if (max_size_ == 0)
        throw std::invalid_argument("maxSize must be at least 1");
    const int family = endpoint.family();
    socket_.reset(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket_)
        throw_errno("socket");
    const int one = 1;
    const bool multicast = endpoint.is_multicast();
    if (multicast)
        ::setsockopt(socket_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ::setsockopt(socket_.get(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
    set_buffer(socket_.get(), options.buffer_size, warnings);
    if (::bind(socket_.get(), reinterpret_cast<const sockaddr *>(&endpoint.addr), endpoint.length) < 0)
        throw_errno("binding UDP socket to " + endpoint.to_string());
    if (multicast && family == AF_INET)
    {
        ip_mreq mreq{};
        mreq.imr_multiaddr = reinterpret_cast<const sockaddr_in &>(endpoint.addr).sin_addr;
        mreq.imr_interface.s_addr = htonl(INADDR_ANY);
        if (!options.interface_address.empty()
            && ::inet_pton(AF_INET, options.interface_address.c_str(), &mreq.imr_interface) != 1)
            throw std::invalid_argument("interfaceAddress '" + options.interface_address + "' is not an IPv4 address");
        if (::setsockopt(socket_.get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
            throw_errno("joining multicast group " + endpoint.to_string());
    }
    else if (multicast && family == AF_INET6)
    {
        ipv6_mreq mreq{};
        mreq.ipv6mr_multiaddr = reinterpret_cast<const sockaddr_in6 &>(endpoint.addr).sin6_addr;
        mreq.ipv6mr_interface = unsigned(options.interface_index);
        if (::setsockopt(socket_.get(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq)) < 0)
            throw_errno("joining multicast group " + endpoint.to_string());
    }
    sockaddr_storage bound{};
    socklen_t blen = sizeof(bound);
    ::getsockname(socket_.get(), reinterpret_cast<sockaddr *>(&bound), &blen);
    bound_port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in &>(bound).sin_port
                                          : reinterpret_cast<sockaddr_in6 &>(bound).sin6_port);

    if (options.gro && ::setsockopt(socket_.get(), SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0)
        gro_ = true; // otherwise the kernel lacks it: plain datagrams
    // One extra byte per slot: a datagram that fills it is larger than max_size.
    const std::size_t slot = gro_ ? std::max(GRO_SLOT, max_size_ + 1) : max_size_ + 1;
    buffers_.resize(BATCH * slot);
    iovs_.resize(BATCH);
    msgs_.resize(BATCH);
    controls_.resize(BATCH * CONTROL_SIZE);
    packets_.reserve(gro_ ? BATCH * 64 : BATCH);
    for (std::size_t i = 0; i < BATCH; i++)
        iovs_[i] = {buffers_.data() + i * slot, slot};
}

void UdpReader::start()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (!watch_ && !stopped_)
        watch_ = pool_.watch(socket_.get(), EPOLLIN, [this] { on_ready(); });
}

void UdpReader::on_ready()
{
    for (int round = 0; round < MAX_ROUNDS; round++)
    {
        for (std::size_t i = 0; i < BATCH; i++)
        {
            msghdr &h = msgs_[i].msg_hdr;
            h = msghdr{};
            h.msg_iov = &iovs_[i];
            h.msg_iovlen = 1;
            h.msg_control = controls_.data() + i * CONTROL_SIZE;
            h.msg_controllen = CONTROL_SIZE;
        }
        int n = ::recvmmsg(socket_.get(), msgs_.data(), BATCH, MSG_DONTWAIT, nullptr);
        if (n <= 0)
            return; // EAGAIN: drained (other errors: try again on the next wake-up)
        packets_.clear();
        std::uint64_t oversized = 0;
        for (int i = 0; i < n; i++)
        {
            const msghdr &h = msgs_[i].msg_hdr;
            std::size_t segment = 0;
            for (cmsghdr *c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr *>(&h), c))
                if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO)
                {
                    int size;
                    std::memcpy(&size, CMSG_DATA(c), sizeof(size));
                    segment = size > 0 ? std::size_t(size) : 0;
                }
                else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
                {
                    std::uint32_t drops;
                    std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
                    if (drops != last_drops_)
                    {
                        sink_.count(ReaderCounter::KERNEL_DROPPED, std::uint32_t(drops - last_drops_));
                        last_drops_ = drops;
                    }
                }
            const std::size_t len = msgs_[i].msg_len;
            const auto *data = static_cast<const std::uint8_t *>(iovs_[i].iov_base);
            if (h.msg_flags & MSG_TRUNC)
            {
                oversized++;
                continue;
            }
            // GRO: the buffer holds datagrams of `segment` bytes (the last may be shorter).
            const std::size_t step = segment > 0 && segment < len ? segment : len;
            for (std::size_t off = 0; off < len; off += step)
            {
                const std::size_t n = std::min(step, len - off);
                if (n > max_size_)
                    oversized++;
                else
                    packets_.push_back({data + off, n});
            }
        }
        if (oversized)
            sink_.count(ReaderCounter::OVERSIZED, oversized);
        if (!packets_.empty() && !sink_.add_packets(packets_.data(), packets_.size(), true))
            return; // the stream has stopped; it will stop this reader
        if (std::size_t(n) < BATCH)
            return;
    }
}

void UdpReader::stop()
{
    std::unique_ptr<ThreadPool::Watch> watch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
        watch.swap(watch_);
    }
}

} // namespace spead::recv
