/**
 * What a received heap looks like below the ItemGroup: raw items and raw
 * descriptors, as spead2's `recv.Heap.get_items()` / `get_descriptors()` give them.
 */
import type { Flavour } from './flavour';

/** One item pointer of a received heap, with its bytes. */
export interface RawItem {
  /** The item ID. */
  readonly id: number;
  /** True for an immediate item (value carried in the item pointer). */
  readonly isImmediate: boolean;
  /**
   * For an immediate: its value (the low N bits of the pointer). `bigint` only
   * when it exceeds Number.MAX_SAFE_INTEGER (possible only for N > 53).
   */
  readonly immediateValue: number | bigint;
  /**
   * The item's bytes: for an immediate, the N/8 big-endian bytes of its value;
   * for an addressed item, its slice of the heap payload (a view, not a copy).
   */
  readonly value: Uint8Array;
}

/** A descriptor as it came off the wire, before interpretation. */
export interface RawDescriptor {
  /** The described item's ID. */
  readonly id: number;
  /** The item's name, as sent. */
  readonly name: Uint8Array;
  /** The item's description, as sent. */
  readonly description: Uint8Array;
  /** Dimensions; `null` marks the variable-length one. Empty for numpy descriptors. */
  readonly shape: ReadonlyArray<number | null>;
  /** Legacy format (code, bits) pairs; empty for numpy descriptors. */
  readonly format: ReadonlyArray<readonly [string, number]>;
  /** The numpy header string, or '' when absent. */
  readonly numpyHeader: string;
}

/** The part of a received heap that `ItemGroup.update` needs. */
export interface HeapLike {
  /** The heap counter. */
  readonly cnt: number;
  /** The flavour the heap was received with (N from the packets, bug-compat from the receiver). */
  readonly flavour: Flavour;
  /**
   * Items in spead2's order: addressed items by offset, then immediates by value
   * (a stable sort on the low N bits, immediates last). Excludes the packet
   * specials (IDs 1–4) and descriptors (ID 5); STREAM_CTRL (6) is included.
   */
  getItems(): RawItem[];
  /** The descriptors the heap carries. */
  getDescriptors(): RawDescriptor[];
}
