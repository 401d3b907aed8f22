/**
 * Item descriptors: an item's ID, name, description, shape and type (a numpy
 * dtype or a legacy format), as spead2's `Descriptor`.
 */
import { BUG_COMPAT_SWAP_ENDIAN } from './constants';
import { encodeRawDescriptor } from './descriptor-codec';
import { Descr, DType, DTypeError } from './dtype';
import { Flavour } from './flavour';
import { Format, formatBits, formatToDType, validateFormat } from './legacy-format';
import { formatNumpyHeader, parseNumpyHeader } from './numpy-header';
import type { RawDescriptor } from './raw';

/** A shape: dimensions, with `null` for the one variable-length dimension. */
export type Shape = ReadonlyArray<number | null>;

/** What a Descriptor is made from: exactly one of `dtype` and `format`. */
export interface DescriptorInit {
  /** The item ID (1 to the flavour's maximum). */
  id: number;
  /** The item's name (ASCII, unique in an ItemGroup). */
  name: string;
  /** A description (ASCII). */
  description?: string;
  /** Dimensions; null marks the one variable dimension (legacy formats only). Default: a scalar. */
  shape?: Shape;
  /**
   * numpy descr: '<u2', '>f2', '|S5', '<U8', '<M8[ns]', '|V4', or record
   * fields [[name, type], [name, type, subShape], …], where type may itself be
   * a list of fields (a nested record).
   */
  dtype?: Descr;
  /** 'C' (row-major, default) or 'F' (column-major; numpy dtypes only). */
  order?: 'C' | 'F';
  /** Legacy format: [['u', 12], ['i', 4]]. */
  format?: Format;
}

const latin1 = new TextDecoder('latin1');

function checkAscii(text: string, what: string): string {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 127) throw new RangeError(`${what} must be ASCII: ${JSON.stringify(text)}`);
  }
  return text;
}

/** An item's metadata (spead2's `Descriptor`). */
export class Descriptor {
  /** The item ID. */
  readonly id: number;
  /** The item's name. */
  readonly name: string;
  /** The item's description. */
  readonly description: string;
  /** Dimensions, with null for a variable one. */
  readonly shape: Shape;
  /** The numpy dtype, or null for a legacy format without a fast path. */
  readonly dtype: DType | null;
  /** Row-major (C) or column-major (F) layout on the wire. */
  readonly order: 'C' | 'F';
  /** The legacy format, or null for numpy items. */
  readonly format: Format | null;

  constructor(init: DescriptorInit) {
    if (!Number.isSafeInteger(init.id) || init.id <= 0) throw new RangeError(`item ID must be a positive integer, not ${init.id}`);
    this.id = init.id;
    this.name = checkAscii(init.name, 'item name');
    this.description = checkAscii(init.description ?? '', 'item description');
    const shape = [...(init.shape ?? [])];
    if (shape.filter((d) => d === null).length > 1) throw new RangeError(`item '${init.name}': at most one dimension may be variable`);
    for (const d of shape) if (d !== null && (!Number.isSafeInteger(d) || d < 0)) throw new RangeError(`item '${init.name}': bad dimension ${d}`);
    this.shape = Object.freeze(shape);
    this.order = init.order ?? 'C';
    if (this.order !== 'C' && this.order !== 'F') throw new RangeError(`item '${init.name}': order must be 'C' or 'F'`);
    if ((init.dtype === undefined) === (init.format === undefined)) {
      throw new RangeError(`item '${init.name}': exactly one of dtype and format must be given`);
    }
    if (init.dtype !== undefined) {
      this.dtype = DType.parse(init.dtype);
      this.format = null;
      if (this.dtype.itemsize === 0) throw new RangeError(`item '${init.name}': dtype has size 0`);
      if (shape.includes(null)) throw new RangeError(`item '${init.name}': a variable dimension needs a legacy format, not a dtype`);
      // spead2 sends the header as ASCII, so record field names must be ASCII too.
      checkAscii(formatNumpyHeader({ descr: this.dtype.descr, fortranOrder: false, shape: [] }), `item '${init.name}': the numpy header`);
    } else {
      validateFormat(init.format!);
      if (this.order !== 'C') throw new RangeError(`item '${init.name}': Fortran order needs a dtype`);
      this.format = Object.freeze(init.format!.map(([c, b]) => [c, b] as const));
      this.dtype = formatToDType(this.format);
    }
  }

  /** Bits in one element. */
  get itemsizeBits(): number {
    return this.format !== null ? formatBits(this.format) : this.dtype!.itemsize * 8;
  }

  /** True when a dimension is variable. */
  isVariableSize(): boolean {
    return this.shape.includes(null);
  }

  /** May the value travel in the item pointer (fixed size, whole bytes)? */
  allowImmediate(): boolean {
    return !this.isVariableSize() && (this.format === null || this.itemsizeBits % 8 === 0);
  }

  /** The shape with the variable dimension resolved from the elements available. */
  dynamicShape(maxElements: number): number[] {
    const known = this.shape.reduce<number>((n, d) => n * (d ?? 1), 1);
    return this.shape.map((d) => (d === null ? (known === 0 ? 0 : Math.floor(maxElements / known)) : d));
  }

  /** True if this descriptor is the same as another (same ID, name, type and shape). */
  equals(other: Descriptor): boolean {
    return (
      this.id === other.id &&
      this.name === other.name &&
      this.description === other.description &&
      JSON.stringify(this.shape) === JSON.stringify(other.shape) &&
      this.order === other.order &&
      JSON.stringify(this.format) === JSON.stringify(other.format) &&
      (this.format !== null || JSON.stringify(this.dtype?.descr) === JSON.stringify(other.dtype?.descr))
    );
  }

  /** Builds a descriptor from one received off the wire. Throws naming the item on a bad header. */
  static fromRaw(raw: RawDescriptor, flavour: Flavour): Descriptor {
    const name = latin1.decode(raw.name);
    const description = latin1.decode(raw.description);
    if (raw.numpyHeader !== '') {
      let header;
      try {
        header = parseNumpyHeader(raw.numpyHeader);
      } catch (e) {
        throw new RangeError(`descriptor of item '${name}' (ID ${raw.id}): ${(e as Error).message}`);
      }
      let dtype;
      try {
        dtype = DType.parse(header.descr);
      } catch (e) {
        if (e instanceof DTypeError) throw new DTypeError(`descriptor of item '${name}' (ID ${raw.id}): ${e.message}`);
        throw e;
      }
      if (flavour.bugCompat & BUG_COMPAT_SWAP_ENDIAN) dtype = dtype.swapped();
      return new Descriptor({ id: raw.id, name, description, shape: header.shape, dtype: dtype.descr, order: header.fortranOrder ? 'F' : 'C' });
    }
    return new Descriptor({ id: raw.id, name, description, shape: raw.shape, format: raw.format });
  }

  /** The descriptor as spead2 encodes it (the value of item 5). */
  toRaw(flavour: Flavour): Uint8Array {
    if (this.format !== null) {
      return encodeRawDescriptor({ id: this.id, name: this.name, description: this.description, shape: this.shape, format: this.format, numpyHeader: '' }, flavour);
    }
    let dtype = this.dtype!;
    if (flavour.bugCompat & BUG_COMPAT_SWAP_ENDIAN) dtype = dtype.swapped();
    const numpyHeader = formatNumpyHeader({ descr: dtype.descr, fortranOrder: this.order === 'F', shape: this.shape as number[] });
    return encodeRawDescriptor({ id: this.id, name: this.name, description: this.description, shape: this.shape, format: [], numpyHeader }, flavour);
  }
}
