// Receives SPEAD over UDP (spead2's add_udp_reader): unicast or multicast,
// IPv4 or IPv6, recvmmsg batches into buffers reused for every batch, and the
// kernel's drop counter (SO_RXQ_OVFL) reported as KERNEL_DROPPED.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "common/unique_fd.h"
#include "net/endpoint.h"
#include "recv/reader.h"

namespace spead::recv {

struct UdpReaderOptions
{
    std::size_t max_size = 9200;             // largest datagram accepted
    std::size_t buffer_size = 8 * 1024 * 1024; // socket receive buffer; 0 = OS default
    std::string interface_address;           // IPv4 multicast: join on this interface
    int interface_index = 0;                 // IPv6 multicast: join on this interface
    bool gro = true;                         // UDP GRO when the kernel has it
};

class UdpReader : public Reader
{
public:
    // Binds (and joins, for a multicast address). Warnings (a capped socket
    // buffer) are appended to `warnings`.
    UdpReader(ThreadPool &pool, PacketSink &sink, const net::Endpoint &endpoint, const UdpReaderOptions &options,
              std::vector<std::string> &warnings);
    ~UdpReader() override { stop(); }

    void start() override;
    void stop() override;
    bool lossy() const override { return true; }
    // The port actually bound (useful with port 0).
    int bound_port() const { return bound_port_; }
    bool gro_active() const { return gro_; }

private:
    void on_ready();

    ThreadPool &pool_;
    PacketSink &sink_;
    UniqueFd socket_;
    int bound_port_ = 0;
    std::size_t max_size_;
    std::vector<std::uint8_t> buffers_;
    std::vector<iovec> iovs_;
    std::vector<mmsghdr> msgs_;
    std::vector<std::uint8_t> controls_;
    std::vector<ReceivedPacket> packets_;
    std::uint32_t last_drops_ = 0;
    bool gro_ = false;
    std::mutex mutex_;
    std::unique_ptr<ThreadPool::Watch> watch_;
    bool stopped_ = false;
};

} // namespace spead::recv
