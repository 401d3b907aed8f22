/**
 * Builds heaps from an ItemGroup, sending descriptors and values only when
 * they are stale (spead2's `send.HeapGenerator` and `send.ItemGroup`).
 */
import { Flavour } from '../flavour';
import { Item } from '../item';
import { ItemGroup } from '../item-group';
import { Heap } from './heap';

/** Which descriptors or values go in a heap. */
export type Selection = 'stale' | 'all' | 'none';

interface SentInfo {
  descriptorCnt: number | null;
  version: number | null;
}

function checkSelection(what: string, s: Selection): void {
  if (s !== 'stale' && s !== 'all' && s !== 'none') throw new RangeError(`${what} must be 'stale', 'all' or 'none', not ${JSON.stringify(s)}`);
}

/**
 * Makes heaps of an item group's changes.
 *
 * @example
 * const gen = new send.HeapGenerator(items);
 * await stream.sendHeap(gen.getHeap()); // descriptors and values
 * items.get('x').value = next;
 * await stream.sendHeap(gen.getHeap()); // only x's value
 */
export class HeapGenerator {
  private readonly sent = new WeakMap<Item, SentInfo>();
  private descriptorCnt = 0;

  /**
   * @param itemGroup the items
   * @param descriptorFrequency resend each descriptor every this many heaps (null: only when new)
   * @param flavour the flavour of the heaps
   */
  constructor(
    readonly itemGroup: ItemGroup,
    readonly descriptorFrequency: number | null = null,
    readonly flavour: Flavour = new Flavour(),
  ) {
    if (descriptorFrequency !== null && (!Number.isSafeInteger(descriptorFrequency) || descriptorFrequency < 1)) {
      throw new RangeError(`descriptorFrequency must be a positive integer or null, not ${descriptorFrequency}`);
    }
  }

  private info(item: Item): SentInfo {
    let i = this.sent.get(item);
    if (i === undefined) {
      i = { descriptorCnt: null, version: null };
      this.sent.set(item, i);
    }
    return i;
  }

  private descriptorStale(info: SentInfo): boolean {
    if (info.descriptorCnt === null) return true;
    return this.descriptorFrequency !== null && this.descriptorCnt - info.descriptorCnt >= this.descriptorFrequency;
  }

  /** Adds the chosen descriptors and values to an existing heap, item by item (descriptor, then value). */
  addToHeap(heap: Heap, { descriptors = 'stale', data = 'stale' }: { descriptors?: Selection; data?: Selection } = {}): Heap {
    checkSelection('descriptors', descriptors);
    checkSelection('data', data);
    for (const item of this.itemGroup.values()) {
      const info = this.info(item);
      if (descriptors === 'all' || (descriptors === 'stale' && this.descriptorStale(info))) {
        heap.addDescriptor(item);
        info.descriptorCnt = this.descriptorCnt;
      }
      if (item.value !== null && (data === 'all' || (data === 'stale' && info.version !== item.version))) {
        heap.addItem(item);
        info.version = item.version;
      }
    }
    this.descriptorCnt++;
    return heap;
  }

  /** A new heap of the chosen descriptors and values. */
  getHeap(options: { descriptors?: Selection; data?: Selection } = {}): Heap {
    return this.addToHeap(new Heap(this.flavour), options);
  }

  /** A heap that marks the start of the stream. */
  getStart(): Heap {
    const heap = new Heap(this.flavour);
    heap.addStart();
    return heap;
  }

  /** A heap that ends the stream: receivers stop when they see it. */
  getEnd(): Heap {
    const heap = new Heap(this.flavour);
    heap.addEnd();
    return heap;
  }
}

/**
 * An ItemGroup that makes its own heaps (spead2's `send.ItemGroup`).
 *
 * @example
 * const items = new send.ItemGroup();
 * items.addItem({ name: 'adc', description: 'samples', shape: [1024], dtype: '<i2', value: new Int16Array(1024) });
 * await stream.sendHeap(items.getHeap());
 */
export class SendItemGroup extends ItemGroup {
  private readonly generator: HeapGenerator;

  constructor({ descriptorFrequency = null, flavour = new Flavour() }: { descriptorFrequency?: number | null; flavour?: Flavour } = {}) {
    super();
    this.generator = new HeapGenerator(this, descriptorFrequency, flavour);
  }

  /** The flavour of the heaps. */
  get flavour(): Flavour {
    return this.generator.flavour;
  }

/** A new heap of the chosen descriptors and values (see HeapGenerator.getHeap). */
  getHeap(options: { descriptors?: Selection; data?: Selection } = {}): Heap {
    return this.generator.getHeap(options);
  }

/** Adds the chosen descriptors and values to an existing heap. */
  addToHeap(heap: Heap, options: { descriptors?: Selection; data?: Selection } = {}): Heap {
    return this.generator.addToHeap(heap, options);
  }

/** A heap that marks the start of the stream. */
  getStart(): Heap {
    return this.generator.getStart();
  }

/** A heap that ends the stream. */
  getEnd(): Heap {
    return this.generator.getEnd();
  }
}
