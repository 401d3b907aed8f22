/**
 * AF_XDP: kernel-bypass UDP on any Linux NIC, shared by the receive and send
 * sides. See `recv.Stream.addUdpXdpReader` and `send.UdpXdpStream`.
 * @module xdp
 */
import { native } from './native';

/** Where XDP runs: in the driver (`native`), in the kernel's generic path, or the best available (`auto`). */
export type XdpMode = 'auto' | 'native' | 'generic';

/** Options of `recv.Stream.addUdpXdpReader`. */
export interface UdpXdpReaderOptions {
  /** The network interface, by name (`'eth0'`). */
  interface: string;
  /**
   * The NIC queue to bind to, or `'all'`: one socket on every receive queue
   * (all of them bound, or none). Default 0. With a single queue, flows that
   * RSS puts on other queues go to the kernel, so steer them (ethtool
   * ntuple rules) or take them all.
   */
  queue?: number | 'all';
  /**
   * The UDP flows to take from the kernel: destination `{host, port}`, IPv4. A
   * missing or empty host matches any destination address; a multicast host is
   * joined on the interface. Everything else still reaches the kernel.
   */
  endpoints: Array<{ host?: string; port: number }>;
  /**
   * UMEM frame size, 2048 or 4096 bytes. Larger frames (jumbo MTUs) arrive as
   * chains of frames and are gathered, where the kernel has multi-buffer
   * AF_XDP (6.6+; see `XdpInfo.multiBuffer`). Default 4096.
   */
  frameSize?: number;
  /** UMEM frames, a power of two; also the size of the rings. Default 4096. */
  frames?: number;
  /** Largest UDP payload handed on; larger ones are dropped and counted. Default 9200. */
  maxSize?: number;
  /** `true`: zero-copy or fail; `false`: copy mode; unset: whatever the driver offers. */
  zeroCopy?: boolean;
  /** Native (driver) or generic XDP. Default `'auto'`: native where the driver has it. */
  mode?: XdpMode;
}

/** What an AF_XDP socket obtained. */
export interface XdpInfo {
  /** The XDP mode the program was attached in. */
  mode: 'native' | 'generic';
  /** Whether the socket runs in zero-copy mode. */
  zeroCopy: boolean;
  /**
   * Whether frames larger than a UMEM frame (jumbo MTUs) are received, as
   * chains of buffers (kernel 6.6+). Asked for when `maxSize` plus headers
   * does not fit a frame; without it such frames are dropped by the kernel.
   */
  multiBuffer: boolean;
  /** The queues bound. */
  queues: number[];
}

/**
 * Whether AF_XDP can be used here: the addon was built with the libxdp and
 * libbpf headers and the libraries load. `reason` says why not.
 */
export function xdpAvailable(): { available: boolean; reason: string } {
  return native.xdpAvailable();
}

/** Options of `send.UdpXdpStream`. */
export interface UdpXdpStreamOptions {
  /** The network interface, by name. */
  interface: string;
  /** The NIC queue whose TX ring to use. Default 0. */
  queue?: number;
  /**
   * Destination MAC for every endpoint. Default: the group's MAC for multicast,
   * else the kernel's neighbour (ARP) entry for the address, which must exist
   * (an address off the link needs the gateway's MAC here).
   */
  destMac?: string;
  /** Source IPv4 address. Default: the interface's. */
  sourceAddress?: string;
  /** Source UDP port. Default 0: a port reserved through an ordinary socket. */
  sourcePort?: number;
  /** IPv4 TTL. Default 64. */
  ttl?: number;
  /**
   * UMEM frame size, 2048 or 4096. A larger frame (a jumbo MTU) goes out as a
   * chain of up to 16 frames where the kernel has multi-buffer AF_XDP (6.6+),
   * else it fails its heap with EMSGSIZE. Default 4096.
   */
  frameSize?: number;
  /** UMEM frames (a power of two). Default 4096. */
  frames?: number;
  /** `true`: zero-copy or fail; `false`: copy mode; unset: whatever the driver offers. */
  zeroCopy?: boolean;
}
