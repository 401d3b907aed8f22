import { BUG_COMPAT_PYSPEAD_0_5_2 } from './constants';

/**
 * A SPEAD flavour: SPEAD-64-N (N = `heapAddressBits`) plus PySPEAD
 * bug-compatibility bits. `new Flavour()` is SPEAD-64-40 without quirks, as in spead2.
 *
 * @example
 * const f = new Flavour(4, 64, 48);
 */
export class Flavour {
  /** SPEAD version; only 4 exists. */
  readonly version: number;
  /** Bits in an item pointer; only 64 is supported. */
  readonly itemPointerBits: number;
  /** N: bits of address (or immediate value) in an item pointer. */
  readonly heapAddressBits: number;
  /** Bitmask of BUG_COMPAT_* flags. */
  readonly bugCompat: number;

  constructor(version = 4, itemPointerBits = 64, heapAddressBits = 40, bugCompat = 0) {
    if (version !== 4) throw new RangeError(`Flavour: SPEAD version must be 4, not ${version}`);
    if (itemPointerBits !== 64) throw new RangeError(`Flavour: item pointer bits must be 64, not ${itemPointerBits}`);
    if (!Number.isInteger(heapAddressBits) || heapAddressBits <= 0 || heapAddressBits >= 64 || heapAddressBits % 8 !== 0) {
      throw new RangeError(`Flavour: heap address bits must be a multiple of 8 between 8 and 56, not ${heapAddressBits}`);
    }
    if (!Number.isInteger(bugCompat) || (bugCompat & ~BUG_COMPAT_PYSPEAD_0_5_2) !== 0) {
      throw new RangeError(`Flavour: unknown bug_compat flags ${bugCompat}`);
    }
    this.version = version;
    this.itemPointerBits = itemPointerBits;
    this.heapAddressBits = heapAddressBits;
    this.bugCompat = bugCompat;
    Object.freeze(this);
  }

  /** Bytes of an immediate value or address: N / 8. */
  get addressBytes(): number {
    return this.heapAddressBits / 8;
  }

  /** Bits available for an item ID: 63 − N. */
  get itemIdBits(): number {
    return 63 - this.heapAddressBits;
  }

  /** The largest item ID this flavour can carry. */
  get maxItemId(): number {
    return 2 ** this.itemIdBits - 1;
  }

  /** As spead2: flavours are equal when N and the bug-compat bits are. */
  equals(other: Flavour): boolean {
    return this.heapAddressBits === other.heapAddressBits && this.bugCompat === other.bugCompat;
  }

  /** "SPEAD-64-N", with any bug-compat flags. */
  toString(): string {
    return `SPEAD-${this.itemPointerBits}-${this.heapAddressBits}` + (this.bugCompat ? ` (bug_compat ${this.bugCompat})` : '');
  }
}
