/**
 * Receive statistics, by name and by index: spead2's nine core counters at
 * spead2's indices, then ours (loss by reason, transport losses, ring figures).
 */
import { native } from '../native';

/** Every statistic's name, in index order. */
export const STAT_NAMES: readonly string[] = Object.freeze([...native.recvStatNames]);

/** spead2's `recv.stream_stat_indices`, plus ours. */
export const StatIndex = Object.freeze({
  HEAPS: 0,
  INCOMPLETE_HEAPS_EVICTED: 1,
  INCOMPLETE_HEAPS_FLUSHED: 2,
  PACKETS: 3,
  BATCHES: 4,
  MAX_BATCH: 5,
  SINGLE_PACKET_HEAPS: 6,
  SEARCH_DIST: 7,
  WORKER_BLOCKED: 8,
  INCOMPLETE_HEAPS_DROPPED: 9,
  KERNEL_DROPPED: 10,
  OVERSIZED_PACKETS: 11,
  FRAMES_REJECTED: 12,
  TRUNCATED_INPUT: 13,
} as const);

/**
 * A consistent snapshot of a stream's statistics.
 *
 * @example
 * const s = stream.stats;
 * console.log(s.get('heaps'), s.get(recv.StatIndex.PACKETS));
 */
export class StreamStats {
  private readonly values: Float64Array;

  /** @internal */
  constructor(values: Float64Array) {
    this.values = values;
  }

  /** A statistic by name or index; a RangeError if there is none. */
  get(key: string | number): number {
    const i = typeof key === 'number' ? key : STAT_NAMES.indexOf(key);
    if (!Number.isInteger(i) || i < 0 || i >= this.values.length) throw new RangeError(`no statistic ${JSON.stringify(key)}`);
    return this.values[i];
  }

  /** Packets rejected, by reason (only the reasons that occurred). */
  get rejected(): Record<string, number> {
    const out: Record<string, number> = {};
    STAT_NAMES.forEach((name, i) => {
      if (name.startsWith('rejected_') && this.values[i] > 0) out[name.slice('rejected_'.length)] = this.values[i];
    });
    return out;
  }

  /** Name/value pairs in index order. */
  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i < STAT_NAMES.length; i++) yield [STAT_NAMES[i], this.values[i]];
  }

  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.entries();
  }

  /** Every statistic as a plain object. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.entries());
  }
}
