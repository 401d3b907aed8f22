/**
 * A set of items by ID and by name, updated from received heaps (spead2's
 * `ItemGroup`).
 */
import { DESCRIPTOR_ID } from './constants';
import { decodeRawDescriptors } from './descriptor-codec';
import { Descriptor } from './descriptor';
import type { Flavour } from './flavour';
import { Item, ItemInit, ValueSource } from './item';
import type { HeapLike, RawDescriptor, RawItem } from './raw';
import { Heap } from './recv/heap';
import { invalidArgType } from './arg-errors';

/** Options for `addItem`: `id` may be omitted (the first free ID from 0x1000 is used). */
export type AddItemOptions = Omit<ItemInit, 'id'> & {
  /** The item ID; omitted or null: the first free ID from 0x1000. */
  id?: number | null;
};

/**
 * Items by ID and by name.
 *
 * @example
 * const group = new ItemGroup();
 * for await (const heap of stream) {
 *   for (const [name, item] of group.update(heap)) console.log(name, item.value);
 *   heap.release();
 * }
 */
export class ItemGroup {
  private readonly byId = new Map<number, Item>();
  private readonly byName = new Map<string, Item>();
  /** The received descriptor each item was last made or confirmed from. */
  private readonly appliedDescriptor = new WeakMap<Item, Descriptor>();
  private readonly descriptorCache: Array<{ bytes: Buffer; bugCompat: number; entries: DescriptorEntry[] }> = [];

  /**
   * Adds an item (or replaces one). An identical descriptor keeps the existing
   * Item object (assigning the value, if given); a different one replaces any
   * item with the same ID or name.
   */
  addItem(options: AddItemOptions): Item {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object ({ name, dtype or format, shape, … })', options);
    let id = options.id ?? null;
    if (id === null) {
      id = 0x1000;
      while (this.byId.has(id)) id++;
    }
    const item = new Item({ ...options, id, value: undefined });
    const existing = this.byId.get(id);
    if (existing !== undefined && existing.equals(item)) {
      if (options.value !== undefined) existing.value = options.value;
      return existing;
    }
    const old = [this.byId.get(id), this.byName.get(item.name)].filter((x): x is Item => x !== undefined);
    for (const o of old) {
      this.byId.delete(o.id);
      this.byName.delete(o.name);
    }
    // A replaced item's successor has a newer version, so generators send it.
    item.version = Math.max(1, ...old.map((o) => o.version + 1));
    if (options.value !== undefined) item.value = options.value;
    this.byId.set(id, item);
    this.byName.set(item.name, item);
    return item;
  }

  /** The item with this name or ID; a RangeError if there is none. */
  get(key: string | number): Item {
    const item = typeof key === 'number' ? this.byId.get(key) : this.byName.get(key);
    if (item === undefined) throw new RangeError(`no item ${typeof key === 'number' ? `with ID 0x${key.toString(16)}` : `named '${key}'`}`);
    return item;
  }

  /** True if there is an item with this name or ID. */
  has(key: string | number): boolean {
    return typeof key === 'number' ? this.byId.has(key) : this.byName.has(key);
  }

  /** Names, in the order items were added. */
  keys(): string[] {
    return [...this.byId.values()].map((i) => i.name);
  }

  /** IDs, in the order items were added. */
  ids(): number[] {
    return [...this.byId.keys()];
  }

  /** Items, in the order they were added. */
  values(): Item[] {
    return [...this.byId.values()];
  }

  /** [name, item] pairs. */
  items(): Array<[string, Item]> {
    return this.values().map((i) => [i.name, i]);
  }

  /** Number of items. */
  get size(): number {
    return this.byId.size;
  }

  /** Iterates over the names. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  /**
   * Applies a received heap: its descriptors first, then its values. Returns
   * the items the heap changed, by name, and in `errors` the items it could
   * not apply: a descriptor that cannot be used (a bad numpy header, a dtype
   * this library cannot hold) is an error on that item only, and so is a
   * value that does not fit its descriptor. Every other item of the heap is
   * still applied.
   *
   * Array values are decoded on first read. A large value that views the
   * heap's memory (host byte order; the other byte order is swapped in place
   * there) keeps that memory from the heap's allocator or pool until the
   * item's next value, so `item.value` stays valid after `heap.release()`;
   * smaller values (under 4 KiB) are copied. A TypedArray taken from an item
   * and kept after the item has a newer value is emptied once its memory goes
   * back: copy it (`.slice()`) or call `item.detach()` to keep it.
   *
   * @example
   * const changed = group.update(heap);
   * for (const e of changed.errors) console.warn(`item ${e.id}: ${e.error.message}`);
   */
  update(heap: HeapLike): ItemUpdates {
    const h = heap as Partial<HeapLike> | null;
    if (h === null || typeof h !== 'object' || typeof h.getItems !== 'function' || typeof h.getDescriptors !== 'function' || h.flavour === undefined) {
      throw invalidArgType('heap', 'a received heap (recv.Heap, or anything with getItems, getDescriptors and flavour)', heap);
    }
    const result = new ItemUpdates();
    const source = asValueSource(heap);
    const { descriptors, valueItems } = this.split(heap);
    const refused = new Set<number>();
    for (const entries of descriptors) {
      for (const entry of entries) {
        if (entry.error !== undefined) {
          refused.add(entry.id);
          result.errors.push({ id: entry.id, name: entry.name, error: entry.error });
          continue;
        }
        const d = entry.descriptor!;
        const existing = this.byId.get(d.id);
        if (existing !== undefined && this.appliedDescriptor.get(existing) === d) continue;
        const item = d.format === null
          ? this.addItem({ id: d.id, name: d.name, description: d.description, shape: d.shape, dtype: d.dtype!.descr, order: d.order })
          : this.addItem({ id: d.id, name: d.name, description: d.description, shape: d.shape, format: d.format });
        this.appliedDescriptor.set(item, d);
      }
    }
    for (const raw of valueItems) {
      if (raw.id <= 6) continue; // specials and stream control
      if (refused.has(raw.id)) continue; // its error is reported already
      const item = this.byId.get(raw.id);
      if (item === undefined) continue; // spead2 logs and ignores values without a descriptor
      try {
        item.setFromRaw(raw, source);
      } catch (e) {
        result.errors.push({ id: raw.id, name: item.name, error: coded(e, 'ERR_SPEAD_BAD_VALUE') });
        continue;
      }
      result.set(item.name, item);
    }
    return result;
  }

  /**
   * The heap's descriptors and value items, in one pass over a received
   * heap's items. A descriptor item's bytes are parsed once per distinct
   * byte string: senders repeat the same descriptors in heap after heap.
   */
  private split(heap: HeapLike): { descriptors: DescriptorEntry[][]; valueItems: RawItem[] } {
    if (!(heap instanceof Heap)) {
      return { descriptors: [heap.getDescriptors().map((rd) => parseDescriptor(rd, heap.flavour))], valueItems: heap.getItems() };
    }
    const descriptors: DescriptorEntry[][] = [];
    const valueItems: RawItem[] = [];
    for (const it of heap.getItems(true)) {
      if (it.id !== DESCRIPTOR_ID) valueItems.push(it);
      else if (!it.isImmediate) descriptors.push(this.descriptorsOf(it, heap.flavour));
    }
    return { descriptors, valueItems };
  }

  private descriptorsOf(raw: RawItem, flavour: Flavour): DescriptorEntry[] {
    const bytes = raw.value;
    // Most streams repeat one or two descriptor items: a linear scan with a
    // native compare beats building a key string per heap.
    for (const c of this.descriptorCache) {
      if (c.bugCompat === flavour.bugCompat && c.bytes.length === bytes.length && c.bytes.equals(bytes)) return c.entries;
    }
    const entries = decodeRawDescriptors(bytes, flavour.bugCompat).map((rd) => parseDescriptor(rd, flavour));
    if (this.descriptorCache.length >= DESCRIPTOR_CACHE_SIZE) this.descriptorCache.shift();
    this.descriptorCache.push({ bytes: Buffer.from(bytes), bugCompat: flavour.bugCompat, entries });
    return entries;
  }
}

function parseDescriptor(rd: RawDescriptor, flavour: Flavour): DescriptorEntry {
  try {
    return { id: rd.id, name: null, descriptor: Descriptor.fromRaw(rd, flavour) };
  } catch (e) {
    return { id: rd.id, name: Buffer.from(rd.name).toString('latin1'), error: coded(e, 'ERR_SPEAD_BAD_DESCRIPTOR') };
  }
}

/** Distinct descriptor byte strings remembered per ItemGroup. */
const DESCRIPTOR_CACHE_SIZE = 16;

interface DescriptorEntry {
  id: number;
  name: string | null;
  descriptor?: Descriptor;
  error?: Error & { code: string };
}

/** An item of a heap that `ItemGroup.update` could not apply. */
export interface ItemUpdateError {
  /** The item ID. */
  id: number;
  /** The item's name, when known. */
  name: string | null;
  /**
   * Why: `code` is `'ERR_SPEAD_BAD_DESCRIPTOR'` (the heap's descriptor for
   * the item cannot be used; its values in this heap are skipped too) or
   * `'ERR_SPEAD_BAD_VALUE'` (the value does not fit the descriptor). The
   * original error is its `cause`.
   */
  error: Error & { code: string };
}

/** What `ItemGroup.update` returns: the items changed, by name, and the ones refused. */
export class ItemUpdates extends Map<string, Item> {
  /** Items of the heap that could not be applied (empty when all went well). */
  readonly errors: ItemUpdateError[] = [];
}

function coded(e: unknown, code: string): Error & { code: string } {
  const cause = e instanceof Error ? e : new Error(String(e));
  const err = new Error(cause.message, { cause }) as Error & { code: string };
  err.code = code;
  return err;
}

/** The heap as a ValueSource when it can hold its memory for an item (recv.Heap can). */
function asValueSource(heap: HeapLike): ValueSource | undefined {
  const h = heap as Partial<ValueSource>;
  return typeof h.retain === 'function' && typeof h.unretain === 'function' ? (heap as unknown as ValueSource) : undefined;
}
