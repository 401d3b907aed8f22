/**
 * Text elements: numpy's `S<n>` (bytes; text must be ASCII, as numpy
 * encodes it) and `U<n>` (UCS-4 code points in the dtype's byte order,
 * NUL-padded, trailing NULs dropped on decode as numpy does).
 */

/** Writes an `S<n>` element: a Uint8Array unchanged, a string only if it is ASCII. Longer values are cut to the itemsize, as numpy does. */
export function writeBytesElement(out: Uint8Array, at: number, itemsize: number, v: unknown, what: string): void {
  if (typeof v === 'string') {
    // The whole string must be ASCII, even the part cut off (numpy encodes first).
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c > 127) {
        const ch = String.fromCodePoint(v.codePointAt(i)!);
        const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new RangeError(`${what}: character '${ch}' (U+${hex}) at index ${i} of ${JSON.stringify(v)} is not ASCII; an S dtype holds bytes, so send other bytes as a Uint8Array`);
      }
      if (i < itemsize) out[at + i] = c;
    }
    return;
  }
  if (!(v instanceof Uint8Array)) throw new TypeError(`${what}: bytes elements must be Uint8Arrays or ASCII strings, not ${describe(v)}`);
  out.set(v.subarray(0, itemsize), at);
}

/** Writes a `U<n>` element: the string's code points as 32-bit words, NUL-padded, cut to n as numpy does. */
export function writeUcs4Element(view: DataView, at: number, itemsize: number, little: boolean, v: unknown, what: string): void {
  if (typeof v !== 'string') throw new TypeError(`${what}: text elements must be strings, not ${describe(v)}`);
  let i = 0;
  for (const ch of v) {
    if (i >= itemsize) break;
    view.setUint32(at + i, ch.codePointAt(0)!, little);
    i += 4;
  }
}

/** Reads a `U<n>` element, dropping trailing NULs. */
export function readUcs4Element(view: DataView, at: number, itemsize: number, little: boolean): string {
  let end = itemsize;
  while (end > 0 && view.getUint32(at + end - 4, little) === 0) end -= 4;
  let out = '';
  let points: number[] = [];
  for (let i = 0; i < end; i += 4) {
    const p = view.getUint32(at + i, little);
    if (p > 0x10ffff) throw new RangeError(`U text holds 0x${p.toString(16)}, which is not a Unicode code point`);
    points.push(p);
    // Spread in chunks: a long U<n> would exceed the argument limit.
    if (points.length === 4096) {
      out += String.fromCodePoint(...points);
      points = [];
    }
  }
  return out + String.fromCodePoint(...points);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v;
}
