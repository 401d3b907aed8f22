#include "common/allocator.h"
#include "common/system_error.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>
#include <sys/mman.h>

namespace spead {

namespace {

void free_release(void *, std::uint8_t *data, std::size_t) { std::free(data); }

void munmap_release(void *, std::uint8_t *data, std::size_t size) { ::munmap(data, size); }

} // namespace

// Freed large blocks waiting to be reused. Shared by the allocator and every
// allocation it made (they may outlive it: JS can hold a payload past its
// stream).
struct MemoryAllocator::Kept
{
    std::mutex mutex;
    std::vector<std::pair<std::uint8_t *, std::size_t>> blocks; // data, capacity
    std::size_t bytes = 0;

    ~Kept()
    {
        for (auto &b : blocks)
            std::free(b.first);
    }

    // A kept block that fits `size` without wasting more than a quarter of it.
    std::uint8_t *take(std::size_t size, std::size_t &capacity)
    {
        std::lock_guard<std::mutex> lock(mutex);
        for (std::size_t i = 0; i < blocks.size(); i++)
        {
            const std::size_t cap = blocks[i].second;
            if (cap >= size && cap - size <= size / 4)
            {
                std::uint8_t *data = blocks[i].first;
                capacity = cap;
                blocks[i] = blocks.back();
                blocks.pop_back();
                bytes -= cap;
                return data;
            }
        }
        return nullptr;
    }

    static void release(void *context, std::uint8_t *data, std::size_t capacity)
    {
        auto *self = static_cast<Kept *>(context);
        {
            std::lock_guard<std::mutex> lock(self->mutex);
            if (self->blocks.size() < KEEP_MAX_BLOCKS && self->bytes + capacity <= KEEP_MAX_BYTES)
            {
                try
                {
                    self->blocks.emplace_back(data, capacity);
                    self->bytes += capacity;
                    return;
                }
                catch (const std::bad_alloc &)
                {
                    // fall through: free it
                }
            }
        }
        std::free(data);
    }
};

std::shared_ptr<MemoryAllocator::Kept> MemoryAllocator::make_kept()
{
    return std::make_shared<Kept>();
}

std::shared_ptr<MemoryAllocator> MemoryAllocator::shared_default()
{
    static const std::shared_ptr<MemoryAllocator> instance = std::make_shared<MemoryAllocator>();
    return instance;
}

Allocation MemoryAllocator::allocate(std::size_t size)
{
    if (size >= KEEP_MIN_SIZE)
    {
        std::size_t capacity = 0;
        if (std::uint8_t *data = kept_->take(size, capacity))
            return Allocation(data, capacity, kept_, Kept::release);
        void *p = std::malloc(size);
        if (!p)
            throw std::bad_alloc();
        return Allocation(static_cast<std::uint8_t *>(p), size, kept_, Kept::release);
    }
    // malloc(0) may return nullptr, which would read as "no allocation".
    void *p = std::malloc(size > 0 ? size : 1);
    if (!p)
        throw std::bad_alloc();
    return Allocation(static_cast<std::uint8_t *>(p), size, nullptr, free_release);
}

Allocation MmapAllocator::allocate(std::size_t size)
{
    const std::size_t length = size > 0 ? size : 1;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (prefault_ ? MAP_POPULATE : 0);
    void *p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        throw_errno("mmap of " + std::to_string(length) + " bytes");
#ifdef MADV_HUGEPAGE
    // Transparent huge pages rather than MAP_HUGETLB: no reserved pool is
    // needed, and it silently falls back to small pages.
    if (prefer_huge_)
        ::madvise(p, length, MADV_HUGEPAGE);
#endif
    return Allocation(static_cast<std::uint8_t *>(p), length, nullptr, munmap_release);
}

} // namespace spead
