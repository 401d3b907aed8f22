#include "protocol/packet_generator.h"
#include "common/element_order.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace spead::protocol {

namespace {

item_pointer_t immediate_pointer(std::uint64_t id, std::uint64_t value, int bits)
{
    return (item_pointer_t(1) << 63) | (id << bits) | value;
}

item_pointer_t address_pointer(std::uint64_t id, std::uint64_t address, int bits) { return (id << bits) | address; }

} // namespace

PacketGenerator::PacketGenerator(const send::SendHeap &heap, std::uint64_t cnt, std::size_t max_packet_size)
    : heap_(heap), cnt_(cnt), max_packet_size_(max_packet_size & ~std::size_t(7)),
      immediate_size_(std::size_t(heap.address_bits) / 8)
{
    // The prefix, one pointer, and 8 bytes of payload (keeping payloads aligned).
    if (max_packet_size_ < PREFIX_SIZE + 2 * ITEM_POINTER_SIZE)
        throw std::invalid_argument("packet size is too small (" + std::to_string(max_packet_size)
                                    + " bytes; at least 56 are needed)");
    if (heap.address_bits < 64 && cnt >> heap.address_bits)
        throw std::invalid_argument("heap cnt " + std::to_string(cnt) + " does not fit in "
                                    + std::to_string(heap.address_bits) + " bits");
    max_pointers_ = (max_packet_size_ - (PREFIX_SIZE + ITEM_POINTER_SIZE)) / ITEM_POINTER_SIZE;
    const std::uint64_t id_limit = std::uint64_t(1) << (63 - heap.address_bits);
    for (const send::SendItem &it : heap.items)
    {
        if (it.id == 0 || it.id >= id_limit)
            throw std::invalid_argument("item ID " + std::to_string(it.id) + " does not fit in "
                                        + std::to_string(63 - heap.address_bits) + " bits");
        if (!immediate(it))
            payload_size_ += it.length;
    }
    if ((payload_size_ >> heap.address_bits) != 0)
        throw std::invalid_argument("heap payload is too large for the flavour's address bits");
    // Packets needed for the pointers, plus perhaps one for a NULL pointer that
    // marks where padding starts.
    const std::size_t pointer_packets = heap.items.size() / max_pointers_ + 1;
    if (heap.repeat_pointers && pointer_packets > 1)
        throw std::invalid_argument("packet size is too small to repeat item pointers");
    // Every packet carries payload (so packets order and losses show); all but
    // the last carry a multiple of 8 bytes.
    const std::uint64_t min_payload = (pointer_packets - 1) * ITEM_POINTER_SIZE + 1;
    if (payload_size_ < min_payload)
    {
        payload_size_ = min_payload;
        need_null_item_ = true;
    }
}

std::uint64_t PacketGenerator::total_bytes() const
{
    const std::size_t n_pointers = heap_.items.size() + need_null_item_;
    if (heap_.repeat_pointers)
    {
        const std::size_t per_packet_payload = max_packet_size_ - PREFIX_SIZE - n_pointers * ITEM_POINTER_SIZE;
        const std::uint64_t packets = (payload_size_ + per_packet_payload - 1) / per_packet_payload;
        return payload_size_ + packets * (PREFIX_SIZE + n_pointers * ITEM_POINTER_SIZE);
    }
    // Simulate the split: the first packets carry the pointers.
    std::uint64_t bytes = 0, offset = 0;
    std::size_t pointers_left = n_pointers;
    while (offset < payload_size_)
    {
        const std::size_t n = std::min(max_pointers_, pointers_left);
        const std::uint64_t payload = std::min<std::uint64_t>(payload_size_ - offset,
                                                              max_packet_size_ - n * ITEM_POINTER_SIZE - PREFIX_SIZE);
        bytes += PREFIX_SIZE + n * ITEM_POINTER_SIZE + payload;
        offset += payload;
        pointers_left -= n;
    }
    return bytes;
}

std::size_t PacketGenerator::next(std::uint8_t *scratch, std::vector<iovec> &out)
{
    if (!has_next())
        return 0;
    if (heap_.repeat_pointers)
    {
        next_pointer_ = 0;
        next_address_ = 0;
    }
    const int bits = heap_.address_bits;
    const std::size_t n_pointers = std::min(max_pointers_, heap_.items.size() + need_null_item_ - next_pointer_);
    std::size_t payload_length = std::size_t(std::min<std::uint64_t>(
        payload_size_ - payload_offset_, max_packet_size_ - n_pointers * ITEM_POINTER_SIZE - PREFIX_SIZE));

    // Header: magic, version, widths, pointer count.
    scratch[0] = MAGIC;
    scratch[1] = VERSION;
    scratch[2] = std::uint8_t(8 - immediate_size_);
    scratch[3] = std::uint8_t(immediate_size_);
    scratch[4] = scratch[5] = 0;
    store_be16(scratch + 6, std::uint16_t(n_pointers + 4));
    std::uint8_t *p = scratch + HEADER_SIZE;
    auto put = [&p](item_pointer_t v) {
        store_be64(p, v);
        p += ITEM_POINTER_SIZE;
    };
    put(immediate_pointer(HEAP_CNT_ID, cnt_, bits));
    put(immediate_pointer(HEAP_LENGTH_ID, payload_size_, bits));
    put(immediate_pointer(PAYLOAD_OFFSET_ID, payload_offset_, bits));
    put(immediate_pointer(PAYLOAD_LENGTH_ID, payload_length, bits));
    payload_offset_ += payload_length;
    for (std::size_t i = 0; i < n_pointers; i++, next_pointer_++)
    {
        if (next_pointer_ == heap_.items.size())
        {
            put(address_pointer(NULL_ID, next_address_, bits));
            continue;
        }
        const send::SendItem &it = heap_.items[next_pointer_];
        if (immediate(it))
        {
            // The value's bytes, right-aligned in the address field.
            store_be64(p, immediate_pointer(it.id, 0, bits));
            if (it.length > 0)
                values::swap_copy_range(it.data, 0, it.length, p + ITEM_POINTER_SIZE - it.length, it.swap_width);
            p += ITEM_POINTER_SIZE;
        }
        else
        {
            put(address_pointer(it.id, next_address_, bits));
            next_address_ += it.length;
        }
    }
    std::size_t header_length = std::size_t(p - scratch);
    out.push_back({scratch, header_length});
    const std::size_t size = header_length + payload_length;
    // Bytes that are not the items' own (swapped lanes, padding) are written
    // into scratch after the header: it holds a whole packet.
    auto append_scratch = [&out, &p](std::size_t n) {
        iovec &last = out.back();
        if (static_cast<std::uint8_t *>(last.iov_base) + last.iov_len == p)
            last.iov_len += n;
        else
            out.push_back({p, n});
        p += n;
    };
    while (payload_length > 0)
    {
        if (next_item_ == heap_.items.size())
        {
            std::memset(p, 0, payload_length);
            append_scratch(payload_length);
            payload_length = 0;
        }
        else if (immediate(heap_.items[next_item_]))
        {
            next_item_++;
            next_item_offset_ = 0;
        }
        else
        {
            const send::SendItem &it = heap_.items[next_item_];
            const std::size_t n = std::min(it.length - next_item_offset_, payload_length);
            if (n > 0 && it.swap_width > 1)
            {
                values::swap_copy_range(it.data, next_item_offset_, n, p, it.swap_width);
                append_scratch(n);
            }
            else if (n > 0)
                out.push_back({const_cast<std::uint8_t *>(it.data + next_item_offset_), n});
            next_item_offset_ += n;
            if (next_item_offset_ == it.length)
            {
                next_item_++;
                next_item_offset_ = 0;
            }
            payload_length -= n;
        }
    }
    return size;
}

} // namespace spead::protocol
