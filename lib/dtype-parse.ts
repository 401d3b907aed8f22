/**
 * The text side of numpy dtypes: element type strings ('<u2', '>M8[ns]',
 * '|S5') and the descr lists of records, read into plain facts that
 * `DType` builds on, and written back in numpy's spelling.
 */

/** A dtype that cannot be represented. */
export class DTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DTypeError';
  }
}

/**
 * A record field as numpy's `descr` lists it: `[name, type]` or
 * `[name, type, shape]`, where type is an element type string or (for a
 * nested record) a descr list, and name may be `[title, name]`.
 *
 * @example
 * const fields: DescrField[] = [['a', '<u2'], ['b', [['x', '>f4'], ['y', '<i8']]], ['vec', '>f4', [3]]];
 */
export type DescrField =
  | readonly [name: string | readonly [title: string, name: string], type: Descr]
  | readonly [name: string | readonly [title: string, name: string], type: Descr, shape: readonly number[]];

/** A numpy descr: an element type string ('<u2') or a record's fields. */
export type Descr = string | ReadonlyArray<DescrField>;

/** numpy kinds: b, i, u, f, c, S (bytes), U (UCS-4 text), M/m (datetime64/timedelta64), V (void or record). */
export type DTypeKind = 'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'U' | 'M' | 'm' | 'V';

/** What an element type string says. */
export interface ElementSpec {
  kind: DTypeKind;
  itemsize: number;
  byteOrder: '<' | '>' | '|';
  /** datetime64/timedelta64 unit ('ns', '10ms'), '' for generic (and for other kinds). */
  unit: string;
}

/** True when this machine stores numbers little-endian. */
export const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const SIZES: Partial<Record<DTypeKind, number[]>> = { b: [1], i: [1, 2, 4, 8], u: [1, 2, 4, 8], f: [2, 4, 8], c: [8, 16] };
// numpy's datetime units, with an optional multiplier ('10ms', '25ns').
const UNIT = /^(\d*)(Y|M|W|D|h|m|s|ms|us|μs|ns|ps|fs|as)$/;

/** Reads one element type string as numpy does ('<u2', '?', 'a5', '>M8[us]'), or throws DTypeError. */
export function parseTypestr(text: string): ElementSpec {
  const m = /^([<>|=]?)(\?|[biufcSUVaOgG]\d*|[Mm]8?(?:\[([^\]]*)\])?)$/.exec(text);
  if (m === null) throw new DTypeError(`unsupported dtype '${text}'`);
  const code = m[2][0];
  const digits = m[2].slice(1);
  if (code === 'O') throw new DTypeError(`dtype '${text}' holds Python objects, which cannot be sent (spead2 refuses them too)`);
  if (code === 'g' || code === 'G' || (code === 'f' && digits === '16') || (code === 'c' && digits === '32') || (code === 'f' && digits === '12') || (code === 'c' && digits === '24')) {
    throw new DTypeError(`dtype '${text}' is a long double, which JavaScript cannot hold; send it as '<f8'/'<c16' instead`);
  }
  let kind: DTypeKind;
  let itemsize: number;
  let unit = '';
  if (code === '?') [kind, itemsize] = ['b', 1];
  else if (code === 'c' && digits === '') [kind, itemsize] = ['S', 1]; // numpy's 'c' is a one-byte string
  else if (code === 'M' || code === 'm') {
    kind = code;
    itemsize = 8;
    unit = m[3] ?? '';
    if (m[3] !== undefined && !UNIT.test(unit)) throw new DTypeError(`unsupported dtype '${text}': unknown datetime unit '${unit}'`);
    if (unit === 'μs') unit = 'us';
  } else {
    kind = code === 'a' ? 'S' : (code as DTypeKind);
    if (digits === '') throw new DTypeError(`unsupported dtype '${text}': it needs a size`);
    const n = Number(digits);
    if (kind === 'S' || kind === 'U' || kind === 'V') {
      if (n < 1) throw new DTypeError(`unsupported dtype '${text}': zero-sized`);
      itemsize = kind === 'U' ? 4 * n : n;
    } else {
      if (!SIZES[kind]!.includes(n)) throw new DTypeError(`unsupported dtype '${text}'`);
      itemsize = n;
    }
  }
  if (!Number.isSafeInteger(itemsize)) throw new DTypeError(`unsupported dtype '${text}': too large`);
  let byteOrder: '<' | '>' | '|';
  if (itemsize === 1 || kind === 'S' || kind === 'V') byteOrder = '|';
  // '|' on a multi-byte type means "not applicable", which numpy reads as native.
  else byteOrder = m[1] === '<' || m[1] === '>' ? m[1] : HOST_LITTLE ? '<' : '>';
  return { kind, itemsize, byteOrder, unit };
}

/** numpy's spelling of an element type ('<u2', '<U3', '>M8[ns]', '|V8'): its `dtype.str`. */
export function formatTypestr(spec: ElementSpec): string {
  switch (spec.kind) {
    case 'U':
      return `${spec.byteOrder}U${spec.itemsize / 4}`;
    case 'M':
    case 'm':
      return `${spec.byteOrder}${spec.kind}8${spec.unit === '' ? '' : `[${spec.unit}]`}`;
    default:
      return `${spec.byteOrder}${spec.kind}${spec.itemsize}`;
  }
}
