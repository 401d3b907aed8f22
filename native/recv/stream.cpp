#include "recv/stream.h"

#include <algorithm>
#include <new>

namespace spead::recv {

namespace {

constexpr std::size_t STAT_HEAP_REJECT_FIRST = STAT_REJECTED_FIRST + protocol::PACKET_REJECT_COUNT - 1;
constexpr std::size_t STAT_COUNT = STAT_HEAP_REJECT_FIRST + HEAP_REJECT_COUNT - 1;
constexpr std::size_t MAX_WARNINGS = 64;

} // namespace

const std::vector<std::string> &Stream::stat_names()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n = {
            "heaps", "incomplete_heaps_evicted", "incomplete_heaps_flushed", "packets", "batches", "max_batch",
            "single_packet_heaps", "search_dist", "worker_blocked", "incomplete_heaps_dropped", "kernel_dropped",
            "oversized_packets", "frames_rejected", "truncated_input",
        };
        for (std::size_t i = 1; i < protocol::PACKET_REJECT_COUNT; i++)
            n.emplace_back(protocol::packet_reject_names[i]);
        for (std::size_t i = 1; i < HEAP_REJECT_COUNT; i++)
            n.emplace_back(heap_reject_names[i]);
        return n;
    }();
    return names;
}

Stream::Stream(StreamConfig config, std::shared_ptr<ThreadPool> pool, std::shared_ptr<Allocator> allocator)
    : config_((config.validate(), config)), pool_(std::move(pool)),
      allocator_(allocator ? std::move(allocator) : MemoryAllocator::shared_default()), ring_(config.ring_heaps),
      slots_(config.max_heaps * config.substreams), heads_(config.substreams, 0), stats_(STAT_COUNT, 0), pending_(STAT_COUNT, 0),
      started_(!config.explicit_start)
{
    if (!pool_)
        throw std::invalid_argument("a receive stream needs a thread pool");
    by_cnt_.reserve(slots_.size() * 2);
}

Stream::~Stream() { stop(); }

void Stream::warn_locked(std::string message)
{
    std::lock_guard<std::mutex> lock(stats_mutex_);
    if (warnings_.size() >= MAX_WARNINGS)
    {
        warnings_lost_++;
        return;
    }
    warnings_.push_back(std::move(message));
}

std::vector<std::string> Stream::take_warnings()
{
    std::lock_guard<std::mutex> lock(stats_mutex_);
    std::vector<std::string> out(warnings_.begin(), warnings_.end());
    warnings_.clear();
    if (warnings_lost_ > 0)
    {
        out.push_back(std::to_string(warnings_lost_) + " more warnings were dropped");
        warnings_lost_ = 0;
    }
    return out;
}

std::vector<std::uint64_t> Stream::stats() const
{
    std::lock_guard<std::mutex> lock(stats_mutex_);
    return stats_;
}

void Stream::count(ReaderCounter which, std::uint64_t n)
{
    std::lock_guard<std::mutex> lock(stats_mutex_);
    switch (which)
    {
    case ReaderCounter::KERNEL_DROPPED: stats_[STAT_KERNEL_DROPPED] += n; break;
    case ReaderCounter::OVERSIZED: stats_[STAT_OVERSIZED] += n; break;
    case ReaderCounter::FRAME_REJECTED: stats_[STAT_FRAME_REJECTED] += n; break;
    case ReaderCounter::TRUNCATED_INPUT: stats_[STAT_TRUNCATED_INPUT] += n; break;
    }
}

void Stream::publish_locked()
{
    std::lock_guard<std::mutex> lock(stats_mutex_);
    for (std::size_t i = 0; i < pending_.size(); i++)
    {
        if (i == STAT_MAX_BATCH)
            stats_[i] = std::max(stats_[i], pending_[i]);
        else
            stats_[i] += pending_[i];
        pending_[i] = 0;
    }
}

void Stream::heap_ready_locked(LiveHeap &&heap)
{
    const bool contiguous = heap.is_contiguous();
    if (!contiguous && config_.contiguous_only)
    {
        pending_[STAT_INCOMPLETE_HEAPS_DROPPED]++;
        warn_locked("dropped incomplete heap " + std::to_string(heap.cnt()) + " (" + std::to_string(heap.received())
                    + "/" + std::to_string(heap.heap_length()) + " bytes of payload)");
        return;
    }
    const std::int64_t cnt = heap.cnt();
    FrozenHeap frozen(std::move(heap), contiguous, config_.incomplete_keep_payload_ranges);
    // Waiting here holds the stream lock, as spead2 does: the reader stalls and
    // the loss moves to the kernel, where it is counted. The block is counted
    // at once (not at the batch's end), so it shows while it lasts.
    if (!ring_.push(std::move(frozen), [this, cnt] {
            std::lock_guard<std::mutex> lock(stats_mutex_);
            stats_[STAT_WORKER_BLOCKED]++;
            if (lossy_ && warnings_.size() < MAX_WARNINGS)
                warnings_.push_back("worker thread blocked by full ringbuffer on heap " + std::to_string(cnt));
        }))
        pending_[STAT_INCOMPLETE_HEAPS_DROPPED] += contiguous ? 0 : 1;
}

void Stream::add_packet_locked(const ReceivedPacket &packet, bool exact_size, std::uint64_t &accepted)
{
    protocol::PacketHeader hdr;
    const protocol::PacketReject pr = protocol::decode_packet(packet.data, packet.size, exact_size, hdr);
    if (pr != protocol::PacketReject::NONE)
    {
        pending_[STAT_REJECTED_FIRST + std::size_t(pr) - 1]++;
        return;
    }
    accepted++;
    auto reject = [this](HeapReject r) { pending_[STAT_HEAP_REJECT_FIRST + std::size_t(r) - 1]++; };
    if (hdr.heap_length < 0 && !config_.allow_unsized_heaps)
        return reject(HeapReject::NO_HEAP_LENGTH);

    std::size_t index = slots_.size();
    // A packet that is a whole heap matches no live heap.
    if (hdr.heap_length >= 0 && hdr.payload_length == hdr.heap_length)
        pending_[STAT_SINGLE_PACKET_HEAPS]++;
    else
    {
        pending_[STAT_SEARCH_DIST]++;
        auto it = by_cnt_.find(hdr.heap_cnt);
        if (it != by_cnt_.end())
            index = it->second;
    }

    if (index == slots_.size())
    {
        if (!config_.allow_out_of_order && hdr.payload_offset != 0)
            return reject(HeapReject::OUT_OF_ORDER);
        const std::int64_t claimed = hdr.heap_length >= 0 ? hdr.heap_length : hdr.payload_offset + hdr.payload_length;
        if (std::uint64_t(claimed) > config_.max_heap_size)
            return reject(HeapReject::TOO_LARGE);
        const std::size_t ss = std::size_t(std::uint64_t(hdr.heap_cnt) % config_.substreams);
        heads_[ss] = (heads_[ss] + 1) % config_.max_heaps;
        index = ss * config_.max_heaps + heads_[ss];
        Slot &slot = slots_[index];
        if (slot.heap)
        {
            pending_[STAT_INCOMPLETE_HEAPS_EVICTED]++;
            pending_[STAT_HEAPS]++;
            auto old = by_cnt_.find(slot.heap->cnt());
            if (old != by_cnt_.end() && old->second == index)
                by_cnt_.erase(old);
            LiveHeap evicted = std::move(*slot.heap);
            slot.heap.reset();
            heap_ready_locked(std::move(evicted));
        }
        slot.heap.emplace(hdr.heap_cnt, hdr.heap_address_bits);
        by_cnt_[hdr.heap_cnt] = index;
    }

    Slot &slot = slots_[index];
    LiveHeap &heap = *slot.heap;
    const HeapReject hr = heap.add_packet(hdr, *allocator_, config_.allow_out_of_order, config_.max_heap_size);
    if (hr != HeapReject::NONE)
        return reject(hr);
    const bool end_of_stream = config_.stop_on_stop_item && heap.is_end_of_stream();
    if (heap.is_complete())
    {
        auto it = by_cnt_.find(heap.cnt());
        if (it != by_cnt_.end() && it->second == index)
            by_cnt_.erase(it);
        LiveHeap done = std::move(heap);
        slot.heap.reset();
        if (!end_of_stream)
        {
            pending_[STAT_HEAPS]++;
            heap_ready_locked(std::move(done));
        }
    }
    if (end_of_stream)
        stop_received_locked();
}

void Stream::flush_locked()
{
    for (std::size_t ss = 0; ss < config_.substreams; ss++)
    {
        // Oldest first: the slot after the head.
        for (std::size_t k = 1; k <= config_.max_heaps; k++)
        {
            Slot &slot = slots_[ss * config_.max_heaps + (heads_[ss] + k) % config_.max_heaps];
            if (!slot.heap)
                continue;
            pending_[STAT_HEAPS]++;
            pending_[STAT_INCOMPLETE_HEAPS_FLUSHED]++;
            LiveHeap h = std::move(*slot.heap);
            slot.heap.reset();
            heap_ready_locked(std::move(h));
        }
    }
    by_cnt_.clear();
}

void Stream::stop_received_locked()
{
    if (stopped_)
        return;
    stopped_ = true;
    flush_locked();
    ring_.stop();
}

bool Stream::add_packets(const ReceivedPacket *packets, std::size_t n, bool exact_size)
{
    bool stopped_now = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopped_)
            return false;
        std::uint64_t accepted = 0;
        for (std::size_t i = 0; i < n && !stopped_ && !stopping_.load(std::memory_order_relaxed); i++)
        {
            try
            {
                add_packet_locked(packets[i], exact_size, accepted);
            }
            catch (const std::bad_alloc &)
            {
                // Bookkeeping that could not be allocated (the payload itself
                // is caught in LiveHeap): the packet is lost and counted.
                pending_[STAT_HEAP_REJECT_FIRST + std::size_t(HeapReject::NO_MEMORY) - 1]++;
            }
        }
        pending_[STAT_PACKETS] += accepted;
        if (accepted > 0 || !stopped_)
            pending_[STAT_BATCHES]++;
        pending_[STAT_MAX_BATCH] = accepted;
        publish_locked();
        stopped_now = stopped_;
    }
    ring_.flush();
    if (stopped_now)
    {
        // Readers are stopped from another task: this one may be a reader's handler.
        std::weak_ptr<Stream> weak = weak_from_this();
        pool_->post([weak] {
            if (auto self = weak.lock())
                self->stop_readers();
        });
    }
    return !stopped_now;
}

void Stream::end_of_input()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopped_)
            return;
        stop_received_locked();
        publish_locked();
    }
    std::weak_ptr<Stream> weak = weak_from_this();
    pool_->post([weak] {
        if (auto self = weak.lock())
            self->stop_readers();
    });
}

void Stream::add_reader(std::unique_ptr<Reader> reader)
{
    std::lock_guard<std::mutex> rlock(readers_mutex_);
    if (readers_stopped_)
        throw std::logic_error("cannot add a reader to a stream that has stopped");
    if (config_.explicit_start && started_)
        throw std::logic_error("cannot add a reader after start() when explicitStart is set");
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopped_)
            throw std::logic_error("cannot add a reader to a stream that has stopped");
        lossy_ = lossy_ || reader->lossy();
    }
    readers_.push_back(std::move(reader));
    if (started_)
        readers_.back()->start();
}

void Stream::start()
{
    std::lock_guard<std::mutex> rlock(readers_mutex_);
    if (started_ || readers_stopped_)
        return;
    started_ = true;
    for (auto &r : readers_)
        r->start();
}

void Stream::stop_readers()
{
    std::vector<std::unique_ptr<Reader>> readers;
    {
        std::lock_guard<std::mutex> rlock(readers_mutex_);
        readers_stopped_ = true;
        readers.swap(readers_);
    }
    for (auto &r : readers)
        r->stop();
}

void Stream::stop()
{
    // The ring first: a reader blocked on a full ring (holding the stream
    // lock) wakes and drops its heap, and cuts its batch short.
    stopping_ = true;
    ring_.stop();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!stopped_)
        {
            stopped_ = true;
            // As spead2: counted as flushed, but dropped ("due to external stop").
            for (Slot &slot : slots_)
                if (slot.heap)
                {
                    pending_[STAT_HEAPS]++;
                    pending_[STAT_INCOMPLETE_HEAPS_FLUSHED]++;
                    pending_[STAT_INCOMPLETE_HEAPS_DROPPED]++;
                    slot.heap.reset();
                }
            by_cnt_.clear();
            publish_locked();
        }
    }
    stop_readers();
}

} // namespace spead::recv
