// An AF_XDP socket with its own UMEM: frames of frame_size bytes in one
// mmap'd area, the fill and completion rings of the UMEM, and the socket's RX
// and TX rings. Receive and send both use it; the rings themselves are driven
// by the reader and writer.
#pragma once

#ifdef SPEAD_HAVE_XDP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "xdp/xdp_lib.h"
#include "xdp/xdp_program.h"

namespace spead::xdp {

struct XskOptions
{
    std::string interface;
    std::uint32_t queue = 0;
    std::uint32_t frame_size = 4096; // 2048 or 4096 (aligned UMEM)
    std::uint32_t frames = 4096;     // power of two
    bool rx = true;
    bool tx = false;
    ZeroCopy zero_copy = ZeroCopy::automatic;
    // Frames larger than a UMEM frame arrive as chains of descriptors
    // (XDP_USE_SG, kernel 6.6+); without it they are dropped.
    bool multi_buffer = false;
};

class XskSocket
{
public:
    // Throws std::invalid_argument for bad options, std::system_error when the
    // kernel refuses (with the step that was refused in the message).
    explicit XskSocket(const XskOptions &options);
    ~XskSocket();
    XskSocket(const XskSocket &) = delete;
    XskSocket &operator=(const XskSocket &) = delete;

    int fd() const { return fd_; }
    bool zero_copy() const { return zero_copy_; }
    bool multi_buffer() const { return multi_buffer_; }
    std::uint32_t frame_size() const { return frame_size_; }
    std::uint32_t frames() const { return frames_; }
    std::uint8_t *frame(std::uint64_t addr) { return static_cast<std::uint8_t *>(area_) + addr; }

    xsk_ring_prod fill{};
    xsk_ring_cons comp{};
    xsk_ring_cons rx{};
    xsk_ring_prod tx{};

    // The kernel's counters for the socket (XDP_STATISTICS).
    std::uint64_t dropped() const;

    // Prods the kernel to process the TX ring (copy mode sends here) or to
    // refill after the fill ring ran dry (when it asked for a wakeup).
    // kick_tx returns 0, or an errno other than "busy, try again".
    int kick_tx();
    void kick_rx();

private:
    const XdpLib &lib_;
    void *area_ = nullptr;
    std::size_t area_size_ = 0;
    xsk_umem *umem_ = nullptr;
    xsk_socket *xsk_ = nullptr;
    int fd_ = -1;
    std::uint32_t frame_size_, frames_;
    bool zero_copy_ = false;
    bool multi_buffer_ = false;
};

} // namespace spead::xdp

#endif
