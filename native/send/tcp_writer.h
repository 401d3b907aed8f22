// Sends packets over one TCP connection (spead2's send.TcpStream). The
// connection is made without blocking: the result is reported through a
// callback, and sending starts once it has succeeded.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "common/thread_pool.h"
#include "common/unique_fd.h"
#include "net/endpoint.h"
#include "send/writer.h"

namespace spead::send {

class TcpWriter : public Writer
{
public:
    // Starts connecting; on_connected(0 or errno) runs once, on a pool thread.
    TcpWriter(ThreadPool &pool, const net::Endpoint &endpoint, std::size_t buffer_size,
              std::function<void(int)> on_connected);
    ~TcpWriter() override;

    std::size_t num_substreams() const override { return 1; }
    void send(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets,
              std::vector<int> &errors) override;

private:
    void on_writable();

    UniqueFd socket_;
    std::function<void(int)> on_connected_;
    std::mutex mutex_;
    std::unique_ptr<ThreadPool::Watch> watch_;
    int connect_error_ = -1; // -1 while connecting
};

} // namespace spead::send
