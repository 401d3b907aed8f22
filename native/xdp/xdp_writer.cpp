#include "xdp/xdp_writer.h"

#ifdef SPEAD_HAVE_XDP

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <stdexcept>
#include <system_error>

#include "common/system_error.h"
#include "net/interface.h"

namespace spead::xdp {

namespace {

constexpr std::uint32_t SUBMIT_BATCH = 64;
constexpr std::chrono::milliseconds FRAME_WAIT{1000};
constexpr std::size_t MAX_PARTS = 16; // frames in one chain (the kernel takes up to 17)
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif

std::string dotted(std::uint32_t address)
{
    in_addr a{};
    a.s_addr = htonl(address);
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a, buf, sizeof(buf));
    return buf;
}

} // namespace

XdpWriter::XdpWriter(const XdpWriterOptions &o)
{
    if (o.interface.empty())
        throw std::invalid_argument("an AF_XDP stream needs an interface name");
    if (o.endpoints.empty())
        throw std::invalid_argument("an AF_XDP stream needs at least one endpoint");
    if (o.ttl < 1 || o.ttl > 255)
        throw std::invalid_argument("ttl must be from 1 to 255");
    net::interface_index(o.interface); // ENODEV, naming it, before anything else
    const net::MacAddress src_mac = net::interface_mac(o.interface);
    std::uint32_t src_addr = 0;
    if (o.source_address)
        src_addr = *o.source_address;
    else if (auto a = net::interface_ipv4(o.interface))
        src_addr = *a;
    else
        throw std::invalid_argument("interface " + o.interface + " has no IPv4 address; pass sourceAddress");

    source_port_ = o.source_port;
    if (source_port_ == 0)
    {
        // Reserve a port the kernel will not hand out while this stream lives.
        port_holder_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!port_holder_)
            throw_errno("socket");
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(src_addr);
        socklen_t len = sizeof(sin);
        if (::bind(port_holder_.get(), reinterpret_cast<sockaddr *>(&sin), len) != 0
            || ::getsockname(port_holder_.get(), reinterpret_cast<sockaddr *>(&sin), &len) != 0)
            throw_errno("reserving a source port on " + dotted(src_addr));
        source_port_ = ntohs(sin.sin_port);
    }

    for (const net::Ipv4Endpoint &ep : o.endpoints)
    {
        if (ep.port == 0)
            throw std::invalid_argument("AF_XDP endpoints need a port");
        net::UdpFrameSpec spec;
        spec.src_mac = src_mac;
        spec.src = {src_addr, source_port_};
        spec.dst = ep;
        spec.ttl = std::uint8_t(o.ttl);
        if (o.dest_mac)
            spec.dst_mac = *o.dest_mac;
        else if (net::is_ipv4_multicast(ep.address))
            spec.dst_mac = net::multicast_mac(ep.address);
        else if (auto mac = net::neighbour_mac(o.interface, ep.address))
            spec.dst_mac = *mac;
        else
            throw std::system_error(EHOSTUNREACH, std::generic_category(),
                                    "no neighbour (ARP) entry for " + dotted(ep.address) + " on " + o.interface
                                        + ": reach it once through the kernel (ping), or pass destMac (the "
                                          "gateway's MAC for an address off the link)");
        specs_.push_back(spec);
    }

    XskOptions so;
    so.interface = o.interface;
    so.queue = o.queue;
    so.frame_size = o.frame_size;
    so.frames = o.frames;
    so.rx = false;
    so.tx = true;
    so.zero_copy = o.zero_copy;
    so.multi_buffer = true; // jumbo frames as chains, where the kernel has them (6.6+)
    socket_ = std::make_unique<XskSocket>(so);
    free_.reserve(socket_->frames());
    for (std::uint32_t i = 0; i < socket_->frames(); i++)
        free_.push_back(std::uint64_t(i) * socket_->frame_size());
}

void XdpWriter::reap()
{
    std::uint32_t idx = 0;
    const std::uint32_t n = xsk_ring_cons__peek(&socket_->comp, socket_->frames(), &idx);
    for (std::uint32_t i = 0; i < n; i++)
        free_.push_back(*xsk_ring_cons__comp_addr(&socket_->comp, idx + i));
    xsk_ring_cons__release(&socket_->comp, n);
    outstanding_ -= n;
}

bool XdpWriter::take_frame(std::uint64_t &addr, int &error)
{
    // Frames come back as the kernel completes them. If none does for a while
    // (the link is down, the driver is stuck), give up on this packet with the
    // kernel's reason rather than wait forever.
    const auto deadline = std::chrono::steady_clock::now() + FRAME_WAIT;
    while (free_.empty())
    {
        reap();
        if (!free_.empty())
            break;
        if (const int err = socket_->kick_tx())
            error = err;
        reap();
        if (free_.empty())
        {
            if (std::chrono::steady_clock::now() >= deadline)
            {
                if (error == 0)
                    error = ENOBUFS;
                return false;
            }
            pollfd p{socket_->fd(), POLLOUT, 0};
            ::poll(&p, 1, 1);
        }
    }
    addr = free_.back();
    free_.pop_back();
    return true;
}

void XdpWriter::send(const std::vector<iovec> &pieces, const std::vector<send::OutPacket> &packets,
                     std::vector<int> &errors)
{
    XskSocket &s = *socket_;
    std::uint32_t pending = 0;          // on the TX ring, not yet kicked
    std::size_t first_pending = 0;      // the first packet of those
    int stalled = 0;                    // once no frame came back in time: why
    auto flush = [&](std::size_t upto) {
        if (pending == 0)
            return;
        xsk_ring_prod__submit(&s.tx, pending);
        outstanding_ += pending;
        if (const int err = socket_->kick_tx())
            for (std::size_t j = first_pending; j < upto; j++)
                if (errors[j] == 0)
                    errors[j] = err;
        pending = 0;
    };
    for (std::size_t i = 0; i < packets.size(); i++)
    {
        const send::OutPacket &p = packets[i];
        const std::size_t total = p.size + net::udp_frame_header_size;
        // One UMEM frame per frame_size bytes; more than one needs a chain.
        const std::size_t parts = (total + s.frame_size() - 1) / s.frame_size();
        if (parts > 1 && (!s.multi_buffer() || parts > MAX_PARTS))
        {
            errors[i] = EMSGSIZE; // a frame this large does not fit the UMEM frames
            continue;
        }
        if (stalled != 0)
        {
            reap(); // the rest of the batch fails at once unless frames are back
            if (free_.size() < parts)
            {
                errors[i] = stalled;
                continue;
            }
        }
        // Every frame of the packet first, so that no half chain reaches the ring.
        std::uint64_t addrs[MAX_PARTS];
        std::size_t got = 0;
        int err = 0;
        while (got < parts && take_frame(addrs[got], err))
            got++;
        if (got < parts)
        {
            free_.insert(free_.end(), addrs, addrs + got);
            errors[i] = stalled = err;
            continue;
        }
        net::UdpFrameSpec &spec = specs_[p.substream < specs_.size() ? p.substream : 0];
        spec.ip_id = ip_id_++;
        std::size_t len;
        if (parts == 1)
            len = net::build_udp_frame(spec, &pieces[p.first_piece], p.n_pieces, s.frame(addrs[0]), s.frame_size());
        else
        {
            scratch_.resize(total);
            len = net::build_udp_frame(spec, &pieces[p.first_piece], p.n_pieces, scratch_.data(), scratch_.size());
            for (std::size_t k = 0; k < parts; k++)
            {
                const std::size_t off = k * s.frame_size();
                std::memcpy(s.frame(addrs[k]), scratch_.data() + off, std::min<std::size_t>(s.frame_size(), len - off));
            }
        }
        std::uint32_t idx = 0;
        while (xsk_ring_prod__reserve(&s.tx, std::uint32_t(parts), &idx) != parts)
        {
            flush(i);
            reap();
        }
        if (pending == 0)
            first_pending = i;
        for (std::size_t k = 0; k < parts; k++)
        {
            const std::size_t off = k * s.frame_size();
            xdp_desc *d = xsk_ring_prod__tx_desc(&s.tx, idx + std::uint32_t(k));
            d->addr = addrs[k];
            d->len = std::uint32_t(std::min<std::size_t>(s.frame_size(), len - off));
            d->options = k + 1 < parts ? XDP_PKT_CONTD : 0;
        }
        pending += std::uint32_t(parts);
        if (pending >= SUBMIT_BATCH)
            flush(i + 1);
    }
    flush(packets.size());
    reap();
}

} // namespace spead::xdp

#endif
