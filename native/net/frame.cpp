#include "net/frame.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace spead::net {

namespace {

constexpr std::uint16_t ETHERTYPE_IPV4 = 0x0800;
constexpr std::uint16_t ETHERTYPE_VLAN = 0x8100;
constexpr std::uint8_t IPPROTO_UDP_NUMBER = 17;
constexpr std::size_t ETH_HEADER = 14;
constexpr std::size_t VLAN_TAG = 4;
constexpr std::size_t SLL_HEADER = 16;
constexpr std::size_t SLL2_HEADER = 20;
constexpr std::size_t IPV4_MIN_HEADER = 20;
constexpr std::size_t UDP_HEADER = 8;

std::uint16_t load16(const std::uint8_t *p) { return std::uint16_t(p[0] << 8 | p[1]); }
std::uint32_t load32(const std::uint8_t *p)
{
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}
void store16(std::uint8_t *p, std::uint16_t v)
{
    p[0] = std::uint8_t(v >> 8);
    p[1] = std::uint8_t(v);
}
void store32(std::uint8_t *p, std::uint32_t v)
{
    store16(p, std::uint16_t(v >> 16));
    store16(p + 2, std::uint16_t(v));
}

FrameParseResult reject(FrameReject reason)
{
    FrameParseResult r;
    r.reason = reason;
    return r;
}

std::uint32_t checksum_add(std::uint32_t sum, const std::uint8_t *data, std::size_t size)
{
    for (std::size_t i = 0; i + 1 < size; i += 2)
        sum += load16(data + i);
    if (size & 1)
        sum += std::uint32_t(data[size - 1]) << 8;
    return sum;
}

std::uint16_t checksum_fold(std::uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return std::uint16_t(~sum);
}

// From the start of an IPv4 header to the UDP payload.
FrameParseResult parse_ipv4(const std::uint8_t *ip, std::size_t size, int vlan)
{
    if (size < IPV4_MIN_HEADER)
        return reject(FrameReject::bad_ip_header);
    std::size_t ihl = std::size_t(ip[0] & 0xf) * 4;
    if ((ip[0] >> 4) != 4 || ihl < IPV4_MIN_HEADER || ihl > size)
        return reject(FrameReject::bad_ip_header);
    if (internet_checksum(ip, ihl) != 0)
        return reject(FrameReject::bad_ip_checksum);
    std::size_t total = load16(ip + 2);
    // Longer frames are fine: Ethernet pads short frames to 60 bytes.
    if (total < ihl || total > size)
        return reject(FrameReject::truncated_ip);
    std::uint16_t frag = load16(ip + 6);
    if ((frag & 0x2000) || (frag & 0x1fff))
        return reject(FrameReject::fragmented);
    if (ip[9] != IPPROTO_UDP_NUMBER)
        return reject(FrameReject::not_udp);
    const std::uint8_t *udp = ip + ihl;
    std::size_t udp_room = total - ihl;
    if (udp_room < UDP_HEADER)
        return reject(FrameReject::bad_udp_length);
    std::size_t udp_len = load16(udp + 4);
    if (udp_len < UDP_HEADER || udp_len > udp_room)
        return reject(FrameReject::bad_udp_length);
    FrameParseResult r;
    r.ok = true;
    r.datagram.payload = udp + UDP_HEADER;
    r.datagram.payload_size = udp_len - UDP_HEADER;
    r.datagram.src = {load32(ip + 12), load16(udp)};
    r.datagram.dst = {load32(ip + 16), load16(udp + 2)};
    r.datagram.vlan = vlan;
    return r;
}

FrameParseResult parse_ethernet(const std::uint8_t *data, std::size_t size)
{
    if (size < ETH_HEADER)
        return reject(FrameReject::too_short);
    std::size_t offset = 12;
    int vlan = -1;
    std::uint16_t ethertype = load16(data + offset);
    if (ethertype == ETHERTYPE_VLAN)
    {
        if (size < ETH_HEADER + VLAN_TAG)
            return reject(FrameReject::too_short);
        vlan = load16(data + offset + 2) & 0xfff;
        offset += VLAN_TAG;
        ethertype = load16(data + offset);
    }
    offset += 2;
    if (ethertype != ETHERTYPE_IPV4)
        return reject(FrameReject::not_ipv4);
    return parse_ipv4(data + offset, size - offset, vlan);
}

} // namespace

const char *const frame_reject_names[frame_reject_count] = {
    "too_short", "not_ipv4", "bad_ip_header", "bad_ip_checksum",
    "truncated_ip", "fragmented", "not_udp", "bad_udp_length",
};

bool link_type_supported(std::uint32_t link_type)
{
    switch (LinkType(link_type))
    {
    case LinkType::ethernet:
    case LinkType::raw:
    case LinkType::linux_sll:
    case LinkType::ipv4:
    case LinkType::linux_sll2:
        return true;
    }
    return false;
}

FrameParseResult parse_frame(LinkType link, const std::uint8_t *data, std::size_t size)
{
    switch (link)
    {
    case LinkType::ethernet:
        return parse_ethernet(data, size);
    case LinkType::linux_sll:
        // The protocol type is the last field of the 16-byte header.
        if (size < SLL_HEADER)
            return reject(FrameReject::too_short);
        if (load16(data + 14) != ETHERTYPE_IPV4)
            return reject(FrameReject::not_ipv4);
        return parse_ipv4(data + SLL_HEADER, size - SLL_HEADER, -1);
    case LinkType::linux_sll2:
        // SLL2 puts the protocol type first.
        if (size < SLL2_HEADER)
            return reject(FrameReject::too_short);
        if (load16(data) != ETHERTYPE_IPV4)
            return reject(FrameReject::not_ipv4);
        return parse_ipv4(data + SLL2_HEADER, size - SLL2_HEADER, -1);
    case LinkType::raw:
    case LinkType::ipv4:
        if (size < 1)
            return reject(FrameReject::too_short);
        if ((data[0] >> 4) != 4)
            return reject(FrameReject::not_ipv4);
        return parse_ipv4(data, size, -1);
    }
    throw std::invalid_argument("unsupported link type " + std::to_string(static_cast<std::uint32_t>(link)));
}

bool is_ipv4_multicast(std::uint32_t address) { return (address >> 28) == 0xe; }

MacAddress multicast_mac(std::uint32_t group)
{
    return {0x01, 0x00, 0x5e, std::uint8_t((group >> 16) & 0x7f), std::uint8_t(group >> 8), std::uint8_t(group)};
}

std::uint16_t internet_checksum(const std::uint8_t *data, std::size_t size)
{
    return checksum_fold(checksum_add(0, data, size));
}

std::size_t build_udp_frame(const UdpFrameSpec &spec, const iovec *payload, std::size_t payload_count,
                            std::uint8_t *out, std::size_t out_size)
{
    std::size_t payload_size = 0;
    for (std::size_t i = 0; i < payload_count; i++)
    {
        payload_size += payload[i].iov_len;
        if (payload_size > max_udp_payload)
            throw std::invalid_argument("UDP payload of more than " + std::to_string(max_udp_payload)
                                        + " bytes does not fit in an IPv4 datagram");
    }
    std::size_t frame_size = udp_frame_header_size + payload_size;
    if (out_size < frame_size)
        throw std::invalid_argument("frame buffer of " + std::to_string(out_size) + " bytes is too small for a "
                                    + std::to_string(frame_size) + "-byte frame");

    std::memcpy(out, spec.dst_mac.data(), 6);
    std::memcpy(out + 6, spec.src_mac.data(), 6);
    store16(out + 12, ETHERTYPE_IPV4);

    std::uint8_t *ip = out + ETH_HEADER;
    ip[0] = 0x45;
    ip[1] = 0;
    store16(ip + 2, std::uint16_t(IPV4_MIN_HEADER + UDP_HEADER + payload_size));
    store16(ip + 4, spec.ip_id);
    store16(ip + 6, 0x4000); // DF: the datagram is never fragmented by us
    ip[8] = spec.ttl;
    ip[9] = IPPROTO_UDP_NUMBER;
    store16(ip + 10, 0);
    store32(ip + 12, spec.src.address);
    store32(ip + 16, spec.dst.address);
    store16(ip + 10, internet_checksum(ip, IPV4_MIN_HEADER));

    std::uint8_t *udp = ip + IPV4_MIN_HEADER;
    std::size_t udp_len = UDP_HEADER + payload_size;
    store16(udp, spec.src.port);
    store16(udp + 2, spec.dst.port);
    store16(udp + 4, std::uint16_t(udp_len));
    store16(udp + 6, 0);
    std::uint8_t *pos = udp + UDP_HEADER;
    for (std::size_t i = 0; i < payload_count; i++)
    {
        if (payload[i].iov_len)
            std::memcpy(pos, payload[i].iov_base, payload[i].iov_len);
        pos += payload[i].iov_len;
    }
    if (spec.udp_checksum)
    {
        // Pseudo-header (addresses, protocol, UDP length), then the datagram.
        std::uint32_t sum = checksum_add(0, ip + 12, 8);
        sum += IPPROTO_UDP_NUMBER;
        sum += std::uint32_t(udp_len);
        sum = checksum_add(sum, udp, udp_len);
        std::uint16_t c = checksum_fold(sum);
        store16(udp + 6, c == 0 ? 0xffff : c); // 0 would mean "no checksum"
    }
    return frame_size;
}

} // namespace spead::net
