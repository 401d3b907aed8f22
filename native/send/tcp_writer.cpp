#include "send/tcp_writer.h"
#include "common/system_error.h"

#include <climits>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

namespace spead::send {

TcpWriter::TcpWriter(ThreadPool &pool, const net::Endpoint &endpoint, std::size_t buffer_size,
                     std::function<void(int)> on_connected)
    : on_connected_(std::move(on_connected))
{
    socket_.reset(::socket(endpoint.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket_)
        throw_errno("socket");
    if (buffer_size > 0)
    {
        int size = int(buffer_size);
        ::setsockopt(socket_.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    }
    const int one = 1;
    ::setsockopt(socket_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(socket_.get(), reinterpret_cast<const sockaddr *>(&endpoint.addr), endpoint.length) < 0
        && errno != EINPROGRESS)
        throw_errno("connecting to " + endpoint.to_string());
    std::lock_guard<std::mutex> lock(mutex_);
    watch_ = pool.watch(socket_.get(), EPOLLOUT, [this] { on_writable(); });
}

TcpWriter::~TcpWriter()
{
    std::unique_ptr<ThreadPool::Watch> watch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        watch.swap(watch_);
    }
}

void TcpWriter::on_writable()
{
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == 0)
    {
        // Connected: from now on the writer thread may block in sendmsg.
        int flags = ::fcntl(socket_.get(), F_GETFL);
        ::fcntl(socket_.get(), F_SETFL, flags & ~O_NONBLOCK);
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        connect_error_ = err;
        watch_.reset(); // from inside its handler: allowed
    }
    on_connected_(err);
}

void TcpWriter::send(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets, std::vector<int> &errors)
{
    int state;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state = connect_error_;
    }
    if (state != 0)
    {
        std::fill(errors.begin(), errors.end(), state < 0 ? ENOTCONN : state);
        return;
    }
    // The byte stream is the packets back to back: send the pieces in order,
    // resuming after partial writes; MSG_NOSIGNAL turns a closed peer into EPIPE.
    std::size_t packet = 0, piece = 0, offset = 0;
    std::vector<iovec> window;
    while (packet < packets.size())
    {
        window.clear();
        std::size_t p = packet, k = piece;
        std::size_t off = offset;
        while (p < packets.size() && window.size() < IOV_MAX)
        {
            const iovec &v = pieces[packets[p].first_piece + k];
            window.push_back({static_cast<std::uint8_t *>(v.iov_base) + off, v.iov_len - off});
            off = 0;
            if (++k == packets[p].n_pieces)
            {
                k = 0;
                p++;
            }
        }
        msghdr msg{};
        msg.msg_iov = window.data();
        msg.msg_iovlen = window.size();
        ssize_t n = ::sendmsg(socket_.get(), &msg, MSG_NOSIGNAL);
        if (n < 0)
        {
            if (errno == EINTR)
                continue;
            std::fill(errors.begin() + std::ptrdiff_t(packet), errors.end(), errno);
            return;
        }
        // Advance (packet, piece, offset) by n bytes.
        std::size_t left = std::size_t(n);
        while (left > 0)
        {
            const iovec &v = pieces[packets[packet].first_piece + piece];
            const std::size_t avail = v.iov_len - offset;
            if (left < avail)
            {
                offset += left;
                left = 0;
            }
            else
            {
                left -= avail;
                offset = 0;
                if (++piece == packets[packet].n_pieces)
                {
                    piece = 0;
                    packet++;
                }
            }
        }
    }
}

} // namespace spead::send
