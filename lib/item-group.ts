/**
 * A set of items by ID and by name, updated from received heaps (spead2's
 * `ItemGroup`).
 */
import { Descriptor } from './descriptor';
import { Item, ItemInit } from './item';
import type { HeapLike } from './raw';

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

  /**
   * Adds an item (or replaces one). An identical descriptor keeps the existing
   * Item object (assigning the value, if given); a different one replaces any
   * item with the same ID or name.
   */
  addItem(options: AddItemOptions): Item {
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
   * the items the heap changed, by name. A bad descriptor or value throws a
   * RangeError naming the item; what was applied before it is kept.
   */
  update(heap: HeapLike): Map<string, Item> {
    for (const raw of heap.getDescriptors()) {
      const d = Descriptor.fromRaw(raw, heap.flavour);
      if (d.format === null) this.addItem({ id: d.id, name: d.name, description: d.description, shape: d.shape, dtype: d.dtype!.descr, order: d.order });
      else this.addItem({ id: d.id, name: d.name, description: d.description, shape: d.shape, format: d.format });
    }
    const updated = new Map<string, Item>();
    for (const raw of heap.getItems()) {
      if (raw.id <= 6) continue; // specials and stream control
      const item = this.byId.get(raw.id);
      if (item === undefined) continue; // spead2 logs and ignores values without a descriptor
      item.setFromRaw(raw);
      updated.set(item.name, item);
    }
    return updated;
  }
}
