/**
 * Per-heap send options and pre-built groups (spead2's `HeapReference`,
 * `HeapReferenceList`, `GroupMode`).
 */
import type { Heap } from './heap';
import { invalidArgType } from '../arg-errors';

/** How the packets of a group of heaps are ordered on the wire. */
export enum GroupMode {
  /** One packet of each unfinished heap in turn. */
  ROUND_ROBIN = 0,
  /** Each heap whole, one after the other. */
  SERIAL = 1,
}

/** Options for one heap of a group. */
export interface HeapOptions {
  /** Explicit heap cnt; omitted or negative: the stream's sequence. */
  cnt?: number;
  /** Which endpoint (substream) to send to. Default 0. */
  substreamIndex?: number;
  /** Rate for this heap (bytes/s): negative = the stream's, 0 = unlimited. Default -1. */
  rate?: number;
}

/**
 * A heap with its per-heap options.
 *
 * @example
 * await stream.sendHeaps([new send.HeapReference(heap, { substreamIndex: 1 })], send.GroupMode.SERIAL);
 */
export class HeapReference {
/** The heap to send. */
  readonly heap: Heap;
/** Explicit heap cnt, or -1 for the stream's sequence. */
  readonly cnt: number;
/** The substream (endpoint) it goes to. */
  readonly substreamIndex: number;
/** Rate for this heap: negative = the stream's, 0 = unlimited. */
  readonly rate: number;

  constructor(heap: Heap, options: HeapOptions = {}) {
    this.heap = heap;
    this.cnt = options.cnt ?? -1;
    this.substreamIndex = options.substreamIndex ?? 0;
    this.rate = options.rate ?? -1;
    if (!Number.isSafeInteger(this.cnt) && this.cnt !== -1) throw new RangeError(`cnt must be an integer, not ${options.cnt}`);
    if (!Number.isSafeInteger(this.substreamIndex) || this.substreamIndex < 0) {
      throw new RangeError(`substreamIndex must be a non-negative integer, not ${options.substreamIndex}`);
    }
    if (Number.isNaN(this.rate)) throw new RangeError('rate must not be NaN');
  }
}

/**
 * A group of heap references prepared once and sent many times: the per-heap
 * options are laid out for the addon in advance, so sending the group costs
 * one call however many heaps it holds.
 */
export class HeapReferenceList {
/** The references, in order. */
  readonly references: readonly HeapReference[];
  /** @internal */
  readonly cnts: Float64Array;
  /** @internal */
  readonly substreams: Float64Array;
  /** @internal */
  readonly rates: Float64Array;

  constructor(references: Iterable<HeapReference>) {
    if (references === null || typeof (references as Partial<Iterable<HeapReference>>)?.[Symbol.iterator] !== 'function') {
      throw invalidArgType('references', 'an iterable of send.HeapReference', references);
    }
    const refs = [...references];
    for (const r of refs) {
      if (!(r instanceof HeapReference)) throw new TypeError('HeapReferenceList takes HeapReference objects only');
    }
    this.references = Object.freeze(refs);
    this.cnts = Float64Array.from(refs, (r) => r.cnt);
    this.substreams = Float64Array.from(refs, (r) => r.substreamIndex);
    this.rates = Float64Array.from(refs, (r) => r.rate);
  }

/** Number of references. */
  get length(): number {
    return this.references.length;
  }

  /** A sub-list, as Python slicing (step must not be 0). */
  slice(start?: number, end?: number): HeapReferenceList {
    return new HeapReferenceList(this.references.slice(start, end));
  }
}
