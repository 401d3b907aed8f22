/**
 * Received heaps. A heap's payload is one native allocation seen as a Buffer
 * (no copy); item values are views into it. `release()` gives the memory back
 * to its allocator or pool at once; after that the heap is unusable.
 */
import { DESCRIPTOR_ID } from '../constants';
import { decodeRawDescriptors } from '../descriptor-codec';
import { Flavour } from '../flavour';
import { native, NativeHeap } from '../native';
import type { HeapLike, RawDescriptor, RawItem } from '../raw';

const FLAG_COMPLETE = 1;
const FLAG_START = 2;
const FLAG_END = 4;
/** Native flag: contiguous, so delivered as a Heap. */
export const FLAG_CONTIGUOUS = 8;

function immediateValue(bytes: Uint8Array): number | bigint {
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  if (Number.isSafeInteger(v)) return v;
  let big = 0n;
  for (const b of bytes) big = (big << 8n) | BigInt(b);
  return big;
}

/** What Heap and IncompleteHeap share. */
abstract class HeapBase {
  /** The heap counter. */
  readonly cnt: number;
  /** SPEAD-64-N of the heap's packets, with the receiver's bug-compat flags. */
  readonly flavour: Flavour;
  private payloadBuffer: Buffer;
  private readonly immediates: Buffer;
  private readonly itemTable: Float64Array;
  private readonly flags: number;
  private handle: unknown;
  private released = false;
  /** Holders (an ItemGroup's values) that keep the payload memory past release(). */
  private retainers = 0;
  /** The payload memory has gone back to its allocator. */
  private freed = false;

  /** @internal */
  constructor(raw: NativeHeap, flavour: Flavour) {
    this.cnt = raw.cnt;
    this.flavour = flavour;
    this.payloadBuffer = raw.payload;
    this.immediates = raw.immediates;
    this.itemTable = raw.items;
    this.flags = raw.flags;
    this.handle = raw.handle;
  }

  /** @internal */
  protected checkLive(): void {
    if (this.released) throw new Error(`heap ${this.cnt} has been released; its memory is no longer available`);
  }

  /** The heap's payload bytes (a view of native memory; empty once released). */
  get payload(): Buffer {
    this.checkLive();
    return this.payloadBuffer;
  }

  /** @internal Items including descriptors. */
  protected rawItems(includeAddressed: boolean): RawItem[] {
    this.checkLive();
    const t = this.itemTable;
    const out: RawItem[] = [];
    for (let i = 0; i < t.length; i += 4) {
      const immediate = t[i + 1] === 1;
      if (!immediate && !includeAddressed) continue;
      const source = immediate ? this.immediates : this.payloadBuffer;
      const value = source.subarray(t[i + 2], t[i + 2] + t[i + 3]);
      out.push({ id: t[i], isImmediate: immediate, immediateValue: immediate ? immediateValue(value) : 0, value });
    }
    return out;
  }

  /** True if the heap carries STREAM_CTRL = start. */
  isStartOfStream(): boolean {
    return (this.flags & FLAG_START) !== 0;
  }

  /** True if the heap carries STREAM_CTRL = stop. */
  isEndOfStream(): boolean {
    return (this.flags & FLAG_END) !== 0;
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
    return this.payloadBuffer;
  }

  private freePayload(): void {
    this.freed = true;
    if (this.handle !== undefined) native.releasePayload(this.handle, this.payloadBuffer);
    this.handle = undefined;
    this.payloadBuffer = Buffer.alloc(0);
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
  /** True when every byte of a sized heap arrived (false for a contiguous heap without HEAP_LENGTH). */
  readonly isComplete: boolean;

  /** @internal */
  constructor(raw: NativeHeap, flavour: Flavour) {
    super(raw, flavour);
    this.isComplete = (raw.flags & FLAG_COMPLETE) !== 0;
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
  /** [start, end) byte ranges that arrived (with `incompleteKeepPayloadRanges`). */
  readonly payloadRanges: ReadonlyArray<readonly [number, number]>;

  /** @internal */
  constructor(raw: NativeHeap, flavour: Flavour) {
    super(raw, flavour);
    this.heapLength = raw.heapLength;
    this.receivedLength = raw.receivedLength;
    const ranges: Array<[number, number]> = [];
    const r = raw.payloadRanges;
    if (r !== undefined) for (let i = 0; i + 1 < r.length; i += 2) ranges.push([r[i], r[i + 1]]);
    this.payloadRanges = ranges;
  }

  /** The immediate items that arrived. */
  getItems(): RawItem[] {
    return this.rawItems(false);
  }
}

/** Turns native heaps into Heap / IncompleteHeap objects, sharing one Flavour per N. */
export class HeapWrapper {
  private readonly flavours = new Map<number, Flavour>();

  constructor(private readonly bugCompat: number) {}

  wrap(raw: NativeHeap): Heap | IncompleteHeap {
    let flavour = this.flavours.get(raw.heapAddressBits);
    if (flavour === undefined) {
      flavour = new Flavour(4, 64, raw.heapAddressBits, this.bugCompat);
      this.flavours.set(raw.heapAddressBits, flavour);
    }
    return raw.flags & FLAG_CONTIGUOUS ? new Heap(raw, flavour) : new IncompleteHeap(raw, flavour);
  }
}
