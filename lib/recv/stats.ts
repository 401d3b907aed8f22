/**
 * Receive statistics, by name and by index: spead2's nine core counters at
 * spead2's indices, then ours (loss by reason, transport losses, ring figures).
 */
import { native } from '../native';

/** Every statistic's name, in index order. */
export const STAT_NAMES: readonly string[] = Object.freeze([...native.recvStatNames]);

/** spead2's `recv.stream_stat_indices`, plus ours. */
export const StatIndex = Object.freeze({
  /** Heaps delivered (or dropped after eviction or flush), as spead2 counts them. */
  HEAPS: 0,
  /** Heaps evicted before they completed. */
  INCOMPLETE_HEAPS_EVICTED: 1,
  /** Heaps flushed at the end before they completed. */
  INCOMPLETE_HEAPS_FLUSHED: 2,
  /** Packets that parsed. */
  PACKETS: 3,
  /** Batches of packets handed to assembly. */
  BATCHES: 4,
  /** The largest batch. */
  MAX_BATCH: 5,
  /** Heaps that came in one packet. */
  SINGLE_PACKET_HEAPS: 6,
  /** Live-heap lookups made. */
  SEARCH_DIST: 7,
  /** Times a reader waited for room in the ring. */
  WORKER_BLOCKED: 8,
  /** Incomplete heaps dropped (contiguousOnly, or an external stop). */
  INCOMPLETE_HEAPS_DROPPED: 9,
  /** Datagrams the kernel dropped on full sockets. */
  KERNEL_DROPPED: 10,
  /** Packets larger than the reader's maxSize. */
  OVERSIZED_PACKETS: 11,
  /** pcap frames that were not IPv4/UDP. */
  FRAMES_REJECTED: 12,
  /** Partial packets or records at the end of the input. */
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

  /** Name/value pairs in index order. */
  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.entries();
  }

  /** Every statistic as a plain object. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.entries());
  }
}
