#include "protocol/packet_decoder.h"

namespace spead::protocol {

const char *const packet_reject_names[PACKET_REJECT_COUNT] = {
    "",
    "rejected_too_short",
    "rejected_bad_magic",
    "rejected_bad_flavour",
    "rejected_not_spead_64",
    "rejected_items_overflow",
    "rejected_missing_items",
    "rejected_payload_overflow",
    "rejected_size_mismatch",
    "rejected_heap_length_overflow",
};

namespace {

PacketReject decode_header(const std::uint8_t *data, int &address_bits, std::size_t &n_items)
{
    if (data[0] != MAGIC || data[1] != VERSION)
        return PacketReject::BAD_MAGIC;
    int id_bits = data[2] * 8;
    address_bits = data[3] * 8;
    if (id_bits == 0 || address_bits == 0)
        return PacketReject::BAD_FLAVOUR;
    if (id_bits + address_bits != 64)
        return PacketReject::NOT_SPEAD_64;
    n_items = load_be16(data + 6);
    return PacketReject::NONE;
}

} // namespace

PacketReject decode_packet(const std::uint8_t *data, std::size_t available, bool exact_size, PacketHeader &out)
{
    if (available < HEADER_SIZE)
        return PacketReject::TOO_SHORT;
    std::size_t n_items;
    PacketReject r = decode_header(data, out.heap_address_bits, n_items);
    if (r != PacketReject::NONE)
        return r;
    const std::size_t pointers_end = HEADER_SIZE + n_items * ITEM_POINTER_SIZE;
    if (pointers_end > available)
        return PacketReject::ITEMS_OVERFLOW;

    out.heap_cnt = out.heap_length = out.payload_offset = out.payload_length = -1;
    const PointerDecoder decoder(out.heap_address_bits);
    std::size_t first_regular = n_items;
    for (std::size_t i = 0; i < n_items; i++)
    {
        item_pointer_t p = load_be64(data + HEADER_SIZE + i * ITEM_POINTER_SIZE);
        bool special = false;
        if (decoder.is_immediate(p))
        {
            special = true;
            auto value = std::int64_t(decoder.value(p));
            switch (decoder.id(p))
            {
            case HEAP_CNT_ID: out.heap_cnt = value; break;
            case HEAP_LENGTH_ID: out.heap_length = value; break;
            case PAYLOAD_OFFSET_ID: out.payload_offset = value; break;
            case PAYLOAD_LENGTH_ID: out.payload_length = value; break;
            default: special = false; break;
            }
        }
        if (!special && first_regular == n_items)
            first_regular = i;
    }
    if (out.heap_cnt < 0 || out.payload_offset < 0 || out.payload_length < 0)
        return PacketReject::MISSING_ITEMS;
    // payload_length < 2^56, so the sum cannot overflow 64 bits.
    const std::uint64_t size = pointers_end + std::uint64_t(out.payload_length);
    if (size > available)
        return PacketReject::PAYLOAD_OVERFLOW;
    if (exact_size && size != available)
        return PacketReject::SIZE_MISMATCH;
    if (out.heap_length >= 0 && out.payload_offset + out.payload_length > out.heap_length)
        return PacketReject::HEAP_LENGTH_OVERFLOW;

    // Leading specials are consumed here; heap assembly only sees the rest.
    out.pointers = data + HEADER_SIZE + first_regular * ITEM_POINTER_SIZE;
    out.n_pointers = n_items - first_regular;
    out.payload = data + pointers_end;
    out.size = std::size_t(size);
    return PacketReject::NONE;
}

std::int64_t packet_size(const std::uint8_t *data, std::size_t available)
{
    if (available < HEADER_SIZE)
        return 0;
    int address_bits;
    std::size_t n_items;
    if (decode_header(data, address_bits, n_items) != PacketReject::NONE)
        return -1;
    const std::size_t pointers_end = HEADER_SIZE + n_items * ITEM_POINTER_SIZE;
    if (pointers_end > available)
        return 0;
    const PointerDecoder decoder(address_bits);
    for (std::size_t i = 0; i < n_items; i++)
    {
        item_pointer_t p = load_be64(data + HEADER_SIZE + i * ITEM_POINTER_SIZE);
        if (decoder.is_immediate(p) && decoder.id(p) == PAYLOAD_LENGTH_ID)
            return std::int64_t(pointers_end + decoder.value(p));
    }
    return -1;
}

} // namespace spead::protocol
