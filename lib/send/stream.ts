/**
 * What every send stream shares: heap cnt sequences, groups of heaps prepared
 * for one crossing into the addon, promises that settle when the stream no
 * longer needs a heap's memory, and the Writable face (backpressure at
 * `maxHeaps` heaps in flight).
 */
import type { Writable as NodeWritable } from 'stream';
import * as rs from 'readable-stream';
import { getSystemErrorMap } from 'util';
import type { NativeSendHeap } from '../native';
import { StreamConfig, StreamConfigInit } from './config';
import { Heap } from './heap';
import { GroupMode, HeapOptions, HeapReference, HeapReferenceList } from './heap-reference';
import { invalidArgType } from '../arg-errors';

const WritableBase = rs.Writable as unknown as typeof NodeWritable;

/** What the Writable face accepts: a heap, a reference, or a whole group. */
export type SendChunk =
  | Heap
  | HeapReference
  | {
      /** The heaps of the group. */
      heaps: Array<Heap | HeapReference> | HeapReferenceList;
      /** Their order on the wire (default ROUND_ROBIN). */
      mode?: GroupMode;
    };

/** A group ready for the addon: one array per field. */
export interface PreparedGroup {
  heaps: NativeSendHeap[];
  cnts: Float64Array;
  substreams: Float64Array;
  rates: Float64Array;
  mode: GroupMode;
  /** The cnt sequence's next value once this group is accepted. */
  nextCnt: number;
}

/** An Error for an errno from the native side, with Node's `code` and `errno`. */
export function systemError(errno: number, what: string): NodeJS.ErrnoException {
  const entry = getSystemErrorMap().get(-errno);
  const code = entry?.[0] ?? `E${errno}`;
  const err: NodeJS.ErrnoException = new Error(`${what}: ${entry?.[1] ?? 'error'} (${code})`);
  err.code = code;
  err.errno = -errno;
  return err;
}

/**
 * The base of every send stream. Use `sendHeap`/`sendHeaps` (promises) or
 * write heaps to it as a Writable (`pipeline(source, stream)`).
 */
export abstract class SendStream extends WritableBase {
  /** The stream's configuration. */
  readonly config: StreamConfig;
  private nextCnt = 1;
  private cntStep = 1;
  private readonly pending = new Set<Promise<number>>();
  private waitingForSpace: Array<() => void> = [];

  protected constructor(config: StreamConfig | StreamConfigInit) {
    const c = config instanceof StreamConfig ? config : new StreamConfig(config);
    super({ objectMode: true, highWaterMark: c.maxHeaps });
    this.config = c;
  }

  /** Number of substreams (endpoints or queues). */
  abstract get numSubstreams(): number;

  /** @internal Hands a prepared group to the transport; resolves with the bytes sent. */
  protected abstract submit(group: PreparedGroup): Promise<number>;

  /** Heaps queued or being sent. */
  abstract get heapsInFlight(): number;

  /**
   * Sends one heap. Resolves with the bytes sent once the stream no longer
   * needs the heap's memory (so its arrays may be refilled).
   */
  sendHeap(heap: Heap, options: HeapOptions = {}): Promise<number> {
    return this.sendHeaps([new HeapReference(heap, options)], GroupMode.SERIAL);
  }

  /**
   * Sends a group of heaps, all or nothing, in one crossing into the addon.
   * Rejects at once (nothing queued, cnt sequence unchanged) for an empty or
   * invalid group, or when it does not fit in the free in-flight space
   * (`code: 'EAGAIN'`, as spead2 refuses it).
   */
  sendHeaps(heaps: Array<Heap | HeapReference> | HeapReferenceList, mode: GroupMode = GroupMode.ROUND_ROBIN): Promise<number> {
    let promise: Promise<number>;
    try {
      const group = this.prepare(heaps, mode);
      promise = this.submit(group);
      this.nextCnt = group.nextCnt;
    } catch (e) {
      return Promise.reject(e);
    }
    this.pending.add(promise);
    const done = (): void => {
      this.pending.delete(promise);
      const waiters = this.waitingForSpace;
      this.waitingForSpace = [];
      for (const w of waiters) w();
    };
    promise.then(done, done);
    return promise;
  }

  /**
   * Sets the heap cnt sequence for heaps sent without an explicit cnt (spead2's
   * `set_cnt_sequence`). Automatic cnts start at 1 with step 1.
   */
  setCntSequence(next: number, step: number): void {
    if (!Number.isSafeInteger(next) || next < 0) throw new RangeError(`cnt sequence start must be a non-negative integer, not ${next}`);
    if (!Number.isSafeInteger(step) || step <= 0) throw new RangeError(`cnt sequence step must be a positive integer, not ${step}`);
    this.nextCnt = next;
    this.cntStep = step;
  }

  /** Resolves once every heap queued before the call has been sent (or failed). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private prepare(heaps: Array<Heap | HeapReference> | HeapReferenceList, mode: GroupMode): PreparedGroup {
    if (!(heaps instanceof HeapReferenceList) && !Array.isArray(heaps)) {
      throw invalidArgType('heaps', 'an array of send.Heap or send.HeapReference, or a send.HeapReferenceList', heaps);
    }
    const list = heaps instanceof HeapReferenceList ? null : heaps;
    const refs: readonly HeapReference[] =
      heaps instanceof HeapReferenceList ? heaps.references : list!.map((h) => (h instanceof HeapReference ? h : new HeapReference(h)));
    if (refs.length === 0) throw new RangeError('cannot send an empty group of heaps');
    if (mode !== GroupMode.ROUND_ROBIN && mode !== GroupMode.SERIAL) throw new RangeError(`unknown group mode ${String(mode)}`);
    const n = refs.length;
    const cnts = heaps instanceof HeapReferenceList ? Float64Array.from(heaps.cnts) : new Float64Array(n);
    const substreams = heaps instanceof HeapReferenceList ? heaps.substreams : new Float64Array(n);
    const rates = heaps instanceof HeapReferenceList ? heaps.rates : new Float64Array(n);
    const nativeHeaps: NativeSendHeap[] = new Array(n);
    let next = this.nextCnt;
    for (let i = 0; i < n; i++) {
      const r = refs[i];
      if (!(r.heap instanceof Heap)) throw new TypeError('sendHeaps takes send.Heap objects (or HeapReferences to them)');
      if (r.substreamIndex >= this.numSubstreams) {
        throw new RangeError(`substreamIndex ${r.substreamIndex} is out of range (the stream has ${this.numSubstreams})`);
      }
      const bits = r.heap.flavour.heapAddressBits;
      let cnt = r.cnt;
      if (cnt < 0) {
        cnt = bits >= 53 ? next : next % 2 ** bits; // automatic cnts wrap to the flavour's bits
        next += this.cntStep;
      } else if (bits < 53 && cnt >= 2 ** bits) {
        throw new RangeError(`heap cnt ${cnt} does not fit in ${bits} bits`);
      }
      cnts[i] = cnt;
      if (!(heaps instanceof HeapReferenceList)) {
        substreams[i] = r.substreamIndex;
        rates[i] = r.rate;
      }
      nativeHeaps[i] = r.heap.toNative();
    }
    return { heaps: nativeHeaps, cnts, substreams, rates, mode, nextCnt: next };
  }

  private static groupOf(chunk: SendChunk): { heaps: Array<Heap | HeapReference> | HeapReferenceList; mode: GroupMode } {
    if (chunk instanceof Heap || chunk instanceof HeapReference) return { heaps: [chunk], mode: GroupMode.SERIAL };
    if (chunk !== null && typeof chunk === 'object' && 'heaps' in chunk) return { heaps: chunk.heaps, mode: chunk.mode ?? GroupMode.ROUND_ROBIN };
    throw new TypeError('a send stream takes send.Heap, HeapReference or { heaps, mode } objects');
  }

  /** Sends a group through the Writable face: waits for space rather than failing. */
  private writeGroup(heaps: Array<Heap | HeapReference> | HeapReferenceList, mode: GroupMode, callback: (error?: Error | null) => void): void {
    const size = heaps.length;
    if (size > this.config.maxHeaps) {
      // Larger than the stream can hold at once: in slices of maxHeaps.
      const all = heaps instanceof HeapReferenceList ? [...heaps.references] : heaps;
      const first = all.slice(0, this.config.maxHeaps);
      const rest = all.slice(this.config.maxHeaps);
      this.writeGroup(first, mode, (err) => (err ? callback(err) : this.writeGroup(rest, mode, callback)));
      return;
    }
    if (this.heapsInFlight + size > this.config.maxHeaps) {
      this.waitingForSpace.push(() => this.writeGroup(heaps, mode, callback));
      return;
    }
    const promise = this.sendHeaps(heaps, mode);
    promise.catch((err: Error) => this.destroy(err));
    // The write completes as soon as the group is queued; backpressure comes
    // from waiting for space above.
    callback();
  }

/** @internal Node stream implementation. */
  override _write(chunk: SendChunk, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let group;
    try {
      group = SendStream.groupOf(chunk);
    } catch (e) {
      callback(e as Error);
      return;
    }
    this.writeGroup(group.heaps, group.mode, callback);
  }

/** @internal Node stream implementation. */
  override _writev(chunks: Array<{ chunk: SendChunk }>, callback: (error?: Error | null) => void): void {
    // Buffered writes become one group (the batching lesson: one crossing).
    const heaps: Array<Heap | HeapReference> = [];
    for (const { chunk } of chunks) {
      let g;
      try {
        g = SendStream.groupOf(chunk);
      } catch (e) {
        callback(e as Error);
        return;
      }
      heaps.push(...(g.heaps instanceof HeapReferenceList ? g.heaps.references : g.heaps));
    }
    this.writeGroup(heaps, GroupMode.SERIAL, callback);
  }

/** @internal Node stream implementation. */
  override _final(callback: (error?: Error | null) => void): void {
    this.flush().then(() => callback(), callback);
  }
}
