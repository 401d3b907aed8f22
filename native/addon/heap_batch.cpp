// A batch of received heaps as JS sees it. Per batch, not per heap: the
// figures JS needs at once are written into a Float64Array that JS owns and
// reuses, and one handle owns the heaps. Items and payloads cross only when JS
// asks for them, so a loop that only releases heaps creates no JS object here
// but that handle.
#include "addon/heap_batch.h"

#include <cstring>
#include <memory>

namespace spead::addon {

namespace {

// The layout of the figures array: a header, then `STRIDE` numbers per heap.
// JS reads the indices from heapBatchLayout: this enum is the only copy.
enum Header : std::uint32_t
{
    COUNT, // heaps in the batch
    ENDED, // popBatch: the stream has ended (nothing will follow)
    HEADER
};
enum Field : std::uint32_t
{
    CNT,
    ADDRESS_BITS,
    FLAGS,
    HEAP_LENGTH,
    RECEIVED_LENGTH,
    PAYLOAD_LENGTH, // 0 when the heap has no payload to show
    ITEM_START,     // the heap's first item in the batch's item table
    ITEM_COUNT,
    RANGE_START, // the heap's first number in the batch's payload ranges
    RANGE_COUNT, // numbers, not pairs
    STRIDE
};
constexpr const char *header_names[HEADER] = {"count", "ended"};
constexpr const char *field_names[STRIDE] = {
    "cnt",           "addressBits", "flags",     "heapLength", "receivedLength",
    "payloadLength", "itemStart",   "itemCount", "rangeStart", "rangeCount",
};

// Tells V8 about memory held outside its heap. Never throws: it also runs in
// finalizers, where the environment may be shutting down.
void adjust_external_memory(napi_env env, std::int64_t delta)
{
    std::int64_t ignored;
    napi_adjust_external_memory(env, delta, &ignored);
}

// The heaps of one batch. Heap i's payload is freed by release(i) (after its
// view, if any, is detached), or once nothing in JS can reach it: the batch
// handle is gone and so is every view of it. All calls run on the JS thread.
class HeapBatch
{
public:
    explicit HeapBatch(std::vector<recv::FrozenHeap> &heaps)
    {
        slots_.reserve(heaps.size());
        for (recv::FrozenHeap &h : heaps)
            slots_.emplace_back(std::move(h));
    }

    HeapBatch(const HeapBatch &) = delete;
    HeapBatch &operator=(const HeapBatch &) = delete;

    std::size_t size() const { return slots_.size(); }
    const recv::FrozenHeap &heap(std::size_t i) const { return slots_[i].heap; }

    // Bytes held outside V8's heap, for AdjustExternalMemory.
    std::int64_t accounted() const
    {
        std::int64_t n = 0;
        for (const Slot &s : slots_)
            n += std::int64_t(s.heap.payload.size());
        return n;
    }

    // A Buffer over heap i's payload: the live one if JS still holds it, else a new one.
    static Napi::Value view(Napi::Env env, const std::shared_ptr<HeapBatch> &self, std::size_t i)
    {
        Slot &s = self->slot(env, i);
        if (!s.heap.payload || s.heap.payload_length <= 0)
            throw Napi::Error::New(env, "the payload has been released");
        if (s.view != nullptr)
        {
            napi_value live = nullptr;
            if (napi_get_reference_value(env, s.view, &live) == napi_ok && live != nullptr)
                return Napi::Value(env, live);
            napi_delete_reference(env, s.view);
            s.view = nullptr;
        }
        auto hint = std::make_unique<ViewHint>(ViewHint{self, i});
        // Counted first: where external buffers are not allowed, NewOrCopy copies
        // and runs the finalizer before it returns.
        s.views++;
        Napi::Buffer<std::uint8_t> buf;
        try
        {
            buf = Napi::Buffer<std::uint8_t>::NewOrCopy(
                env, s.heap.payload.data(), std::size_t(s.heap.payload_length),
                [](Napi::Env fenv, std::uint8_t *, ViewHint *h) {
                    std::unique_ptr<ViewHint> owned(h);
                    owned->batch->view_finalized(fenv, owned->index);
                },
                hint.get());
        }
        catch (...)
        {
            s.views--;
            throw;
        }
        hint.release(); // the Buffer's finalizer owns it now
        // The weak reference is what lets release() detach this view: no view
        // is handed out without one.
        if (napi_create_reference(env, buf, 0, &s.view) != napi_ok)
        {
            s.view = nullptr;
            throw Napi::Error::New(env, "cannot reference a payload view");
        }
        return buf;
    }

    // [items, immediates, ranges] of the whole batch, copied (they are small):
    // 4 numbers per item, immediate offsets rebased onto the one immediates
    // buffer; each heap's share is given by its figures.
    //
    // It also copies the payloads of small heaps that JS has no view of yet
    // into one slab Buffer (a memcpy of a few KiB is cheaper than wrapping
    // native memory in an external Buffer per heap), and gives their native
    // memory back to its allocator or pool at once: slab offsets, one per
    // heap (-1: the payload stays native), come fourth and the slab fifth.
    // Called once per batch (JS caches the result).
    Napi::Value items(Napi::Env env)
    {
        std::size_t n_items = 0, n_immediates = 0, n_ranges = 0, n_slab = 0;
        for (const Slot &s : slots_)
        {
            n_items += s.heap.items.size();
            n_immediates += s.heap.immediates.size();
            n_ranges += s.heap.payload_ranges.size();
            if (copies_to_slab(s))
                n_slab += slab_room(s.heap.payload_length);
        }
        Napi::Float64Array offsets = Napi::Float64Array::New(env, slots_.size());
        Napi::Buffer<std::uint8_t> slab = Napi::Buffer<std::uint8_t>::New(env, n_slab);
        std::size_t slab_at = 0;
        for (std::size_t i = 0; i < slots_.size(); i++)
        {
            Slot &s = slots_[i];
            if (!copies_to_slab(s))
            {
                offsets[i] = -1;
                continue;
            }
            std::memcpy(slab.Data() + slab_at, s.heap.payload.data(), std::size_t(s.heap.payload_length));
            offsets[i] = double(slab_at);
            slab_at += slab_room(s.heap.payload_length);
            free_payload(env, s);
        }
        Napi::Float64Array items = Napi::Float64Array::New(env, n_items * 4);
        Napi::Buffer<std::uint8_t> immediates = Napi::Buffer<std::uint8_t>::New(env, n_immediates);
        Napi::Float64Array ranges = Napi::Float64Array::New(env, n_ranges);
        double *it = items.Data();
        std::uint8_t *imm = immediates.Data();
        double *rg = ranges.Data();
        std::size_t imm_at = 0;
        for (const Slot &s : slots_)
        {
            const recv::FrozenHeap &h = s.heap;
            for (const recv::FrozenHeap::Item &item : h.items)
            {
                *it++ = item.id;
                *it++ = item.immediate;
                *it++ = item.immediate != 0 ? item.offset + double(imm_at) : item.offset;
                *it++ = item.length;
            }
            if (!h.immediates.empty())
                std::memcpy(imm + imm_at, h.immediates.data(), h.immediates.size());
            imm_at += h.immediates.size();
            if (!h.payload_ranges.empty())
                std::memcpy(rg, h.payload_ranges.data(), h.payload_ranges.size() * sizeof(double));
            rg += h.payload_ranges.size();
        }
        Napi::Array out = Napi::Array::New(env, 5);
        out.Set(0u, items);
        out.Set(1u, immediates);
        out.Set(2u, ranges);
        out.Set(3u, offsets);
        out.Set(4u, slab);
        return out;
    }

    // Detaches the live view (every view of the payload becomes empty, so
    // nothing can read freed memory) and frees the payload now. Idempotent.
    void release(Napi::Env env, std::size_t i)
    {
        Slot &s = slot(env, i);
        if (s.view != nullptr)
        {
            napi_value live = nullptr;
            if (napi_get_reference_value(env, s.view, &live) == napi_ok && live != nullptr)
                Napi::Buffer<std::uint8_t>(env, live).ArrayBuffer().Detach();
            napi_delete_reference(env, s.view);
            s.view = nullptr;
        }
        free_payload(env, s);
    }

    // The batch handle was collected: what no view can reach goes now.
    void handle_finalized(napi_env env)
    {
        handle_alive_ = false;
        for (Slot &s : slots_)
            if (s.views == 0)
                free_payload(env, s);
    }

private:
    struct Slot
    {
        explicit Slot(recv::FrozenHeap &&h) : heap(std::move(h)) {}
        recv::FrozenHeap heap;
        std::size_t views = 0;   // Buffers made and not yet finalized
        napi_ref view = nullptr; // weak: the newest of them
    };
    struct ViewHint
    {
        std::shared_ptr<HeapBatch> batch;
        std::size_t index;
    };

    // Payloads up to this size are copied into a batch's slab by contents().
    static constexpr std::int64_t SLAB_MAX_PAYLOAD = 64 * 1024;

    // Each payload starts 16-byte aligned in the slab, so that TypedArrays of
    // any element type can view values in it as they can in native memory.
    static std::size_t slab_room(std::int64_t length) { return (std::size_t(length) + 15) & ~std::size_t(15); }

    static bool copies_to_slab(const Slot &s)
    {
        return s.heap.payload && s.heap.payload_length > 0 && s.heap.payload_length <= SLAB_MAX_PAYLOAD &&
               s.views == 0 && s.view == nullptr;
    }

    Slot &slot(Napi::Env env, std::size_t i)
    {
        if (i >= slots_.size())
            throw Napi::RangeError::New(env, "heap index out of range");
        return slots_[i];
    }

    void view_finalized(napi_env env, std::size_t i)
    {
        Slot &s = slots_[i];
        if (--s.views > 0)
            return;
        if (s.view != nullptr)
        {
            napi_delete_reference(env, s.view);
            s.view = nullptr;
        }
        if (!handle_alive_)
            free_payload(env, s);
    }

    static void free_payload(napi_env env, Slot &s)
    {
        if (!s.heap.payload)
            return;
        const std::int64_t accounted = std::int64_t(s.heap.payload.size());
        s.heap.payload.reset(); // back to its allocator or pool now
        adjust_external_memory(env, -accounted);
    }

    std::vector<Slot> slots_;
    bool handle_alive_ = true;
};

// What the JS batch handle (an External) owns.
struct BatchHandle
{
    std::shared_ptr<HeapBatch> batch;
};

std::shared_ptr<HeapBatch> &unwrap(Napi::Env env, const Napi::Value &v)
{
    if (!v.IsExternal())
        throw Napi::TypeError::New(env, "expected a heap batch handle");
    return v.As<Napi::External<BatchHandle>>().Data()->batch;
}

std::size_t index_arg(const Napi::CallbackInfo &info)
{
    if (info.Length() < 2 || !info[1].IsNumber())
        throw Napi::TypeError::New(info.Env(), "expected (batch, index)");
    const double d = info[1].As<Napi::Number>().DoubleValue();
    if (!(d >= 0))
        throw Napi::RangeError::New(info.Env(), "heap index out of range");
    return std::size_t(d);
}

// heapPayload(batch, i) → Buffer
Napi::Value heap_payload(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    return HeapBatch::view(env, unwrap(env, info[0]), index_arg(info));
}

// heapItems(batch) → [items, immediates, ranges] of every heap of the batch
Napi::Value heap_items(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    return unwrap(env, info[0])->items(env);
}

// releasePayload(batch, i)
Napi::Value release_payload(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    unwrap(env, info[0])->release(env, index_arg(info));
    return env.Undefined();
}

} // namespace

std::size_t heap_figures_size(std::size_t heaps)
{
    return HEADER + heaps * STRIDE;
}

std::size_t heap_figures_room(std::size_t length)
{
    return length < HEADER ? 0 : (length - HEADER) / STRIDE;
}

Napi::Value heap_batch_to_js(Napi::Env env, std::vector<recv::FrozenHeap> &heaps, double *figures)
{
    const std::size_t n = heaps.size();
    figures[COUNT] = double(n);
    double *f = figures + HEADER;
    std::size_t item_at = 0, range_at = 0;
    for (std::size_t i = 0; i < n; i++, f += STRIDE)
    {
        const recv::FrozenHeap &h = heaps[i];
        f[ITEM_START] = double(item_at);
        f[ITEM_COUNT] = double(h.items.size());
        f[RANGE_START] = double(range_at);
        f[RANGE_COUNT] = double(h.payload_ranges.size());
        item_at += h.items.size();
        range_at += h.payload_ranges.size();
        f[CNT] = double(h.cnt);
        f[ADDRESS_BITS] = h.address_bits;
        f[FLAGS] = h.flags;
        f[HEAP_LENGTH] = double(h.heap_length);
        f[RECEIVED_LENGTH] = double(h.received_length);
        f[PAYLOAD_LENGTH] = h.payload && h.payload_length > 0 ? double(h.payload_length) : 0.0;
    }
    if (n == 0)
        return env.Undefined();
    auto handle = std::make_unique<BatchHandle>(BatchHandle{std::make_shared<HeapBatch>(heaps)});
    const std::int64_t accounted = handle->batch->accounted();
    Napi::External<BatchHandle> ext = Napi::External<BatchHandle>::New(env, handle.get(), [](Napi::Env fenv, BatchHandle *h) {
        std::unique_ptr<BatchHandle> owned(h);
        owned->batch->handle_finalized(fenv);
    });
    handle.release(); // the External's finalizer owns it now
    adjust_external_memory(env, accounted);
    return ext;
}

void set_batch_ended(double *figures, bool ended)
{
    figures[ENDED] = ended ? 1.0 : 0.0;
}

void init_heap_batch(Napi::Env env, Napi::Object exports)
{
    exports.Set("heapPayload", Napi::Function::New(env, heap_payload, "heapPayload"));
    exports.Set("heapItems", Napi::Function::New(env, heap_items, "heapItems"));
    exports.Set("releasePayload", Napi::Function::New(env, release_payload, "releasePayload"));
    Napi::Object layout = Napi::Object::New(env);
    layout.Set("header", Napi::Number::New(env, HEADER));
    for (std::uint32_t f = 0; f < HEADER; f++)
        layout.Set(header_names[f], Napi::Number::New(env, f));
    layout.Set("stride", Napi::Number::New(env, STRIDE));
    for (std::uint32_t f = 0; f < STRIDE; f++)
        layout.Set(field_names[f], Napi::Number::New(env, f));
    exports.Set("heapBatchLayout", layout);
    Napi::Object flags = Napi::Object::New(env);
    flags.Set("complete", Napi::Number::New(env, recv::FrozenHeap::COMPLETE));
    flags.Set("startOfStream", Napi::Number::New(env, recv::FrozenHeap::START_OF_STREAM));
    flags.Set("endOfStream", Napi::Number::New(env, recv::FrozenHeap::END_OF_STREAM));
    flags.Set("contiguous", Napi::Number::New(env, recv::FrozenHeap::CONTIGUOUS));
    exports.Set("heapFlags", flags);
}

} // namespace spead::addon
