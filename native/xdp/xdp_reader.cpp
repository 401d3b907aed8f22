#include "xdp/xdp_reader.h"

#include <stdexcept>

#ifdef SPEAD_HAVE_XDP

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common/system_error.h"
#include "net/frame.h"
#include "net/interface.h"

#endif

namespace spead::xdp {

void validate(const XdpReaderOptions &o)
{
    if (o.interface.empty())
        throw std::invalid_argument("an AF_XDP reader needs an interface name");
    if (o.endpoints.empty())
        throw std::invalid_argument("an AF_XDP reader needs at least one endpoint");
    for (const FlowKey &k : o.endpoints)
        if (k.port == 0)
            throw std::invalid_argument("AF_XDP endpoints need a port (port 0 cannot be steered)");
    if (o.max_size == 0)
        throw std::invalid_argument("maxSize must be at least 1");
}

#ifdef SPEAD_HAVE_XDP

namespace {

constexpr std::uint32_t BATCH = 64;
constexpr std::size_t MAX_HEADERS = 14 + 4 + 60 + 8; // Ethernet, 802.1Q, IPv4 with options, UDP
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif
constexpr int MAX_ROUNDS = 16;

} // namespace

XdpReader::XdpReader(ThreadPool &pool, recv::PacketSink &sink, const XdpReaderOptions &options)
    : pool_(pool), sink_(sink), options_(options)
{
    validate(options_);
    const int ifindex = net::interface_index(options_.interface);
    XskOptions so;
    so.interface = options_.interface;
    so.queue = options_.queue;
    so.frame_size = options_.frame_size;
    so.frames = options_.frames;
    so.rx = true;
    so.zero_copy = options_.zero_copy;
    // Frames that do not fit one UMEM frame (after the kernel's headroom)
    // need multi-buffer chains.
    so.multi_buffer = options_.max_size + MAX_HEADERS + XDP_PACKET_HEADROOM > options_.frame_size;
    // The program first: zero-copy binds need the driver's XDP in place.
    program_ = InterfaceProgram::acquire(ifindex, options_.interface, options_.mode);
    program_->check_queue_free(options_.queue);
    socket_ = std::make_unique<XskSocket>(so);
    mode_ = program_->mode();
    zero_copy_ = socket_->zero_copy();
    multi_buffer_ = socket_->multi_buffer();

    // Every frame starts out lent to the kernel.
    std::uint32_t idx = 0;
    const std::uint32_t n = socket_->frames();
    if (xsk_ring_prod__reserve(&socket_->fill, n, &idx) != n)
        throw std::runtime_error("the AF_XDP fill ring is smaller than the UMEM");
    for (std::uint32_t i = 0; i < n; i++)
        *xsk_ring_prod__fill_addr(&socket_->fill, idx + i) = std::uint64_t(i) * socket_->frame_size();
    xsk_ring_prod__submit(&socket_->fill, n);

    for (const FlowKey &k : options_.endpoints)
        if (net::is_ipv4_multicast(k.address))
        {
            if (!membership_)
            {
                membership_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
                if (!membership_)
                    throw_errno("socket");
            }
            ip_mreqn m{};
            m.imr_multiaddr.s_addr = htonl(k.address);
            m.imr_ifindex = ifindex;
            if (setsockopt(membership_.get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) != 0 && errno != EADDRINUSE)
                throw_errno("joining multicast group on " + options_.interface);
        }
    program_->add_flows(options_.endpoints);
    flows_ = options_.endpoints;
    try
    {
        program_->bind_queue(options_.queue, socket_->fd());
        bound_ = true;
    }
    catch (...)
    {
        program_->remove_flows(flows_);
        throw;
    }
    packets_.reserve(BATCH);
    addrs_.reserve(BATCH);
}

XdpReader::~XdpReader() { stop(); }

void XdpReader::start()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (!watch_ && !stopped_)
        watch_ = pool_.watch(socket_->fd(), EPOLLIN, [this] { on_ready(); });
}

void XdpReader::on_ready()
{
    XskSocket &s = *socket_;
    const std::uint64_t frame_mask = ~std::uint64_t(s.frame_size() - 1);
    for (int round = 0; round < MAX_ROUNDS; round++)
    {
        std::uint32_t idx = 0;
        const std::uint32_t n = xsk_ring_cons__peek(&s.rx, BATCH, &idx);
        if (n == 0)
        {
            if (xsk_ring_prod__needs_wakeup(&s.fill))
                s.kick_rx();
            return;
        }
        packets_.clear();
        addrs_.clear();
        chained_.clear();
        frames_.clear();
        std::uint64_t rejected = 0, oversized = 0;
        auto take = [&](const std::uint8_t *frame, std::size_t size) {
            const net::FrameParseResult r = net::parse_frame(net::LinkType::ethernet, frame, size);
            if (!r.ok)
                rejected++;
            else if (r.datagram.payload_size > options_.max_size)
                oversized++;
            else
                packets_.push_back({r.datagram.payload, r.datagram.payload_size});
        };
        for (std::uint32_t i = 0; i < n; i++)
        {
            const xdp_desc *d = xsk_ring_cons__rx_desc(&s.rx, idx + i);
            addrs_.push_back(d->addr & frame_mask);
            const std::uint8_t *data = s.frame(d->addr);
            if (!(d->options & XDP_PKT_CONTD) && partial_.empty())
            {
                frames_.push_back({data, 0, d->len}); // the usual case: one frame, parsed in place
                continue;
            }
            // A multi-buffer frame: gathered (one copy) until its last buffer.
            if (partial_.size() + d->len <= MAX_CHAIN)
                partial_.insert(partial_.end(), data, data + d->len);
            else
                partial_overflow_ = true;
            if (d->options & XDP_PKT_CONTD)
                continue;
            if (partial_overflow_)
                oversized++;
            else
            {
                frames_.push_back({nullptr, chained_.size(), partial_.size()});
                chained_.insert(chained_.end(), partial_.begin(), partial_.end());
            }
            partial_.clear();
            partial_overflow_ = false;
        }
        // In arrival order (assembly cares); chained_ no longer grows, so
        // pointers into it stay valid while the sink has them.
        for (const FrameRef &f : frames_)
            take(f.data ? f.data : chained_.data() + f.offset, f.size);
        if (rejected)
            sink_.count(recv::ReaderCounter::FRAME_REJECTED, rejected);
        if (oversized)
            sink_.count(recv::ReaderCounter::OVERSIZED, oversized);
        const bool more = packets_.empty() || sink_.add_packets(packets_.data(), packets_.size(), true);
        // The payloads were only borrowed: the frames go back to the kernel.
        xsk_ring_cons__release(&s.rx, n);
        std::uint32_t fidx = 0;
        const std::uint32_t got = xsk_ring_prod__reserve(&s.fill, n, &fidx);
        for (std::uint32_t i = 0; i < got; i++)
            *xsk_ring_prod__fill_addr(&s.fill, fidx + i) = addrs_[i];
        xsk_ring_prod__submit(&s.fill, got); // the fill ring holds every frame, so got == n
        const std::uint64_t dropped = s.dropped();
        if (dropped != last_dropped_)
        {
            sink_.count(recv::ReaderCounter::KERNEL_DROPPED, dropped - last_dropped_);
            last_dropped_ = dropped;
        }
        if (!more)
            return; // the stream has stopped; it will stop this reader
        if (n < BATCH)
        {
            if (xsk_ring_prod__needs_wakeup(&s.fill))
                s.kick_rx();
            return;
        }
    }
}

void XdpReader::stop()
{
    std::unique_ptr<ThreadPool::Watch> watch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
        watch.swap(watch_);
    }
    watch.reset(); // after this no handler runs: the socket and the program can go
    std::lock_guard<std::mutex> lock(mutex_);
    if (!program_)
        return;
    if (bound_)
        program_->unbind_queue(options_.queue);
    program_->remove_flows(flows_);
    socket_.reset();
    program_.reset(); // the last reader on the interface detaches the program
    membership_.reset();
}

#endif

} // namespace spead::xdp
