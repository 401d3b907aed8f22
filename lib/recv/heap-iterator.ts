/**
 * `for await (const heap of stream)` over a receive stream: the heaps of its
 * batch iterator one by one.
 * @internal
 */
import type { Heap, IncompleteHeap } from './heap';

/** What Node's stream iterator throws when a stream is destroyed before its end. */
export function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * The heaps of a batch iterator one by one. Not an async generator: a heap
 * already taken costs one resolved promise, not a generator's round trips.
 */
export class HeapIterator implements NodeJS.AsyncIterator<Heap | IncompleteHeap> {
  private heaps: Array<Heap | IncompleteHeap> = [];
  private position = 0;
  /** A refill under way: next() calls that overlap it wait for it. */
  private pending: Promise<unknown> | undefined;

  /** Heaps of the current batch reported to `onDelivered`. */
  private reported = 0;

  /**
   * `onDelivered(n)` is told when n more heaps of a batch have been handed to
   * the loop (once, halfway through a batch of 4 or more).
   */
  constructor(
    private readonly batches: AsyncGenerator<Array<Heap | IncompleteHeap>, void, undefined>,
    private readonly onDelivered: (n: number) => void = () => undefined,
  ) {}

  next(): Promise<IteratorResult<Heap | IncompleteHeap, undefined>> {
    if (this.pending !== undefined) return this.pending.then(() => this.next());
    if (this.position < this.heaps.length) {
      if (this.reported === 0 && this.heaps.length >= 4 && 2 * this.position >= this.heaps.length) {
        this.reported = this.position;
        this.onDelivered(this.position);
      }
      return Promise.resolve({ value: this.heaps[this.position++], done: false });
    }
    const refill = this.refill();
    this.pending = refill;
    return refill.finally(() => (this.pending = undefined));
  }

  private async refill(): Promise<IteratorResult<Heap | IncompleteHeap, undefined>> {
    const r = await this.batches.next();
    if (r.done === true) {
      this.heaps = [];
      return { value: undefined, done: true };
    }
    this.heaps = r.value;
    this.position = 1;
    this.reported = 0;
    return { value: r.value[0], done: false };
  }

  async return(): Promise<IteratorResult<Heap | IncompleteHeap, undefined>> {
    this.heaps = [];
    await this.batches.return();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<Heap | IncompleteHeap, undefined>> {
    this.heaps = [];
    await this.batches.throw(error);
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
