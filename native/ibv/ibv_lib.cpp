#include "ibv/ibv_lib.h"
#include "net/interface.h"
#include "common/dynlib.h"
#include "common/system_error.h"
#include "common/unique_fd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace spead::ibv {

[[noreturn]] void throw_not_built()
{
    throw std::system_error(ENOSYS, std::generic_category(),
                            "spead was built without ibverbs support (libibverbs-dev/librdmacm-dev headers missing)");
}

in_addr parse_interface_address(const std::string &address)
{
    if (address.empty())
        throw std::invalid_argument("ibverbs needs an interface address (interfaceAddress)");
    in6_addr v6;
    if (::inet_pton(AF_INET6, address.c_str(), &v6) == 1)
        throw std::invalid_argument("interface address '" + address + "' is IPv6; ibverbs supports IPv4 only");
    in_addr v4{};
    if (::inet_pton(AF_INET, address.c_str(), &v4) == 1)
        return v4;
    net::Endpoint ep;
    try
    {
        ep = net::resolve_endpoint(address, 0, AF_INET);
    }
    catch (const std::invalid_argument &)
    {
        throw std::invalid_argument("interface address '" + address + "' cannot be resolved to an IPv4 address");
    }
    return reinterpret_cast<const sockaddr_in &>(ep.addr).sin_addr;
}

std::vector<net::Endpoint> resolve_ipv4_endpoints(const std::vector<std::pair<std::string, int>> &endpoints)
{
    if (endpoints.empty())
        throw std::invalid_argument("ibverbs needs at least one endpoint");
    std::vector<net::Endpoint> out;
    for (const auto &[host, port] : endpoints)
    {
        in6_addr v6;
        if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1)
            throw std::invalid_argument("endpoint '" + host + "' is IPv6; ibverbs supports IPv4 only");
        net::Endpoint ep = net::resolve_endpoint(host, port, AF_INET);
        out.push_back(ep);
    }
    return out;
}

void Unmapper::operator()(std::uint8_t *p) const noexcept
{
    ::munmap(p, size);
}

MappedBuffer map_buffer(std::size_t size)
{
    void *p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw_errno("allocating " + std::to_string(size) + " bytes of buffer");
    return MappedBuffer(static_cast<std::uint8_t *>(p), Unmapper{size});
}

net::MacAddress interface_mac(in_addr address)
{
    const auto name = net::interface_with_ipv4(ntohl(address.s_addr));
    if (!name)
    {
        char text[INET_ADDRSTRLEN] = "";
        ::inet_ntop(AF_INET, &address, text, sizeof(text));
        throw std::system_error(ENODEV, std::generic_category(), std::string("no interface has address ") + text);
    }
    return net::interface_mac(*name);
}

#ifndef SPEAD_HAVE_IBV

Availability availability()
{
    return {false, "spead was built without ibverbs support"};
}

#else

namespace {

struct Loaded
{
    DynamicLibrary ibverbs, rdmacm;
    Verbs verbs{};
    std::string error; // empty when everything resolved
};

Loaded &loaded()
{
    // Deliberately never freed: a static object would dlclose the libraries at
    // exit while pool threads or the addon's teardown may still call them.
    static Loaded &l = *std::make_unique<Loaded>().release();
    static std::once_flag once;
    std::call_once(once, [] {
        // librdmacm resolves verbs symbols from libibverbs, hence global.
        if (!l.ibverbs.open({"libibverbs.so.1", "libibverbs.so"}, true))
        {
            l.error = "cannot load libibverbs: " + l.ibverbs.error();
            return;
        }
        if (!l.rdmacm.open({"librdmacm.so.1", "librdmacm.so"}))
        {
            l.error = "cannot load librdmacm: " + l.rdmacm.error();
            return;
        }
        Verbs &v = l.verbs;
        DynamicLibrary &i = l.ibverbs, &r = l.rdmacm;
        const bool ok = i.sym(v.get_device_list, "ibv_get_device_list") && i.sym(v.free_device_list, "ibv_free_device_list")
            && i.sym(v.query_device, "ibv_query_device") && i.sym(v.alloc_pd, "ibv_alloc_pd")
            && i.sym(v.dealloc_pd, "ibv_dealloc_pd") && i.sym(v.create_comp_channel, "ibv_create_comp_channel")
            && i.sym(v.destroy_comp_channel, "ibv_destroy_comp_channel") && i.sym(v.create_cq, "ibv_create_cq")
            && i.sym(v.destroy_cq, "ibv_destroy_cq") && i.sym(v.create_qp, "ibv_create_qp")
            && i.sym(v.destroy_qp, "ibv_destroy_qp") && i.sym(v.modify_qp, "ibv_modify_qp")
            && i.sym(v.reg_mr, "ibv_reg_mr") && i.sym(v.dereg_mr, "ibv_dereg_mr")
            && i.sym(v.get_cq_event, "ibv_get_cq_event") && i.sym(v.ack_cq_events, "ibv_ack_cq_events")
            && r.sym(v.create_event_channel, "rdma_create_event_channel")
            && r.sym(v.destroy_event_channel, "rdma_destroy_event_channel") && r.sym(v.create_id, "rdma_create_id")
            && r.sym(v.bind_addr, "rdma_bind_addr") && r.sym(v.destroy_id, "rdma_destroy_id");
        if (!ok)
            l.error = "ibverbs library is unusable: " + (i.error().empty() ? r.error() : i.error());
    });
    return l;
}

[[noreturn]] void throw_nodev(const std::string &what)
{
    throw std::system_error(ENODEV, std::generic_category(), what);
}

// The number of RDMA devices, or -1 with the reason.
int count_devices(const Verbs &v, std::string &reason)
{
    int n = 0;
    errno = 0;
    ibv_device **list = v.get_device_list(&n);
    if (list == nullptr)
    {
        reason = std::string("no RDMA (ibverbs) device found (ibv_get_device_list: ") + std::strerror(errno ? errno : ENODEV) + ")";
        return -1;
    }
    v.free_device_list(list);
    if (n == 0)
        reason = "no RDMA (ibverbs) device found";
    return n;
}

} // namespace

const Verbs &verbs()
{
    Loaded &l = loaded();
    if (!l.error.empty())
        throw_nodev("ibverbs is not available: " + l.error);
    return l.verbs;
}

Availability availability()
{
    Loaded &l = loaded();
    if (!l.error.empty())
        return {false, l.error};
    std::string reason;
    if (count_devices(l.verbs, reason) <= 0)
        return {false, reason};
    return {true, ""};
}

Device open_device(in_addr interface_address)
{
    const Verbs &v = verbs();
    std::string reason;
    if (count_devices(v, reason) <= 0)
        throw_nodev("ibverbs is not available: " + reason);
    char text[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &interface_address, text, sizeof(text));

    Device d;
    d.event_channel.reset(v.create_event_channel());
    if (!d.event_channel)
        throw_nodev(std::string("ibverbs is not available: rdma_create_event_channel: ") + std::strerror(errno));
    rdma_cm_id *id = nullptr;
    if (v.create_id(d.event_channel.get(), &id, nullptr, RDMA_PS_UDP) < 0)
        throw_errno("rdma_create_id");
    d.id.reset(id);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr = interface_address;
    if (v.bind_addr(d.id.get(), reinterpret_cast<sockaddr *>(&addr)) < 0)
    {
        const int err = errno;
        throw std::system_error(err == EADDRNOTAVAIL || err == ENODEV ? ENODEV : err, std::generic_category(),
                                std::string("no RDMA (ibverbs) device has interface address ") + text
                                    + " (rdma_bind_addr: " + std::strerror(err) + ")");
    }
    if (d.id->verbs == nullptr)
        throw_nodev(std::string("interface address ") + text + " is not on an RDMA (ibverbs) device");
    d.context = d.id->verbs;
    d.port = d.id->port_num ? d.id->port_num : 1;
    if (int rc = v.query_device(d.context, &d.attr))
        throw_errno("ibv_query_device", rc);
    return d;
}

Ptr<ibv_pd> alloc_pd(ibv_context *context)
{
    Ptr<ibv_pd> pd(verbs().alloc_pd(context));
    if (!pd)
        throw_errno("ibv_alloc_pd");
    return pd;
}

Ptr<ibv_comp_channel> create_comp_channel(ibv_context *context)
{
    Ptr<ibv_comp_channel> ch(verbs().create_comp_channel(context));
    if (!ch)
        throw_errno("ibv_create_comp_channel");
    // Non-blocking: the fd is watched with epoll, and a spurious wake-up must not block a pool thread.
    const int flags = ::fcntl(ch->fd, F_GETFL);
    if (flags < 0 || ::fcntl(ch->fd, F_SETFL, flags | O_NONBLOCK) < 0)
        throw_errno("making the completion channel non-blocking");
    return ch;
}

Ptr<ibv_cq> create_cq(ibv_context *context, int entries, ibv_comp_channel *channel, int comp_vector)
{
    Ptr<ibv_cq> cq(verbs().create_cq(context, entries, nullptr, channel, comp_vector));
    if (!cq)
        throw_errno("ibv_create_cq");
    return cq;
}

std::size_t ring_slots(const Device &device, std::size_t buffer_size, std::size_t slot_size)
{
    std::size_t slots = std::max<std::size_t>(1, buffer_size / slot_size);
    // The device bounds how many work requests one queue (and its CQ) can hold.
    slots = std::min<std::size_t>(slots, std::size_t(std::max(1, device.attr.max_qp_wr)));
    return std::min<std::size_t>(slots, std::size_t(std::max(1, device.attr.max_cqe)));
}

Completion create_completion(ibv_context *context, int entries, int comp_vector)
{
    Completion c;
    int vector = 0;
    if (comp_vector >= 0)
    {
        c.channel = create_comp_channel(context);
        vector = comp_vector % std::max(1, context->num_comp_vectors);
    }
    c.cq = create_cq(context, entries, c.channel.get(), vector);
    return c;
}

Ptr<ibv_qp> create_raw_qp(ibv_pd *pd, ibv_cq *send_cq, ibv_cq *recv_cq, std::uint32_t max_send_wr,
                          std::uint32_t max_recv_wr, std::uint32_t max_send_sge)
{
    ibv_qp_init_attr attr{};
    attr.send_cq = send_cq;
    attr.recv_cq = recv_cq;
    attr.qp_type = IBV_QPT_RAW_PACKET;
    attr.cap.max_send_wr = max_send_wr;
    attr.cap.max_recv_wr = max_recv_wr;
    attr.cap.max_send_sge = max_send_sge;
    attr.cap.max_recv_sge = 1;
    Ptr<ibv_qp> qp(verbs().create_qp(pd, &attr));
    if (!qp)
    {
        // EPERM is the usual cause: raw packet QPs need CAP_NET_RAW.
        const int err = errno;
        throw_errno(err == EPERM ? "ibv_create_qp (raw packet queue pairs need CAP_NET_RAW)" : "ibv_create_qp", err);
    }
    return qp;
}

void activate_qp(ibv_qp *qp, std::uint8_t port, bool send)
{
    ibv_qp_attr attr{};
    attr.qp_state = IBV_QPS_INIT;
    attr.port_num = port;
    if (int rc = verbs().modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_PORT))
        throw_errno("ibv_modify_qp to INIT", rc);
    attr = ibv_qp_attr{};
    attr.qp_state = IBV_QPS_RTR;
    if (int rc = verbs().modify_qp(qp, &attr, IBV_QP_STATE))
        throw_errno("ibv_modify_qp to RTR", rc);
    if (send)
    {
        attr = ibv_qp_attr{};
        attr.qp_state = IBV_QPS_RTS;
        if (int rc = verbs().modify_qp(qp, &attr, IBV_QP_STATE))
            throw_errno("ibv_modify_qp to RTS", rc);
    }
}

Ptr<ibv_mr> reg_mr(ibv_pd *pd, void *addr, std::size_t length, int access)
{
    Ptr<ibv_mr> mr(verbs().reg_mr(pd, addr, length, access));
    if (!mr)
        throw_errno("ibv_reg_mr of " + std::to_string(length) + " bytes");
    return mr;
}

Ptr<ibv_flow> create_udp_flow(ibv_qp *qp, std::uint8_t port, const net::MacAddress &dst_mac, std::uint32_t dst_ip,
                              std::uint16_t dst_port)
{
    // The specs follow the attribute header back to back, as the verbs API
    // requires; they are assembled separately and copied into place.
    ibv_flow_attr attr{};
    ibv_flow_spec_eth eth{};
    ibv_flow_spec_ipv4 ip{};
    ibv_flow_spec_tcp_udp udp{};
    attr.type = IBV_FLOW_ATTR_NORMAL;
    attr.size = sizeof(attr) + sizeof(eth) + sizeof(ip) + sizeof(udp);
    attr.num_of_specs = 3;
    attr.port = port;
    eth.type = IBV_FLOW_SPEC_ETH;
    eth.size = sizeof(eth);
    std::memcpy(eth.val.dst_mac, dst_mac.data(), 6);
    std::memset(eth.mask.dst_mac, 0xff, 6);
    ip.type = IBV_FLOW_SPEC_IPV4;
    ip.size = sizeof(ip);
    ip.val.dst_ip = dst_ip;
    ip.mask.dst_ip = 0xffffffff;
    udp.type = IBV_FLOW_SPEC_UDP;
    udp.size = sizeof(udp);
    udp.val.dst_port = dst_port;
    udp.mask.dst_port = 0xffff;
    alignas(8) std::uint8_t rule[sizeof(attr) + sizeof(eth) + sizeof(ip) + sizeof(udp)];
    std::uint8_t *pos = rule;
    for (const auto &[part, size] : {std::pair<const void *, std::size_t>{&attr, sizeof(attr)}, {&eth, sizeof(eth)},
                                     {&ip, sizeof(ip)}, {&udp, sizeof(udp)}})
    {
        std::memcpy(pos, part, size);
        pos += size;
    }
    Ptr<ibv_flow> flow(::ibv_create_flow(qp, reinterpret_cast<ibv_flow_attr *>(rule)));
    if (!flow)
        throw_errno("ibv_create_flow (flow steering)");
    return flow;
}

bool consume_cq_event(ibv_comp_channel *channel)
{
    ibv_cq *cq = nullptr;
    void *context = nullptr;
    if (verbs().get_cq_event(channel, &cq, &context) < 0)
        return false;
    verbs().ack_cq_events(cq, 1);
    // Re-armed before the caller polls, so a completion after its last poll raises a new event.
    ::ibv_req_notify_cq(cq, 0);
    return true;
}

#endif

} // namespace spead::ibv
