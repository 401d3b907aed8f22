// Raw frames: Ethernet/VLAN/IPv4/UDP (and Linux cooked captures) down to the
// UDP payload, and the reverse for outgoing frames. Shared by the pcap file
// reader/writer and the kernel-bypass transports.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace spead::net {

// pcap/DLT link types the parser understands.
enum class LinkType : std::uint32_t
{
    ethernet = 1,
    raw = 101,       // bare IP packet, no link header
    linux_sll = 113, // Linux cooked capture v1
    ipv4 = 228,      // bare IPv4 packet
    linux_sll2 = 276 // Linux cooked capture v2
};

bool link_type_supported(std::uint32_t link_type);

// Why a frame was not handed on. Indexes FrameStats::counts and frame_reject_names.
enum class FrameReject : std::uint8_t
{
    too_short,       // shorter than the link header
    not_ipv4,        // ethertype / protocol family other than IPv4
    bad_ip_header,   // version != 4 or IHL < 5 or header longer than the frame
    bad_ip_checksum, // IPv4 header checksum does not verify
    truncated_ip,    // IP total length shorter than the header or longer than the frame
    fragmented,      // MF set or fragment offset != 0
    not_udp,         // IP protocol other than UDP
    bad_udp_length,  // UDP length < 8 or beyond the IP payload
    count
};

inline constexpr std::size_t frame_reject_count = static_cast<std::size_t>(FrameReject::count);
extern const char *const frame_reject_names[frame_reject_count];

struct Ipv4Endpoint
{
    std::uint32_t address = 0; // host byte order
    std::uint16_t port = 0;
};

// A parsed UDP datagram. The payload points into the frame that was parsed.
struct UdpDatagram
{
    const std::uint8_t *payload = nullptr;
    std::size_t payload_size = 0;
    Ipv4Endpoint src, dst;
    int vlan = -1; // 802.1Q VLAN id, -1 when untagged
};

struct FrameParseResult
{
    bool ok = false;
    FrameReject reason = FrameReject::count; // meaningful when !ok
    UdpDatagram datagram;
};

// Parses one whole frame. Never reads outside [data, data + size). The UDP
// checksum is not verified (a non-zero one is trusted, as the NIC or the kernel
// has usually checked it already); the IPv4 header checksum is.
FrameParseResult parse_frame(LinkType link, const std::uint8_t *data, std::size_t size);

// Rejection counts by reason: an array bump in the hot path.
struct FrameStats
{
    std::array<std::uint64_t, frame_reject_count> counts{};
    std::uint64_t accepted = 0;

    void count(const FrameParseResult &r)
    {
        if (r.ok)
            accepted++;
        else
            counts[static_cast<std::size_t>(r.reason)]++;
    }
};

// Parses frames of one link type and keeps the rejection counts.
class FrameParser
{
public:
    explicit FrameParser(LinkType link) : link_(link) {}

    FrameParseResult parse(const std::uint8_t *data, std::size_t size)
    {
        FrameParseResult r = parse_frame(link_, data, size);
        stats_.count(r);
        return r;
    }
    const FrameStats &stats() const { return stats_; }
    LinkType link() const { return link_; }

private:
    LinkType link_;
    FrameStats stats_;
};

using MacAddress = std::array<std::uint8_t, 6>;

// 01:00:5e followed by the low 23 bits of the IPv4 group (RFC 1112).
MacAddress multicast_mac(std::uint32_t group);
bool is_ipv4_multicast(std::uint32_t address);

// The Internet checksum (RFC 1071) of a buffer, already complemented.
std::uint16_t internet_checksum(const std::uint8_t *data, std::size_t size);

struct UdpFrameSpec
{
    MacAddress src_mac{};
    MacAddress dst_mac{};
    Ipv4Endpoint src, dst;
    std::uint8_t ttl = 64;
    std::uint16_t ip_id = 0;
    bool udp_checksum = false; // false: checksum 0 (legal for UDP over IPv4)
};

inline constexpr std::size_t udp_frame_header_size = 14 + 20 + 8;
inline constexpr std::size_t max_udp_payload = 65535 - 20 - 8;

// Writes Ethernet + IPv4 + UDP headers and the gathered payload into out.
// Returns the frame size. Throws std::invalid_argument if the payload is
// larger than UDP allows or out is too small.
std::size_t build_udp_frame(const UdpFrameSpec &spec, const iovec *payload, std::size_t payload_count,
                            std::uint8_t *out, std::size_t out_size);

} // namespace spead::net
