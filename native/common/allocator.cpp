#include "common/allocator.h"
#include "common/system_error.h"

#include <cstdlib>
#include <new>
#include <sys/mman.h>

namespace spead {

namespace {

void free_release(void *, std::uint8_t *data, std::size_t) { std::free(data); }

void munmap_release(void *, std::uint8_t *data, std::size_t size) { ::munmap(data, size); }

} // namespace

Allocation MemoryAllocator::allocate(std::size_t size)
{
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
