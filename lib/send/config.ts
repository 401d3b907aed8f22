/**
 * Send configuration: spead2's `send.StreamConfig`, with its defaults.
 */
import type { ThreadPool } from '../thread-pool';

/** spead2's DEFAULT_MAX_PACKET_SIZE. */
export const DEFAULT_MAX_PACKET_SIZE = 1472;
/** spead2's DEFAULT_BURST_SIZE. */
export const DEFAULT_BURST_SIZE = 65536;
/** spead2's DEFAULT_MAX_HEAPS. */
export const DEFAULT_MAX_HEAPS = 4;
/** spead2's DEFAULT_BURST_RATE_RATIO. */
export const DEFAULT_BURST_RATE_RATIO = 1.05;

/** How the send rate is enforced (spead2's `send.RateMethod`). */
export enum RateMethod {
  /** Software pacing. */
  SW = 0,
  /** Hardware pacing (ibverbs only; falls back to SW). */
  HW = 1,
  /** Let the stream choose (currently always SW, as in spead2). */
  AUTO = 2,
}

/** Options for `StreamConfig`. */
export interface StreamConfigInit {
  /** Largest packet, bytes (rounded down to a multiple of 8). Default 1472. */
  maxPacketSize?: number;
  /** Target rate in bytes/s of SPEAD packets; 0 = as fast as possible. Default 0. */
  rate?: number;
  /** Bytes sent back to back before pacing. Default 65536. */
  burstSize?: number;
  /** Heaps in flight at once. Default 4. */
  maxHeaps?: number;
  /** How much faster than `rate` the sender may go to catch up. Default 1.05. */
  burstRateRatio?: number;
  /** Default AUTO. */
  rateMethod?: RateMethod;
  /** Threads that run the writer. Default: a pool of one, owned by the stream. */
  threadPool?: ThreadPool;
}

/**
 * Send stream configuration (spead2's `send.StreamConfig`).
 *
 * @example
 * const config = new send.StreamConfig({ rate: 1e9, maxPacketSize: 8972 });
 */
export class StreamConfig {
/** Largest packet, bytes. */
  readonly maxPacketSize: number;
/** Target rate, bytes/s (0: unlimited). */
  readonly rate: number;
/** Bytes sent back to back before pacing. */
  readonly burstSize: number;
/** Heaps in flight at once. */
  readonly maxHeaps: number;
/** Catch-up rate relative to rate. */
  readonly burstRateRatio: number;
/** How the rate is enforced. */
  readonly rateMethod: RateMethod;
/** The threads that run the writer (undefined: one of the stream's own). */
  readonly threadPool: ThreadPool | undefined;

  constructor(init: StreamConfigInit = {}) {
    this.maxPacketSize = init.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
    if (!Number.isSafeInteger(this.maxPacketSize) || this.maxPacketSize < 56) {
      throw new RangeError(`maxPacketSize must be an integer of at least 56 (the packet size is too small), not ${init.maxPacketSize}`);
    }
    this.rate = init.rate ?? 0;
    if (!Number.isFinite(this.rate) || this.rate < 0) throw new RangeError(`rate must be a finite number >= 0, not ${init.rate}`);
    this.burstSize = init.burstSize ?? DEFAULT_BURST_SIZE;
    if (!Number.isSafeInteger(this.burstSize) || this.burstSize < 0) throw new RangeError(`burstSize must be a non-negative integer, not ${init.burstSize}`);
    this.maxHeaps = init.maxHeaps ?? DEFAULT_MAX_HEAPS;
    if (!Number.isSafeInteger(this.maxHeaps) || this.maxHeaps < 1) throw new RangeError(`maxHeaps must be a positive integer, not ${init.maxHeaps}`);
    this.burstRateRatio = init.burstRateRatio ?? DEFAULT_BURST_RATE_RATIO;
    if (!Number.isFinite(this.burstRateRatio) || this.burstRateRatio < 1) {
      throw new RangeError(`burstRateRatio must be a finite number >= 1, not ${init.burstRateRatio}`);
    }
    this.rateMethod = init.rateMethod ?? RateMethod.AUTO;
    this.threadPool = init.threadPool;
    Object.freeze(this);
  }

  /** The catch-up rate: rate × burstRateRatio. */
  get burstRate(): number {
    return this.rate * this.burstRateRatio;
  }
}
