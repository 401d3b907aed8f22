#include "send/udp_writer.h"
#include "common/system_error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>

namespace spead::send {

UdpWriter::UdpWriter(std::vector<net::Endpoint> endpoints, const UdpWriterOptions &options)
    : endpoints_(std::move(endpoints))
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

void UdpWriter::send(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets, std::vector<int> &errors)
{
    std::vector<mmsghdr> msgs(packets.size());
    for (std::size_t i = 0; i < packets.size(); i++)
    {
        msghdr &h = msgs[i].msg_hdr;
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
            errors[done] = errno; // this packet failed; carry on with the rest
            done++;
        }
        else
            done += std::size_t(n);
    }
}

} // namespace spead::send
