#include "common/memory_pool.h"
#include "common/thread_pool.h"

#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace spead {

// Shared by the pool and every buffer it has lent, so memory comes home even
// when the pool object is gone (it is then simply freed).
struct MemoryPool::State
{
    std::mutex mutex;
    std::vector<Allocation> free;
    std::size_t max_free = 0;
    std::size_t lent = 0;
    bool refill_pending = false;
    bool warn_on_empty = true;
    bool closed = false;
    std::function<void(const std::string &)> warn;
    Stats counters;
};

// What a lent buffer carries: the real allocation and the way home.
struct MemoryPool::Lent
{
    std::shared_ptr<State> state;
    Allocation underlying;
};

namespace {

// Touch every page so the kernel maps them now, not while receiving.
void prefault(Allocation &a)
{
    const std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
    for (std::size_t i = 0; i < a.size(); i += page)
        a.data()[i] = 0;
}

} // namespace

MemoryPool::MemoryPool(std::size_t lower, std::size_t upper, std::size_t max_free, std::size_t initial,
                       std::size_t low_water, std::shared_ptr<ThreadPool> refill_pool,
                       std::shared_ptr<Allocator> base)
    : lower_(lower), upper_(upper), max_free_(max_free), initial_(initial), low_water_(low_water),
      base_(base ? std::move(base) : std::make_shared<MemoryAllocator>()), refill_pool_(std::move(refill_pool)),
      state_(std::make_shared<State>())
{
    if (lower > upper)
        throw std::invalid_argument("MemoryPool: lower must not exceed upper");
    if (initial > max_free)
        throw std::invalid_argument("MemoryPool: initial must not exceed maxFree");
    if (low_water > initial)
        throw std::invalid_argument("MemoryPool: lowWater must not exceed initial");
    if (low_water > 0 && !refill_pool_)
        throw std::invalid_argument("MemoryPool: a lowWater mark needs a threadPool for the refill");
    state_->max_free = max_free;
    state_->free.reserve(max_free);
    for (std::size_t i = 0; i < initial; i++)
        state_->free.push_back(make_buffer());
}

MemoryPool::~MemoryPool()
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->closed = true; // buffers still out are freed when they return
    state_->free.clear();
}

Allocation MemoryPool::make_buffer()
{
    Allocation a = base_->allocate(upper_);
    prefault(a);
    return a;
}

void MemoryPool::give_back(void *context, std::uint8_t *, std::size_t)
{
    auto *lent = static_cast<Lent *>(context);
    State &state = *lent->state;
    std::lock_guard<std::mutex> lock(state.mutex);
    state.lent--;
    if (!state.closed && state.free.size() < state.max_free)
        state.free.push_back(std::move(lent->underlying));
    // otherwise the underlying allocation is freed with the Lent record
}

void MemoryPool::set_warning_handler(std::function<void(const std::string &)> handler)
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->warn = std::move(handler);
}

void MemoryPool::set_warn_on_empty(bool warn)
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->warn_on_empty = warn;
}

MemoryPool::Stats MemoryPool::stats() const
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    Stats s = state_->counters;
    s.free = state_->free.size();
    s.lent = state_->lent;
    return s;
}

void MemoryPool::maybe_refill(std::unique_lock<std::mutex> &lock)
{
    if (low_water_ == 0 || state_->free.size() >= low_water_ || state_->refill_pending)
        return;
    state_->refill_pending = true;
    lock.unlock();
    std::weak_ptr<State> weak = state_;
    std::shared_ptr<Allocator> base = base_;
    const std::size_t target = initial_, upper = upper_;
    refill_pool_->post([weak, base, target, upper] {
        for (;;)
        {
            auto state = weak.lock();
            if (!state)
                return;
            {
                std::lock_guard<std::mutex> guard(state->mutex);
                if (state->closed || state->free.size() >= target)
                {
                    state->refill_pending = false;
                    state->counters.refills++;
                    return;
                }
            }
            // Allocate and fault the buffer outside the lock.
            Allocation a = base->allocate(upper);
            prefault(a);
            std::lock_guard<std::mutex> guard(state->mutex);
            if (state->free.size() < state->max_free)
                state->free.push_back(std::move(a));
        }
    });
    lock.lock();
}

Allocation MemoryPool::allocate(std::size_t size)
{
    if (size < lower_ || size > upper_)
    {
        {
            std::lock_guard<std::mutex> lock(state_->mutex);
            state_->counters.direct++;
        }
        return base_->allocate(size);
    }
    Allocation underlying;
    std::function<void(const std::string &)> warn;
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        if (!state_->free.empty())
        {
            underlying = std::move(state_->free.back());
            state_->free.pop_back();
            state_->counters.from_pool++;
        }
        else
        {
            state_->counters.grown++;
            if (state_->warn_on_empty)
                warn = state_->warn;
        }
        state_->lent++;
        maybe_refill(lock);
    }
    if (warn)
        warn("memory pool is empty when allocating " + std::to_string(size) + " bytes");
    if (!underlying)
    {
        try
        {
            underlying = base_->allocate(upper_);
        }
        catch (...)
        {
            std::lock_guard<std::mutex> lock(state_->mutex);
            state_->lent--;
            throw;
        }
    }
    std::uint8_t *data = underlying.data();
    auto lent = std::make_shared<Lent>(Lent{state_, std::move(underlying)});
    return Allocation(data, upper_, std::move(lent), &MemoryPool::give_back);
}

} // namespace spead
