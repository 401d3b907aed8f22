// spead2's memory pool: buffers of `upper` bytes recycled for allocations in
// [lower, upper], pre-faulted so that receiving never waits on page faults,
// with an optional background refill when the free list runs low.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/allocator.h"

namespace spead {

class ThreadPool;

class MemoryPool : public Allocator
{
public:
    struct Stats
    {
        std::size_t free = 0;         // buffers waiting in the pool
        std::size_t lent = 0;         // pool buffers currently in use
        std::uint64_t from_pool = 0;  // allocations served from the free list
        std::uint64_t grown = 0;      // allocations that had to make a new buffer (pool empty)
        std::uint64_t direct = 0;     // allocations outside [lower, upper], passed to the base allocator
        std::uint64_t refills = 0;    // background refills run
    };

    // low_water > 0 needs a thread pool for the background refill.
    MemoryPool(std::size_t lower, std::size_t upper, std::size_t max_free, std::size_t initial,
               std::size_t low_water = 0, std::shared_ptr<ThreadPool> refill_pool = nullptr,
               std::shared_ptr<Allocator> base = nullptr);
    ~MemoryPool() override;

    Allocation allocate(std::size_t size) override;

    // Called (from any thread) with "memory pool is empty when allocating N bytes".
    void set_warning_handler(std::function<void(const std::string &)> handler);
    void set_warn_on_empty(bool warn);
    Stats stats() const;

    std::size_t lower() const { return lower_; }
    std::size_t upper() const { return upper_; }

private:
    struct State;
    struct Lent;
    static void give_back(void *context, std::uint8_t *, std::size_t);
    Allocation make_buffer();
    void maybe_refill(std::unique_lock<std::mutex> &lock);

    const std::size_t lower_, upper_, max_free_, initial_, low_water_;
    std::shared_ptr<Allocator> base_;
    std::shared_ptr<ThreadPool> refill_pool_;
    std::shared_ptr<State> state_;
};

} // namespace spead
