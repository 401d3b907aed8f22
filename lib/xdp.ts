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
  /** The NIC queue to bind to. Default 0. Flows that RSS puts on other queues are not seen. */
  queue?: number;
  /**
   * The UDP flows to take from the kernel: destination `{host, port}`, IPv4. A
   * missing or empty host matches any destination address; a multicast host is
   * joined on the interface. Everything else still reaches the kernel.
   */
  endpoints: Array<{ host?: string; port: number }>;
  /** UMEM frame size, 2048 or 4096 bytes: the largest frame received. Default 4096. */
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
}

/**
 * Whether AF_XDP can be used here: the addon was built with the libxdp and
 * libbpf headers and the libraries load. `reason` says why not.
 */
export function xdpAvailable(): { available: boolean; reason: string } {
  return native.xdpAvailable();
}
