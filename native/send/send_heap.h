// A heap to send: item pointers in order, each with the bytes it refers to.
// The bytes are not copied; whoever builds the heap keeps them alive (the
// binding holds the JS buffers) until the heap is no longer in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/defines.h"

namespace spead::send {

struct SendItem
{
    std::uint64_t id;
    const std::uint8_t *data;
    std::size_t length;
    bool allow_immediate;
    // Lanes of this many bytes are held in the other byte order from the
    // wire's and swapped as packets are built (1: sent as they are).
    std::uint8_t swap_width = 1;
};

struct SendHeap
{
    int address_bits = 40;
    bool repeat_pointers = false;
    std::vector<SendItem> items;
    // Owns whatever keeps `data` alive (JS references are released on the JS thread).
    std::shared_ptr<void> keepalive;
};

} // namespace spead::send
