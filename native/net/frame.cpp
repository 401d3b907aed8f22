#include "net/frame.h"

namespace spead::net {

const char *const frame_reject_names[FRAME_REJECT_COUNT] = {
    "", "truncated", "not_ipv4", "bad_ip_header", "bad_checksum", "fragmented", "not_udp", "bad_udp_length",
};

namespace {

std::uint16_t be16(const std::uint8_t *p) { return std::uint16_t((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t *p) { return (std::uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

constexpr std::uint16_t ETHERTYPE_IPV4 = 0x0800;
constexpr std::uint16_t ETHERTYPE_VLAN = 0x8100;

FrameReject parse_ipv4(const std::uint8_t *p, std::size_t n, UdpFrame &out)
{
    if (n < 20)
        return FrameReject::TRUNCATED;
    if ((p[0] >> 4) != 4)
        return FrameReject::NOT_IPV4;
    const std::size_t ihl = std::size_t(p[0] & 0xf) * 4;
    if (ihl < 20)
        return FrameReject::BAD_IP_HEADER;
    if (n < ihl)
        return FrameReject::TRUNCATED;
    const std::size_t total = be16(p + 2);
    if (total < ihl)
        return FrameReject::BAD_IP_HEADER;
    if (n < total) // more is fine: Ethernet pads short frames
        return FrameReject::TRUNCATED;
    if (ipv4_checksum(p, ihl) != 0)
        return FrameReject::BAD_CHECKSUM;
    const std::uint16_t frag = be16(p + 6);
    if ((frag & 0x2000) || (frag & 0x1fff))
        return FrameReject::FRAGMENTED;
    if (p[9] != 17)
        return FrameReject::NOT_UDP;
    const std::uint8_t *udp = p + ihl;
    const std::size_t udp_avail = total - ihl;
    if (udp_avail < 8)
        return FrameReject::TRUNCATED;
    const std::size_t udp_len = be16(udp + 4);
    // The UDP checksum is not verified (0 is legal in IPv4; loopback captures often carry partial sums).
    if (udp_len < 8 || udp_len > udp_avail)
        return FrameReject::BAD_UDP_LENGTH;
    out.src_addr = be32(p + 12);
    out.dst_addr = be32(p + 16);
    out.src_port = be16(udp);
    out.dst_port = be16(udp + 2);
    out.payload = udp + 8;
    out.payload_length = udp_len - 8;
    return FrameReject::NONE;
}

} // namespace

std::uint16_t ipv4_checksum(const std::uint8_t *header, std::size_t length)
{
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < length; i += 2)
        sum += be16(header + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return std::uint16_t(~sum);
}

bool is_supported(LinkType type)
{
    switch (type)
    {
    case LinkType::ETHERNET:
    case LinkType::RAW:
    case LinkType::LINUX_SLL:
    case LinkType::IPV4:
    case LinkType::LINUX_SLL2:
        return true;
    }
    return false;
}

FrameReject parse_udp_frame(const std::uint8_t *data, std::size_t length, LinkType type, UdpFrame &out)
{
    out = UdpFrame{};
    std::size_t offset = 0;
    std::uint16_t ethertype = 0;
    switch (type)
    {
    case LinkType::ETHERNET:
        if (length < 14)
            return FrameReject::TRUNCATED;
        ethertype = be16(data + 12);
        offset = 14;
        if (ethertype == ETHERTYPE_VLAN)
        {
            if (length < 18)
                return FrameReject::TRUNCATED;
            out.vlan = be16(data + 14) & 0x0fff;
            ethertype = be16(data + 16);
            offset = 18;
        }
        break;
    case LinkType::LINUX_SLL:
        if (length < 16)
            return FrameReject::TRUNCATED;
        ethertype = be16(data + 14);
        offset = 16;
        break;
    case LinkType::LINUX_SLL2:
        if (length < 20)
            return FrameReject::TRUNCATED;
        ethertype = be16(data);
        offset = 20;
        break;
    case LinkType::RAW:
    case LinkType::IPV4:
        ethertype = ETHERTYPE_IPV4;
        break;
    }
    if (ethertype != ETHERTYPE_IPV4)
        return FrameReject::NOT_IPV4;
    return parse_ipv4(data + offset, length - offset, out);
}

} // namespace spead::net
