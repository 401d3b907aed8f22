// Sanitizer check of the frame layer and pcap reader: random frames and
// random corruptions of good ones must never read out of bounds. Not part of
// the addon (binding.gyp skips tests/ folders). Build from the package root
// and run (one command line):
//   g++ -std=c++17 -O1 -g -fsanitize=address,undefined -I native
//       native/net/tests/frame_fuzz.cpp native/net/frame.cpp native/net/pcap_file.cpp -ldl -o /tmp/frame_fuzz
//   /tmp/frame_fuzz
#include "net/frame.h"
#include "net/pcap_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

using namespace spead::net;

int main()
{
    std::mt19937 rng(12345);
    UdpFrameSpec spec;
    spec.src = {0x0a000001, 1000};
    spec.dst = {0xef000001, 2000};
    std::vector<std::uint8_t> payload(300, 0x5a);
    iovec iov{payload.data(), payload.size()};
    std::vector<std::uint8_t> good(udp_frame_header_size + payload.size());
    build_udp_frame(spec, &iov, 1, good.data(), good.size());

    FrameParser parser(LinkType::ethernet);
    const LinkType links[] = {LinkType::ethernet, LinkType::linux_sll, LinkType::linux_sll2, LinkType::raw};
    for (int i = 0; i < 200000; i++)
    {
        // Exact-size heap copies, so ASan sees any read past the end.
        std::vector<std::uint8_t> f(good.begin(), good.begin() + std::ptrdiff_t(rng() % (good.size() + 1)));
        for (int k = rng() % 4; k > 0 && !f.empty(); k--)
            f[rng() % f.size()] = std::uint8_t(rng());
        auto exact = std::make_unique<std::uint8_t[]>(f.size());
        if (!f.empty())
            std::memcpy(exact.get(), f.data(), f.size());
        FrameParseResult r = parse_frame(links[rng() % 4], exact.get(), f.size());
        if (r.ok && r.datagram.payload + r.datagram.payload_size > exact.get() + f.size())
            return std::puts("payload beyond the frame"), 1;
        parser.parse(exact.get(), f.size());
    }

    // Random corruptions of a small pcap file.
    std::vector<std::uint8_t> file(24);
    std::uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    std::memcpy(file.data(), hdr, 24);
    for (int r = 0; r < 5; r++)
    {
        std::uint32_t rh[4] = {1, 2, std::uint32_t(good.size()), std::uint32_t(good.size())};
        file.insert(file.end(), reinterpret_cast<std::uint8_t *>(rh), reinterpret_cast<std::uint8_t *>(rh) + 16);
        file.insert(file.end(), good.begin(), good.end());
    }
    const char *path = "/tmp/frame_fuzz.pcap";
    for (int i = 0; i < 3000; i++)
    {
        std::vector<std::uint8_t> f(file.begin(), file.begin() + std::ptrdiff_t(rng() % (file.size() + 1)));
        for (int k = rng() % 6; k > 0 && f.size() > 24; k--)
            f[24 + rng() % (f.size() - 24)] = std::uint8_t(rng());
        int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || ::write(fd, f.data(), f.size()) != ssize_t(f.size()))
            return std::puts("cannot write temp file"), 1;
        ::close(fd);
        try
        {
            PcapFileReader reader(path);
            while (!reader.next_batch(3).empty())
            {
            }
        }
        catch (const std::invalid_argument &)
        {
        }
    }
    ::unlink(path);
    std::printf("ok: %llu accepted, %llu rejected frames\n", (unsigned long long)parser.stats().accepted,
                (unsigned long long)(200000 - parser.stats().accepted));
    return 0;
}
