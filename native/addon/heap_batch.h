// Received heaps crossing into JS a batch at a time (docs/internals.md,
// "Received heaps crossing into JS"): each heap's figures written into a
// Float64Array, one handle owning the heaps, and items and payloads made into
// JS values only when JS asks for them.
#pragma once

#include <napi.h>

#include <vector>

#include "recv/live_heap.h"

namespace spead::addon {

// Numbers of a figures array that describes `heaps` heaps.
std::size_t heap_figures_size(std::size_t heaps);
// Heaps a figures array of `length` numbers can describe.
std::size_t heap_figures_room(std::size_t length);

// Writes the count and each heap's figures into `figures` (heap_figures_size
// of them), takes the heaps, and returns their batch handle (undefined when
// there are none).
Napi::Value heap_batch_to_js(Napi::Env env, std::vector<recv::FrozenHeap> &heaps, double *figures);

// Sets the figures' `ended` flag.
void set_batch_ended(double *figures, bool ended);

// Exports heapPayload, heapItems, releasePayload, heapBatchLayout and heapFlags.
void init_heap_batch(Napi::Env env, Napi::Object exports);

} // namespace spead::addon
