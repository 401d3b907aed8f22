// The raw-frame layer: whole link-layer frames down to the UDP payload
// (Ethernet with an optional 802.1Q tag, Linux cooked captures, raw IPv4),
// rejecting anything else with a reason. Shared by every frame-level
// transport (pcap files now; kernel-bypass readers later).
#pragma once

#include <cstddef>
#include <cstdint>

namespace spead::net {

enum class LinkType : std::uint32_t
{
    ETHERNET = 1,
    RAW = 101,      // LINKTYPE_RAW: an IP packet
    LINUX_SLL = 113,
    IPV4 = 228,
    LINUX_SLL2 = 276,
};

enum class FrameReject : std::uint8_t
{
    NONE = 0,
    TRUNCATED,     // shorter than its headers say
    NOT_IPV4,      // another ethertype / protocol family
    BAD_IP_HEADER, // version or header length wrong
    BAD_CHECKSUM,  // IPv4 header checksum
    FRAGMENTED,    // a fragment (MF set or non-zero offset)
    NOT_UDP,
    BAD_UDP_LENGTH,
};

constexpr std::size_t FRAME_REJECT_COUNT = 8;
extern const char *const frame_reject_names[FRAME_REJECT_COUNT];

struct UdpFrame
{
    const std::uint8_t *payload = nullptr;
    std::size_t payload_length = 0;
    std::uint32_t src_addr = 0, dst_addr = 0; // host order
    std::uint16_t src_port = 0, dst_port = 0;
    int vlan = -1;                            // 802.1Q VLAN ID, or -1
};

bool is_supported(LinkType type);

// Parses one frame; every length is checked against `length` before use.
FrameReject parse_udp_frame(const std::uint8_t *data, std::size_t length, LinkType type, UdpFrame &out);

// The IPv4 header checksum (RFC 791) of `length` bytes (even).
std::uint16_t ipv4_checksum(const std::uint8_t *header, std::size_t length);

} // namespace spead::net
