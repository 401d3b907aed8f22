#include "recv/heap_ring.h"

namespace spead::recv {

std::function<void()> HeapRing::take_waiter_locked()
{
    std::function<void()> w;
    w.swap(waiter_);
    return w;
}

bool HeapRing::push(FrozenHeap &&heap, const std::function<void()> &on_block)
{
    std::function<void()> wake;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!stopped_ && heaps_.size() + handed_out_ >= capacity_)
        {
            on_block();
            // The consumer must come for what waits, or nothing frees a slot.
            if (!heaps_.empty())
            {
                std::function<void()> now = take_waiter_locked();
                if (now)
                {
                    lock.unlock();
                    now();
                    lock.lock();
                }
            }
            not_full_.wait(lock, [this] { return stopped_ || heaps_.size() + handed_out_ < capacity_; });
        }
        if (stopped_)
            return false;
        waiting_bytes_ += heap.payload.size();
        heaps_.push_back(std::move(heap));
        if (heaps_.size() >= wake_batch_ || waiting_bytes_ >= WAKE_BYTES)
            wake = take_waiter_locked();
    }
    if (wake)
        wake();
    return true;
}

void HeapRing::flush()
{
    std::function<void()> wake;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!heaps_.empty())
            wake = take_waiter_locked();
    }
    if (wake)
        wake();
}

void HeapRing::pop_batch(std::vector<FrozenHeap> &out, std::size_t max, bool &ended, std::size_t consumed)
{
    std::lock_guard<std::mutex> lock(mutex_);
    consumed = std::min(consumed, handed_out_);
    handed_out_ -= consumed;
    std::size_t n = 0;
    while (n < max && !heaps_.empty())
    {
        waiting_bytes_ -= heaps_.front().payload.size();
        out.push_back(std::move(heaps_.front()));
        heaps_.pop_front();
        n++;
    }
    handed_out_ += n;
    if (n > 0 || consumed > 0)
        not_full_.notify_all();
    ended = stopped_ && heaps_.empty();
}

void HeapRing::stop()
{
    std::function<void()> wake;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopped_)
            return;
        stopped_ = true;
        wake = take_waiter_locked();
    }
    not_full_.notify_all();
    if (wake)
        wake();
}

bool HeapRing::stopped() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return stopped_;
}

bool HeapRing::arm(std::function<void()> on_ready)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (!heaps_.empty() || stopped_)
        return false;
    waiter_ = std::move(on_ready);
    return true;
}

std::size_t HeapRing::size() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return heaps_.size() + handed_out_;
}

} // namespace spead::recv
