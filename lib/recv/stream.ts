/**
 * The receive stream: native readers feed heap assembly on native threads;
 * finished heaps wait in a bounded native ring; this Readable (object mode)
 * takes them out a batch at a time. When nobody reads, the ring fills, the
 * readers block (counted in `worker_blocked`), and loss moves to the kernel,
 * where it is counted too — memory never grows without bound.
 */
import type { Readable as NodeReadable } from 'stream';
import { isIPv4 } from 'net';
import { markAsUntransferable } from 'worker_threads';
import * as rs from 'readable-stream';
import type { InprocQueue } from '../inproc';
import { native, NativeRecvConfig, NativeRecvStream } from '../native';
import { RingStreamConfig, RingStreamConfigInit, StreamConfig, StreamConfigInit } from './config';
import { FIGURES_ENDED, FIGURES_HEADER, FIGURES_STRIDE, Heap, HeapWrapper, IncompleteHeap } from './heap';
import { HeapIterator, prematureClose } from './heap-iterator';
import { StreamStats } from './stats';
import type { UdpXdpReaderOptions, XdpInfo } from '../xdp';

// readable-stream's class, typed as Node's own: that is what users see.
const ReadableBase = rs.Readable as unknown as typeof NodeReadable;

/** @internal The configuration as the addon takes it. */
export function nativeConfig(c: StreamConfig, r: RingStreamConfig): NativeRecvConfig {
  return {
    maxHeaps: c.maxHeaps,
    substreams: c.substreams,
    bugCompat: c.bugCompat,
    allowOutOfOrder: c.allowOutOfOrder,
    stopOnStopItem: c.stopOnStopItem,
    allowUnsizedHeaps: c.allowUnsizedHeaps,
    explicitStart: c.explicitStart,
    streamId: c.streamId,
    maxHeapSize: c.maxHeapSize,
    ringHeaps: r.heaps,
    contiguousOnly: r.contiguousOnly,
    incompleteKeepPayloadRanges: r.incompleteKeepPayloadRanges,
  };
}

/**
 * Whether markAsUntransferable keeps an ArrayBuffer where it is. It stops
 * postMessage and structuredClone; on a Node with
 * `ArrayBuffer.prototype.transfer`, check that it stops that too.
 */
const UNTRANSFERABLE_HOLDS = ((): boolean => {
  const transfer = (ArrayBuffer.prototype as { transfer?: () => ArrayBuffer }).transfer;
  if (typeof transfer !== 'function') return true;
  const probe = new ArrayBuffer(8);
  markAsUntransferable(probe);
  try {
    transfer.call(probe);
  } catch {
    return true;
  }
  return probe.byteLength === 8;
})();

/** Heaps taken from the ring in one call into the addon. */
const BATCH = 64;
const NO_HEAPS: Array<Heap | IncompleteHeap> = [];

/** Options of `addUdpReader`, with spead2's defaults. */
export interface UdpReaderOptions {
  /** Largest datagram accepted; larger ones are dropped and counted. Default 9200. */
  maxSize?: number;
  /** Socket receive buffer, bytes (0 = the OS default). Default 8 MiB. */
  bufferSize?: number;
  /** IPv4 multicast: the interface to join on. */
  interfaceAddress?: string;
  /** IPv6 multicast: the interface to join on. */
  interfaceIndex?: number;
  /** Let the kernel coalesce datagrams (UDP GRO) where it can; they are split again here. Default true. */
  gro?: boolean;
}

/** Options of `addUdpIbvReader` (spead2's `UdpIbvConfig`), with spead2's defaults. */
export interface UdpIbvReaderOptions {
  /** IPv4 endpoints to receive: multicast groups (joined) or unicast addresses of the interface. */
  endpoints: Array<{ host: string; port: number }>;
  /** IPv4 address of the RDMA-capable interface (required). */
  interfaceAddress: string;
  /** Bytes of receive buffer, split into `maxSize` slots. Default 16 MiB (0 = default). */
  bufferSize?: number;
  /** Largest frame accepted, Ethernet/IP/UDP headers included. Default 9200. */
  maxSize?: number;
  /**
   * Completion vector for interrupts (taken modulo the device's count); a
   * negative value busy-polls on a pool thread instead. Default 0.
   */
  commVector?: number;
  /** Alias of `commVector` (spead2's `comp_vector`). */
  compVector?: number;
  /** Polls of the completion queue before sleeping until an interrupt. Default 10. */
  maxPoll?: number;
}

/** Default `bufferSize` of `addUdpIbvReader` (spead2's). */
export const DEFAULT_IBV_RECV_BUFFER_SIZE = 16 * 1024 * 1024;
/** Default `maxSize` of `addUdpIbvReader` (spead2's). */
export const DEFAULT_IBV_MAX_SIZE = 9200;
/** Default `maxPoll` of the ibverbs reader and sender (spead2's). */
export const DEFAULT_IBV_MAX_POLL = 10;

/** Extra options of a receive stream. */
export interface StreamOptions {
  /** Aborting it destroys the stream (like Node's own streams). */
  signal?: AbortSignal;
}

/**
 * A receive stream: spead2's `recv.Stream`, as a Node Readable of heaps.
 *
 * @example
 * const stream = new recv.Stream({ maxHeaps: 8 }, { heaps: 16 });
 * stream.addUdpReader(7148);
 * for await (const heap of stream) {
 *   const changed = items.update(heap);
 *   heap.release();
 * }
 */
export class Stream extends ReadableBase {
  /** The stream configuration. */
  readonly config: StreamConfig;
  /** The ring configuration. */
  readonly ringConfig: RingStreamConfig;
  /** @internal */
  readonly handle: NativeRecvStream;
  private waiting = false;
  /** Heaps of the last batch: consumed once the Readable asks for more. */
  private handedOut = 0;
  private finished = false;
  private readonly wrapper: HeapWrapper;
  /** Where popBatch writes each batch's figures (reused: the heaps copy theirs out). */
  private readonly figures = new Float64Array(FIGURES_HEADER + BATCH * FIGURES_STRIDE);
  /** Set while batches() consumes the stream: the Readable side then reads nothing. */
  private batchConsumer = false;
  /** batches() waiting for the ring: called when it has heaps, stops, or the stream is destroyed. */
  private wakeBatches: (() => void) | undefined;

  constructor(
    config: StreamConfig | StreamConfigInit = {},
    ringConfig: RingStreamConfig | RingStreamConfigInit = {},
    options: StreamOptions = {},
  ) {
    // A small buffer on the JS side: the native ring is the queue.
    super({ objectMode: true, highWaterMark: 1, signal: options.signal });
    this.config = config instanceof StreamConfig ? config : new StreamConfig(config);
    this.ringConfig = ringConfig instanceof RingStreamConfig ? ringConfig : new RingStreamConfig(ringConfig);
    const c = this.config;
    const r = this.ringConfig;
    this.wrapper = new HeapWrapper(c.bugCompat);
    this.handle = new native.RecvStream(
      nativeConfig(c, r),
      () => this.onNativeReady(),
      c.threadPool?.handle,
      c.memoryAllocator?.handle,
    );
  }

  /**
   * Reads consecutive packets from memory; the stream ends when they run out.
   * The bytes are read in place, from the reader thread: the buffer's
   * ArrayBuffer is marked untransferable (as Node's own pooled Buffers are),
   * so postMessage or structuredClone cannot move it away and free it under
   * the reader; they copy it instead. Where that mark cannot stop a transfer
   * (`ArrayBuffer.prototype.transfer()` ignoring it), the reader reads a copy.
   */
  addBufferReader(buffer: Uint8Array): void {
    if (!(buffer instanceof Uint8Array)) throw new TypeError('addBufferReader: expected a Buffer or Uint8Array');
    const ab = buffer.buffer;
    let copy = false;
    if (ab instanceof ArrayBuffer) {
      markAsUntransferable(ab);
      copy = !UNTRANSFERABLE_HOLDS;
    }
    this.handle.addBufferReader(buffer, copy);
  }

  /**
   * Receives UDP on `port` or `{host, port}` (spead2's `add_udp_reader`). A
   * multicast host is joined (on `interfaceAddress` for IPv4, `interfaceIndex`
   * for IPv6). Returns the port bound (useful with port 0). A socket buffer
   * smaller than asked for is a `'warning'` event, not an error.
   *
   * @example
   * stream.addUdpReader({ host: '239.10.0.1', port: 7148 }, { interfaceAddress: '10.0.0.2' });
   */
  addUdpReader(endpoint: number | { host?: string; port: number }, options: UdpReaderOptions = {}): number {
    const { host, port } = typeof endpoint === 'number' ? { host: '', port: endpoint } : { host: endpoint.host ?? '', port: endpoint.port };
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer from 0 to 65535, not ${port}`);
    if (options.maxSize !== undefined && (!Number.isSafeInteger(options.maxSize) || options.maxSize < 1)) {
      throw new RangeError(`maxSize must be a positive integer, not ${options.maxSize}`);
    }
    // As spead2: SPEAD2_IBV_INTERFACE turns IPv4 UDP readers into ibverbs readers.
    const ibvInterface = process.env.SPEAD2_IBV_INTERFACE;
    if (ibvInterface !== undefined && ibvInterface !== '' && (host === '' || isIPv4(host))) {
      const vector = Number(process.env.SPEAD2_IBV_COMP_VECTOR ?? '0');
      if (!Number.isInteger(vector)) throw new RangeError(`SPEAD2_IBV_COMP_VECTOR must be an integer, not ${process.env.SPEAD2_IBV_COMP_VECTOR}`);
      this.warn(`Overriding reader for ${host || '0.0.0.0'}:${port} to use ibverbs on ${ibvInterface} (SPEAD2_IBV_INTERFACE)`);
      this.addUdpIbvReader({ endpoints: [{ host, port }], interfaceAddress: ibvInterface, maxSize: options.maxSize, commVector: vector });
      return port;
    }
    const result = this.handle.addUdpReader(host, port, options);
    for (const w of result.warnings) this.warn(w);
    return result.port;
  }

  /**
   * Receives UDP through AF_XDP, bypassing the kernel's network stack: an XDP
   * program on `interface` hands the endpoints' flows arriving on `queue` to
   * an AF_XDP socket, and every other packet continues to the kernel as
   * before. Needs CAP_NET_ADMIN and CAP_BPF (or root) and libxdp/libbpf; fails
   * with `code: 'ENOSYS'` where they are missing, `'EBUSY'` where another XDP
   * program holds the interface. Returns the XDP mode and copy mode obtained.
   *
   * @example
   * stream.addUdpXdpReader({ interface: 'eth1', endpoints: [{ host: '239.10.0.1', port: 7148 }] });
   */
  addUdpXdpReader(options: UdpXdpReaderOptions): XdpInfo {
    if (typeof options !== 'object' || options === null) throw new TypeError('addUdpXdpReader needs an options object');
    if (typeof options.interface !== 'string' || options.interface === '') throw new TypeError('interface must name a network interface');
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new TypeError('endpoints must be a non-empty array of {host, port}');
    }
    return this.handle.addUdpXdpReader(options);
  }

  /**
   * Receives UDP through ibverbs (spead2's `add_udp_ibv_reader`): the NIC
   * steers the endpoints' frames straight into this process, bypassing the
   * kernel. Needs an RDMA-capable NIC (e.g. Mellanox/NVIDIA ConnectX), the
   * rdma-core libraries at run time and CAP_NET_RAW. Throws a `RangeError`
   * for bad options, and an Error with `code: 'ENODEV'` when there is no
   * ibverbs library or device (see `ibvAvailable()`); the stream is unchanged then.
   *
   * @example
   * stream.addUdpIbvReader({ endpoints: [{ host: '239.10.0.1', port: 7148 }], interfaceAddress: '10.0.0.2' });
   */
  addUdpIbvReader(options: UdpIbvReaderOptions): void {
    if (typeof options !== 'object' || options === null) throw new TypeError('addUdpIbvReader: options must be an object');
    const { endpoints, interfaceAddress, bufferSize, maxSize, maxPoll } = options;
    if (!Array.isArray(endpoints)) throw new TypeError('addUdpIbvReader: endpoints must be an array of {host, port}');
    for (const ep of endpoints) {
      if (typeof ep?.host !== 'string' || !Number.isInteger(ep.port) || ep.port < 0 || ep.port > 65535) {
        throw new RangeError(`invalid endpoint ${JSON.stringify(ep)}: expected {host, port} with a port from 0 to 65535`);
      }
    }
    this.handle.addUdpIbvReader({
      endpoints: endpoints.map((e) => ({ host: e.host, port: e.port })),
      interfaceAddress: interfaceAddress ?? '',
      bufferSize,
      maxSize,
      compVector: options.commVector ?? options.compVector,
      maxPoll,
    });
  }

  /**
   * Listens on TCP `port` or `{host, port}` and receives from the first
   * connection (spead2's `add_tcp_reader`); the stream ends when the peer
   * closes it. Returns the port bound (useful with port 0).
   */
  addTcpReader(endpoint: number | { host?: string; port: number }, options: { maxSize?: number; bufferSize?: number } = {}): number {
    const { host, port } = typeof endpoint === 'number' ? { host: '', port: endpoint } : { host: endpoint.host ?? '', port: endpoint.port };
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer from 0 to 65535, not ${port}`);
    return this.handle.addTcpReader(host, port, options);
  }

  /**
   * Reads the UDP datagrams of a classic pcap file (spead2's
   * `add_udp_pcap_file_reader`): Ethernet, Linux cooked or raw IPv4 captures;
   * IPv4/UDP without fragments, ANDed with an optional BPF `filter` (which
   * needs libpcap at run time). The stream ends at the end of the file.
   *
   * @example
   * stream.addPcapFileReader('capture.pcap', { filter: 'udp dst port 7148' });
   */
  addPcapFileReader(path: string, options: { filter?: string } = {}): void {
    this.handle.addPcapFileReader(path, options.filter ?? '');
  }

  /** Reads packets that a `send.InprocStream` in this process writes to `queue`. */
  addInprocReader(queue: InprocQueue): void {
    this.handle.addInprocReader(queue.handle);
  }

  /** Starts the readers of a stream made with `explicitStart`; harmless otherwise. */
  start(): void {
    this.handle.start();
  }

  /**
   * Stops receiving, as spead2's `stop()`: readers stop, live heaps are
   * dropped, heaps already in the ring are still delivered, then the stream ends.
   */
  stop(): void {
    this.handle.stop();
    // Nothing more can arrive, and a read after this never waits: a stopped
    // stream that nobody is waiting on must not keep the process alive.
    if (!this.waiting && this.wakeBatches === undefined) this.handle.unref();
  }

  /** A snapshot of the statistics. */
  get stats(): StreamStats {
    return new StreamStats(this.handle.stats());
  }

  /** Keep the process alive while the stream is open (the default). */
  ref(): this {
    this.handle.ref();
    return this;
  }

  /** Let the process exit even though the stream is open. */
  unref(): this {
    this.handle.unref();
    return this;
  }

  /**
   * The heaps as they leave the native ring, one array per batch taken (up
   * to 64 heaps): fewer awaits per heap than `for await (const heap of
   * stream)`. Ends when the stream ends; `break` (or an exception) in the
   * loop destroys the stream, as leaving a `for await` over the stream does.
   * Heaps of an array count against the ring (`heaps` of RingStreamConfig)
   * until the loop asks for the next array. Use one consumer only: this or
   * the stream's Readable side.
   *
   * @example
   * for await (const heaps of stream.batches()) {
   *   for (const heap of heaps) {
   *     items.update(heap);
   *     heap.release();
   *   }
   * }
   */
  async *batches(): AsyncGenerator<Array<Heap | IncompleteHeap>, void, undefined> {
    if (this.batchConsumer) throw new Error('batches() is already consuming this stream');
    this.batchConsumer = true;
    yield* this.takeBatches();
  }

  /**
   * `for await (const heap of stream)`: the heaps one at a time, taken from
   * the ring a batch at a time as in `batches()`, without passing through the
   * Readable's buffer. Leaving the loop early destroys the stream; an error
   * the stream is destroyed with is thrown, as Node's own iterator does.
   */
  override [Symbol.asyncIterator](): NodeJS.AsyncIterator<Heap | IncompleteHeap> {
    return new HeapIterator(this.batches(), (n) => this.delivered(n));
  }

  /**
   * `n` more heaps of the current batch have reached the user's loop: as in
   * spead2, a heap the consumer has taken no longer occupies the ring, so
   * the worker can refill the ring while the loop works through the rest.
   */
  private delivered(n: number): void {
    const k = Math.min(n, this.handedOut);
    if (k <= 0 || this.finished) return;
    this.handedOut -= k;
    this.handle.acknowledge(k);
  }

  private async *takeBatches(): AsyncGenerator<Array<Heap | IncompleteHeap>, void, undefined> {
    let ended = false;
    try {
      // Heaps the Readable took before stay first.
      const buffered: Array<Heap | IncompleteHeap> = [];
      for (let h = this.read() as Heap | IncompleteHeap | null; h !== null; h = this.read() as Heap | IncompleteHeap | null) buffered.push(h);
      if (buffered.length > 0) yield buffered;
      for (;;) {
        if (this.destroyed) throw this.errored ?? prematureClose();
        if (this.finished) {
          ended = true;
          return;
        }
        const heaps = this.takeBatch();
        if (heaps.length > 0) yield heaps;
        else if (!this.finished && this.handle.arm()) await new Promise<void>((resolve) => (this.wakeBatches = resolve));
      }
    } finally {
      this.wakeBatches = undefined;
      if (ended) {
        // Lets the Readable emit 'end' (then 'close'), as a stream read to its end does.
        this.push(null);
        this.read(0);
      } else this.destroy();
    }
  }

/** @internal Node stream implementation. */
  override _read(): void {
    if (!this.batchConsumer) this.pull();
  }

/** @internal Node stream implementation. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.finished = true;
    this.handle.close();
    this.wakeBatches?.();
    callback(error);
  }

  private onNativeReady(): void {
    if (this.wakeBatches !== undefined) {
      const wake = this.wakeBatches;
      this.wakeBatches = undefined;
      wake();
      return;
    }
    if (!this.waiting) return;
    this.waiting = false;
    this.pull();
  }

  /**
   * Acknowledges the heaps handed out before and takes the next batch. At the
   * end of the stream it closes the native side and sets `finished`.
   */
  private takeBatch(): Array<Heap | IncompleteHeap> {
    const figures = this.figures;
    const batch = this.handle.popBatch(BATCH, this.handedOut, figures);
    const out = batch === undefined ? NO_HEAPS : this.wrapper.wrap(figures, batch);
    this.handedOut = out.length;
    this.emitWarnings();
    if (figures[FIGURES_ENDED] !== 0) {
      this.finished = true;
      this.handle.close();
    }
    return out;
  }

  private warn(message: string): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', message);
  }

  private emitWarnings(): void {
    for (const w of this.handle.takeWarnings()) this.warn(w);
  }

  private pull(): void {
    if (this.finished) return;
    for (;;) {
      // _read runs only when the buffer is empty, so the last batch was consumed.
      const heaps = this.takeBatch();
      let wantMore = true;
      // The whole batch is pushed: it has already left the ring.
      for (const heap of heaps) wantMore = this.push(heap);
      if (this.finished) {
        this.push(null);
        return;
      }
      if (!wantMore) return;
      if (heaps.length === 0) {
        if (this.handle.arm()) {
          this.waiting = true;
          return;
        }
      }
    }
  }
}
