/**
 * Receive configuration: spead2's `StreamConfig` and `RingStreamConfig`,
 * with its defaults, validated once and frozen.
 */
import { BUG_COMPAT_PYSPEAD_0_5_2 } from '../constants';
import type { Allocator } from '../memory';
import type { ThreadPool } from '../thread-pool';
import { STAT_NAMES } from './stats';

/** spead2's DEFAULT_MAX_HEAPS. */
export const DEFAULT_MAX_HEAPS = 4;
/** spead2's RingStreamConfig DEFAULT_HEAPS. */
export const DEFAULT_RING_HEAPS = 4;
/** Our guard against hostile heap sizes (spead2 has none): 1 GiB. */
export const DEFAULT_MAX_HEAP_SIZE = 2 ** 30;

/** Options for `StreamConfig` (all optional). */
export interface StreamConfigInit {
  /** Live (incomplete) heaps kept per substream; a new heap evicts the oldest. Default 4. */
  maxHeaps?: number;
  /** Heaps are spread over substreams by cnt modulo this; maxHeaps applies to each. Default 1. */
  substreams?: number;
  /** PySPEAD bug-compatibility flags. Default 0. */
  bugCompat?: number;
  /** Accept a heap's packets in any order (duplicates and overlaps are rejected). Default false. */
  allowOutOfOrder?: boolean;
  /** A heap with STREAM_CTRL = stop ends the stream and is not delivered. Default true. */
  stopOnStopItem?: boolean;
  /** Accept packets without HEAP_LENGTH. Default true. */
  allowUnsizedHeaps?: boolean;
  /** Readers wait for `start()`. Default false. */
  explicitStart?: boolean;
  /** An identifier for the stream (spead2 copies it into chunks). Default 0. */
  streamId?: number;
  /** Packets claiming a heap larger than this are dropped and counted. Default 1 GiB. */
  maxHeapSize?: number;
  /** Where heap payloads are allocated. Default: a MemoryAllocator. */
  memoryAllocator?: Allocator;
  /** Threads that run this stream's readers. Default: a pool of one, owned by the stream. */
  threadPool?: ThreadPool;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, not ${value}`);
  return value;
}

/**
 * Stream configuration (spead2's `recv.StreamConfig`).
 *
 * @example
 * const config = new recv.StreamConfig({ maxHeaps: 8, substreams: 2 });
 */
export class StreamConfig {
/** Live heaps per substream (see StreamConfigInit). */
  readonly maxHeaps: number;
/** Number of substreams (heap cnt modulo this). */
  readonly substreams: number;
/** PySPEAD bug-compatibility flags. */
  readonly bugCompat: number;
/** Whether a heap's packets may arrive in any order. */
  readonly allowOutOfOrder: boolean;
/** Whether a stop item ends the stream. */
  readonly stopOnStopItem: boolean;
/** Whether packets without HEAP_LENGTH are accepted. */
  readonly allowUnsizedHeaps: boolean;
/** Whether readers wait for start(). */
  readonly explicitStart: boolean;
/** The stream's identifier. */
  readonly streamId: number;
/** Largest heap accepted, in bytes. */
  readonly maxHeapSize: number;
/** Where payloads are allocated (undefined: the default allocator). */
  readonly memoryAllocator: Allocator | undefined;
/** The threads that run the readers (undefined: one of the stream's own). */
  readonly threadPool: ThreadPool | undefined;

  constructor(init: StreamConfigInit = {}) {
    this.maxHeaps = positiveInt('maxHeaps', init.maxHeaps ?? DEFAULT_MAX_HEAPS);
    this.substreams = positiveInt('substreams', init.substreams ?? 1);
    const bugCompat = init.bugCompat ?? 0;
    if (!Number.isInteger(bugCompat) || (bugCompat & ~BUG_COMPAT_PYSPEAD_0_5_2) !== 0) {
      throw new RangeError(`bugCompat has unknown flags: ${bugCompat}`);
    }
    this.bugCompat = bugCompat;
    this.allowOutOfOrder = init.allowOutOfOrder ?? false;
    this.stopOnStopItem = init.stopOnStopItem ?? true;
    this.allowUnsizedHeaps = init.allowUnsizedHeaps ?? true;
    this.explicitStart = init.explicitStart ?? false;
    this.streamId = nonNegativeInt('streamId', init.streamId ?? 0);
    this.maxHeapSize = positiveInt('maxHeapSize', init.maxHeapSize ?? DEFAULT_MAX_HEAP_SIZE);
    this.memoryAllocator = init.memoryAllocator;
    this.threadPool = init.threadPool;
    Object.freeze(this);
  }

  /** The index of a statistic by name (spead2's `get_stat_index`); a RangeError for an unknown name. */
  getStatIndex(name: string): number {
    const i = STAT_NAMES.indexOf(name);
    if (i < 0) throw new RangeError(`no statistic named '${name}'`);
    return i;
  }

  /** The statistics' names, in index order. */
  get statNames(): readonly string[] {
    return STAT_NAMES;
  }
}

/** Options for `RingStreamConfig`. */
export interface RingStreamConfigInit {
  /** Capacity of the ring between the readers and JS. Default 4. */
  heaps?: number;
  /** Drop incomplete heaps (with a warning) rather than deliver IncompleteHeap. Default true. */
  contiguousOnly?: boolean;
  /** Fill `IncompleteHeap.payloadRanges`. Default false. */
  incompleteKeepPayloadRanges?: boolean;
}

/** Ring configuration (spead2's `recv.RingStreamConfig`). */
export class RingStreamConfig {
/** Ring capacity in heaps. */
  readonly heaps: number;
/** Whether incomplete heaps are dropped rather than delivered. */
  readonly contiguousOnly: boolean;
/** Whether IncompleteHeap.payloadRanges is filled. */
  readonly incompleteKeepPayloadRanges: boolean;

  constructor(init: RingStreamConfigInit = {}) {
    this.heaps = positiveInt('heaps', init.heaps ?? DEFAULT_RING_HEAPS);
    this.contiguousOnly = init.contiguousOnly ?? true;
    this.incompleteKeepPayloadRanges = init.incompleteKeepPayloadRanges ?? false;
    Object.freeze(this);
  }
}
