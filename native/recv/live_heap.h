// A heap being assembled from packets, and the frozen form a finished heap
// takes on the worker thread before it is handed to JS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_set>
#include <vector>

#include "common/allocator.h"
#include "common/defines.h"
#include "protocol/packet_decoder.h"

namespace spead::recv {

// Why a decoded packet was refused by the heap it belongs to (or by the stream).
enum class HeapReject : std::uint8_t
{
    NONE = 0,
    NO_HEAP_LENGTH,        // allow_unsized_heaps is false
    INCONSISTENT_LENGTH,   // HEAP_LENGTH differs from the heap's
    LENGTH_TOO_SMALL,      // HEAP_LENGTH below an offset already seen
    INCONSISTENT_FLAVOUR,  // address width differs from the heap's
    OUT_OF_ORDER,          // offset != bytes received (in-order mode), or a new heap not at offset 0
    DUPLICATE,             // out-of-order mode: the range was already received
    OVERLAP,               // out-of-order mode: partial overlap with received data
    TOO_LARGE,             // the heap would exceed max_heap_size
    NO_MEMORY,             // the heap's memory could not be allocated
};

constexpr std::size_t HEAP_REJECT_COUNT = 10;
extern const char *const heap_reject_names[HEAP_REJECT_COUNT];

class LiveHeap
{
public:
    LiveHeap(std::int64_t cnt, int address_bits) : cnt_(cnt), address_bits_(address_bits) {}

    // Adds a packet of this heap (same cnt); copies its payload into the heap.
    HeapReject add_packet(const protocol::PacketHeader &packet, Allocator &allocator, bool allow_out_of_order,
                          std::uint64_t max_heap_size);

    std::int64_t cnt() const { return cnt_; }
    int address_bits() const { return address_bits_; }
    std::int64_t heap_length() const { return heap_length_; }
    std::int64_t received() const { return received_; }
    // Complete: every byte of a sized heap arrived and no item points beyond it.
    bool is_complete() const { return received_ == heap_length_ && received_ == min_length_; }
    // Contiguous: the bytes received form a prefix covering every item.
    bool is_contiguous() const { return received_ == min_length_; }
    bool is_end_of_stream() const { return end_of_stream_; }

private:
    friend class FrozenHeap;
    void reserve(std::size_t size, bool exact, Allocator &allocator);
    HeapReject check_range(std::int64_t first, std::int64_t last) const;
    HeapReject add_range(std::int64_t first, std::int64_t last);
    void add_pointers(const std::uint8_t *pointers, std::size_t n);

    std::int64_t cnt_;
    int address_bits_;
    std::int64_t heap_length_ = -1;
    std::int64_t received_ = 0;
    std::int64_t min_length_ = 0; // the heap must be at least this long
    bool end_of_stream_ = false;
    Allocation payload_;
    std::vector<item_pointer_t> pointers_;
    std::unordered_set<item_pointer_t> seen_; // only used once pointers_ grows past a few
    std::map<std::int64_t, std::int64_t> ranges_; // out-of-order mode: received [first, last)
};

// A finished (or evicted/flushed) heap, laid out for the JS boundary
// (docs/internals.md, "Received heaps crossing into JS").
class FrozenHeap
{
public:
    enum Flags : std::uint32_t
    {
        COMPLETE = 1,
        START_OF_STREAM = 2,
        END_OF_STREAM = 4,
        CONTIGUOUS = 8, // delivered as a Heap (not an IncompleteHeap)
    };
    struct Item
    {
        double id;
        double immediate; // 0 or 1
        double offset;    // into payload, or into immediates
        double length;
    };

    // Freezes h (which is left empty). keep_addressed: false for incomplete heaps,
    // whose addressed items cannot be trusted. keep_ranges: record payload ranges.
    FrozenHeap(LiveHeap &&h, bool keep_addressed, bool keep_ranges);
    FrozenHeap(FrozenHeap &&) noexcept = default;
    FrozenHeap &operator=(FrozenHeap &&) noexcept = default;

    std::int64_t cnt = 0;
    int address_bits = 0;
    std::uint32_t flags = 0;
    std::int64_t heap_length = -1;
    std::int64_t received_length = 0;
    std::int64_t payload_length = 0; // bytes of payload exposed to JS
    Allocation payload;
    std::vector<std::uint8_t> immediates;
    std::vector<Item> items;
    std::vector<double> payload_ranges; // [first, last) pairs
};

} // namespace spead::recv
