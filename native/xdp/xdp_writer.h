// Sends SPEAD over AF_XDP: each packet is written, with its Ethernet, IPv4 and
// UDP headers, straight into a UMEM frame and put on the socket's TX ring, so
// the kernel's UDP stack is bypassed (copy mode still lets the kernel copy the
// frame into the driver; zero-copy hands the frame itself to the NIC).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "net/frame.h"
#include "send/writer.h"
#include "xdp/xdp_program.h"
#include "xdp/xsk_socket.h"

namespace spead::xdp {

struct XdpWriterOptions
{
    std::string interface;
    std::uint32_t queue = 0;
    std::vector<net::Ipv4Endpoint> endpoints; // one per substream
    std::optional<net::MacAddress> dest_mac;  // else multicast MAC or the neighbour table
    std::optional<std::uint32_t> source_address; // else the interface's IPv4 address
    std::uint16_t source_port = 0;           // 0: a port reserved with an ordinary socket
    int ttl = 64;
    std::uint32_t frame_size = 4096;
    std::uint32_t frames = 4096;
    ZeroCopy zero_copy = ZeroCopy::automatic;
};

#ifdef SPEAD_HAVE_XDP

class XdpWriter : public send::Writer
{
public:
    explicit XdpWriter(const XdpWriterOptions &options);

    std::size_t num_substreams() const override { return specs_.size(); }
    void send(const std::vector<iovec> &pieces, const std::vector<send::OutPacket> &packets,
              std::vector<int> &errors) override;

    bool zero_copy() const { return socket_->zero_copy(); }
    std::uint16_t source_port() const { return source_port_; }

private:
    void reap();
    // A free UMEM frame; false (with an errno) if none came back in time.
    bool take_frame(std::uint64_t &addr, int &error);

    std::unique_ptr<XskSocket> socket_;
    std::vector<net::UdpFrameSpec> specs_;
    std::vector<std::uint64_t> free_;
    std::vector<std::uint8_t> scratch_; // a frame larger than a UMEM frame, before it is cut up
    std::uint32_t outstanding_ = 0;
    std::uint16_t ip_id_ = 0;
    std::uint16_t source_port_ = 0;
    UniqueFd port_holder_; // keeps the source port from being given to anyone else
};

#endif

} // namespace spead::xdp
