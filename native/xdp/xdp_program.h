// The XDP program that feeds AF_XDP sockets: it redirects IPv4/UDP frames
// (untagged or with one 802.1Q tag) whose destination address and port are in
// an endpoint map to the socket bound to the receiving queue, and passes every
// other frame (other flows, IP options, fragments, ARP, IPv6…) on to the
// kernel. One program per interface, shared by every socket of the process on
// that interface; its endpoint set is the union of theirs.
//
// The program is a few dozen instructions generated here and loaded with
// libbpf (bpf_prog_load), so installing the package needs no BPF compiler.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace spead::xdp {

enum class XdpMode
{
    auto_mode, // native if the driver has it, else generic
    native,    // XDP_FLAGS_DRV_MODE
    generic    // XDP_FLAGS_SKB_MODE
};

const char *mode_name(XdpMode mode);

enum class ZeroCopy
{
    automatic, // the kernel decides (zero-copy where the driver has it)
    on,        // XDP_ZEROCOPY, or fail
    off        // XDP_COPY
};

// A flow the program redirects. address 0 matches any destination address.
struct FlowKey
{
    std::uint32_t address = 0; // host byte order
    std::uint16_t port = 0;
    bool operator<(const FlowKey &o) const { return address != o.address ? address < o.address : port < o.port; }
};

#ifdef SPEAD_HAVE_XDP

struct XdpLib;

// The program and its two maps (flows; queue → socket), loaded but not
// attached anywhere. Throws std::system_error when the kernel refuses.
class RedirectProgram
{
public:
    RedirectProgram();

    int prog_fd() const { return prog_.get(); }
    void add_flow(const FlowKey &flow);
    void remove_flow(const FlowKey &flow);
    // xsk_fd < 0 removes the queue's socket.
    void set_socket(std::uint32_t queue, int xsk_fd);
    // Runs the program once on `frame` as if it arrived on ifindex/queue
    // (BPF_PROG_TEST_RUN): the XDP action it returns.
    std::uint32_t test_run(const std::uint8_t *frame, std::size_t size, int ifindex, std::uint32_t queue) const;

private:
    const XdpLib &lib_;
    UniqueFd flows_map_, xsks_map_, prog_;
};

class InterfaceProgram
{
public:
    // The program attached to `ifindex` by this process, attaching it if there
    // is none (in `mode`; auto tries native then generic). Throws with errno
    // EBUSY if another program is attached to the interface.
    static std::shared_ptr<InterfaceProgram> acquire(int ifindex, const std::string &ifname, XdpMode mode);

    ~InterfaceProgram();
    InterfaceProgram(const InterfaceProgram &) = delete;
    InterfaceProgram &operator=(const InterfaceProgram &) = delete;

    XdpMode mode() const { return mode_; } // native or generic, as attached

    // Flows are reference-counted: two sockets may name the same endpoint.
    void add_flows(const std::vector<FlowKey> &flows);
    void remove_flows(const std::vector<FlowKey> &flows);
    // Directs frames arriving on `queue` to the socket `xsk_fd`.
    void bind_queue(std::uint32_t queue, int xsk_fd);
    void unbind_queue(std::uint32_t queue);
    // Throws EBUSY if a socket of this process already serves `queue`.
    void check_queue_free(std::uint32_t queue);

private:
    struct Token
    {
    };

public:
    // Use acquire(); the token keeps construction there.
    InterfaceProgram(Token, int ifindex, const std::string &ifname, XdpMode mode);

private:

    int ifindex_;
    std::string ifname_;
    XdpMode mode_ = XdpMode::generic;
    RedirectProgram program_;
    UniqueFd link_;                 // the BPF link, where the kernel has them
    std::uint32_t attach_flags_ = 0; // else the netlink attachment's mode
    std::mutex mutex_;
    std::map<FlowKey, int> flows_;
    std::vector<bool> queues_;
};

#endif

} // namespace spead::xdp
