#include "recv/tcp_reader.h"
#include "common/system_error.h"
#include "protocol/packet_decoder.h"

#include <cstring>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

namespace spead::recv {

TcpReader::TcpReader(ThreadPool &pool, PacketSink &sink, const net::Endpoint &endpoint, const TcpReaderOptions &options)
    : pool_(pool), sink_(sink), options_(options)
{
    if (options.max_size < 8)
        throw std::invalid_argument("maxSize must be at least 8");
    listener_.reset(::socket(endpoint.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener_)
        throw_errno("socket");
    const int one = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr *>(&endpoint.addr), endpoint.length) < 0)
        throw_errno("binding TCP socket to " + endpoint.to_string());
    if (::listen(listener_.get(), 1) < 0)
        throw_errno("listen");
    sockaddr_storage bound{};
    socklen_t blen = sizeof(bound);
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr *>(&bound), &blen);
    bound_port_ = ntohs(endpoint.family() == AF_INET ? reinterpret_cast<sockaddr_in &>(bound).sin_port
                                                     : reinterpret_cast<sockaddr_in6 &>(bound).sin6_port);
    buffer_.resize(std::max<std::size_t>(options.max_size * 2, 1 << 20));
}

void TcpReader::start()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (!watch_ && !stopped_)
        watch_ = pool_.watch(listener_.get(), EPOLLIN, [this] { on_accept(); });
}

void TcpReader::on_accept()
{
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    conn_.reset(fd);
    if (options_.buffer_size > 0)
    {
        int size = int(options_.buffer_size);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }
    // Exactly one connection, as spead2: stop listening, watch the connection.
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_)
        return;
    watch_.reset(); // from inside its own handler: allowed
    listener_.reset();
    watch_ = pool_.watch(conn_.get(), EPOLLIN | EPOLLRDHUP, [this] { on_data(); });
}

void TcpReader::deliver()
{
    std::vector<ReceivedPacket> batch;
    std::size_t pos = 0;
    while (pos < filled_)
    {
        if (skip_ > 0)
        {
            const std::size_t n = std::size_t(std::min<std::uint64_t>(skip_, filled_ - pos));
            skip_ -= n;
            pos += n;
            continue;
        }
        const std::int64_t size = protocol::packet_size(buffer_.data() + pos, filled_ - pos);
        if (size < 0)
        {
            pos += 8; // not a SPEAD header: resynchronise, as spead2
            pos = std::min(pos, filled_);
            continue;
        }
        if (size == 0)
            break; // need more bytes for the header and pointers
        if (std::uint64_t(size) > options_.max_size)
        {
            sink_.count(ReaderCounter::OVERSIZED, 1);
            skip_ = std::uint64_t(size);
            continue;
        }
        if (std::size_t(size) > filled_ - pos)
            break; // need the rest of the packet
        batch.push_back({buffer_.data() + pos, std::size_t(size)});
        pos += std::size_t(size);
    }
    if (!batch.empty())
        sink_.add_packets(batch.data(), batch.size(), false);
    std::memmove(buffer_.data(), buffer_.data() + pos, filled_ - pos);
    filled_ -= pos;
}

void TcpReader::on_data()
{
    for (;;)
    {
        ssize_t n = ::recv(conn_.get(), buffer_.data() + filled_, buffer_.size() - filled_, 0);
        if (n > 0)
        {
            filled_ += std::size_t(n);
            deliver();
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        // The peer closed (or the connection failed): the stream ends.
        if (filled_ > 0 || skip_ > 0)
            sink_.count(ReaderCounter::TRUNCATED_INPUT, 1);
        filled_ = 0;
        std::lock_guard<std::mutex> lock(mutex_);
        if (!finished_)
        {
            finished_ = true;
            watch_.reset();
            sink_.end_of_input();
        }
        return;
    }
}

void TcpReader::stop()
{
    std::unique_ptr<ThreadPool::Watch> watch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
        watch.swap(watch_);
    }
}

} // namespace spead::recv
