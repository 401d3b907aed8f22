/**
 * A heap to send: an ordered list of item pointers with their bytes, as
 * spead2's `send.Heap`. Values are held by reference (no copy): changing an
 * array after adding it changes what is sent, exactly as in spead2.
 */
import { DESCRIPTOR_ID, STREAM_CTRL_ID, CTRL_STREAM_START, CTRL_STREAM_STOP } from '../constants';
import { Flavour } from '../flavour';
import { native, NativeSendHeap } from '../native';

/** One entry of a send heap. */
export interface HeapEntry {
  /** Item ID (must fit the flavour's item-ID bits). */
  readonly id: number;
  /** The value's bytes in wire order. Held by reference. */
  readonly data: Uint8Array;
  /**
   * May the value travel in the item pointer? It does when this is true and
   * `data.length` ≤ N/8 (right-aligned, as spead2).
   */
  readonly allowImmediate: boolean;
  /**
   * When more than 1, `data` holds lanes of this many bytes in the host's
   * byte order, and the wire wants the other: each is byte-swapped as the
   * packets are built (the copy into the packet does it), so a `>u4` array
   * goes out without a converted copy. Default 1: `data` is wire order.
   */
  readonly swapWidth?: number;
}

/** What `ItemSource.toWire` gives: bytes, and the lane width to swap them by on the way out. */
export interface WireBytes {
  /** The bytes (by reference). */
  readonly data: Uint8Array;
  /** 1 when `data` is wire order; else lanes of this width are swapped as packets are built. */
  readonly swapWidth: number;
}

/** Anything that can give its wire bytes: an `Item` (see ItemGroup). */
export interface ItemSource {
  /** The item ID. */
  readonly id: number;
  /** The value's bytes in wire order. */
  toBuffer(): Uint8Array;
  /** Whether the item may be sent as an immediate (fixed size, byte aligned). */
  allowImmediate(): boolean;
  /** Optional: the value's bytes as they are held, with the byte swap the wire needs (no copy). */
  toWire?(): WireBytes;
}

/** Anything that can encode itself as a raw descriptor: a `Descriptor`. */
export interface DescriptorSource {
  /** The descriptor as an embedded SPEAD packet, in the given flavour. */
  toRaw(flavour: Flavour): Uint8Array;
}

/**
 * A heap to send.
 *
 * @example
 * const heap = new send.Heap();
 * heap.addDescriptor(item.descriptor);
 * heap.addItem(item);
 * await stream.sendHeap(heap);
 */
export class Heap {
  /** The flavour the heap is encoded with. */
  readonly flavour: Flavour;
  /** Put every item pointer in every packet (spead2's `repeat_pointers`). */
  repeatPointers = false;
  private readonly entries: HeapEntry[] = [];
  private swapped = false;
  /** Bumped on every change; lets encoders cache their native form. */
  private version = 0;

  constructor(flavour: Flavour = new Flavour()) {
    this.flavour = flavour;
  }

  /** Adds an item's current value, by reference. */
  addItem(item: ItemSource): void {
    if (item.toWire !== undefined) {
      const { data, swapWidth } = item.toWire();
      this.addRaw(item.id, data, item.allowImmediate(), swapWidth);
    } else this.addRaw(item.id, item.toBuffer(), item.allowImmediate());
  }

  /** Adds a descriptor (item 5). */
  addDescriptor(descriptor: DescriptorSource): void {
    this.addRaw(DESCRIPTOR_ID, descriptor.toRaw(this.flavour), false);
  }

  /** Adds a start-of-stream control item. */
  addStart(): void {
    this.addRaw(STREAM_CTRL_ID, immediateBytes(CTRL_STREAM_START, this.flavour), true);
  }

  /** Adds an end-of-stream control item: receivers stop when they see it. */
  addEnd(): void {
    this.addRaw(STREAM_CTRL_ID, immediateBytes(CTRL_STREAM_STOP, this.flavour), true);
  }

  /**
   * Adds an item pointer with the given bytes (the low-level form of
   * `addItem`). With `swapWidth` 2, 4, 8 or 16 the bytes are sent with each
   * lane of that width byte-swapped: host-order numbers for a big-endian
   * dtype, converted as packets are built.
   */
  addRaw(id: number, data: Uint8Array, allowImmediate: boolean, swapWidth = 1): void {
    if (!Number.isSafeInteger(id) || id <= 0 || id > this.flavour.maxItemId) {
      throw new RangeError(`Heap: item ID ${id} is out of range for ${this.flavour} (1 to ${this.flavour.maxItemId})`);
    }
    if (![1, 2, 4, 8, 16].includes(swapWidth) || data.byteLength % swapWidth !== 0) {
      throw new RangeError(`Heap: swapWidth ${swapWidth} must be 1, 2, 4, 8 or 16 and divide the item's ${data.byteLength} bytes`);
    }
    this.entries.push(swapWidth === 1 ? { id, data, allowImmediate } : { id, data, allowImmediate, swapWidth });
    this.swapped ||= swapWidth !== 1;
    this.version++;
  }

  /** The entries in the order they were added. */
  getEntries(): readonly HeapEntry[] {
    return this.entries;
  }

  /** A counter that changes whenever the entry list does. */
  get changeCount(): number {
    return this.version;
  }

  private nativeForm: NativeSendHeap | undefined;
  private nativeVersion = -1;
  private nativeRepeat = false;

  /** @internal The heap's native form, built once and rebuilt only after a change. */
  toNative(): NativeSendHeap {
    if (this.nativeForm === undefined || this.nativeVersion !== this.version || this.nativeRepeat !== this.repeatPointers) {
      this.nativeForm = new native.SendHeap(
        this.flavour.heapAddressBits,
        this.repeatPointers,
        this.entries.map((e) => e.id),
        this.entries.map((e) => e.data),
        this.entries.map((e) => e.allowImmediate),
        this.swapped ? this.entries.map((e) => e.swapWidth ?? 1) : undefined,
      );
      this.nativeVersion = this.version;
      this.nativeRepeat = this.repeatPointers;
    }
    return this.nativeForm;
  }
}

function immediateBytes(value: number, flavour: Flavour): Uint8Array {
  const out = new Uint8Array(flavour.addressBytes);
  let v = value;
  for (let i = out.length - 1; i >= 0 && v > 0; i--) {
    out[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}
