#include "ibv/udp_ibv_reader.h"
#include "common/system_error.h"
#include "net/frame.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <stdexcept>

namespace spead::recv {

namespace {

constexpr int BATCH = 64; // completions taken per poll
} // namespace

void UdpIbvReader::validate(const UdpIbvReaderConfig &config)
{
    // Cheap checks first, so a bad option is reported before any name lookup.
    if (config.max_size == 0)
        throw std::invalid_argument("maxSize must be at least 1");
    if (config.max_poll <= 0)
        throw std::invalid_argument("maxPoll must be at least 1");
    ibv::resolve_ipv4_endpoints(config.endpoints);
    ibv::parse_interface_address(config.interface_address);
}

#ifndef SPEAD_HAVE_IBV

UdpIbvReader::UdpIbvReader(ThreadPool &, PacketSink &, const UdpIbvReaderConfig &config)
{
    validate(config);
    ibv::throw_not_built();
}
UdpIbvReader::~UdpIbvReader() = default;
void UdpIbvReader::start() {}
void UdpIbvReader::stop() {}

#else

UdpIbvReader::UdpIbvReader(ThreadPool &pool, PacketSink &sink, const UdpIbvReaderConfig &config)
    : pool_(pool), sink_(sink), max_size_(config.max_size), max_poll_(config.max_poll),
      busy_poll_(config.comp_vector < 0)
{
    validate(config);
    const std::vector<net::Endpoint> endpoints = ibv::resolve_ipv4_endpoints(config.endpoints);
    const in_addr iface = ibv::parse_interface_address(config.interface_address);
    device_ = ibv::open_device(iface); // ENODEV when there is no library or device

    const std::size_t buffer_size = config.buffer_size ? config.buffer_size : UdpIbvReaderConfig::default_buffer_size;
    n_slots_ = ibv::ring_slots(device_, buffer_size, max_size_);

    ibv_context *ctx = device_.context;
    pd_ = ibv::alloc_pd(ctx);
    completion_ = ibv::create_completion(ctx, int(n_slots_), busy_poll_ ? -1 : config.comp_vector);
    qp_ = ibv::create_raw_qp(pd_.get(), completion_.cq.get(), completion_.cq.get(), 1, std::uint32_t(n_slots_), 1);
    buffer_ = ibv::map_buffer(n_slots_ * max_size_);
    mr_ = ibv::reg_mr(pd_.get(), buffer_.get(), n_slots_ * max_size_, IBV_ACCESS_LOCAL_WRITE);

    wrs_.resize(n_slots_);
    sges_.resize(n_slots_);
    for (std::size_t i = 0; i < n_slots_; i++)
    {
        sges_[i].addr = reinterpret_cast<std::uintptr_t>(buffer_.get() + i * max_size_);
        sges_[i].length = std::uint32_t(max_size_);
        sges_[i].lkey = mr_->lkey;
        wrs_[i].wr_id = i;
        wrs_[i].sg_list = &sges_[i];
        wrs_[i].num_sge = 1;
    }
    ibv::activate_qp(qp_.get(), device_.port, false);
    std::vector<std::uint64_t> all(n_slots_);
    for (std::size_t i = 0; i < n_slots_; i++)
        all[i] = i;
    post_receives(all.data(), all.size());

    bool have_unicast = false;
    for (const auto &ep : endpoints)
        have_unicast = have_unicast || !ep.is_multicast();
    const net::MacAddress own_mac = have_unicast ? ibv::interface_mac(iface) : net::MacAddress{};
    for (const auto &ep : endpoints)
    {
        const auto &sa = reinterpret_cast<const sockaddr_in &>(ep.addr);
        if (ep.is_multicast())
        {
            flows_.push_back(ibv::create_udp_flow(qp_.get(), device_.port, net::multicast_mac(ntohl(sa.sin_addr.s_addr)),
                                                  sa.sin_addr.s_addr, sa.sin_port));
            // The kernel still does the IGMP join (on an ordinary socket), so
            // that switches forward the group to this port.
            UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
            if (!s)
                throw_errno("socket");
            ip_mreq mreq{};
            mreq.imr_multiaddr = sa.sin_addr;
            mreq.imr_interface = iface;
            if (::setsockopt(s.get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
                throw_errno("joining multicast group " + ep.to_string());
            join_sockets_.push_back(std::move(s));
        }
        else
        {
            // The wildcard address means this interface's own address.
            const std::uint32_t ip = sa.sin_addr.s_addr == htonl(INADDR_ANY) ? iface.s_addr : sa.sin_addr.s_addr;
            flows_.push_back(ibv::create_udp_flow(qp_.get(), device_.port, own_mac, ip, sa.sin_port));
        }
    }
    wcs_.resize(BATCH);
    packets_.reserve(BATCH);
    done_.reserve(BATCH);
}

UdpIbvReader::~UdpIbvReader()
{
    stop();
}

void UdpIbvReader::post_receives(const std::uint64_t *slots, std::size_t n)
{
    if (n == 0)
        return;
    for (std::size_t i = 0; i < n; i++)
        wrs_[slots[i]].next = i + 1 < n ? &wrs_[slots[i + 1]] : nullptr;
    ibv_recv_wr *bad = nullptr;
    // Failure only happens once the QP is being torn down: the slot is simply lost.
    ::ibv_post_recv(qp_.get(), &wrs_[slots[0]], &bad);
}

void UdpIbvReader::start()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_ || stopped_)
        return;
    started_ = true;
    if (busy_poll_)
    {
        std::shared_ptr<BusyState> state = busy_;
        pool_.post([this, state] { busy_loop(state); });
        return;
    }
    ::ibv_req_notify_cq(completion_.cq.get(), 0);
    watch_ = pool_.watch(completion_.channel->fd, EPOLLIN, [this] { on_ready(); });
}

int UdpIbvReader::poll_once()
{
    const int n = ::ibv_poll_cq(completion_.cq.get(), BATCH, wcs_.data());
    if (n <= 0)
        return 0;
    packets_.clear();
    done_.clear();
    std::uint64_t rejected = 0;
    for (int i = 0; i < n; i++)
    {
        const ibv_wc &wc = wcs_[std::size_t(i)];
        done_.push_back(wc.wr_id);
        if (wc.status != IBV_WC_SUCCESS)
            continue; // flushed at teardown, or a receive error: the slot is reposted
        const std::uint8_t *frame = buffer_.get() + wc.wr_id * max_size_;
        const net::FrameParseResult r = net::parse_frame(net::LinkType::ethernet, frame, wc.byte_len);
        if (r.ok)
            packets_.push_back({r.datagram.payload, r.datagram.payload_size});
        else
            rejected++;
    }
    if (rejected)
        sink_.count(ReaderCounter::FRAME_REJECTED, rejected);
    const bool more = packets_.empty() || sink_.add_packets(packets_.data(), packets_.size(), true);
    // The sink only borrowed the slots: they can take new frames now.
    post_receives(done_.data(), done_.size());
    return more ? n : -1;
}

void UdpIbvReader::on_ready()
{
    while (ibv::consume_cq_event(completion_.channel.get()))
    {
    }
    // Keep polling while completions come; give up the thread after max_poll empty polls.
    for (int empty = 0; empty < max_poll_;)
    {
        const int n = poll_once();
        if (n < 0)
            return; // the stream has stopped; it stops this reader
        empty = n == 0 ? empty + 1 : 0;
    }
}

void UdpIbvReader::busy_loop(const std::shared_ptr<BusyState> &state)
{
    {
        std::lock_guard<std::mutex> lock(state->mutex);
        if (state->cancelled)
            return;
        state->running = true;
    }
    while (!state->stop.load(std::memory_order_relaxed))
        if (poll_once() < 0)
            break; // the stream has stopped; it stops this reader
    std::lock_guard<std::mutex> lock(state->mutex);
    state->running = false;
    state->cv.notify_all();
}

void UdpIbvReader::stop()
{
    std::unique_ptr<ThreadPool::Watch> watch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
        watch.swap(watch_);
    }
    watch.reset(); // waits for a running handler
    std::unique_lock<std::mutex> lock(busy_->mutex);
    busy_->cancelled = true;
    busy_->stop = true;
    busy_->cv.wait(lock, [this] { return !busy_->running; }); // the loop ends within one poll
}

#endif

} // namespace spead::recv
