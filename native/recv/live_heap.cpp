#include "recv/live_heap.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace spead::recv {

const char *const heap_reject_names[HEAP_REJECT_COUNT] = {
    "",
    "rejected_no_heap_length",
    "rejected_inconsistent_length",
    "rejected_length_too_small",
    "rejected_inconsistent_flavour",
    "rejected_out_of_order",
    "rejected_duplicate",
    "rejected_overlap",
    "rejected_too_large",
    "rejected_no_memory",
};

namespace {

// Below this many pointers a linear search beats hashing.
constexpr std::size_t INLINE_POINTERS = 16;

} // namespace

void LiveHeap::reserve(std::size_t size, bool exact, Allocator &allocator)
{
    const std::size_t have = payload_ ? payload_.size() : 0;
    if (size <= have && payload_)
        return;
    if (!exact && size < have * 2)
        size = have * 2; // unsized heaps grow geometrically
    Allocation bigger = allocator.allocate(size);
    if (payload_ && received_ > 0)
        std::memcpy(bigger.data(), payload_.data(), std::min<std::size_t>(have, size));
    payload_ = std::move(bigger);
}

HeapReject LiveHeap::check_range(std::int64_t first, std::int64_t last) const
{
    auto next = ranges_.upper_bound(first);
    if (next != ranges_.end() && next->first < last)
        return HeapReject::OVERLAP;
    if (next != ranges_.begin() && std::prev(next)->second > first)
        return HeapReject::DUPLICATE;
    return HeapReject::NONE;
}

HeapReject LiveHeap::add_range(std::int64_t first, std::int64_t last)
{
    auto next = ranges_.upper_bound(first);
    if (next != ranges_.end() && next->first < last)
        return HeapReject::OVERLAP;
    std::map<std::int64_t, std::int64_t>::iterator here;
    if (next == ranges_.begin() || std::prev(next)->second < first)
        here = ranges_.emplace_hint(next, first, last);
    else if (std::prev(next)->second == first)
    {
        here = std::prev(next);
        here->second = last;
    }
    else
        return HeapReject::DUPLICATE;
    if (next != ranges_.end() && next->first == last)
    {
        here->second = next->second;
        ranges_.erase(next);
    }
    return HeapReject::NONE;
}

void LiveHeap::add_pointers(const std::uint8_t *pointers, std::size_t n)
{
    const protocol::PointerDecoder decoder(address_bits_);
    for (std::size_t i = 0; i < n; i++)
    {
        const item_pointer_t p = load_be64(pointers + i * ITEM_POINTER_SIZE);
        const item_pointer_t id = decoder.id(p);
        const bool immediate = decoder.is_immediate(p);
        if (!immediate)
            min_length_ = std::max(min_length_, std::int64_t(decoder.value(p)));
        if (id != NULL_ID && id <= PAYLOAD_LENGTH_ID)
            continue; // specials that were not leading: already known
        bool seen;
        if (seen_.empty())
            seen = std::find(pointers_.begin(), pointers_.end(), p) != pointers_.end();
        else
            seen = seen_.count(p) > 0;
        if (seen)
            continue;
        pointers_.push_back(p);
        if (!seen_.empty())
            seen_.insert(p);
        else if (pointers_.size() > INLINE_POINTERS)
            seen_.insert(pointers_.begin(), pointers_.end());
        if (immediate && id == STREAM_CTRL_ID && decoder.value(p) == CTRL_STREAM_STOP)
            end_of_stream_ = true;
    }
}

HeapReject LiveHeap::add_packet(const protocol::PacketHeader &packet, Allocator &allocator, bool allow_out_of_order,
                                std::uint64_t max_heap_size)
{
    if (heap_length_ >= 0 && packet.heap_length >= 0 && packet.heap_length != heap_length_)
        return HeapReject::INCONSISTENT_LENGTH;
    if (packet.heap_length >= 0 && packet.heap_length < min_length_)
        return HeapReject::LENGTH_TOO_SMALL;
    if (packet.heap_address_bits != address_bits_)
        return HeapReject::INCONSISTENT_FLAVOUR;
    const std::int64_t end = packet.payload_offset + packet.payload_length;
    // Checked before anything is allocated, so a hostile length costs nothing.
    // An unsized heap must also hold every item offset seen so far.
    const std::int64_t needed = packet.heap_length >= 0 ? packet.heap_length : std::max(min_length_, end);
    if (std::uint64_t(needed) > max_heap_size)
        return HeapReject::TOO_LARGE;
    if (allow_out_of_order)
    {
        HeapReject r = check_range(packet.payload_offset, end);
        if (r != HeapReject::NONE)
            return r;
    }
    else if (packet.payload_offset != received_)
        return HeapReject::OUT_OF_ORDER;

    // Memory first, and nothing changed until it is had: a heap whose
    // allocation fails loses this packet (counted), not the process.
    const bool sets_length = packet.heap_length >= 0 && heap_length_ < 0;
    const std::int64_t new_min = sets_length ? std::max(min_length_, packet.heap_length)
                                 : packet.heap_length < 0 ? std::max(min_length_, end)
                                                          : min_length_;
    try
    {
        if (sets_length || packet.heap_length < 0)
            reserve(std::size_t(new_min), sets_length, allocator);
        if (sets_length)
            heap_length_ = packet.heap_length;
        min_length_ = new_min;
        if (allow_out_of_order)
            add_range(packet.payload_offset, end);
        add_pointers(packet.pointers, packet.n_pointers);
    }
    catch (const std::bad_alloc &)
    {
        return HeapReject::NO_MEMORY;
    }
    if (packet.payload_length > 0)
    {
        std::memcpy(payload_.data() + packet.payload_offset, packet.payload, std::size_t(packet.payload_length));
        received_ += packet.payload_length;
    }
    return HeapReject::NONE;
}

FrozenHeap::FrozenHeap(LiveHeap &&h, bool keep_addressed, bool keep_ranges)
    : cnt(h.cnt_), address_bits(h.address_bits_), heap_length(h.heap_length_), received_length(h.received_)
{
    const protocol::PointerDecoder decoder(h.address_bits_);
    // spead2's order: addressed items by offset, then immediates by value;
    // stable, because zero-length items share an offset with their successor.
    const item_pointer_t sort_mask = (item_pointer_t(1) << 63) | ((item_pointer_t(1) << h.address_bits_) - 1);
    std::vector<item_pointer_t> &ptrs = h.pointers_;
    std::stable_sort(ptrs.begin(), ptrs.end(),
                     [sort_mask](item_pointer_t a, item_pointer_t b) { return (a & sort_mask) < (b & sort_mask); });

    const std::size_t immediate_size = std::size_t(h.address_bits_) / 8;
    items.reserve(ptrs.size());
    for (std::size_t i = 0; i < ptrs.size(); i++)
    {
        const item_pointer_t p = ptrs[i];
        const item_pointer_t id = decoder.id(p);
        if (id == NULL_ID)
            continue; // padding
        if (decoder.is_immediate(p))
        {
            const std::size_t at = immediates.size();
            immediates.resize(at + immediate_size);
            item_pointer_t value = decoder.value(p);
            for (std::size_t b = immediate_size; b-- > 0;)
            {
                immediates[at + b] = std::uint8_t(value);
                value >>= 8;
            }
            if (id == STREAM_CTRL_ID)
            {
                if (decoder.value(p) == CTRL_STREAM_START)
                    flags |= START_OF_STREAM;
                else if (decoder.value(p) == CTRL_STREAM_STOP)
                    flags |= END_OF_STREAM;
            }
            items.push_back({double(id), 1.0, double(at), double(immediate_size)});
            continue;
        }
        if (!keep_addressed)
            continue;
        const std::int64_t start = std::int64_t(decoder.value(p));
        std::int64_t stop = h.min_length_;
        if (i + 1 < ptrs.size() && !decoder.is_immediate(ptrs[i + 1]))
            stop = std::int64_t(decoder.value(ptrs[i + 1]));
        if (stop <= start)
            continue; // zero-length items are not delivered, as in spead2
        items.push_back({double(id), 0.0, double(start), double(stop - start)});
    }
    if (h.is_complete())
        flags |= COMPLETE;
    if (h.is_contiguous())
        flags |= CONTIGUOUS;
    // What of the allocation is meaningful: everything up to the last item for a
    // contiguous heap; the declared length (or what arrived) otherwise.
    payload_length = h.is_contiguous() ? h.min_length_ : (h.heap_length_ >= 0 ? h.heap_length_ : h.received_);
    if (keep_ranges)
    {
        if (h.ranges_.empty())
        {
            if (h.received_ > 0)
                payload_ranges = {0.0, double(h.received_)};
        }
        else
            for (const auto &[first, last] : h.ranges_)
            {
                payload_ranges.push_back(double(first));
                payload_ranges.push_back(double(last));
            }
    }
    payload = std::move(h.payload_);
    if (!payload)
        payload_length = 0;
    h.pointers_.clear();
    h.seen_.clear();
    h.ranges_.clear();
}

} // namespace spead::recv
