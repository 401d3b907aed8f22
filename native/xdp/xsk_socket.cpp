#include "xdp/xsk_socket.h"

#ifdef SPEAD_HAVE_XDP

#include <linux/if_xdp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <stdexcept>
#include <system_error>

#include "common/system_error.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif

namespace spead::xdp {

namespace {

bool power_of_two(std::uint32_t v) { return v && (v & (v - 1)) == 0; }

} // namespace

XskSocket::XskSocket(const XskOptions &o)
    : lib_(XdpLib::get()), frame_size_(o.frame_size), frames_(o.frames)
{
    if (o.frame_size != 2048 && o.frame_size != 4096)
        throw std::invalid_argument("frameSize must be 2048 or 4096 (got " + std::to_string(o.frame_size) + ")");
    if (!power_of_two(o.frames) || o.frames < 64 || o.frames > (1u << 20))
        throw std::invalid_argument("frames must be a power of two from 64 to 1048576 (got " + std::to_string(o.frames)
                                    + ")");
    area_size_ = std::size_t(o.frames) * o.frame_size;
    area_ = mmap(nullptr, area_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (area_ == MAP_FAILED)
    {
        area_ = nullptr;
        throw_errno("allocating the AF_XDP UMEM (" + std::to_string(area_size_) + " bytes)");
    }
    try
    {
        xsk_umem_config uc{};
        uc.fill_size = o.frames;
        uc.comp_size = o.frames;
        uc.frame_size = o.frame_size;
        uc.frame_headroom = 0;
        uc.flags = 0;
        int ret = lib_.umem_create(&umem_, area_, area_size_, &fill, &comp, &uc);
        if (ret)
            throw std::system_error(-ret, std::generic_category(),
                                    "registering the AF_XDP UMEM failed: " + lib_.error_text(ret));
        xsk_socket_config sc{};
        sc.rx_size = o.rx ? o.frames : 0;
        sc.tx_size = o.tx ? o.frames : 0;
        sc.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD; // spead attaches its own program
        sc.bind_flags = XDP_USE_NEED_WAKEUP;
        if (o.zero_copy == ZeroCopy::on)
            sc.bind_flags |= XDP_ZEROCOPY;
        else if (o.zero_copy == ZeroCopy::off)
            sc.bind_flags |= XDP_COPY;
        if (o.multi_buffer)
            sc.bind_flags |= XDP_USE_SG;
        // A socket closed just before on the same queue is released by the
        // kernel asynchronously (deferred work), so the queue may still be busy
        // for a moment: retry EBUSY briefly before reporting it.
        for (int attempt = 0;; attempt++)
        {
            ret = lib_.socket_create(&xsk_, o.interface.c_str(), o.queue, umem_, o.rx ? &rx : nullptr,
                                     o.tx ? &tx : nullptr, &sc);
            if (ret == -EINVAL && (sc.bind_flags & XDP_USE_SG))
            {
                sc.bind_flags &= ~XDP_USE_SG; // a kernel before 6.6: no multi-buffer sockets
                continue;
            }
            if (ret != -EBUSY || attempt >= 50)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (ret)
        {
            std::string what = "binding an AF_XDP socket to " + o.interface + " queue " + std::to_string(o.queue)
                               + " failed: " + lib_.error_text(ret);
            if (o.zero_copy == ZeroCopy::on && (ret == -EOPNOTSUPP || ret == -EINVAL))
                what += " (the driver has no zero-copy AF_XDP; use zeroCopy: false)";
            throw std::system_error(-ret, std::generic_category(), what);
        }
        fd_ = lib_.socket_fd(xsk_);
        multi_buffer_ = (sc.bind_flags & XDP_USE_SG) != 0;
        xdp_options opts{};
        socklen_t len = sizeof(opts);
        if (getsockopt(fd_, SOL_XDP, XDP_OPTIONS, &opts, &len) == 0)
            zero_copy_ = (opts.flags & XDP_OPTIONS_ZEROCOPY) != 0;
    }
    catch (...)
    {
        if (xsk_)
            lib_.socket_delete(xsk_);
        if (umem_)
            lib_.umem_delete(umem_);
        munmap(area_, area_size_);
        throw;
    }
}

XskSocket::~XskSocket()
{
    lib_.socket_delete(xsk_);
    lib_.umem_delete(umem_);
    munmap(area_, area_size_);
}

std::uint64_t XskSocket::dropped() const
{
    xdp_statistics s{};
    socklen_t len = sizeof(s);
    if (getsockopt(fd_, SOL_XDP, XDP_STATISTICS, &s, &len) != 0)
        return 0;
    return s.rx_dropped + s.rx_ring_full;
}

int XskSocket::kick_tx()
{
    if (sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0)
        return 0;
    // Busy or out of buffers: the kernel takes the rest on the next kick.
    if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS || errno == EINTR)
        return 0;
    return errno;
}

void XskSocket::kick_rx() { recvfrom(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr); }

} // namespace spead::xdp

#endif
