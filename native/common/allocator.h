// Memory for heap payloads. An Allocation owns its bytes and knows how to give
// them back (to the system, or to the pool they came from), so a payload handed
// to JS returns to the right place whenever it is released.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace spead {

class Allocator;

// Owning handle to allocated bytes.
class Allocation
{
public:
    using Release = void (*)(void *context, std::uint8_t *data, std::size_t size);

    Allocation() = default;
    Allocation(std::uint8_t *data, std::size_t size, std::shared_ptr<void> owner, Release release)
        : data_(data), size_(size), owner_(std::move(owner)), release_(release)
    {
    }
    ~Allocation() { reset(); }
    Allocation(Allocation &&o) noexcept { *this = std::move(o); }
    Allocation &operator=(Allocation &&o) noexcept
    {
        if (this != &o)
        {
            reset();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
            owner_ = std::move(o.owner_);
            release_ = std::exchange(o.release_, nullptr);
        }
        return *this;
    }
    Allocation(const Allocation &) = delete;
    Allocation &operator=(const Allocation &) = delete;

    std::uint8_t *data() const { return data_; }
    std::size_t size() const { return size_; }
    explicit operator bool() const { return data_ != nullptr; }

    void reset()
    {
        if (data_ && release_)
            release_(owner_.get(), data_, size_);
        data_ = nullptr;
        size_ = 0;
        owner_.reset();
        release_ = nullptr;
    }

private:
    std::uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
    std::shared_ptr<void> owner_; // keeps a pool alive while its memory is out
    Release release_ = nullptr;
};

class Allocator : public std::enable_shared_from_this<Allocator>
{
public:
    virtual ~Allocator() = default;
    // Throws std::bad_alloc (or std::system_error) when memory cannot be had.
    virtual Allocation allocate(std::size_t size) = 0;
};

// The default: plain heap memory. Large blocks freed are kept for reuse
// (a few, bounded in bytes): a fresh block of a MiB or more from malloc is
// new pages that fault in one by one as the heap is written, which costs
// about as much as receiving it. Pools (MemoryPool) remain the way to size
// this exactly; this makes a stream without one not pay it on every heap.
class MemoryAllocator : public Allocator
{
public:
    Allocation allocate(std::size_t size) override;

    // The allocator streams use when given none: one per process, so that
    // its kept blocks serve stream after stream.
    static std::shared_ptr<MemoryAllocator> shared_default();

    // Blocks at least this big are kept; at most this many, and this many bytes.
    static constexpr std::size_t KEEP_MIN_SIZE = 64 * 1024;
    static constexpr std::size_t KEEP_MAX_BLOCKS = 16;
    static constexpr std::size_t KEEP_MAX_BYTES = 64 * 1024 * 1024;

private:
    struct Kept;
    std::shared_ptr<Kept> kept_ = make_kept();
    static std::shared_ptr<Kept> make_kept();
};

// Memory straight from mmap: page-aligned, optionally pre-faulted
// (MAP_POPULATE) and backed by huge pages when the system has them.
class MmapAllocator : public Allocator
{
public:
    explicit MmapAllocator(bool prefault = false, bool prefer_huge = false)
        : prefault_(prefault), prefer_huge_(prefer_huge)
    {
    }
    Allocation allocate(std::size_t size) override;

private:
    bool prefault_;
    bool prefer_huge_;
};

} // namespace spead
