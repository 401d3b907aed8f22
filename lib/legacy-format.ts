/**
 * Legacy SPEAD `format` lists — [['u', 12], ['i', 4]] — as spead2 handles
 * them: fields of any bit width, packed MSB-first and continuous across
 * elements, zero-padded at the end. Formats whose fields are all plain
 * big-endian machine types go through the dtype fast path instead.
 */
import { DType } from './dtype';

/** A legacy format: (code, bits) pairs. */
export type Format = ReadonlyArray<readonly [string, number]>;

/** Checks a format as spead2 does; throws RangeError naming the problem. */
export function validateFormat(format: Format): void {
  if (format.length === 0) throw new RangeError('format must have at least one field');
  for (const [code, bits] of format) {
    if (!Number.isInteger(bits) || bits <= 0) throw new RangeError(`format field (${code}, ${bits}) has a zero or invalid length (bug_compat mismatch?)`);
    switch (code) {
      case 'u':
      case 'i':
      case 'b':
        if (bits > 64) throw new RangeError(`format field (${code}, ${bits}) is wider than 64 bits`);
        break;
      case 'f':
        if (bits !== 32 && bits !== 64) throw new RangeError(`format field (f, ${bits}): floats must be 32 or 64 bits`);
        break;
      case 'c':
        if (bits !== 8) throw new RangeError(`format field (c, ${bits}): characters must be 8 bits`);
        break;
      case '0':
        throw new RangeError("format code '0' (references to other items) is not supported");
      default:
        throw new RangeError(`unknown format code '${code}'`);
    }
  }
}

/** Bits in one element. */
export function formatBits(format: Format): number {
  return format.reduce((n, [, bits]) => n + bits, 0);
}

/** The dtype a format maps to when every field is a plain machine type, else null. */
export function formatToDType(format: Format): DType | null {
  const one = (code: string, bits: number): string | null => {
    if ((code === 'u' || code === 'i') && [8, 16, 32, 64].includes(bits)) return `>${code}${bits / 8}`;
    if (code === 'f') return `>f${bits / 8}`;
    if (code === 'b' && bits === 8) return '|b1';
    if (code === 'c' && bits === 8) return '|S1';
    return null;
  };
  const parts = format.map(([c, b]) => one(c, b));
  if (parts.some((p) => p === null)) return null;
  if (parts.length === 1) return DType.parse(parts[0]!);
  return DType.parse(parts.map((p, i) => [`f${i}`, p!] as [string, string]));
}

/** A decoded field value. */
export type FieldValue = number | bigint | boolean | string;

class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  read(bits: number): bigint {
    let v = 0n;
    for (let i = 0; i < bits; i++, this.pos++) {
      const bit = (this.bytes[this.pos >> 3] >> (7 - (this.pos & 7))) & 1;
      v = (v << 1n) | BigInt(bit);
    }
    return v;
  }
}

class BitWriter {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  write(value: bigint, bits: number): void {
    for (let i = bits - 1; i >= 0; i--, this.pos++) {
      if ((value >> BigInt(i)) & 1n) this.bytes[this.pos >> 3] |= 0x80 >> (this.pos & 7);
    }
  }
}

function decodeField(r: BitReader, code: string, bits: number): FieldValue {
  const raw = r.read(bits);
  switch (code) {
    case 'u':
      return bits <= 53 ? Number(raw) : raw;
    case 'i': {
      const v = BigInt.asIntN(bits, raw);
      return bits <= 53 ? Number(v) : v;
    }
    case 'b':
      return raw !== 0n;
    case 'c':
      return String.fromCharCode(Number(raw));
    default: {
      const buf = new DataView(new ArrayBuffer(8));
      if (bits === 32) {
        buf.setUint32(0, Number(raw));
        return buf.getFloat32(0);
      }
      buf.setBigUint64(0, raw);
      return buf.getFloat64(0);
    }
  }
}

function encodeField(w: BitWriter, code: string, bits: number, v: unknown, what: string): void {
  let raw: bigint;
  switch (code) {
    case 'b':
      raw = v ? 1n : 0n;
      break;
    case 'c':
      if (typeof v !== 'string' || v.length !== 1 || v.charCodeAt(0) > 255) throw new TypeError(`${what}: a c8 field takes one character`);
      raw = BigInt(v.charCodeAt(0));
      break;
    case 'f': {
      const buf = new DataView(new ArrayBuffer(8));
      if (bits === 32) {
        buf.setFloat32(0, Number(v));
        raw = BigInt(buf.getUint32(0));
      } else {
        buf.setFloat64(0, Number(v));
        raw = buf.getBigUint64(0);
      }
      break;
    }
    default:
      if (typeof v !== 'number' && typeof v !== 'bigint') throw new TypeError(`${what}: ${String(v)} is not an integer`);
      raw = BigInt.asUintN(bits, BigInt(v));
  }
  w.write(raw, bits);
}

/** Decodes `count` bit-packed elements; multi-field elements become {f0, f1, …}. */
export function unpackFormat(format: Format, bytes: Uint8Array, count: number): Array<FieldValue | Record<string, FieldValue>> {
  const r = new BitReader(bytes);
  const out: Array<FieldValue | Record<string, FieldValue>> = [];
  for (let i = 0; i < count; i++) {
    if (format.length === 1) out.push(decodeField(r, format[0][0], format[0][1]));
    else {
      const rec: Record<string, FieldValue> = {};
      format.forEach(([code, bits], k) => (rec[`f${k}`] = decodeField(r, code, bits)));
      out.push(rec);
    }
  }
  return out;
}

/** Packs `count` elements, MSB-first, zero-padded to a whole byte. */
export function packFormat(format: Format, values: unknown[], count: number, what: string): Uint8Array {
  if (values.length !== count) throw new RangeError(`${what}: value has ${values.length} elements, but the shape needs ${count}`);
  const out = new Uint8Array(Math.ceil((formatBits(format) * count) / 8));
  const w = new BitWriter(out);
  for (const v of values) {
    if (format.length === 1) encodeField(w, format[0][0], format[0][1], v, what);
    else {
      const rec = (Array.isArray(v) ? Object.fromEntries(v.map((x, k) => [`f${k}`, x])) : v) as Record<string, unknown>;
      format.forEach(([code, bits], k) => encodeField(w, code, bits, rec?.[`f${k}`], what));
    }
  }
  return out;
}
