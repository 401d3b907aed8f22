// Byte order and array order of item values, converted at memory speed.
//
// SPEAD items travel in whatever byte order their descriptor names (spead2's
// own tools send '>u4') and in C or Fortran array order; JavaScript's typed
// arrays only come in the host's order and are always read flat in C order.
// These are the bulk conversions between the two, so no value is ever walked
// element by element in JavaScript.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace spead::values {

// Copies `lanes` lanes of `width` bytes (1, 2, 4, 8 or 16), reversing the
// bytes of each lane. `src == dst` swaps in place; any other overlap is not
// allowed. Width 1 is a plain copy.
void swap_copy(const std::uint8_t *src, std::uint8_t *dst, std::size_t lanes, std::size_t width);

// Writes `n` bytes of the wire form of an array whose lanes of `width` bytes
// are held byte-reversed at `base`, starting `offset` bytes into it: what
// swap_copy would give, for a range that may start and end inside a lane (a
// packet's share of an item).
void swap_copy_range(const std::uint8_t *base, std::size_t offset, std::size_t n, std::uint8_t *dst, std::size_t width);

// Reorders a whole array between C order and Fortran order: with
// `to_fortran`, `src` is in C order and `dst` receives Fortran order, and the
// reverse otherwise. `shape` is the array's (C) shape; each element is
// `element_size` bytes. When `swap_width` is more than 1 each element's lanes
// of that many bytes are byte-swapped on the way (element_size must be a
// multiple of it). src and dst must not overlap.
void reorder_copy(const std::uint8_t *src, std::uint8_t *dst, const std::vector<std::size_t> &shape,
                  std::size_t element_size, bool to_fortran, std::size_t swap_width = 1);

// Name of the swap kernel chosen for this CPU ("avx2", "ssse3" or "scalar").
const char *swap_kernel_name();

} // namespace spead::values
