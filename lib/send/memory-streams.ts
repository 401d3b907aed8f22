/**
 * Send streams that encode in memory, synchronously: BytesStream (packets
 * collected, or written to a Node Writable such as a file) and InprocStream
 * (packets to InprocQueues read by a receive stream in this process).
 */
import type { Writable as NodeWritable } from 'stream';
import { InprocQueue } from '../inproc';
import { native } from '../native';
import { StreamConfig, StreamConfigInit } from './config';
import { PreparedGroup, SendStream } from './stream';

/** Encodes a prepared group to the bytes spead2 would write. */
export function encodeGroup(group: PreparedGroup, maxPacketSize: number): Buffer {
  return native.encodeHeaps(group.heaps, group.cnts, group.substreams, group.rates, group.mode, maxPacketSize);
}

/**
 * Collects packets in memory, or writes them to a Node Writable (spead2's
 * `send.BytesStream`). The bytes are exactly those spead2 writes.
 *
 * @example
 * const bytes = new send.BytesStream();
 * await bytes.sendHeap(heap);
 * fs.writeFileSync('heap.spead', bytes.getValue());
 */
export class BytesStream extends SendStream {
  private readonly chunks: Buffer[] = [];
  private readonly target: NodeWritable | undefined;

  constructor(config: StreamConfig | StreamConfigInit = {}, target?: NodeWritable) {
    super(config);
    this.target = target;
  }

  get numSubstreams(): number {
    return 1;
  }

  get heapsInFlight(): number {
    return 0;
  }

  protected submit(group: PreparedGroup): Promise<number> {
    const bytes = encodeGroup(group, this.config.maxPacketSize);
    if (this.target === undefined) {
      this.chunks.push(bytes);
      return Promise.resolve(bytes.length);
    }
    return new Promise((resolve, reject) => this.target!.write(bytes, (err) => (err ? reject(err) : resolve(bytes.length))));
  }

  /** Everything sent so far (when no target Writable was given). */
  getValue(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Everything sent since the last take(), removed from the stream's memory. */
  take(): Buffer {
    const out = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    return out;
  }
}

/**
 * Delivers packets to receive streams in the same process (spead2's
 * `send.InprocStream`): one queue per substream, lossless.
 */
export class InprocStream extends SendStream {
  /** The queues, one per substream. */
  readonly queues: readonly InprocQueue[];

  constructor(queues: InprocQueue | InprocQueue[], config: StreamConfig | StreamConfigInit = {}) {
    super(config);
    const list = Array.isArray(queues) ? queues : [queues];
    if (list.length === 0) throw new RangeError('InprocStream needs at least one queue');
    this.queues = Object.freeze([...list]);
  }

  get numSubstreams(): number {
    return this.queues.length;
  }

  get heapsInFlight(): number {
    return 0;
  }

  protected submit(group: PreparedGroup): Promise<number> {
    // Heaps for the same queue keep the group's packet order.
    let total = 0;
    for (let q = 0; q < this.queues.length; q++) {
      const idx: number[] = [];
      group.substreams.forEach((s, i) => {
        if (s === q) idx.push(i);
      });
      if (idx.length === 0) continue;
      const sub: PreparedGroup = {
        heaps: idx.map((i) => group.heaps[i]),
        cnts: Float64Array.from(idx, (i) => group.cnts[i]),
        substreams: new Float64Array(idx.length),
        rates: Float64Array.from(idx, (i) => group.rates[i]),
        mode: group.mode,
        nextCnt: group.nextCnt,
      };
      const bytes = encodeGroup(sub, this.config.maxPacketSize);
      native.inprocPush(this.queues[q].handle, bytes);
      total += bytes.length;
    }
    return Promise.resolve(total);
  }
}
