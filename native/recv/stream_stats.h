// The receive statistics: spead2's nine core counters at spead2's indices,
// then ours (rejections by reason, transport losses). An indexed array: cheap
// to bump in the hot path, copied whole for a consistent snapshot.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace spead::recv {

enum StatIndex : std::size_t
{
    STAT_HEAPS = 0,
    STAT_INCOMPLETE_HEAPS_EVICTED,
    STAT_INCOMPLETE_HEAPS_FLUSHED,
    STAT_PACKETS,
    STAT_BATCHES,
    STAT_MAX_BATCH,
    STAT_SINGLE_PACKET_HEAPS,
    STAT_SEARCH_DIST,
    STAT_WORKER_BLOCKED,
    // Beyond spead2.
    STAT_INCOMPLETE_HEAPS_DROPPED, // incomplete heaps discarded (contiguousOnly, or an external stop)
    STAT_KERNEL_DROPPED,
    STAT_OVERSIZED,
    STAT_FRAME_REJECTED,
    STAT_TRUNCATED_INPUT,
    STAT_REJECTED_FIRST, // packet rejections, then heap rejections (see stream.cpp)
};

} // namespace spead::recv
