/**
 * Send streams whose writer runs on native threads: UDP (spead2's
 * `send.UdpStream`) and TCP (`send.TcpStream`).
 */
import { native, NativeSendStream, NativeUdpIbvSendOptions } from '../native';
import { StreamConfig, StreamConfigInit } from './config';
import { PreparedGroup, SendStream, systemError } from './stream';
import type { UdpXdpStreamOptions } from '../xdp';

/** A destination: one per substream. */
export interface Endpoint {
/** Host name or IP address. */
  host: string;
/** UDP or TCP port. */
  port: number;
}

/** Socket options of a UDP send stream. */
export interface UdpStreamOptions {
  /** Socket send buffer, bytes. Default 512 KiB (spead2's). */
  bufferSize?: number;
  /** Multicast TTL (IPv4) or hop limit (IPv6). */
  ttl?: number;
  /** IPv4 multicast: the outgoing interface's address. */
  interfaceAddress?: string;
  /** IPv6 multicast: the outgoing interface's index. */
  interfaceIndex?: number;
  /** Hand runs of equal-size packets to the kernel at once (UDP GSO) where it can. Default true. */
  gso?: boolean;
}

/** Options of a `UdpIbvStream` (spead2's `UdpIbvConfig`), with spead2's defaults. */
export interface UdpIbvStreamOptions {
  /** IPv4 address of the RDMA-capable interface to send from (required). */
  interfaceAddress: string;
  /** Bytes of registered frame buffer (the packets that can be in flight). Default 512 KiB. */
  bufferSize?: number;
  /** IPv4 TTL of the packets. Default 1. */
  ttl?: number;
  /**
   * Completion vector for interrupts (taken modulo the device's count); a
   * negative value busy-polls instead. Default 0.
   */
  commVector?: number;
  /** Alias of `commVector` (spead2's `comp_vector`). */
  compVector?: number;
  /** Polls of the completion queue before sleeping until an interrupt. Default 10. */
  maxPoll?: number;
  /**
   * Memory registered with the NIC: item data inside one of these goes on the
   * wire without being copied. Must be non-empty and must not overlap. The
   * stream keeps them alive; do not transfer or detach them while it exists.
   */
  memoryRegions?: Array<ArrayBuffer | ArrayBufferView>;
}

interface Pending {
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

/** Completion id the native side uses for a TCP connection's result. */
const CONNECT_ID = 0;

function checkEndpoints(endpoints: Endpoint[]): void {
  if (!Array.isArray(endpoints) || endpoints.length === 0) throw new RangeError('a stream needs at least one endpoint');
  for (const ep of endpoints) {
    if (typeof ep?.host !== 'string' || !Number.isInteger(ep.port) || ep.port < 0 || ep.port > 65535) {
      throw new RangeError(`invalid endpoint ${JSON.stringify(ep)}: expected {host, port} with a port from 0 to 65535`);
    }
  }
}

/** What UDP and TCP streams share: the native stream and its completions. */
abstract class NativeStream extends SendStream {
  /** @internal */
  protected readonly handle: NativeSendStream;
  private readonly pendingGroups = new Map<number, Pending>();

  protected constructor(
    kind: 'udp' | 'tcp' | 'udp_ibv' | 'udp_xdp',
    endpoints: Endpoint[],
    config: StreamConfig | StreamConfigInit,
    options: UdpStreamOptions | NativeUdpIbvSendOptions | UdpXdpStreamOptions,
  ) {
    super(config);
    checkEndpoints(endpoints);
    const c = this.config;
    this.handle = new native.SendStream(
      kind,
      endpoints.map((e) => ({ host: e.host, port: e.port })),
      { maxPacketSize: c.maxPacketSize, rate: c.rate, burstSize: c.burstSize, maxHeaps: c.maxHeaps, burstRateRatio: c.burstRateRatio, rateMethod: c.rateMethod },
      options,
      () => this.onComplete(),
      c.threadPool?.handle,
    );
  }

  get numSubstreams(): number {
    return this.handle.numSubstreams;
  }

  get heapsInFlight(): number {
    return this.handle.inFlight;
  }

  /** Keep the process alive while heaps are in flight (the default). */
  ref(): this {
    this.handle.setRef(true);
    return this;
  }

  /** Let the process exit even with heaps in flight. */
  unref(): this {
    this.handle.setRef(false);
    return this;
  }

  /** @internal Waits for a completion that is not a group (the TCP connection). */
  protected expect(id: number): Promise<number> {
    return new Promise<number>((resolve, reject) => this.pendingGroups.set(id, { resolve, reject }));
  }

  protected submit(group: PreparedGroup): Promise<number> {
    return this.expect(this.handle.sendHeaps(group.heaps, group.cnts, group.substreams, group.rates, group.mode));
  }

  private onComplete(): void {
    const done = this.handle.takeCompletions();
    for (let i = 0; i < done.length; i += 3) {
      const p = this.pendingGroups.get(done[i]);
      if (p === undefined) continue;
      this.pendingGroups.delete(done[i]);
      if (done[i + 2] === 0) p.resolve(done[i + 1]);
      else p.reject(systemError(done[i + 2], done[i] === CONNECT_ID ? 'connecting failed' : 'sending heaps failed'));
    }
  }

/** @internal Node stream implementation. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close();
    this.onComplete(); // groups stopped by close() reject now
    callback(error);
  }
}

/**
 * Sends heaps over UDP (spead2's `send.UdpStream`): one endpoint per
 * substream, unicast or multicast, IPv4 or IPv6. The writer runs on native
 * threads, with sendmmsg batches and the software rate limiter.
 *
 * @example
 * const stream = new send.UdpStream([{ host: '127.0.0.1', port: 8888 }], { rate: 1e9 });
 * await stream.sendHeap(heap);
 */
export class UdpStream extends NativeStream {
  constructor(endpoints: Endpoint[], config: StreamConfig | StreamConfigInit = {}, options: UdpStreamOptions = {}) {
    super('udp', endpoints, config, options);
  }
}

/**
 * Sends heaps over UDP through AF_XDP (beyond spead2): each packet is written
 * with its Ethernet/IPv4/UDP headers straight into a UMEM frame and put on the
 * TX ring of `interface` queue `queue`, bypassing the kernel's UDP stack.
 * Endpoints are IPv4; a packet larger than a UMEM frame (a jumbo MTU) goes
 * out as a chain of frames (kernel 6.6+). Needs CAP_NET_RAW/CAP_NET_ADMIN (or root) and libxdp; fails with
 * `code: 'ENOSYS'` where it is missing.
 *
 * @example
 * const tx = new send.UdpXdpStream([{ host: '239.10.0.1', port: 7148 }], { rate: 10e9 }, { interface: 'eth1' });
 */
export class UdpXdpStream extends NativeStream {
  constructor(endpoints: Endpoint[], config: StreamConfig | StreamConfigInit = {}, options: UdpXdpStreamOptions) {
    if (typeof options?.interface !== 'string' || options.interface === '') throw new TypeError('interface must name a network interface');
    super('udp_xdp', endpoints, config, options);
  }

  /** Whether the socket runs in zero-copy mode. */
  get zeroCopy(): boolean {
    return this.handle.xdp?.zeroCopy ?? false;
  }

  /** The UDP source port of the packets. */
  get sourcePort(): number {
    return this.handle.xdp?.sourcePort ?? 0;
  }
}

/**
 * Sends heaps over UDP with ibverbs (spead2's `send.UdpIbvStream`): frames go
 * from registered memory straight to the NIC, bypassing the kernel. IPv4
 * multicast endpoints only (one per substream). Needs an RDMA-capable NIC,
 * the rdma-core libraries at run time and CAP_NET_RAW. The constructor throws
 * a `RangeError` for bad options and an Error with `code: 'ENODEV'` when there
 * is no ibverbs library or device (see `ibvAvailable()`).
 *
 * @example
 * const stream = new send.UdpIbvStream([{ host: '239.10.0.1', port: 7148 }], { rate: 1e9 }, { interfaceAddress: '10.0.0.1' });
 * await stream.sendHeap(heap);
 */
export class UdpIbvStream extends NativeStream {
  /** The registered memory regions, held so that they outlive the native registration. */
  private readonly memoryRegions: ReadonlyArray<ArrayBuffer | ArrayBufferView>;

  constructor(endpoints: Endpoint[], config: StreamConfig | StreamConfigInit = {}, options: UdpIbvStreamOptions = { interfaceAddress: '' }) {
    const regions = options.memoryRegions ?? [];
    if (!Array.isArray(regions)) throw new TypeError('memoryRegions must be an array of ArrayBuffers or typed arrays');
    for (const [i, r] of regions.entries()) {
      if (!(r instanceof ArrayBuffer) && !ArrayBuffer.isView(r)) {
        throw new TypeError(`memory region ${i} is not an ArrayBuffer or a typed array`);
      }
    }
    super('udp_ibv', endpoints, config, {
      interfaceAddress: options.interfaceAddress ?? '',
      bufferSize: options.bufferSize,
      ttl: options.ttl,
      compVector: options.commVector ?? options.compVector,
      maxPoll: options.maxPoll,
      memoryRegions: regions,
    });
    this.memoryRegions = [...regions];
  }
}

/**
 * Sends heaps over one TCP connection (spead2's `send.TcpStream`). Made with
 * `connect()`, which rejects clearly (e.g. `code: 'ECONNREFUSED'`) when the
 * peer refuses.
 *
 * @example
 * const stream = await send.TcpStream.connect({ host: '127.0.0.1', port: 7148 });
 */
export class TcpStream extends NativeStream {
  private constructor(endpoint: Endpoint, config: StreamConfig | StreamConfigInit, options: { bufferSize?: number }) {
    super('tcp', [endpoint], config, options);
  }

  /** Connects; resolves with the stream once the connection is up. */
  static async connect(endpoint: Endpoint, config: StreamConfig | StreamConfigInit = {}, options: { bufferSize?: number } = {}): Promise<TcpStream> {
    const stream = new TcpStream(endpoint, config, options);
    try {
      await stream.expect(CONNECT_ID);
    } catch (e) {
      stream.destroy();
      throw e;
    }
    return stream;
  }
}
