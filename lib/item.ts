/**
 * An item: a descriptor plus its current value and a version that changes on
 * every assignment (spead2's `Item`).
 */
import { Descriptor, DescriptorInit } from './descriptor';
import { ArrayValue, ScalarValue } from './dtype';
import { FieldValue, packFormat, unpackFormat } from './legacy-format';
import { native } from './native';
import type { RawItem } from './raw';

/** What an item's value can be. */
export type ItemValue = ScalarValue | ArrayValue | string | FieldValue | Record<string, FieldValue> | Array<FieldValue | Record<string, FieldValue>> | unknown[];

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Reorders a flat array between C and Fortran order. TypedArrays are
 * reordered natively (a cache-tiled copy); arrays of records or strings,
 * which are not bulk data, by index here.
 */
function transpose<T extends ArrayLike<unknown>>(src: T, shape: readonly number[], toFortran: boolean): T {
  const n = src.length;
  const lanes = n / Math.max(1, product(shape)); // complex arrays: 2 lanes per element
  if (ArrayBuffer.isView(src)) {
    const ta = src as unknown as ArrayBufferView & { BYTES_PER_ELEMENT: number; constructor: new (b: ArrayBuffer, o: number, n: number) => T };
    const out = Buffer.allocUnsafeSlow(ta.byteLength);
    native.reorderCopy(ta, out, shape, ta.BYTES_PER_ELEMENT * lanes, toFortran);
    return new ta.constructor(out.buffer, out.byteOffset, n);
  }
  const out = new Array<unknown>(n);
  const dims = shape.length;
  const idx = new Array(dims).fill(0);
  for (let c = 0; c < n / lanes; c++) {
    // idx is the multi-index of C-order element c; f is its Fortran position.
    let f = 0;
    for (let d = dims - 1; d >= 0; d--) f = f * shape[d] + idx[d];
    for (let l = 0; l < lanes; l++) {
      if (toFortran) out[f * lanes + l] = src[c * lanes + l];
      else out[c * lanes + l] = src[f * lanes + l];
    }
    for (let d = dims - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out as unknown as T;
}

function flatLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (ArrayBuffer.isView(value)) return (value as unknown as ArrayLike<unknown>).length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + (Array.isArray(v) || ArrayBuffer.isView(v) ? flatLength(v) : 1), 0);
  return 1;
}

/** Options for an Item: a descriptor and an optional first value. */
export interface ItemInit extends DescriptorInit {
  /** The first value (optional). */
  value?: ItemValue;
}

/**
 * An item with a value.
 *
 * @example
 * const item = group.get('timestamp');
 * console.log(item.value, item.valueShape);
 */
export class Item extends Descriptor {
  private current: ItemValue | null = null;
  private resolvedShape: number[] = [];
  /** Bumped on every assignment (the HeapGenerator sends stale items). */
  version = 1;

  constructor(init: ItemInit) {
    super(init);
    if (init.value !== undefined) this.value = init.value;
  }

  /** The current value (null until one arrives or is set). Arrays are flat, C order. */
  get value(): ItemValue | null {
    return this.current;
  }

  /** Assigns a value (never null) and bumps the version. */
  set value(v: ItemValue | null) {
    if (v === null || v === undefined) throw new TypeError(`item '${this.name}': the value must not be null`);
    this.current = v;
    this.resolvedShape = this.shapeOf(v);
    this.version++;
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
    const lanes = this.dtype?.kind === 'c' && ArrayBuffer.isView(v) ? 2 : 1;
    const total = flatLength(v) / lanes;
    return this.shape.map((d) => (d === null ? (known === 0 ? 0 : Math.floor(total / known)) : d));
  }

  /** Sets the value from a received item's bytes (spead2's `set_from_raw`). */
  setFromRaw(raw: RawItem): void {
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
    let value: ItemValue;
    if (this.isString()) {
      let s = '';
      for (const c of data) {
        if (c > 127) throw new RangeError(`item '${this.name}': string value is not ASCII`);
        s += String.fromCharCode(c);
      }
      value = s;
    } else if (this.dtype !== null) {
      if (shape.length === 0) value = this.dtype.decodeScalar(data);
      else {
        const arr = this.dtype.decodeArray(data, elements);
        value = this.order === 'F' && shape.length > 1 ? transpose(arr as ArrayLike<unknown>, shape, false) as ArrayValue : arr;
      }
    } else {
      const values = unpackFormat(this.format!, data, elements);
      value = shape.length === 0 ? values[0] : values;
    }
    this.current = value;
    this.resolvedShape = shape;
    this.version++;
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
    const v = this.current;
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
      if (this.order === 'F' && shape.length > 1 && ArrayBuffer.isView(v)) {
        return this.dtype.encode(transpose(v as unknown as ArrayLike<unknown>, shape, true), elements, what);
      }
      if (this.order === 'F' && shape.length > 1) {
        const flat = (v as unknown[]).flat(shape.length);
        return this.dtype.encode(transpose(flat, shape, true), elements, what);
      }
      return this.dtype.viewOrEncode(v, elements, what);
    }
    const values = shape.length === 0 ? [v] : Array.isArray(v) ? (v as unknown[]).flat(shape.length - 1) : Array.from(v as ArrayLike<unknown>);
    return packFormat(this.format!, values, elements, what);
  }
}
