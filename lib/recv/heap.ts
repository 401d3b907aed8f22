/**
 * Received heaps. A heap's payload is one native allocation seen as a Buffer
 * (no copy); item values are views into it. `release()` gives the memory back
 * to its allocator or pool at once; after that the heap is unusable.
 */
import { DESCRIPTOR_ID } from '../constants';
import { decodeRawDescriptors } from '../descriptor-codec';
import { Flavour } from '../flavour';
import { native, NativeHeapBatch } from '../native';
import type { HeapLike, RawDescriptor, RawItem } from '../raw';

// Where the figures sit in a figures array, and what the flags mean: read
// from the addon, which owns both.
const L = native.heapBatchLayout;
/** @internal Numbers before the first heap's figures. */
export const FIGURES_HEADER = L.header;
/** @internal Numbers per heap. */
export const FIGURES_STRIDE = L.stride;
/** @internal Index of the heap count. */
export const FIGURES_COUNT = L.count;
/** @internal Index of the ended flag (popBatch). */
export const FIGURES_ENDED = L.ended;
const F_CNT = L.cnt;
const F_ADDRESS_BITS = L.addressBits;
const F_FLAGS = L.flags;
const F_HEAP_LENGTH = L.heapLength;
const F_RECEIVED_LENGTH = L.receivedLength;
const F_PAYLOAD_LENGTH = L.payloadLength;
const F_ITEM_START = L.itemStart;
const F_ITEM_COUNT = L.itemCount;
const F_RANGE_START = L.rangeStart;
const F_RANGE_COUNT = L.rangeCount;
const FLAG_COMPLETE = native.heapFlags.complete;
const FLAG_START = native.heapFlags.startOfStream;
const FLAG_END = native.heapFlags.endOfStream;
/** Native flag: contiguous, so delivered as a Heap. */
export const FLAG_CONTIGUOUS = native.heapFlags.contiguous;

function immediateValue(bytes: Uint8Array): number | bigint {
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  if (Number.isSafeInteger(v)) return v;
  let big = 0n;
  for (const b of bytes) big = (big << 8n) | BigInt(b);
  return big;
}

/**
 * What the heaps of one native batch share: its handle, and the batch's item
 * table, immediates and payload ranges, fetched once when a heap first needs
 * them.
 */
class HeapBatch {
  private table: [Float64Array, Buffer, Float64Array, Float64Array, Buffer] | undefined = undefined;

  constructor(readonly handle: NativeHeapBatch) {}

  /**
   * The batch's item table, immediates and payload ranges; fetching them
   * also copies the payloads of heaps up to 64 KiB into one slab of JS
   * memory (their native memory goes back at once).
   */
  items(): [Float64Array, Buffer, Float64Array, Float64Array, Buffer] {
    if (this.table === undefined) this.table = native.heapItems(this.handle);
    return this.table;
  }

  /** Heap i's payload when it was copied into the batch's slab, else undefined. */
  slabPayload(i: number, length: number): Buffer | undefined {
    if (this.table === undefined) return undefined;
    const offset = this.table[3][i];
    return offset < 0 ? undefined : this.table[4].subarray(offset, offset + length);
  }
}

/**
 * What Heap and IncompleteHeap share. A heap is one entry of its native
 * batch (the heaps that left the ring together): its items and its payload
 * Buffer are fetched from the addon only when first asked for.
 */
abstract class HeapBase {
  /** The heap counter. */
  readonly cnt: number;
  /** SPEAD-64-N of the heap's packets, with the receiver's bug-compat flags. */
  readonly flavour: Flavour;
  /** @internal */
  protected readonly batch: HeapBatch;
  private readonly index: number;
  private readonly flags: number;
  private readonly payloadLength: number;
  private readonly itemStart: number;
  private readonly itemCount: number;
  private view: Buffer | undefined = undefined;
  private released = false;
  /** Holders (an ItemGroup's values) that keep the payload memory past release(). */
  private retainers = 0;
  /** The payload memory has gone back to its allocator. */
  private freed = false;
  /** [start, end, lane width] of payload regions swapped in place by swapInPlace. */
  private swapped: Array<[number, number, number]> | null = null;

  /** @internal `figures[base...]` are the heap's figures. */
  constructor(batch: HeapBatch, index: number, figures: Float64Array, base: number, flavour: Flavour) {
    this.batch = batch;
    this.index = index;
    this.cnt = figures[base + F_CNT];
    this.flags = figures[base + F_FLAGS];
    this.payloadLength = figures[base + F_PAYLOAD_LENGTH];
    this.itemStart = figures[base + F_ITEM_START];
    this.itemCount = figures[base + F_ITEM_COUNT];
    this.flavour = flavour;
  }

  /** @internal */
  protected checkLive(): void {
    if (this.released) throw new Error(`heap ${this.cnt} has been released; its memory is no longer available`);
  }

  /**
   * The heap's payload bytes: a view of native memory, emptied by release();
   * a heap of up to 64 KiB whose items were read holds a copy in JS memory
   * instead. Values an ItemGroup read in the other byte order have been
   * swapped in place here; `getItems()` always gives wire order.
   */
  get payload(): Buffer {
    this.checkLive();
    return this.payloadView();
  }

  /** Made on first use: a loop that only releases heaps never pays for it. */
  private payloadView(): Buffer {
    if (this.view === undefined) {
      this.view =
        this.payloadLength <= 0
          ? Buffer.alloc(0)
          : (this.batch.slabPayload(this.index, this.payloadLength) ?? native.heapPayload(this.batch.handle, this.index));
    }
    return this.view;
  }

  /** @internal Items including descriptors. */
  protected rawItems(includeAddressed: boolean): RawItem[] {
    this.checkLive();
    const [t, immediates] = this.batch.items();
    const out: RawItem[] = [];
    for (let i = this.itemStart * 4, end = i + this.itemCount * 4; i < end; i += 4) {
      const immediate = t[i + 1] === 1;
      if (!immediate && !includeAddressed) continue;
      const source = immediate ? immediates : this.payloadView();
      let value = source.subarray(t[i + 2], t[i + 2] + t[i + 3]);
      if (!immediate && this.swapped !== null) value = this.wireOrder(value, t[i + 2]);
      out.push({ id: t[i], isImmediate: immediate, immediateValue: immediate ? immediateValue(value) : 0, value });
    }
    return out;
  }

  /**
   * @internal Byte-swaps every `width`-byte lane of `bytes` in place, for an
   * item value in the other byte order that an ItemGroup reads: the heap's
   * own memory is converted once instead of copied. The region is
   * remembered, so raw items (`getItems()`, and so HeapEncoder) still read
   * wire order. Bytes outside this heap's payload (a copy) are just swapped.
   */
  swapInPlace(bytes: Uint8Array, width: number): void {
    const payload = this.payloadView();
    native.swapCopy(bytes, bytes, width);
    if (bytes.buffer !== payload.buffer) return;
    const start = bytes.byteOffset - payload.byteOffset;
    (this.swapped ??= []).push([start, start + bytes.byteLength, width]);
  }

  /** A raw view in wire order: a copy swapped back where swapInPlace converted it. */
  private wireOrder(view: Buffer, start: number): Buffer {
    const end = start + view.length;
    let copy: Buffer | null = null;
    const payload = this.payloadView();
    for (const [rs, re, width] of this.swapped!) {
      const a = Math.max(rs, start);
      const b = Math.min(re, end);
      if (a >= b) continue;
      copy ??= Buffer.from(view);
      // Whole lanes in [a, b) relative to the region; the lanes at its edges byte by byte.
      const first = rs + Math.ceil((a - rs) / width) * width;
      const last = rs + Math.floor((b - rs) / width) * width;
      if (last > first) native.swapCopy(copy.subarray(first - start, last - start), copy.subarray(first - start, last - start), width);
      const wire = (o: number): number => payload[o - ((o - rs) % width) + width - 1 - ((o - rs) % width)];
      for (let o = a; o < Math.min(first, b); o++) copy[o - start] = wire(o);
      for (let o = Math.max(last, a); o < b; o++) copy[o - start] = wire(o);
    }
    return copy ?? view;
  }

  /** @internal */
  protected hasFlag(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /** True if the heap carries STREAM_CTRL = start. */
  isStartOfStream(): boolean {
    return this.hasFlag(FLAG_START);
  }

  /** True if the heap carries STREAM_CTRL = stop. */
  isEndOfStream(): boolean {
    return this.hasFlag(FLAG_END);
  }

  /** True once `release()` has run. */
  get isReleased(): boolean {
    return this.released;
  }

  /**
   * Gives the payload memory back to its allocator (or pool) now rather than
   * at garbage collection. Views of the payload become empty; further use of
   * the heap throws. Idempotent. (An ItemGroup holding views of the payload
   * retains it: the memory then goes back when the group lets go.)
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.retainers === 0) this.freePayload();
  }

  /**
   * @internal Keeps the payload memory (not the heap) alive past `release()`,
   * for an ItemGroup whose item values are views of it. Each call needs one
   * `unretain()`. Throws once the memory has gone back.
   */
  retain(): void {
    if (this.freed) throw new Error(`heap ${this.cnt}: its payload has gone back to its allocator and cannot be retained`);
    this.retainers++;
  }

  /** @internal Undoes one `retain()`; the last one after `release()` frees the payload. */
  unretain(): void {
    if (this.retainers === 0) throw new Error(`heap ${this.cnt}: unretain() without retain()`);
    this.retainers--;
    if (this.retainers === 0 && this.released) this.freePayload();
  }

  /**
   * @internal The payload for a retainer: unlike `payload`, it is still
   * readable after `release()` while the heap is retained.
   */
  get payloadForRetainer(): Buffer {
    if (this.freed) throw new Error(`heap ${this.cnt}: its payload has gone back to its allocator`);
    return this.payloadView();
  }

  private freePayload(): void {
    this.freed = true;
    // The addon detaches the Buffer it made, if any: every view goes empty.
    // A payload in the batch's slab is JS memory: its native memory went back when it was copied.
    if (this.payloadLength > 0 && this.batch.slabPayload(this.index, this.payloadLength) === undefined) {
      native.releasePayload(this.batch.handle, this.index);
    }
    this.view = undefined;
  }

  /** `using heap = ...` releases the heap at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * A complete (or at least contiguous) received heap: spead2's `recv.Heap`.
 * Pass it to `ItemGroup.update(heap)` to get item values.
 */
export class Heap extends HeapBase implements HeapLike {
  /** @internal */
  constructor(batch: HeapBatch, index: number, figures: Float64Array, base: number, flavour: Flavour) {
    super(batch, index, figures, base, flavour);
  }

  /** True when every byte of a sized heap arrived (false for a contiguous heap without HEAP_LENGTH). */
  get isComplete(): boolean {
    return this.hasFlag(FLAG_COMPLETE);
  }

  /**
   * The items in spead2's order, without the packet specials; descriptors
   * (ID 5) are left out unless `includeDescriptors` is true.
   */
  getItems(includeDescriptors = false): RawItem[] {
    const all = this.rawItems(true);
    return includeDescriptors ? all : all.filter((it) => it.id !== DESCRIPTOR_ID);
  }

  /** The descriptors the heap carries. */
  getDescriptors(): RawDescriptor[] {
    return this.rawItems(true)
      .filter((it) => it.id === DESCRIPTOR_ID && !it.isImmediate)
      .flatMap((it) => decodeRawDescriptors(it.value, this.flavour.bugCompat));
  }
}

/**
 * A heap that was evicted or flushed before all its data arrived, delivered
 * only when the ring's `contiguousOnly` is false: spead2's `recv.IncompleteHeap`.
 * Only immediate items are available.
 */
export class IncompleteHeap extends HeapBase {
  /** HEAP_LENGTH, or -1 when the packets carried none. */
  readonly heapLength: number;
  /** Payload bytes that arrived. */
  readonly receivedLength: number;
  private readonly rangeStart: number;
  private readonly rangeCount: number;
  private ranges: ReadonlyArray<readonly [number, number]> | undefined = undefined;

  /** @internal */
  constructor(batch: HeapBatch, index: number, figures: Float64Array, base: number, flavour: Flavour) {
    super(batch, index, figures, base, flavour);
    this.heapLength = figures[base + F_HEAP_LENGTH];
    this.receivedLength = figures[base + F_RECEIVED_LENGTH];
    this.rangeStart = figures[base + F_RANGE_START];
    this.rangeCount = figures[base + F_RANGE_COUNT];
  }

  /** [start, end) byte ranges that arrived (with `incompleteKeepPayloadRanges`). */
  get payloadRanges(): ReadonlyArray<readonly [number, number]> {
    if (this.ranges === undefined) {
      const ranges: Array<[number, number]> = [];
      if (this.rangeCount > 0) {
        const r = this.batch.items()[2];
        for (let i = this.rangeStart, end = i + this.rangeCount; i + 1 < end; i += 2) ranges.push([r[i], r[i + 1]]);
      }
      this.ranges = ranges;
    }
    return this.ranges;
  }

  /** The immediate items that arrived. */
  getItems(): RawItem[] {
    return this.rawItems(false);
  }
}

/** Turns native heap batches into Heap / IncompleteHeap objects, sharing one Flavour per N. */
export class HeapWrapper {
  private readonly flavours = new Map<number, Flavour>();
  private lastBits = -1;
  private lastFlavour: Flavour | undefined = undefined;

  constructor(private readonly bugCompat: number) {}

  private flavour(addressBits: number): Flavour {
    if (addressBits === this.lastBits) return this.lastFlavour!;
    let flavour = this.flavours.get(addressBits);
    if (flavour === undefined) {
      flavour = new Flavour(4, 64, addressBits, this.bugCompat);
      this.flavours.set(addressBits, flavour);
    }
    this.lastBits = addressBits;
    this.lastFlavour = flavour;
    return flavour;
  }

  /** The heaps `figures` describes, in order (none without a batch). */
  wrap(figures: Float64Array, handle: NativeHeapBatch | undefined): Array<Heap | IncompleteHeap> {
    if (handle === undefined) return [];
    const batch = new HeapBatch(handle);
    const count = figures[FIGURES_COUNT];
    const out: Array<Heap | IncompleteHeap> = new Array(count);
    for (let i = 0, base = FIGURES_HEADER; i < count; i++, base += FIGURES_STRIDE) {
      const flavour = this.flavour(figures[base + F_ADDRESS_BITS]);
      out[i] =
        figures[base + F_FLAGS] & FLAG_CONTIGUOUS
          ? new Heap(batch, i, figures, base, flavour)
          : new IncompleteHeap(batch, i, figures, base, flavour);
    }
    return out;
  }
}
