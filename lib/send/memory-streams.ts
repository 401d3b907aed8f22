/**
 * Send streams that encode in memory, synchronously: BytesStream (packets
 * collected, or written to a Node Writable such as a file) and InprocStream
 * (packets to InprocQueues read by a receive stream in this process).
 */
import type { Writable as NodeWritable } from 'stream';
import { InprocQueue } from '../inproc';
import { native } from '../native';
import { PcapFileWriter } from '../net';
import { decodePacket } from '../packet';
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
    const out = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
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

/** An IPv4 address (dotted) and UDP port, for the frames of a pcap file. */
export interface PcapEndpoint {
/** Destination (or source) IPv4 address, dotted. */
  address: string;
/** UDP port. */
  port: number;
}

/**
 * Writes packets to a classic pcap file, each as an Ethernet/IPv4/UDP frame
 * (something spead2 cannot do), so captures can be made as well as read:
 * Wireshark, tcpdump and spead2's pcap reader open the file.
 *
 * @example
 * const pcap = new send.PcapFileStream('out.pcap', [{ address: '239.1.2.3', port: 7148 }]);
 * await pcap.sendHeap(heap);
 * pcap.close();
 */
export class PcapFileStream extends SendStream {
  private readonly writer: PcapFileWriter;
  private readonly destinations: readonly PcapEndpoint[];
  private readonly source: PcapEndpoint;

  /**
   * @param destinations one per substream (the frames' destination address and port)
   * @param source the frames' source (default 127.0.0.1:7148)
   */
  constructor(path: string, destinations: PcapEndpoint[], config: StreamConfig | StreamConfigInit = {}, source: PcapEndpoint = { address: '127.0.0.1', port: 7148 }) {
    super(config);
    if (destinations.length === 0) throw new RangeError('PcapFileStream needs at least one destination');
    this.writer = new PcapFileWriter(path);
    this.destinations = Object.freeze([...destinations]);
    this.source = source;
  }

  get numSubstreams(): number {
    return this.destinations.length;
  }

  get heapsInFlight(): number {
    return 0;
  }

  protected submit(group: PreparedGroup): Promise<number> {
    const bytes = encodeGroup(group, this.config.maxPacketSize);
    // The substream of each packet follows its heap cnt through the group.
    const substreamOf = new Map<number, number>();
    group.cnts.forEach((cnt, i) => substreamOf.set(cnt, group.substreams[i]));
    for (let pos = 0; pos < bytes.length; ) {
      const packet = decodePacket(bytes.subarray(pos));
      const dst = this.destinations[substreamOf.get(packet.heapCnt) ?? 0];
      this.writer.write(bytes.subarray(pos, pos + packet.size), { src: this.source, dst });
      pos += packet.size;
    }
    return Promise.resolve(bytes.length);
  }

  /** Flushes and closes the file. */
  close(): void {
    this.writer.close();
  }

/** @internal Node stream implementation. */
  override _final(callback: (error?: Error | null) => void): void {
    this.flush().then(() => {
      this.writer.close();
      callback();
    }, callback);
  }
}
