#include "ibv/udp_ibv_writer.h"
#include "common/system_error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace spead::send {

namespace {

constexpr int BATCH = 64;          // completions per poll, WRs per post
constexpr int WAIT_TIMEOUT_MS = 100; // a missed event costs this much, never a hang

// Sorted (begin, end) pairs of the regions; throws if one is empty or two overlap.
std::vector<std::pair<const std::uint8_t *, const std::uint8_t *>>
check_regions(const std::vector<std::pair<const std::uint8_t *, std::size_t>> &regions)
{
    std::vector<std::pair<const std::uint8_t *, const std::uint8_t *>> sorted;
    for (std::size_t i = 0; i < regions.size(); i++)
    {
        if (regions[i].first == nullptr || regions[i].second == 0)
            throw std::invalid_argument("memory region " + std::to_string(i) + " is empty");
        sorted.emplace_back(regions[i].first, regions[i].first + regions[i].second);
    }
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 1; i < sorted.size(); i++)
        if (sorted[i].first < sorted[i - 1].second)
            throw std::invalid_argument("memory regions overlap");
    return sorted;
}

[[maybe_unused]] void store16(std::uint8_t *p, std::uint16_t v)
{
    p[0] = std::uint8_t(v >> 8);
    p[1] = std::uint8_t(v);
}

} // namespace

void UdpIbvWriter::validate(const UdpIbvWriterConfig &config)
{
    if (config.max_poll <= 0)
        throw std::invalid_argument("maxPoll must be at least 1");
    if (config.ttl < 0 || config.ttl > 255)
        throw std::invalid_argument("ttl must be from 0 to 255");
    for (const auto &ep : ibv::resolve_ipv4_endpoints(config.endpoints))
        if (!ep.is_multicast())
            throw std::invalid_argument("endpoint " + ep.to_string()
                                        + " is not a multicast address; the ibverbs sender supports IPv4 multicast only");
    ibv::parse_interface_address(config.interface_address);
    check_regions(config.memory_regions);
}

#ifndef SPEAD_HAVE_IBV

UdpIbvWriter::UdpIbvWriter(const UdpIbvWriterConfig &config, std::size_t)
{
    validate(config);
    ibv::throw_not_built();
}
UdpIbvWriter::~UdpIbvWriter() = default;
void UdpIbvWriter::send(const std::vector<iovec> &, const std::vector<OutPacket> &packets, std::vector<int> &errors)
{
    for (std::size_t i = 0; i < packets.size(); i++)
        errors[i] = ENOSYS;
}

#else

UdpIbvWriter::UdpIbvWriter(const UdpIbvWriterConfig &config, std::size_t max_packet_size)
    : max_poll_(config.max_poll), busy_poll_(config.comp_vector < 0)
{
    validate(config);
    const std::vector<net::Endpoint> endpoints = ibv::resolve_ipv4_endpoints(config.endpoints);
    num_substreams_ = endpoints.size();
    const in_addr iface = ibv::parse_interface_address(config.interface_address);
    device_ = ibv::open_device(iface); // ENODEV when there is no library or device
    const net::MacAddress src_mac = ibv::interface_mac(iface);

    // An ordinary socket bound to the interface gives (and reserves) a source port.
    port_socket_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!port_socket_)
        throw_errno("socket");
    sockaddr_in bound{};
    bound.sin_family = AF_INET;
    bound.sin_addr = iface;
    if (::bind(port_socket_.get(), reinterpret_cast<sockaddr *>(&bound), sizeof(bound)) < 0)
        throw_errno("binding a UDP socket to the interface address");
    socklen_t blen = sizeof(bound);
    ::getsockname(port_socket_.get(), reinterpret_cast<sockaddr *>(&bound), &blen);

    for (const auto &ep : endpoints)
    {
        const auto &sa = reinterpret_cast<const sockaddr_in &>(ep.addr);
        net::UdpFrameSpec spec;
        spec.src_mac = src_mac;
        spec.dst_mac = net::multicast_mac(ntohl(sa.sin_addr.s_addr));
        spec.src = {ntohl(iface.s_addr), ntohs(bound.sin_port)};
        spec.dst = {ntohl(sa.sin_addr.s_addr), ntohs(sa.sin_port)};
        spec.ttl = std::uint8_t(config.ttl);
        specs_.push_back(spec);
    }

    slot_size_ = std::min(max_packet_size, net::max_udp_payload) + net::udp_frame_header_size;
    const std::size_t buffer_size = config.buffer_size ? config.buffer_size : UdpIbvWriterConfig::default_buffer_size;
    n_slots_ = ibv::ring_slots(device_, buffer_size, slot_size_);
    // A few entries are enough: the header slot, and payload pieces in between copies.
    max_sge_ = std::size_t(std::clamp(device_.attr.max_sge, 1, 4));

    ibv_context *ctx = device_.context;
    pd_ = ibv::alloc_pd(ctx);
    completion_ = ibv::create_completion(ctx, int(n_slots_), busy_poll_ ? -1 : config.comp_vector);
    qp_ = ibv::create_raw_qp(pd_.get(), completion_.cq.get(), completion_.cq.get(), std::uint32_t(n_slots_), 1, std::uint32_t(max_sge_));
    buffer_ = ibv::map_buffer(n_slots_ * slot_size_);
    mr_ = ibv::reg_mr(pd_.get(), buffer_.get(), n_slots_ * slot_size_, IBV_ACCESS_LOCAL_WRITE);
    for (const auto &[begin, end] : check_regions(config.memory_regions))
        // The NIC only reads these: no access flags beyond the implicit local read.
        regions_.push_back({begin, end, ibv::reg_mr(pd_.get(), const_cast<std::uint8_t *>(begin), std::size_t(end - begin), 0)});
    ibv::activate_qp(qp_.get(), device_.port, true);

    free_slots_.resize(n_slots_);
    for (std::size_t i = 0; i < n_slots_; i++)
        free_slots_[i] = n_slots_ - 1 - i;
    slot_packet_.assign(n_slots_, 0);
    wrs_.resize(n_slots_);
    sges_.resize(n_slots_ * max_sge_);
    wcs_.resize(BATCH);
    pending_.reserve(BATCH);
}

UdpIbvWriter::~UdpIbvWriter() = default; // send() returns only once every slot is free

const UdpIbvWriter::Region *UdpIbvWriter::find_region(const std::uint8_t *p, std::size_t n) const
{
    auto it = std::upper_bound(regions_.begin(), regions_.end(), p,
                               [](const std::uint8_t *q, const Region &r) { return q < r.begin; });
    if (it == regions_.begin())
        return nullptr;
    --it;
    return p >= it->begin && p + n <= it->end ? &*it : nullptr;
}

int UdpIbvWriter::poll_once(std::vector<int> &errors)
{
    const int n = ::ibv_poll_cq(completion_.cq.get(), BATCH, wcs_.data());
    for (int i = 0; i < n; i++)
    {
        const ibv_wc &wc = wcs_[std::size_t(i)];
        if (wc.status != IBV_WC_SUCCESS)
            errors[slot_packet_[wc.wr_id]] = EIO;
        free_slots_.push_back(wc.wr_id);
        busy_--;
    }
    return std::max(n, 0);
}

void UdpIbvWriter::reap(std::size_t want, std::vector<int> &errors)
{
    int empty = 0;
    while (free_slots_.size() < want)
    {
        if (poll_once(errors) > 0)
        {
            empty = 0;
            continue;
        }
        if (busy_poll_ || ++empty < max_poll_)
            continue;
        // Sleep on the completion channel: arm, poll once more (a completion
        // may have come before arming), then wait for the event.
        ::ibv_req_notify_cq(completion_.cq.get(), 0);
        if (poll_once(errors) > 0)
            continue;
        pollfd pfd{completion_.channel->fd, POLLIN, 0};
        if (::poll(&pfd, 1, WAIT_TIMEOUT_MS) > 0)
            ibv::consume_cq_event(completion_.channel.get());
        empty = 0;
    }
}

void UdpIbvWriter::send(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets,
                        std::vector<int> &errors)
{
    auto flush = [&] {
        if (pending_.empty())
            return;
        for (std::size_t k = 0; k + 1 < pending_.size(); k++)
            pending_[k]->next = pending_[k + 1];
        pending_.back()->next = nullptr;
        ibv_send_wr *bad = nullptr;
        if (int rc = ::ibv_post_send(qp_.get(), pending_.front(), &bad))
        {
            // Everything from `bad` on was not queued: fail those packets, free their slots.
            bool failed = false;
            for (ibv_send_wr *wr : pending_)
            {
                failed = failed || wr == bad || bad == nullptr;
                if (!failed)
                    continue;
                errors[slot_packet_[wr->wr_id]] = rc;
                free_slots_.push_back(wr->wr_id);
                busy_--;
            }
        }
        pending_.clear();
    };

    for (std::size_t i = 0; i < packets.size(); i++)
    {
        if (free_slots_.empty())
        {
            flush(); // what is built must be on the wire before waiting for it
            reap(1, errors);
        }
        const OutPacket &p = packets[i];
        const std::size_t slot = free_slots_.back();
        std::uint8_t *frame = buffer_.get() + slot * slot_size_;
        net::UdpFrameSpec &spec = specs_[p.substream];
        spec.ip_id = ip_id_++;
        const iovec *iov = &pieces[p.first_piece];
        ibv_sge *sge = &sges_[slot * max_sge_];
        int n_sge = 0;

        // Zero-copy when a piece lies in a registered region and the
        // scatter-gather list is long enough; otherwise everything is copied.
        std::size_t payload = 0, copied = 0, needed = 1;
        bool any_region = false, prev_region = false;
        for (std::size_t k = 0; k < p.n_pieces; k++)
        {
            payload += iov[k].iov_len;
            const bool in_region =
                !regions_.empty() && find_region(static_cast<const std::uint8_t *>(iov[k].iov_base), iov[k].iov_len);
            if (in_region || prev_region)
                needed++;
            any_region = any_region || in_region;
            prev_region = in_region;
            if (!in_region)
                copied += iov[k].iov_len;
        }
        try
        {
            if (any_region && needed <= max_sge_ && payload <= net::max_udp_payload
                && net::udp_frame_header_size + copied <= slot_size_)
            {
                // Headers for an empty payload, then the lengths and checksum set for the real one.
                build_udp_frame(spec, nullptr, 0, frame, slot_size_);
                std::uint8_t *ip = frame + 14;
                store16(ip + 2, std::uint16_t(20 + 8 + payload));
                store16(ip + 10, 0);
                store16(ip + 10, net::internet_checksum(ip, 20));
                store16(ip + 20 + 4, std::uint16_t(8 + payload));
                std::size_t used = net::udp_frame_header_size;
                sge[0] = {reinterpret_cast<std::uintptr_t>(frame), std::uint32_t(used), mr_->lkey};
                n_sge = 1;
                bool in_slot = true; // the last entry is the slot's (copies extend it)
                for (std::size_t k = 0; k < p.n_pieces; k++)
                {
                    const auto *data = static_cast<const std::uint8_t *>(iov[k].iov_base);
                    const std::size_t len = iov[k].iov_len;
                    if (const Region *r = find_region(data, len))
                    {
                        sge[n_sge++] = {reinterpret_cast<std::uintptr_t>(data), std::uint32_t(len), r->mr->lkey};
                        in_slot = false;
                        continue;
                    }
                    if (!in_slot)
                    {
                        sge[n_sge++] = {reinterpret_cast<std::uintptr_t>(frame + used), 0, mr_->lkey};
                        in_slot = true;
                    }
                    std::memcpy(frame + used, data, len);
                    used += len;
                    sge[n_sge - 1].length += std::uint32_t(len);
                }
            }
            else
            {
                const std::size_t len = build_udp_frame(spec, iov, p.n_pieces, frame, slot_size_);
                sge[0] = {reinterpret_cast<std::uintptr_t>(frame), std::uint32_t(len), mr_->lkey};
                n_sge = 1;
            }
        }
        catch (const std::invalid_argument &)
        {
            errors[i] = EMSGSIZE; // larger than a slot or than UDP allows
            continue;
        }
        free_slots_.pop_back();
        busy_++;
        slot_packet_[slot] = i;
        ibv_send_wr &wr = wrs_[slot];
        wr = ibv_send_wr{};
        wr.wr_id = slot;
        wr.sg_list = sge;
        wr.num_sge = n_sge;
        wr.opcode = IBV_WR_SEND;
        wr.send_flags = IBV_SEND_SIGNALED;
        pending_.push_back(&wr);
        if (pending_.size() >= std::size_t(BATCH))
            flush();
    }
    flush();
    // Zero-copy payload belongs to the caller: every send must be done before returning.
    reap(n_slots_, errors);
}

#endif

} // namespace spead::send
