/**
 * numpy dtypes as SPEAD descriptors carry them: bool, signed and unsigned
 * integers, floats, complex, fixed-length bytes (`S<n>`) and records, in
 * either byte order. Arrays decode to TypedArrays in the host's (little-endian)
 * order — a view into the received payload when it is aligned and already
 * little-endian, otherwise a converted copy.
 */
import { native } from './native';

/** A complex number (the value of a complex scalar). */
export interface Complex {
  /** Real part. */
  re: number;
  /** Imaginary part. */
  im: number;
}

/** One element's value. */
export type ScalarValue = number | bigint | boolean | Complex | Uint8Array | RecordValue;
/** A record's value: field name → value. */
export interface RecordValue {
  [field: string]: ScalarValue | ArrayValue;
}
/** An array's value: flat, in C order. Complex arrays interleave re, im. */
export type ArrayValue =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | Uint8Array[]
  | RecordValue[]
  | Array<number | bigint | boolean>;

type TypedCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

interface Field {
  name: string;
  dtype: DType;
  offset: number;
  /** Sub-array shape of the field (elements per record). */
  count: number;
  shape: number[];
}

/** A dtype that cannot be represented. */
export class DTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DTypeError';
  }
}

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One element type. */
export class DType {
  /** numpy kind: b, i, u, f, c, S, or V (record). */
  readonly kind: 'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'V';
  /** Bytes per element. */
  readonly itemsize: number;
  /** '<' little, '>' big, '|' not applicable. */
  readonly byteOrder: '<' | '>' | '|';
  /** Record fields (kind V). */
  readonly fields: readonly Field[];

  private constructor(kind: DType['kind'], itemsize: number, byteOrder: DType['byteOrder'], fields: Field[] = []) {
    this.kind = kind;
    this.itemsize = itemsize;
    this.byteOrder = byteOrder;
    this.fields = fields;
  }

  /** A dtype from a numpy descr: '<u2', '>f8', '|b1', 'S5', or record fields. */
  static parse(descr: string | ReadonlyArray<readonly [string, string] | readonly [string, string, readonly number[]]>): DType {
    if (typeof descr !== 'string') {
      const fields: Field[] = [];
      let offset = 0;
      for (const f of descr) {
        const dtype = DType.parse(f[1]);
        const shape = f.length > 2 ? [...(f as readonly [string, string, readonly number[]])[2]] : [];
        const count = shape.reduce((a, b) => a * b, 1);
        fields.push({ name: f[0], dtype, offset, count, shape });
        offset += dtype.itemsize * count;
      }
      if (fields.length === 0) throw new DTypeError('a record dtype needs at least one field');
      return new DType('V', offset, '|', fields);
    }
    const m = /^([<>|=]?)([biufcS])(\d+)$/.exec(descr);
    if (m === null) throw new DTypeError(`unsupported dtype '${descr}'`);
    const kind = m[2] as DType['kind'];
    const size = Number(m[3]);
    const valid: Record<string, number[]> = { b: [1], i: [1, 2, 4, 8], u: [1, 2, 4, 8], f: [4, 8], c: [8, 16] };
    if (kind === 'S' ? size < 1 : !valid[kind].includes(size)) throw new DTypeError(`unsupported dtype '${descr}'`);
    let order = (m[1] || '=') as '<' | '>' | '|' | '=';
    if (order === '=') order = HOST_LITTLE ? '<' : '>';
    if (size === 1 || kind === 'S') order = '|';
    return new DType(kind, size, order);
  }

  /** The numpy descr string ('<u2'), or the record fields. */
  get descr(): string | Array<[string, string] | [string, string, number[]]> {
    if (this.kind === 'V') return this.fields.map((f) => (f.shape.length ? [f.name, f.dtype.descr as string, f.shape] : [f.name, f.dtype.descr as string]));
    return `${this.byteOrder}${this.kind}${this.itemsize}`;
  }

  /** The same type in the other byte order (BUG_COMPAT_SWAP_ENDIAN). */
  swapped(): DType {
    if (this.kind === 'V') return new DType('V', this.itemsize, '|', this.fields.map((f) => ({ ...f, dtype: f.dtype.swapped() })));
    if (this.byteOrder === '|') return this;
    return new DType(this.kind, this.itemsize, this.byteOrder === '<' ? '>' : '<');
  }

  /**
   * True when `value` is a Uint8Array (or Buffer) holding exactly the wire
   * bytes of `count` elements of a numeric dtype wider than a byte: such a
   * value is sent as it is, with no conversion in either byte order.
   */
  isWireBytes(value: unknown, count: number): value is Uint8Array {
    return value instanceof Uint8Array && this.itemsize > 1 && 'iufcb'.includes(this.kind) && value.byteLength === count * this.itemsize;
  }

  private encodeTyped(out: Uint8Array, value: ArrayBufferView, count: number, what: string): boolean {
    if (this.isWireBytes(value, count)) {
      out.set(value);
      return true;
    }
    return encodeTypedArray(this, this.ctor(), out, value, count, what);
  }

  private ctor(): TypedCtor | null {
    switch (this.kind) {
      case 'b': return Uint8Array;
      case 'u': return [Uint8Array, Uint16Array, Uint32Array, BigUint64Array][Math.log2(this.itemsize)];
      case 'i': return [Int8Array, Int16Array, Int32Array, BigInt64Array][Math.log2(this.itemsize)];
      case 'f': return this.itemsize === 4 ? Float32Array : Float64Array;
      case 'c': return this.itemsize === 8 ? Float32Array : Float64Array;
      default: return null;
    }
  }

  /** Decodes `count` elements from `bytes` (which holds at least count × itemsize). */
  decodeArray(bytes: Uint8Array, count: number): ArrayValue {
    const ctor = this.ctor();
    if (this.kind === 'S') return Array.from({ length: count }, (_, i) => bytes.subarray(i * this.itemsize, (i + 1) * this.itemsize));
    if (this.kind === 'V') return Array.from({ length: count }, (_, i) => this.decodeRecord(bytes.subarray(i * this.itemsize, (i + 1) * this.itemsize)));
    const lanes = this.kind === 'c' ? 2 : 1;
    const width = this.itemsize / lanes;
    const n = count * lanes;
    const c = ctor!;
    const hostOrder = this.byteOrder === '|' || (this.byteOrder === '<') === HOST_LITTLE;
    if (hostOrder) {
      if ((bytes.byteOffset % width) === 0) return new c(bytes.buffer as ArrayBuffer, bytes.byteOffset, n) as ArrayValue;
      // Unaligned: copy into fresh memory (Buffer's slice() would not copy).
      const copy = Buffer.allocUnsafeSlow(n * width);
      copy.set(bytes.subarray(0, n * width));
      return new c(copy.buffer, copy.byteOffset, n) as ArrayValue;
    }
    // Other byte order: a copy swapped natively at memory speed.
    const out = Buffer.allocUnsafeSlow(n * width);
    native.swapCopy(bytes.subarray(0, n * width), out, width);
    return new c(out.buffer, out.byteOffset, n) as ArrayValue;
  }

  /** Decodes one element. */
  decodeScalar(bytes: Uint8Array): ScalarValue {
    if (this.kind === 'S') return bytes.subarray(0, this.itemsize);
    if (this.kind === 'V') return this.decodeRecord(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, this.itemsize);
    const little = this.byteOrder === '<';
    if (this.kind === 'c') {
      const w = this.itemsize / 2;
      return { re: readLane(view, 0, 'f', w, little) as number, im: readLane(view, w, 'f', w, little) as number };
    }
    const v = readLane(view, 0, this.kind, this.itemsize, little);
    return this.kind === 'b' ? v !== 0 : v;
  }

  private decodeRecord(bytes: Uint8Array): RecordValue {
    const out: RecordValue = {};
    for (const f of this.fields) {
      const b = bytes.subarray(f.offset, f.offset + f.dtype.itemsize * f.count);
      out[f.name] = f.shape.length ? f.dtype.decodeArray(b, f.count) : f.dtype.decodeScalar(b);
    }
    return out;
  }

  /** Encodes `count` elements (flat, C order) into wire bytes. Throws on a count mismatch. */
  encode(value: unknown, count: number, what: string): Uint8Array {
    const out = Buffer.allocUnsafeSlow(count * this.itemsize);
    // A TypedArray fills every byte; anything else may leave padding, so zero it first.
    if (ArrayBuffer.isView(value) && this.encodeTyped(out, value, count, what)) return out;
    out.fill(0);
    this.encodeInto(out, value, count, what);
    return out;
  }

  /**
   * The wire bytes of `value` without copying when it is already a TypedArray
   * of this type in this byte order (so later changes to it are sent).
   */
  viewOrEncode(value: unknown, count: number, what: string): Uint8Array {
    if (this.isWireBytes(value, count)) return value;
    const ctor = this.ctor();
    const hostOrder = this.byteOrder === '|' || (this.byteOrder === '<') === HOST_LITTLE;
    if (hostOrder && ctor !== null && value instanceof ctor && (value as ArrayLike<unknown>).length === count * (this.kind === 'c' ? 2 : 1)) {
      const ta = value as unknown as ArrayBufferView;
      return new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
    }
    return this.encode(value, count, what);
  }

  private encodeInto(out: Uint8Array, value: unknown, count: number, what: string): void {
    if (ArrayBuffer.isView(value) && this.encodeTyped(out, value, count, what)) return;
    const items = flatten(value, this.kind);
    if (this.kind === 'S' && count === 1 && items.length === 1 && items[0] instanceof Uint8Array) {
      out.set((items[0] as Uint8Array).subarray(0, this.itemsize));
      return;
    }
    const lanes = this.kind === 'c' ? 2 : 1;
    const expanded = this.kind === 'c' ? items.flatMap((v) => (isComplex(v) ? [v.re, v.im] : [v])) : items;
    if (expanded.length !== count * lanes) {
      throw new RangeError(`${what}: value has ${expanded.length / lanes} elements, but the shape needs ${count}`);
    }
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const little = this.byteOrder === '<';
    if (this.kind === 'V') {
      for (let i = 0; i < count; i++) {
        const rec = expanded[i] as RecordValue;
        if (rec === null || typeof rec !== 'object') throw new TypeError(`${what}: record elements must be objects`);
        for (const f of this.fields) {
          const sub = out.subarray(i * this.itemsize + f.offset, i * this.itemsize + f.offset + f.dtype.itemsize * f.count);
          f.dtype.encodeInto(sub, rec[f.name], f.count, `${what}.${f.name}`);
        }
      }
      return;
    }
    if (this.kind === 'S') {
      expanded.forEach((v, i) => {
        const b = typeof v === 'string' ? Buffer.from(v, 'latin1') : (v as Uint8Array);
        if (!(b instanceof Uint8Array)) throw new TypeError(`${what}: bytes elements must be Uint8Arrays or strings`);
        out.set(b.subarray(0, this.itemsize), i * this.itemsize);
      });
      return;
    }
    const width = this.itemsize / lanes;
    const kind = this.kind === 'c' ? 'f' : this.kind;
    expanded.forEach((v, i) => writeLane(view, i * width, kind, width, little, v, what));
  }
}

/**
 * Encodes a TypedArray of numbers into wire bytes natively: a copy, or a
 * byte swap for the other byte order; another element type is converted
 * first by the TypedArray constructor (numpy's astype: integers wrap, floats
 * truncate). False when this path does not apply (records, strings, bool,
 * bigint against number elements), for the general encoder to take over.
 */
function encodeTypedArray(dtype: DType, ctor: TypedCtor | null, out: Uint8Array, value: ArrayBufferView, count: number, what: string): boolean {
  if (ctor === null || dtype.kind === 'b' || value instanceof DataView) return false;
  const lanes = dtype.kind === 'c' ? 2 : 1;
  const width = dtype.itemsize / lanes;
  const length = (value as unknown as ArrayLike<unknown>).length;
  if (length !== count * lanes) {
    throw new RangeError(`${what}: value has ${length / lanes} elements, but the shape needs ${count}`);
  }
  let src: ArrayBufferView = value;
  if (!(value instanceof ctor)) {
    const wantBig = ctor === BigInt64Array || ctor === BigUint64Array;
    const isBig = value instanceof BigInt64Array || value instanceof BigUint64Array;
    if (wantBig !== isBig) return false;
    src = new (ctor as new (from: ArrayLike<number> & ArrayLike<bigint>) => ArrayBufferView)(value as unknown as ArrayLike<number> & ArrayLike<bigint>);
  }
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  const hostOrder = dtype.byteOrder === '|' || (dtype.byteOrder === '<') === HOST_LITTLE;
  if (hostOrder || width === 1) out.set(bytes);
  else native.swapCopy(bytes, out, width);
  return true;
}

function isComplex(v: unknown): v is Complex {
  return v !== null && typeof v === 'object' && 're' in v && 'im' in v;
}

function flatten(value: unknown, kind: string): unknown[] {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    if (kind === 'S' && value instanceof Uint8Array) return [value];
    return Array.from(value as unknown as ArrayLike<unknown>);
  }
  if (Array.isArray(value)) return value.flatMap((v) => (Array.isArray(v) || (ArrayBuffer.isView(v) && kind !== 'S') ? flatten(v, kind) : [v]));
  return [value];
}

function readLane(view: DataView, at: number, kind: string, width: number, little: boolean): number | bigint {
  switch (kind) {
    case 'b':
    case 'u':
      return width === 1 ? view.getUint8(at) : width === 2 ? view.getUint16(at, little) : width === 4 ? view.getUint32(at, little) : view.getBigUint64(at, little);
    case 'i':
      return width === 1 ? view.getInt8(at) : width === 2 ? view.getInt16(at, little) : width === 4 ? view.getInt32(at, little) : view.getBigInt64(at, little);
    default:
      return width === 4 ? view.getFloat32(at, little) : view.getFloat64(at, little);
  }
}

function writeLane(view: DataView, at: number, kind: string, width: number, little: boolean, v: unknown, what: string): void {
  if (kind === 'b') {
    view.setUint8(at, v ? 1 : 0);
    return;
  }
  if (width === 8 && kind !== 'f') {
    let big: bigint;
    try {
      big = BigInt(v as number | bigint);
    } catch {
      throw new TypeError(`${what}: ${String(v)} is not an integer`);
    }
    if (kind === 'u') view.setBigUint64(at, BigInt.asUintN(64, big), little);
    else view.setBigInt64(at, BigInt.asIntN(64, big), little);
    return;
  }
  const n = typeof v === 'bigint' ? Number(v) : (v as number);
  if (typeof n !== 'number' && typeof n !== 'boolean') throw new TypeError(`${what}: ${String(v)} is not a number`);
  if (kind === 'f') {
    if (width === 4) view.setFloat32(at, n, little);
    else view.setFloat64(at, n, little);
    return;
  }
  const x = Number(n);
  if (!Number.isInteger(x)) throw new TypeError(`${what}: ${String(v)} is not an integer`);
  if (kind === 'u') {
    if (width === 1) view.setUint8(at, x);
    else if (width === 2) view.setUint16(at, x, little);
    else view.setUint32(at, x, little);
  } else if (width === 1) view.setInt8(at, x);
  else if (width === 2) view.setInt16(at, x, little);
  else view.setInt32(at, x, little);
}
