// Decoding one SPEAD packet, with every check spead2 makes. A packet that
// fails is rejected with a reason (counted by the stream), never read beyond
// the bytes it was given.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/defines.h"

namespace spead::protocol {

// Why a packet was rejected before reaching any heap. The order is the order
// of the checks; the names are the statistics' names.
enum class PacketReject : std::uint8_t
{
    NONE = 0,
    TOO_SHORT,           // fewer than 8 bytes
    BAD_MAGIC,           // magic or version did not match
    BAD_FLAVOUR,         // an item-ID or address width of 0
    NOT_SPEAD_64,        // widths that do not add up to 64 bits
    ITEMS_OVERFLOW,      // the item pointers run past the packet
    MISSING_ITEMS,       // no immediate HEAP_CNT, PAYLOAD_OFFSET or PAYLOAD_LENGTH
    PAYLOAD_OVERFLOW,    // 8 + 8n + PAYLOAD_LENGTH exceeds the bytes available
    SIZE_MISMATCH,       // a datagram longer than its packet (exact-size transports)
    HEAP_LENGTH_OVERFLOW // PAYLOAD_OFFSET + PAYLOAD_LENGTH > HEAP_LENGTH
};

constexpr std::size_t PACKET_REJECT_COUNT = 10;

// The statistic name of each reason (index = enum value; NONE has none).
extern const char *const packet_reject_names[PACKET_REJECT_COUNT];

struct PacketHeader
{
    int heap_address_bits = 0;
    // Specials; -1 when absent (only HEAP_LENGTH may be).
    std::int64_t heap_cnt = -1;
    std::int64_t heap_length = -1;
    std::int64_t payload_offset = -1;
    std::int64_t payload_length = -1;
    // The item pointers after the leading specials (big-endian, as on the wire).
    const std::uint8_t *pointers = nullptr;
    std::size_t n_pointers = 0;
    const std::uint8_t *payload = nullptr;
    // Bytes the packet occupies: 8 + 8n + PAYLOAD_LENGTH.
    std::size_t size = 0;
};

// Extracts fields of an item pointer for a given N.
struct PointerDecoder
{
    int address_bits;

    explicit PointerDecoder(int bits) : address_bits(bits) {}
    static bool is_immediate(item_pointer_t p) { return p >> 63; }
    item_pointer_t id(item_pointer_t p) const { return (p << 1) >> (address_bits + 1); }
    item_pointer_t value(item_pointer_t p) const { return p & ((item_pointer_t(1) << address_bits) - 1); }
};

// Decodes the packet at data[0, available). exact_size: the transport
// delimits packets (UDP), so bytes beyond the packet make it a SIZE_MISMATCH.
PacketReject decode_packet(const std::uint8_t *data, std::size_t available, bool exact_size, PacketHeader &out);

// For byte streams (TCP): the size of the packet at data once its header and
// pointers are available; 0 if more bytes are needed; -1 if the header is not
// a SPEAD packet (the reader resynchronises).
std::int64_t packet_size(const std::uint8_t *data, std::size_t available);

} // namespace spead::protocol
