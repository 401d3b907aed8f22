#include "common/element_order.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SPEAD_X86_KERNELS 1
#endif

namespace spead::values {

namespace {

template <typename T, T (*Swap)(T)>
void swap_lanes(const std::uint8_t *src, std::uint8_t *dst, std::size_t lanes)
{
    for (std::size_t i = 0; i < lanes; i++)
    {
        T v;
        std::memcpy(&v, src + i * sizeof(T), sizeof(T));
        v = Swap(v);
        std::memcpy(dst + i * sizeof(T), &v, sizeof(T));
    }
}

std::uint16_t bswap16(std::uint16_t v) { return __builtin_bswap16(v); }
std::uint32_t bswap32(std::uint32_t v) { return __builtin_bswap32(v); }
std::uint64_t bswap64(std::uint64_t v) { return __builtin_bswap64(v); }

void swap_scalar(const std::uint8_t *src, std::uint8_t *dst, std::size_t lanes, std::size_t width)
{
    switch (width)
    {
    case 2: swap_lanes<std::uint16_t, bswap16>(src, dst, lanes); break;
    case 4: swap_lanes<std::uint32_t, bswap32>(src, dst, lanes); break;
    case 8: swap_lanes<std::uint64_t, bswap64>(src, dst, lanes); break;
    case 16:
        for (std::size_t i = 0; i < lanes; i++)
        {
            std::uint64_t lo, hi;
            std::memcpy(&lo, src + 16 * i, 8);
            std::memcpy(&hi, src + 16 * i + 8, 8);
            lo = __builtin_bswap64(lo);
            hi = __builtin_bswap64(hi);
            std::memcpy(dst + 16 * i, &hi, 8);
            std::memcpy(dst + 16 * i + 8, &lo, 8);
        }
        break;
    default: throw std::invalid_argument("byte swap: lane width must be 1, 2, 4, 8 or 16");
    }
}

#ifdef SPEAD_X86_KERNELS
// The shuffle that reverses each lane of `width` bytes within 16 bytes.
alignas(16) std::uint8_t lane_shuffle[5][16];

void build_shuffles()
{
    for (int w = 1, k = 0; w <= 16; w *= 2, k++)
        for (int i = 0; i < 16; i++)
            lane_shuffle[k][i] = std::uint8_t((i / w) * w + (w - 1 - i % w));
}

int shuffle_index(std::size_t width)
{
    switch (width)
    {
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    default: return 4;
    }
}

__attribute__((target("avx2"))) void swap_avx2(const std::uint8_t *src, std::uint8_t *dst, std::size_t lanes,
                                               std::size_t width)
{
    const __m128i half = _mm_load_si128(reinterpret_cast<const __m128i *>(lane_shuffle[shuffle_index(width)]));
    const __m256i mask = _mm256_broadcastsi128_si256(half);
    const std::size_t bytes = lanes * width;
    std::size_t i = 0;
    for (; i + 128 <= bytes; i += 128)
    {
        __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + i));
        __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + i + 32));
        __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + i + 64));
        __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + i + 96));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + i), _mm256_shuffle_epi8(a, mask));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + i + 32), _mm256_shuffle_epi8(b, mask));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + i + 64), _mm256_shuffle_epi8(c, mask));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + i + 96), _mm256_shuffle_epi8(d, mask));
    }
    for (; i + 32 <= bytes; i += 32)
    {
        __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + i));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + i), _mm256_shuffle_epi8(a, mask));
    }
    // Every 32-byte block holds whole lanes (widths divide 32), so the tail does too.
    swap_scalar(src + i, dst + i, (bytes - i) / width, width);
}

__attribute__((target("ssse3"))) void swap_ssse3(const std::uint8_t *src, std::uint8_t *dst, std::size_t lanes,
                                                 std::size_t width)
{
    const __m128i mask = _mm_load_si128(reinterpret_cast<const __m128i *>(lane_shuffle[shuffle_index(width)]));
    const std::size_t bytes = lanes * width;
    std::size_t i = 0;
    for (; i + 16 <= bytes; i += 16)
    {
        __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + i));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + i), _mm_shuffle_epi8(a, mask));
    }
    swap_scalar(src + i, dst + i, (bytes - i) / width, width);
}
#endif

using SwapKernel = void (*)(const std::uint8_t *, std::uint8_t *, std::size_t, std::size_t);

struct KernelChoice
{
    SwapKernel kernel = swap_scalar;
    const char *name = "scalar";

    KernelChoice()
    {
#ifdef SPEAD_X86_KERNELS
        build_shuffles();
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2"))
        {
            kernel = swap_avx2;
            name = "avx2";
        }
        else if (__builtin_cpu_supports("ssse3"))
        {
            kernel = swap_ssse3;
            name = "ssse3";
        }
#endif
    }
};

const KernelChoice &choice()
{
    static const KernelChoice c;
    return c;
}

// Copies a C-order array of shape `dims` into the C-order array of the
// reversed shape, element (i0, …, iN-1) going to (iN-1, …, i0). Both orders
// reduce to this: Fortran order of a shape is C order of its reverse.
// The source is contiguous along its last axis and the destination along the
// first, so the plane of those two axes is copied in tiles that fit in cache.
template <std::size_t Size>
void reverse_axes(const std::uint8_t *src, std::uint8_t *dst, const std::vector<std::size_t> &dims, std::size_t size)
{
    const std::size_t n = dims.size();
    std::vector<std::size_t> s(n), t(n); // source and destination strides, in elements
    std::size_t acc = 1;
    for (std::size_t k = n; k-- > 0;)
    {
        s[k] = acc;
        acc *= dims[k];
    }
    acc = 1;
    for (std::size_t k = 0; k < n; k++)
    {
        t[k] = acc;
        acc *= dims[k];
    }
    const std::size_t es = Size ? Size : size;
    const std::size_t rows = dims[0], cols = dims[n - 1];
    const std::size_t s0 = s[0], tl = t[n - 1];
    // Small tiles keep power-of-two strides from thrashing a few cache sets;
    // narrow elements get wider ones so each run is at least 32 bytes.
    const std::size_t tile = es >= 4 ? 8 : 32 / es;
    std::vector<std::size_t> mid(n, 0); // odometer over axes 1 … n-2
    for (;;)
    {
        std::size_t sb = 0, tb = 0;
        for (std::size_t k = 1; k + 1 < n; k++)
        {
            sb += mid[k] * s[k];
            tb += mid[k] * t[k];
        }
        for (std::size_t r0 = 0; r0 < rows; r0 += tile)
        {
            const std::size_t r1 = std::min(rows, r0 + tile);
            for (std::size_t c0 = 0; c0 < cols; c0 += tile)
            {
                const std::size_t c1 = std::min(cols, c0 + tile);
                for (std::size_t c = c0; c < c1; c++)
                {
                    const std::uint8_t *in = src + (sb + c) * es;
                    std::uint8_t *out = dst + (tb + c * tl) * es;
                    for (std::size_t r = r0; r < r1; r++)
                        std::memcpy(out + r * es, in + r * s0 * es, es);
                }
            }
        }
        std::size_t k = n - 1;
        while (--k >= 1)
        {
            if (++mid[k] < dims[k])
                break;
            mid[k] = 0;
        }
        if (k == 0)
            return;
    }
}

} // namespace

void swap_copy(const std::uint8_t *src, std::uint8_t *dst, std::size_t lanes, std::size_t width)
{
    if (lanes == 0)
        return;
    if (width == 1)
    {
        if (src != dst)
            std::memmove(dst, src, lanes);
        return;
    }
    if (width != 2 && width != 4 && width != 8 && width != 16)
        throw std::invalid_argument("byte swap: lane width must be 1, 2, 4, 8 or 16");
    choice().kernel(src, dst, lanes, width);
}

void swap_copy_range(const std::uint8_t *base, std::size_t offset, std::size_t n, std::uint8_t *dst, std::size_t width)
{
    if (width <= 1)
    {
        std::memcpy(dst, base + offset, n);
        return;
    }
    auto byte_at = [&](std::size_t o) { return base[o - o % width + width - 1 - o % width]; };
    while (n > 0 && offset % width != 0)
    {
        *dst++ = byte_at(offset++);
        n--;
    }
    const std::size_t lanes = n / width;
    swap_copy(base + offset, dst, lanes, width);
    offset += lanes * width;
    dst += lanes * width;
    for (n -= lanes * width; n > 0; n--)
        *dst++ = byte_at(offset++);
}

void reorder_copy(const std::uint8_t *src, std::uint8_t *dst, const std::vector<std::size_t> &shape,
                  std::size_t element_size, bool to_fortran, std::size_t swap_width)
{
    if (element_size == 0)
        throw std::invalid_argument("reorder: element size must be positive");
    if (swap_width > 1 && element_size % swap_width != 0)
        throw std::invalid_argument("reorder: element size must be a multiple of the swap width");
    std::size_t elements = 1;
    for (std::size_t d : shape)
        elements *= d;
    if (elements == 0)
        return;
    // Axes of length 1 do not move anything; with fewer than two left the
    // orders coincide.
    std::vector<std::size_t> dims;
    for (std::size_t d : shape)
        if (d != 1)
            dims.push_back(d);
    if (dims.size() < 2)
        std::memcpy(dst, src, elements * element_size);
    else
    {
        // From Fortran order the source is C order of the reversed shape.
        if (!to_fortran)
            std::reverse(dims.begin(), dims.end());
        switch (element_size)
        {
        case 1: reverse_axes<1>(src, dst, dims, 1); break;
        case 2: reverse_axes<2>(src, dst, dims, 2); break;
        case 4: reverse_axes<4>(src, dst, dims, 4); break;
        case 8: reverse_axes<8>(src, dst, dims, 8); break;
        case 16: reverse_axes<16>(src, dst, dims, 16); break;
        default: reverse_axes<0>(src, dst, dims, element_size); break;
        }
    }
    if (swap_width > 1)
        swap_copy(dst, dst, elements * element_size / swap_width, swap_width);
}

const char *swap_kernel_name()
{
    return choice().name;
}

} // namespace spead::values
