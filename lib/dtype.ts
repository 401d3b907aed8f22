/**
 * numpy dtypes as SPEAD descriptors carry them: bool, integers, floats
 * (half, single, double), complex, bytes (`S<n>`), text (`U<n>`),
 * datetime64/timedelta64, raw void (`V<n>`) and records (nested, with
 * sub-array fields), in either byte order. Arrays decode to TypedArrays in the
 * host's (little-endian) order — a view into the received payload when it is
 * aligned and already little-endian, otherwise a converted copy.
 */
import { Float16Array, getFloat16, isFloat16Array } from '@petamoriken/float16';
import { Descr, DescrField, DTypeError, DTypeKind, ElementSpec, HOST_LITTLE, formatTypestr, parseTypestr } from './dtype-parse';
import { readUcs4Element, writeBytesElement, writeUcs4Element } from './dtype-text';
import { native } from './native';

export { DTypeError } from './dtype-parse';
export type { Descr, DescrField, DTypeKind } from './dtype-parse';

/** A complex number (the value of a complex scalar). */
export interface Complex {
  /** Real part. */
  re: number;
  /** Imaginary part. */
  im: number;
}

/**
 * One element's value: a number (b, i, u ≤ 4 bytes, f), a bigint (8-byte
 * integers, datetime64/timedelta64 counts), a boolean, a string (`U<n>`),
 * a Complex, bytes (`S<n>`, `V<n>`) or a record.
 */
export type ScalarValue = number | bigint | boolean | string | Complex | Uint8Array | RecordValue;
/** A record's value: field name → value (a sub-array field holds an ArrayValue). */
export interface RecordValue {
  [field: string]: ScalarValue | ArrayValue;
}
/**
 * An array's value: flat, in C order. Complex arrays interleave re, im;
 * float16 arrays are `Float16Array`s (from `@petamoriken/float16`);
 * datetime64/timedelta64 arrays are BigInt64Arrays of counts of the unit.
 */
export type ArrayValue =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float16Array
  | Float32Array
  | Float64Array
  | Uint8Array[]
  | string[]
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

/** A field of a record dtype. */
export interface DTypeField {
  /** The field's name (numpy names unnamed fields f0, f1, …). */
  readonly name: string;
  /** numpy's optional title, or null. */
  readonly title: string | null;
  /** The element type (itself a record for a nested record). */
  readonly dtype: DType;
  /** Byte offset within the record. */
  readonly offset: number;
  /** Elements per record (the product of `shape`; 1 for a plain field). */
  readonly count: number;
  /** The field's sub-array shape; empty for a plain field. */
  readonly shape: readonly number[];
}

/** One element type. */
export class DType {
  /** numpy kind: b, i, u, f, c, S, U, M, m, or V (raw bytes, or a record when it has fields). */
  readonly kind: DTypeKind;
  /** Bytes per element. */
  readonly itemsize: number;
  /** '<' little, '>' big, '|' not applicable. */
  readonly byteOrder: '<' | '>' | '|';
  /** The datetime64/timedelta64 unit ('ns', '10ms'); '' when generic or not a time kind. */
  readonly unit: string;
  /** Record fields (kind V); empty for other kinds and for raw `V<n>`. */
  readonly fields: readonly DTypeField[];
  // The integer lanes that carry float16 (u2) and datetime64/timedelta64 (i8),
  // so their byte order is handled by the same numeric paths as plain integers.
  private readonly core: DType | null;

  private constructor(spec: ElementSpec, fields: DTypeField[] = []) {
    this.kind = spec.kind;
    this.itemsize = spec.itemsize;
    this.byteOrder = spec.byteOrder;
    this.unit = spec.unit;
    this.fields = fields;
    if (this.isHalf()) this.core = new DType({ kind: 'u', itemsize: 2, byteOrder: spec.byteOrder, unit: '' });
    else if (spec.kind === 'M' || spec.kind === 'm') this.core = new DType({ kind: 'i', itemsize: 8, byteOrder: spec.byteOrder, unit: '' });
    else this.core = null;
  }

  /**
   * A dtype from a numpy descr: a type string ('<u2', '>f2', '|S5', '<U3',
   * '<M8[ns]', '|V8', '?') or record fields, nested and with sub-array shapes
   * as numpy's `dtype.descr` lists them. Throws DTypeError naming what it
   * cannot represent (long doubles '<f16'/'<c32', objects).
   *
   * @example
   * DType.parse([['a', '<u2'], ['b', [['x', '>f4'], ['y', '<i8']]], ['m', '<i2', [2, 3]]]);
   */
  static parse(descr: Descr): DType {
    if (typeof descr === 'string') return new DType(parseTypestr(descr));
    if (!Array.isArray(descr)) throw new DTypeError(`a dtype must be a type string or a list of record fields, not ${String(descr)}`);
    const fields: DTypeField[] = [];
    const names = new Set<string>();
    let offset = 0;
    (descr as ReadonlyArray<DescrField>).forEach((f, i) => {
      if (!Array.isArray(f) || f.length < 2 || f.length > 3) throw new DTypeError(`record field ${i} must be [name, type] or [name, type, shape]`);
      const [label, type, sub] = f;
      const [title, given] = Array.isArray(label) ? label : [null, label];
      if (typeof given !== 'string' || (title !== null && typeof title !== 'string')) throw new DTypeError(`record field ${i}: the name must be a string or [title, name]`);
      // numpy names unnamed fields (alignment padding, too) by position.
      const name = given === '' ? `f${i}` : given;
      if (names.has(name)) throw new DTypeError(`record field '${name}' occurs more than once`);
      names.add(name);
      const dtype = DType.parse(type);
      const shape = sub === undefined ? [] : typeof sub === 'number' ? [sub] : [...sub];
      if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new DTypeError(`record field '${name}': bad sub-array shape [${shape}]`);
      const count = shape.reduce((a, b) => a * b, 1);
      fields.push({ name, title, dtype, offset, count, shape: Object.freeze(shape) });
      offset += dtype.itemsize * count;
    });
    if (fields.length === 0) throw new DTypeError('a record dtype needs at least one field');
    return new DType({ kind: 'V', itemsize: offset, byteOrder: '|', unit: '' }, fields);
  }

  /** The numpy descr: `dtype.str` ('<u2', '<M8[ns]') or, for a record, `dtype.descr`'s fields. */
  get descr(): Descr {
    if (!this.isRecord()) return formatTypestr(this);
    return this.fields.map((f): DescrField => {
      const label = f.title === null ? f.name : ([f.title, f.name] as const);
      return f.shape.length ? [label, f.dtype.descr, f.shape] : [label, f.dtype.descr];
    });
  }

  /** True for a record (a V dtype with fields). */
  isRecord(): boolean {
    return this.fields.length > 0;
  }

  /** The same type in the other byte order (BUG_COMPAT_SWAP_ENDIAN). */
  swapped(): DType {
    // Made once: the value paths ask for it on every heap.
    if (this.swappedType === undefined) {
      if (this.isRecord()) this.swappedType = new DType(this, this.fields.map((f) => ({ ...f, dtype: f.dtype.swapped() })));
      else if (this.byteOrder === '|') this.swappedType = this;
      else this.swappedType = new DType({ ...this, byteOrder: this.byteOrder === '<' ? '>' : '<' });
    }
    return this.swappedType;
  }

  private swappedType: DType | undefined = undefined;

  private isHalf(): boolean {
    return this.kind === 'f' && this.itemsize === 2;
  }

  // S and raw V elements are byte strings, each one Uint8Array.
  private holdsBytes(): boolean {
    return this.kind === 'S' || (this.kind === 'V' && !this.isRecord());
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
      case 'f': return this.itemsize === 4 ? Float32Array : this.itemsize === 8 ? Float64Array : null; // f2 goes through its u2 core
      case 'c': return this.itemsize === 8 ? Float32Array : Float64Array;
      default: return null;
    }
  }

  /** Decodes `count` elements from `bytes` (which holds at least count × itemsize). */
  decodeArray(bytes: Uint8Array, count: number): ArrayValue {
    if (this.core !== null) {
      const lanes = this.core.decodeArray(bytes, count) as Uint16Array | BigInt64Array;
      // float16: the same 2-byte lanes (already in host order), read as half floats.
      return this.isHalf() ? new Float16Array(lanes.buffer, lanes.byteOffset, count) : lanes;
    }
    const ctor = this.ctor();
    if (this.holdsBytes()) return Array.from({ length: count }, (_, i) => bytes.subarray(i * this.itemsize, (i + 1) * this.itemsize));
    if (this.kind === 'U') {
      const view = new DataView(bytes.buffer, bytes.byteOffset, count * this.itemsize);
      return Array.from({ length: count }, (_, i) => readUcs4Element(view, i * this.itemsize, this.itemsize, this.byteOrder === '<'));
    }
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
    if (this.holdsBytes()) return bytes.subarray(0, this.itemsize);
    if (this.kind === 'V') return this.decodeRecord(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, this.itemsize);
    const little = this.byteOrder === '<';
    if (this.kind === 'U') return readUcs4Element(view, 0, this.itemsize, little);
    if (this.isHalf()) return getFloat16(view, 0, little);
    if (this.core !== null) return this.core.decodeScalar(bytes);
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
    if (this.isHalf()) return this.core!.viewOrEncode(halfBits(value, what), count, what);
    if (this.core !== null) return this.core.viewOrEncode(value, count, what);
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
    if (this.core !== null) {
      this.core.encodeInto(out, this.isHalf() ? halfBits(value, what) : value, count, what);
      return;
    }
    const items = flatten(value, this.holdsBytes());
    if (this.holdsBytes() && count === 1 && items.length === 1 && items[0] instanceof Uint8Array) {
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
    if (this.isRecord()) {
      for (let i = 0; i < count; i++) {
        const rec = expanded[i] as RecordValue;
        if (rec === null || typeof rec !== 'object') throw new TypeError(`${what}: record elements must be objects`);
        for (const f of this.fields) {
          if (!(f.name in rec)) throw new TypeError(`${what}: record element ${i} has no field '${f.name}'`);
          const sub = out.subarray(i * this.itemsize + f.offset, i * this.itemsize + f.offset + f.dtype.itemsize * f.count);
          f.dtype.encodeInto(sub, rec[f.name], f.count, `${what}.${f.name}`);
        }
      }
      return;
    }
    if (this.holdsBytes()) {
      expanded.forEach((v, i) => writeBytesElement(out, i * this.itemsize, this.itemsize, v, what));
      return;
    }
    if (this.kind === 'U') {
      expanded.forEach((v, i) => writeUcs4Element(view, i * this.itemsize, this.itemsize, little, v, what));
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

// Nested arrays and TypedArrays to one flat list of elements; a Uint8Array is
// one element where elements are byte strings.
function flatten(value: unknown, bytesElements: boolean): unknown[] {
  if (isFloat16Array(value)) return Array.from(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    if (bytesElements && value instanceof Uint8Array) return [value];
    return Array.from(value as unknown as ArrayLike<unknown>);
  }
  if (Array.isArray(value)) {
    return value.flatMap((v) => (Array.isArray(v) || isFloat16Array(v) || (ArrayBuffer.isView(v) && !bytesElements) ? flatten(v, bytesElements) : [v]));
  }
  return [value];
}

// float16 values as their bit patterns (Uint16 lanes), which then take the
// ordinary 2-byte integer path. A Float16Array is reinterpreted, not converted,
// so NaN payloads survive.
function halfBits(value: unknown, what: string): Uint16Array {
  if (isFloat16Array(value)) return new Uint16Array(value.buffer, value.byteOffset, value.length);
  const items = flatten(value, false).map((v) => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' && typeof n !== 'boolean') throw new TypeError(`${what}: ${String(v)} is not a number`);
    return Number(n);
  });
  return new Uint16Array(new Float16Array(items).buffer);
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
