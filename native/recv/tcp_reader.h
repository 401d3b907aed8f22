// Receives SPEAD over TCP (spead2's add_tcp_reader): listens, accepts exactly
// one connection, and cuts packets out of the byte stream by their headers.
// A bad header skips 8 bytes and resynchronises; a packet larger than
// max_size is skipped; a partial packet at the end is discarded; the peer
// closing the connection ends the stream.
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

struct TcpReaderOptions
{
    std::size_t max_size = 65536;
    std::size_t buffer_size = 212992;
};

class TcpReader : public Reader
{
public:
    TcpReader(ThreadPool &pool, PacketSink &sink, const net::Endpoint &endpoint, const TcpReaderOptions &options);
    ~TcpReader() override { stop(); }

    void start() override;
    void stop() override;
    bool lossy() const override { return false; }
    int bound_port() const { return bound_port_; }

private:
    void on_accept();
    void on_data();
    void deliver();

    ThreadPool &pool_;
    PacketSink &sink_;
    TcpReaderOptions options_;
    UniqueFd listener_;
    UniqueFd conn_;
    int bound_port_ = 0;
    std::vector<std::uint8_t> buffer_;
    std::size_t filled_ = 0;
    std::uint64_t skip_ = 0; // bytes of an oversized packet still to discard
    std::mutex mutex_;
    std::unique_ptr<ThreadPool::Watch> watch_;
    bool stopped_ = false;
    bool finished_ = false;
};

} // namespace spead::recv
