// libibverbs and librdmacm, loaded with dlopen on first use so that the addon
// loads (and every other transport works) on machines without them. Owning
// pointers for the verbs objects, device lookup by interface address, and the
// checks shared by the ibverbs reader and writer.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/endpoint.h"
#include "net/frame.h"

#ifdef SPEAD_HAVE_IBV
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>
#endif

namespace spead::ibv {

struct Availability
{
    bool available = false;
    std::string reason; // why not (empty when available)
};

// Whether ibverbs can be used here: built with it, libraries loadable and at
// least one RDMA device present.
Availability availability();

// Throws the error the transports give when the addon was built without the
// ibverbs headers.
[[noreturn]] void throw_not_built();

// An IPv4 interface address in text ('' → error, IPv6 → error, names are
// resolved). Throws std::invalid_argument naming what is wrong.
in_addr parse_interface_address(const std::string &address);

// Resolves "host:port" pairs that must be IPv4 (std::invalid_argument otherwise).
std::vector<net::Endpoint> resolve_ipv4_endpoints(const std::vector<std::pair<std::string, int>> &endpoints);

// Page-aligned memory for registered buffers (anonymous mmap, untouched pages cost nothing).
struct Unmapper
{
    std::size_t size = 0;
    void operator()(std::uint8_t *p) const noexcept;
};
using MappedBuffer = std::unique_ptr<std::uint8_t, Unmapper>;
MappedBuffer map_buffer(std::size_t size);

// The MAC address of the interface that has `address` (getifaddrs + SIOCGIFHWADDR).
net::MacAddress interface_mac(in_addr address);

#ifdef SPEAD_HAVE_IBV

// The library functions used. Inline verbs (ibv_poll_cq, ibv_post_send,
// ibv_post_recv, ibv_req_notify_cq, ibv_create_flow, ibv_destroy_flow) go
// through the context's ops table and need no symbol. Member names drop the
// prefix because verbs.h defines some of the prefixed names as macros.
struct Verbs
{
    decltype(&::ibv_get_device_list) get_device_list;
    decltype(&::ibv_free_device_list) free_device_list;
    decltype(&::ibv_query_device) query_device;
    decltype(&::ibv_alloc_pd) alloc_pd;
    decltype(&::ibv_dealloc_pd) dealloc_pd;
    decltype(&::ibv_create_comp_channel) create_comp_channel;
    decltype(&::ibv_destroy_comp_channel) destroy_comp_channel;
    decltype(&::ibv_create_cq) create_cq;
    decltype(&::ibv_destroy_cq) destroy_cq;
    decltype(&::ibv_create_qp) create_qp;
    decltype(&::ibv_destroy_qp) destroy_qp;
    decltype(&::ibv_modify_qp) modify_qp;
    decltype(&::ibv_reg_mr) reg_mr;
    decltype(&::ibv_dereg_mr) dereg_mr;
    decltype(&::ibv_get_cq_event) get_cq_event;
    decltype(&::ibv_ack_cq_events) ack_cq_events;
    decltype(&::rdma_create_event_channel) create_event_channel;
    decltype(&::rdma_destroy_event_channel) destroy_event_channel;
    decltype(&::rdma_create_id) create_id;
    decltype(&::rdma_bind_addr) bind_addr;
    decltype(&::rdma_destroy_id) destroy_id;
};

// The loaded libraries; throws std::system_error(ENODEV) saying why they
// cannot be loaded. Loaded once per process (the handles are never closed).
const Verbs &verbs();

// One deleter for every verbs object: the right destroy call by overload.
struct Deleter
{
    void operator()(ibv_pd *p) const noexcept { verbs().dealloc_pd(p); }
    void operator()(ibv_comp_channel *p) const noexcept { verbs().destroy_comp_channel(p); }
    void operator()(ibv_cq *p) const noexcept { verbs().destroy_cq(p); }
    void operator()(ibv_qp *p) const noexcept { verbs().destroy_qp(p); }
    void operator()(ibv_mr *p) const noexcept { verbs().dereg_mr(p); }
    void operator()(ibv_flow *p) const noexcept { ::ibv_destroy_flow(p); }
    void operator()(rdma_event_channel *p) const noexcept { verbs().destroy_event_channel(p); }
    void operator()(rdma_cm_id *p) const noexcept { verbs().destroy_id(p); }
};

template <typename T> using Ptr = std::unique_ptr<T, Deleter>;

// The device behind an interface address: rdma_bind_addr picks it (as spead2
// does), and the cm id owns the context, so it lives as long as this.
struct Device
{
    Ptr<rdma_event_channel> event_channel;
    Ptr<rdma_cm_id> id;
    ibv_context *context = nullptr;
    std::uint8_t port = 1;
    ibv_device_attr attr{};
};

// Throws std::system_error(ENODEV) when the libraries or a device are missing.
Device open_device(in_addr interface_address);

Ptr<ibv_pd> alloc_pd(ibv_context *context);
Ptr<ibv_comp_channel> create_comp_channel(ibv_context *context); // made non-blocking
Ptr<ibv_cq> create_cq(ibv_context *context, int entries, ibv_comp_channel *channel, int comp_vector);
Ptr<ibv_qp> create_raw_qp(ibv_pd *pd, ibv_cq *send_cq, ibv_cq *recv_cq, std::uint32_t max_send_wr,
                          std::uint32_t max_recv_wr, std::uint32_t max_send_sge);
// INIT (bound to the port), then RTR, and RTS when `send`.
void activate_qp(ibv_qp *qp, std::uint8_t port, bool send);
Ptr<ibv_mr> reg_mr(ibv_pd *pd, void *addr, std::size_t length, int access);
// Steers UDP to dst_ip:dst_port (and dst_mac) into qp. Addresses in network order.
Ptr<ibv_flow> create_udp_flow(ibv_qp *qp, std::uint8_t port, const net::MacAddress &dst_mac, std::uint32_t dst_ip,
                              std::uint16_t dst_port);

// Waits for (or, non-blocking, collects) completion-channel events, acks them
// and re-arms the CQ. Returns false if no event was pending (EAGAIN).
bool consume_cq_event(ibv_comp_channel *channel);

// How many slots of `slot_size` bytes a ring of `buffer_size` gets on this
// device (at least 1, at most what a queue and a CQ can hold).
std::size_t ring_slots(const Device &device, std::size_t buffer_size, std::size_t slot_size);

// A CQ with `entries`, and (comp_vector >= 0) a non-blocking completion
// channel on that vector modulo the device's; comp_vector < 0: no channel
// (busy polling). The CQ is declared last, so it goes before its channel.
struct Completion
{
    Ptr<ibv_comp_channel> channel;
    Ptr<ibv_cq> cq;
};
Completion create_completion(ibv_context *context, int entries, int comp_vector);

#endif

} // namespace spead::ibv
