// Receives SPEAD over AF_XDP: an XDP program on the interface redirects the
// endpoints' UDP flows arriving on one queue into an AF_XDP socket, and the
// frames are parsed in place in the UMEM and handed to assembly, which copies
// each payload once, into its heap. Other traffic continues to the kernel.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "common/unique_fd.h"
#include "recv/reader.h"
#include "xdp/xdp_program.h"
#include "xdp/xsk_socket.h"

namespace spead::xdp {

struct XdpReaderOptions
{
    std::string interface;
    std::uint32_t queue = 0;
    std::vector<FlowKey> endpoints; // address 0: any address of the interface
    std::uint32_t frame_size = 4096;
    std::uint32_t frames = 4096;
    std::size_t max_size = 9200; // largest UDP payload handed on
    XdpMode mode = XdpMode::auto_mode;
    ZeroCopy zero_copy = ZeroCopy::automatic;
};

// Checks what can be checked without the kernel; throws std::invalid_argument.
void validate(const XdpReaderOptions &options);

#ifdef SPEAD_HAVE_XDP

class XdpReader : public recv::Reader
{
public:
    XdpReader(ThreadPool &pool, recv::PacketSink &sink, const XdpReaderOptions &options);
    ~XdpReader() override;

    void start() override;
    void stop() override;
    bool lossy() const override { return true; }

    XdpMode mode() const { return mode_; }
    bool zero_copy() const { return zero_copy_; }
    bool multi_buffer() const { return multi_buffer_; }

private:
    void on_ready();

    ThreadPool &pool_;
    recv::PacketSink &sink_;
    XdpReaderOptions options_;
    std::unique_ptr<XskSocket> socket_;
    std::shared_ptr<InterfaceProgram> program_;
    std::vector<FlowKey> flows_;
    UniqueFd membership_; // holds multicast groups joined, so the NIC accepts them
    bool bound_ = false;
    XdpMode mode_;
    bool zero_copy_ = false;
    bool multi_buffer_ = false;
    std::vector<recv::ReceivedPacket> packets_;
    std::vector<std::uint64_t> addrs_;
    static constexpr std::size_t MAX_CHAIN = 65536 + 64; // the largest frame worth gathering
    std::vector<std::uint8_t> partial_; // a multi-buffer frame still arriving
    bool partial_overflow_ = false;
    std::vector<std::uint8_t> chained_; // multi-buffer frames completed in this batch
    struct FrameRef
    {
        const std::uint8_t *data; // in the UMEM, or nullptr: at offset in chained_
        std::size_t offset, size;
    };
    std::vector<FrameRef> frames_;
    std::uint64_t last_dropped_ = 0;
    std::mutex mutex_;
    std::unique_ptr<ThreadPool::Watch> watch_;
    bool stopped_ = false;
};

#endif

} // namespace spead::xdp
