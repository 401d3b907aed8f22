// Protocol constants shared by the receive and send engines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <endian.h>
#include <stdexcept>
#include <string>

namespace spead {

using item_pointer_t = std::uint64_t;
using s_item_pointer_t = std::int64_t;

// Standard item IDs (PROTOCOL.md §3).
constexpr std::uint64_t NULL_ID = 0x00;
constexpr std::uint64_t HEAP_CNT_ID = 0x01;
constexpr std::uint64_t HEAP_LENGTH_ID = 0x02;
constexpr std::uint64_t PAYLOAD_OFFSET_ID = 0x03;
constexpr std::uint64_t PAYLOAD_LENGTH_ID = 0x04;
constexpr std::uint64_t DESCRIPTOR_ID = 0x05;
constexpr std::uint64_t STREAM_CTRL_ID = 0x06;
constexpr std::uint64_t DESCRIPTOR_NAME_ID = 0x10;
constexpr std::uint64_t DESCRIPTOR_DESCRIPTION_ID = 0x11;
constexpr std::uint64_t DESCRIPTOR_SHAPE_ID = 0x12;
constexpr std::uint64_t DESCRIPTOR_FORMAT_ID = 0x13;
constexpr std::uint64_t DESCRIPTOR_ID_ID = 0x14;
constexpr std::uint64_t DESCRIPTOR_DTYPE_ID = 0x15;

constexpr std::uint64_t CTRL_STREAM_START = 0;
constexpr std::uint64_t CTRL_DESCRIPTOR_REISSUE = 1;
constexpr std::uint64_t CTRL_STREAM_STOP = 2;
constexpr std::uint64_t CTRL_DESCRIPTOR_UPDATE = 3;

constexpr int BUG_COMPAT_DESCRIPTOR_WIDTHS = 1;
constexpr int BUG_COMPAT_SHAPE_BIT_1 = 2;
constexpr int BUG_COMPAT_SWAP_ENDIAN = 4;
constexpr int BUG_COMPAT_PYSPEAD_0_5_2 = 7;
constexpr int BUG_COMPAT_MASK = 7;

constexpr std::uint8_t MAGIC = 0x53;
constexpr std::uint8_t VERSION = 4;
constexpr std::size_t HEADER_SIZE = 8;
constexpr std::size_t ITEM_POINTER_SIZE = 8;

// SPEAD-64-N: N bits of address/immediate, 63 - N bits of item ID.
struct Flavour
{
    int heap_address_bits = 40;
    int bug_compat = 0;

    static bool valid_address_bits(int bits) { return bits > 0 && bits < 64 && bits % 8 == 0; }

    Flavour() = default;
    Flavour(int bits, int compat) : heap_address_bits(bits), bug_compat(compat)
    {
        if (!valid_address_bits(bits))
            throw std::invalid_argument("heap address bits must be a multiple of 8 between 8 and 56, not "
                                        + std::to_string(bits));
        if (compat & ~BUG_COMPAT_MASK)
            throw std::invalid_argument("unknown bug_compat flags " + std::to_string(compat));
    }

    std::uint64_t address_mask() const { return (std::uint64_t(1) << heap_address_bits) - 1; }
    // Item IDs occupy the bits between the mode bit and the address.
    std::uint64_t id_mask() const { return (std::uint64_t(1) << (63 - heap_address_bits)) - 1; }
    std::size_t address_bytes() const { return heap_address_bits / 8; }
    // Header byte 2: the item-ID field width in bytes, counting the mode bit.
    std::size_t id_bytes() const { return (64 - heap_address_bits) / 8; }

    bool operator==(const Flavour &o) const
    {
        return heap_address_bits == o.heap_address_bits && bug_compat == o.bug_compat;
    }
    bool operator!=(const Flavour &o) const { return !(*this == o); }
};

inline std::uint64_t load_be64(const std::uint8_t *p)
{
    std::uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return be64toh(v);
}

inline void store_be64(std::uint8_t *p, std::uint64_t v)
{
    v = htobe64(v);
    std::memcpy(p, &v, sizeof(v));
}

inline std::uint16_t load_be16(const std::uint8_t *p) { return std::uint16_t((p[0] << 8) | p[1]); }

inline void store_be16(std::uint8_t *p, std::uint16_t v)
{
    p[0] = std::uint8_t(v >> 8);
    p[1] = std::uint8_t(v);
}

} // namespace spead
