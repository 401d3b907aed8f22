// The bounded queue between heap assembly (worker threads) and JS. Producers
// block while it is full (backpressure reaches the reader, then the kernel);
// the consumer never blocks: it takes what is ready, and asks to be called
// back when more arrives.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "recv/live_heap.h"

namespace spead::recv {

class HeapRing
{
public:
    // A waiting consumer is woken once `wake_batch` heaps or WAKE_BYTES of
    // payload wait, when the producer flushes (the end of its batch of
    // packets), blocks, or stops: one wake-up per batch of small heaps rather
    // than per heap, while large payloads go out (and come back) at once.
    explicit HeapRing(std::size_t capacity)
        : capacity_(capacity), wake_batch_(std::max<std::size_t>(1, std::min<std::size_t>(capacity / 4, 32)))
    {
    }
    static constexpr std::size_t WAKE_BYTES = 256 * 1024;

    // Blocks while full, calling on_block first (with the ring locked: it may
    // only take locks that are never held while taking the ring's). Returns
    // false (and drops the heap) once the producer side is stopped.
    bool push(FrozenHeap &&heap, const std::function<void()> &on_block);

    // The producer has no more heaps for now: wakes a waiting consumer if any
    // heap waits.
    void flush();

    // First acknowledges `consumed` heaps handed out earlier (they stop
    // occupying slots), then moves up to `max` heaps into out. Heaps handed out
    // keep their slots until acknowledged, so the ring bounds what waits in it
    // *and* what JS has taken but not yet passed on. `ended`: stopped, nothing left.
    void pop_batch(std::vector<FrozenHeap> &out, std::size_t max, bool &ended, std::size_t consumed);

    // No more heaps will be accepted; waiting producers wake and drop theirs.
    void stop();
    bool stopped() const;

    // The consumer found the ring empty: call `on_ready` (once) when a heap
    // arrives or the ring stops. Returns false if that already happened (the
    // consumer should look again now).
    bool arm(std::function<void()> on_ready);

    // Heaps waiting plus heaps handed out and not yet acknowledged.
    std::size_t size() const;
    std::size_t capacity() const { return capacity_; }

private:
    std::function<void()> take_waiter_locked();

    const std::size_t capacity_;
    const std::size_t wake_batch_;
    mutable std::mutex mutex_;
    std::condition_variable not_full_;
    std::deque<FrozenHeap> heaps_;
    std::size_t waiting_bytes_ = 0; // payload bytes of heaps_
    std::size_t handed_out_ = 0;
    bool stopped_ = false;
    std::function<void()> waiter_;
};

} // namespace spead::recv
