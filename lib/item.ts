/**
 * An item: a descriptor plus its current value and a version that changes on
 * every assignment (spead2's `Item`).
 */
import { Descriptor, DescriptorInit } from './descriptor';
import { ArrayValue, DType, ScalarValue } from './dtype';
import { FieldValue, packFormat, unpackFormat } from './legacy-format';
import { isFloat16Array } from '@petamoriken/float16';
import { native } from './native';
import type { RawItem } from './raw';
import type { WireBytes } from './send/heap';

/** What an item's value can be. */
export type ItemValue = ScalarValue | ArrayValue | string | FieldValue | Record<string, FieldValue> | Array<FieldValue | Record<string, FieldValue>> | unknown[];

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Reorders a plain array (flattened from the nested arrays a user gave, of
 * records or strings) from C to Fortran order for sending. TypedArrays never come here: they are reordered
 * natively (native.reorderCopy) on both paths.
 */
function toFortranOrder(src: readonly unknown[], shape: readonly number[]): unknown[] {
  const n = src.length;
  const lanes = n / Math.max(1, product(shape)); // complex arrays: 2 lanes per element
  const out = new Array<unknown>(n);
  const dims = shape.length;
  const idx = new Array(dims).fill(0);
  for (let c = 0; c < n / lanes; c++) {
    // idx is the multi-index of C-order element c; f is its Fortran position.
    let f = 0;
    for (let d = dims - 1; d >= 0; d--) f = f * shape[d] + idx[d];
    for (let l = 0; l < lanes; l++) out[f * lanes + l] = src[c * lanes + l];
    for (let d = dims - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** A TypedArray, or the float16 polyfill's array (which is not an ArrayBuffer view). */
type TypedLike = ArrayBufferView & { readonly length: number };

function isTypedLike(v: unknown): v is TypedLike {
  return (ArrayBuffer.isView(v) && !(v instanceof DataView)) || isFloat16Array(v);
}

function flatLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (isTypedLike(value)) return value.length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + (Array.isArray(v) || isTypedLike(v) ? flatLength(v) : 1), 0);
  return 1;
}

/** Options for an Item: a descriptor and an optional first value. */
export interface ItemInit extends DescriptorInit {
  /** The first value (optional). */
  value?: ItemValue;
}

/**
 * The heap an item's value came from, as the ItemGroup hands it over
 * (`recv.Heap` is one): the item holds the heap's memory while its value is
 * a view of it, so a value stays valid after the user's `heap.release()`.
 * @internal
 */
export interface ValueSource {
  /** Keeps the heap's memory from its allocator until the matching unretain(). */
  retain(): void;
  /** Drops one retain(); after release() and the last unretain() the memory goes back. */
  unretain(): void;
  /**
   * Reverses every `width`-byte lane of `bytes` (a view of this heap's
   * payload) in place, remembering it so that raw views still read wire order.
   */
  swapInPlace?(bytes: Uint8Array, width: number): void;
}

/**
 * For a numeric dtype in the other byte order from the host's: the width of
 * the lanes to byte-swap (complex numbers are two lanes). 1 otherwise.
 */
function foreignLane(dt: DType): number {
  if (!'iufcMm'.includes(dt.kind) || dt.byteOrder === '|' || dt.byteOrder === HOST_ORDER) return 1;
  return dt.kind === 'c' ? dt.itemsize / 2 : dt.itemsize;
}

/** Values smaller than this are copied out of the heap rather than viewed. */
const VIEW_MIN_BYTES = 4096;

const HOST_ORDER: '<' | '>' = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? '<' : '>';

/** A received array value, decoded on first read. */
interface PendingValue {
  bytes: Uint8Array;
  byteLength: number;
  elements: number;
}

/** The error for reading a value whose heap memory has gone back to its pool. */
function releasedError(item: Item): Error {
  const err = new Error(
    `item '${item.name}': its value was in a heap whose memory has been given back (heap.release()); ` +
      'read it before release(), or let the ItemGroup hold it (ItemGroup.update keeps values valid)',
  ) as Error & { code: string };
  err.code = 'ERR_SPEAD_HEAP_RELEASED';
  return err;
}

/**
 * An item with a value.
 *
 * Received array values are decoded on first read of `value`, natively: a
 * view of the heap's memory when it is in the host's byte order and
 * aligned, the heap's bytes swapped in place for the other byte order, a
 * reordered copy for Fortran order. An ItemGroup's items keep their heap's
 * memory while they hold such a view (see ItemGroup.update).
 *
 * @example
 * const item = group.get('timestamp');
 * console.log(item.value, item.valueShape);
 */
export class Item extends Descriptor {
  private current: ItemValue | null = null;
  private pending: PendingValue | null = null;
  private source: ValueSource | null = null;
  private resolvedShape: number[] = [];
  /** Bumped on every assignment (the HeapGenerator sends stale items). */
  version = 1;

  constructor(init: ItemInit) {
    super(init);
    if (init.value !== undefined) this.value = init.value;
  }

  /** The current value (null until one arrives or is set). Arrays are flat, C order. */
  get value(): ItemValue | null {
    if (this.pending !== null) {
      const p = this.pending;
      this.pending = null;
      this.current = this.materialise(p);
    }
    return this.current;
  }

  /** Assigns a value (never null) and bumps the version. */
  set value(v: ItemValue | null) {
    if (v === null || v === undefined) throw new TypeError(`item '${this.name}': the value must not be null`);
    this.pending = null;
    this.setSource(null);
    this.current = v;
    this.resolvedShape = this.shapeOf(v);
    this.version++;
  }

  /**
   * Lets go of the heap memory the value views, copying the value first:
   * after this the value is the item's own. ItemGroup.update does this
   * itself for small values; call it to keep a large value for longer than
   * until its item's next update without holding a pool buffer.
   */
  detach(): void {
    const v = this.value;
    if (this.source === null) return;
    if (isTypedLike(v)) {
      const ta = v as unknown as TypedLike & { constructor: new (b: ArrayBuffer, o: number, n: number) => ItemValue };
      const copy = Buffer.allocUnsafeSlow(ta.byteLength);
      copy.set(new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength));
      this.current = new ta.constructor(copy.buffer, copy.byteOffset, ta.length);
    }
    this.setSource(null);
  }

  private setSource(source: ValueSource | null): void {
    if (source === this.source) return;
    source?.retain();
    const old = this.source;
    this.source = source;
    old?.unretain();
  }

  /** Decodes a pending array value (see the class comment for what that costs). */
  private materialise(p: PendingValue): ItemValue {
    if (p.bytes.byteLength < p.byteLength) throw releasedError(this);
    const dt = this.dtype!;
    const lane = foreignLane(dt);
    const foreign = lane > 1;
    const shape = this.resolvedShape;
    if (this.order === 'F' && shape.length > 1) {
      // One native pass: reorder (and swap) into the item's own memory.
      const out = Buffer.allocUnsafeSlow(p.byteLength);
      native.reorderCopy(p.bytes, out, shape, dt.itemsize, false, lane);
      this.setSource(null);
      return (foreign ? dt.swapped() : dt).decodeArray(out, p.elements);
    }
    let value: ItemValue;
    if (foreign && this.source?.swapInPlace !== undefined && p.bytes.byteOffset % lane === 0) {
      this.source.swapInPlace(p.bytes, lane);
      value = dt.swapped().decodeArray(p.bytes, p.elements);
    } else value = dt.decodeArray(p.bytes, p.elements);
    // Only a view of the heap needs the heap kept.
    if (!(isTypedLike(value) && value.buffer === p.bytes.buffer)) this.setSource(null);
    return value;
  }

  /** The value's shape (the variable dimension resolved). */
  get valueShape(): readonly number[] {
    return this.resolvedShape;
  }

  private isString(): boolean {
    return this.format !== null && this.format.length === 1 && this.format[0][0] === 'c' && this.shape.length === 1;
  }

  private shapeOf(v: unknown): number[] {
    if (!this.isVariableSize()) return this.shape as number[];
    const known = this.shape.reduce<number>((n, d) => n * (d ?? 1), 1);
    const lanes = this.dtype?.kind === 'c' && isTypedLike(v) ? 2 : 1;
    const total = flatLength(v) / lanes;
    return this.shape.map((d) => (d === null ? (known === 0 ? 0 : Math.floor(total / known)) : d));
  }

  /**
   * Sets the value from a received item's bytes (spead2's `set_from_raw`).
   * A bad value (too few bytes, a string that is not ASCII) throws a
   * RangeError naming the item and leaves the old value. With `source` (the
   * heap the bytes are in), an array value that views the heap keeps the
   * heap's memory until the item's next value.
   */
  setFromRaw(raw: RawItem, source?: ValueSource): void {
    const bits = this.itemsizeBits;
    let bytes = raw.value;
    const fixed = !this.isVariableSize() ? product(this.shape as number[]) : 0;
    if (raw.isImmediate && !this.isVariableSize()) {
      // Immediates are right-aligned: the value is in the trailing bytes.
      const need = Math.ceil((fixed * bits) / 8);
      if (need <= bytes.length) bytes = bytes.subarray(bytes.length - need);
    }
    const maxElements = Math.floor((bytes.length * 8) / bits);
    const shape = this.isVariableSize() ? this.dynamicShape(maxElements) : (this.shape as number[]);
    const elements = product(shape);
    if (elements > maxElements) {
      throw new RangeError(`item '${this.name}' (ID ${this.id}): too few elements: ${bytes.length} bytes hold ${maxElements}, the shape [${shape}] needs ${elements}`);
    }
    const data = bytes.subarray(0, Math.ceil((elements * bits) / 8));
    if (this.dtype !== null && this.format === null && shape.length > 0) {
      // Arrays wait for their first read: nothing is decoded that nobody reads.
      this.pending = { bytes: data, byteLength: data.byteLength, elements };
      this.current = null;
      this.resolvedShape = shape;
      // A small value is copied now rather than pinning a heap's memory for it.
      if (source !== undefined && data.byteLength >= VIEW_MIN_BYTES && !raw.isImmediate) this.setSource(source);
      else {
        this.setSource(null);
        this.pending = null;
        this.current = this.materialise({ bytes: Buffer.from(data), byteLength: data.byteLength, elements });
      }
      this.version++;
      return;
    }
    let value: ItemValue;
    if (this.isString()) {
      let s = '';
      for (const c of data) {
        if (c > 127) throw new RangeError(`item '${this.name}': string value is not ASCII`);
        s += String.fromCharCode(c);
      }
      value = s;
    } else if (this.dtype !== null && shape.length === 0) {
      value = this.dtype.decodeScalar(data);
    } else {
      const values = unpackFormat(this.format!, data, elements);
      value = shape.length === 0 ? values[0] : values;
    }
    this.pending = null;
    this.setSource(null);
    this.current = value;
    this.resolvedShape = shape;
    this.version++;
  }

  /**
   * The value's bytes for a send heap, without a converted copy where the
   * packets can convert: an array of a numeric dtype in the other byte order
   * is given as host-order bytes (a view of a TypedArray of the dtype's own
   * element type) with the lane width to swap as packets are built.
   * Anything else is `toBuffer()`.
   */
  toWire(): WireBytes {
    const v = this.value;
    const dt = this.dtype;
    const shape = this.resolvedShape;
    if (dt !== null && this.format === null && v !== null && isTypedLike(v) && !(this.order === 'F' && shape.length > 1)) {
      const lane = foreignLane(dt);
      if (lane > 1 && !dt.isWireBytes(v, product(shape))) {
        const data = dt.swapped().viewOrEncode(v, product(shape), `item '${this.name}'`);
        if (data.byteLength > 8) return { data, swapWidth: lane };
      }
    }
    return { data: this.toBuffer(), swapWidth: 1 };
  }

  /** May the value travel in the item pointer? */
  override allowImmediate(): boolean {
    return super.allowImmediate();
  }

  /**
   * The value's wire bytes. A TypedArray already in the dtype's byte order is
   * returned as a view (no copy), so changing it later changes what is sent.
   */
  toBuffer(): Uint8Array {
    const v = this.value;
    if (v === null) throw new Error(`item '${this.name}' has no value`);
    const shape = this.resolvedShape;
    const elements = product(shape);
    const what = `item '${this.name}'`;
    if (this.isString()) {
      const s = typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('latin1');
      for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) throw new RangeError(`${what}: string value is not ASCII`);
      if (!this.isVariableSize() && s.length !== elements) throw new RangeError(`${what}: string has ${s.length} characters, the shape needs ${elements}`);
      return Buffer.from(s, 'latin1');
    }
    if (this.dtype !== null) {
      if (this.order === 'F' && shape.length > 1 && isTypedLike(v)) {
        const dt = this.dtype;
        const lane = foreignLane(dt);
        // Host-order elements of the dtype's own type (or wire bytes): one
        // native pass reorders and swaps into the wire buffer.
        const wire = dt.isWireBytes(v, elements);
        const host = wire ? v : lane > 1 ? dt.swapped().viewOrEncode(v, elements, what) : dt.viewOrEncode(v, elements, what);
        const out = Buffer.allocUnsafeSlow(host.byteLength);
        native.reorderCopy(host, out, shape, dt.itemsize, true, wire ? 1 : lane);
        return out;
      }
      if (this.order === 'F' && shape.length > 1) {
        const flat = (v as unknown[]).flat(shape.length);
        return this.dtype.encode(toFortranOrder(flat, shape), elements, what);
      }
      return this.dtype.viewOrEncode(v, elements, what);
    }
    const values = shape.length === 0 ? [v] : Array.isArray(v) ? (v as unknown[]).flat(shape.length - 1) : Array.from(v as ArrayLike<unknown>);
    return packFormat(this.format!, values, elements, what);
  }
}
