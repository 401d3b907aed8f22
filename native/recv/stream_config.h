// Receive configuration, with spead2's defaults, validated once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "common/defines.h"

namespace spead::recv {

struct StreamConfig
{
    static constexpr std::size_t DEFAULT_MAX_HEAPS = 4;
    static constexpr std::size_t DEFAULT_RING_HEAPS = 4;
    // Not in spead2: a packet claiming a heap larger than this is dropped
    // before anything is allocated.
    static constexpr std::uint64_t DEFAULT_MAX_HEAP_SIZE = std::uint64_t(1) << 30;

    std::size_t max_heaps = DEFAULT_MAX_HEAPS;
    std::size_t substreams = 1;
    int bug_compat = 0;
    bool allow_out_of_order = false;
    bool stop_on_stop_item = true;
    bool allow_unsized_heaps = true;
    bool explicit_start = false;
    std::uint64_t stream_id = 0;
    std::uint64_t max_heap_size = DEFAULT_MAX_HEAP_SIZE;
    // Ring (spead2's RingStreamConfig).
    std::size_t ring_heaps = DEFAULT_RING_HEAPS;
    bool contiguous_only = true;
    bool incomplete_keep_payload_ranges = false;

    void validate() const
    {
        if (max_heaps == 0)
            throw std::invalid_argument("maxHeaps must be at least 1");
        if (substreams == 0)
            throw std::invalid_argument("substreams must be at least 1");
        if (ring_heaps == 0)
            throw std::invalid_argument("ring heaps must be at least 1");
        if (bug_compat & ~BUG_COMPAT_MASK)
            throw std::invalid_argument("bugCompat has unknown flags");
        if (max_heaps * substreams > (std::size_t(1) << 24))
            throw std::invalid_argument("maxHeaps × substreams is unreasonably large");
    }
};

} // namespace spead::recv
