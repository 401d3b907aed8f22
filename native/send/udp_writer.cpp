#include "send/udp_writer.h"
#include "common/system_error.h"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/udp.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 // Linux 4.18+; older headers lack the name
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>

namespace spead::send {

UdpWriter::UdpWriter(std::vector<net::Endpoint> endpoints, const UdpWriterOptions &options)
    : endpoints_(std::move(endpoints)), gso_(options.gso)
{
    if (endpoints_.empty())
        throw std::invalid_argument("a UDP stream needs at least one endpoint");
    const int family = endpoints_[0].family();
    for (const auto &ep : endpoints_)
        if (ep.family() != family)
            throw std::invalid_argument("endpoints mix IPv4 and IPv6");
    socket_.reset(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!socket_)
        throw_errno("socket");
    if (options.buffer_size > 0)
    {
        int size = int(options.buffer_size);
        ::setsockopt(socket_.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)); // best effort, as spead2
    }
    if (family == AF_INET)
    {
        if (options.ttl >= 0)
        {
            int ttl = options.ttl;
            if (::setsockopt(socket_.get(), IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0)
                throw_errno("setting the multicast TTL");
        }
        if (!options.interface_address.empty())
        {
            in_addr addr{};
            if (::inet_pton(AF_INET, options.interface_address.c_str(), &addr) != 1)
                throw std::invalid_argument("interfaceAddress '" + options.interface_address + "' is not an IPv4 address");
            if (::setsockopt(socket_.get(), IPPROTO_IP, IP_MULTICAST_IF, &addr, sizeof(addr)) < 0)
                throw_errno("setting the multicast interface");
        }
    }
    else
    {
        if (options.ttl >= 0)
        {
            int hops = options.ttl;
            if (::setsockopt(socket_.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0)
                throw_errno("setting the multicast hop limit");
        }
        if (options.interface_index > 0)
        {
            unsigned int index = unsigned(options.interface_index);
            if (::setsockopt(socket_.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index)) < 0)
                throw_errno("setting the multicast interface");
        }
    }
}

void UdpWriter::send_plain(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets, std::size_t first,
                           std::size_t last, std::vector<int> &errors)
{
    std::vector<mmsghdr> msgs(last - first);
    for (std::size_t i = first; i < last; i++)
    {
        msghdr &h = msgs[i - first].msg_hdr;
        h = msghdr{};
        const net::Endpoint &ep = endpoints_[packets[i].substream];
        h.msg_name = const_cast<sockaddr_storage *>(&ep.addr);
        h.msg_namelen = ep.length;
        h.msg_iov = const_cast<iovec *>(&pieces[packets[i].first_piece]);
        h.msg_iovlen = packets[i].n_pieces;
    }
    std::size_t done = 0;
    while (done < msgs.size())
    {
        int n = ::sendmmsg(socket_.get(), msgs.data() + done, unsigned(msgs.size() - done), 0);
        if (n < 0)
        {
            if (errno == EINTR)
                continue;
            errors[first + done] = errno; // this packet failed; carry on with the rest
            done++;
        }
        else
            done += std::size_t(n);
    }
}

void UdpWriter::send(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets, std::vector<int> &errors)
{
    if (!gso_)
    {
        send_plain(pieces, packets, 0, packets.size(), errors);
        return;
    }
    // UDP GSO: a run of packets to the same endpoint, all of one size but the
    // last (which may be shorter), goes down as one buffer that the kernel
    // cuts into datagrams of that size.
    constexpr std::size_t MAX_GSO_BYTES = 65000, MAX_SEGMENTS = 64;
    std::size_t i = 0;
    std::vector<iovec> iov;
    alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(std::uint16_t))];
    while (i < packets.size())
    {
        const std::size_t seg = packets[i].size;
        std::size_t j = i + 1, bytes = seg;
        while (j < packets.size() && j - i < MAX_SEGMENTS && packets[j].substream == packets[i].substream
               && packets[j].size <= seg && bytes + packets[j].size <= MAX_GSO_BYTES && packets[j - 1].size == seg)
            bytes += packets[j++].size;
        if (j - i == 1)
        {
            send_plain(pieces, packets, i, j, errors);
            i = j;
            continue;
        }
        iov.clear();
        for (std::size_t k = i; k < j; k++)
            iov.insert(iov.end(), pieces.begin() + std::ptrdiff_t(packets[k].first_piece),
                       pieces.begin() + std::ptrdiff_t(packets[k].first_piece + packets[k].n_pieces));
        msghdr h{};
        const net::Endpoint &ep = endpoints_[packets[i].substream];
        h.msg_name = const_cast<sockaddr_storage *>(&ep.addr);
        h.msg_namelen = ep.length;
        h.msg_iov = iov.data();
        h.msg_iovlen = iov.size();
        h.msg_control = control;
        h.msg_controllen = sizeof(control);
        cmsghdr *c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const std::uint16_t size16 = std::uint16_t(seg);
        std::memcpy(CMSG_DATA(c), &size16, sizeof(size16));
        ssize_t n;
        do
            n = ::sendmsg(socket_.get(), &h, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT || errno == EOPNOTSUPP))
        {
            gso_ = false; // the kernel or the device cannot: plain datagrams from now on
            send_plain(pieces, packets, i, packets.size(), errors);
            return;
        }
        if (n < 0)
            for (std::size_t k = i; k < j; k++)
                errors[k] = errno;
        i = j;
    }
}

} // namespace spead::send
