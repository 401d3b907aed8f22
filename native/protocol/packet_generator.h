// Cuts a heap into packets exactly as spead2's sender does (PROTOCOL.md §5),
// one packet at a time, so that round-robin groups can interleave heaps. A
// packet is returned as pieces: the header and pointers written into a
// caller's scratch buffer, then slices of the items' own memory (no copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/uio.h>
#include <vector>

#include "send/send_heap.h"

namespace spead::protocol {

class PacketGenerator
{
public:
    // 40 bytes: the header and the four specials in every packet.
    static constexpr std::size_t PREFIX_SIZE = 40;

    // Throws std::invalid_argument for a packet size too small, a cnt that does
    // not fit the flavour, or pointers that cannot be repeated in one packet.
    PacketGenerator(const send::SendHeap &heap, std::uint64_t cnt, std::size_t max_packet_size);

    bool has_next() const { return payload_offset_ < payload_size_; }

    // Writes the next packet's header into scratch (at least max_packet_size()
    // bytes) and appends its pieces to out. Returns the packet's size.
    std::size_t next(std::uint8_t *scratch, std::vector<iovec> &out);

    std::size_t max_packet_size() const { return max_packet_size_; }
    // HEAP_LENGTH: the payload, padding included.
    std::uint64_t payload_size() const { return payload_size_; }
    // Bytes the whole heap takes on the wire.
    std::uint64_t total_bytes() const;

private:
    bool immediate(const send::SendItem &it) const { return it.allow_immediate && it.length <= immediate_size_; }

    const send::SendHeap &heap_;
    std::uint64_t cnt_;
    std::size_t max_packet_size_;
    std::size_t max_pointers_;
    std::size_t immediate_size_;
    std::uint64_t payload_size_ = 0;
    std::uint64_t payload_offset_ = 0;
    bool need_null_item_ = false;
    // Progress through the pointers and through the payload.
    std::size_t next_pointer_ = 0;
    std::uint64_t next_address_ = 0;
    std::size_t next_item_ = 0;
    std::size_t next_item_offset_ = 0;
};

} // namespace spead::protocol
