/**
 * The one place that loads the native addon. Every other module reaches native
 * code through the types declared here, never through the addon directly.
 * @internal
 */
import * as fs from 'fs';
import * as path from 'path';

/** Must equal SPEAD_ABI_VERSION in native/addon/bindings.h. */
const EXPECTED_ABI_VERSION = 1;

/** What the addon exports, as TypeScript sees it. */
export interface NativeAddon {
  abiVersion: number;
  /** A queue of packets between a send.InprocStream and a recv inproc reader. */
  InprocQueue: new () => NativeInprocQueue;
  buildInfo: { compiler: string; maxHeapAddressBits: number };
  /** native/addon/net_binding.cpp: raw frames and pcap files. */
  parseFrame(frame: Uint8Array, linkType?: number): NativeFrameParse;
  buildUdpFrame(options: NativeUdpFrameOptions, payload: Uint8Array | Uint8Array[]): Buffer;
  /** Whether libpcap could be loaded at run time (needed for pcap filters). */
  libpcapAvailable: boolean;
  /** Frame rejection reasons, in the native enum's order. */
  frameRejectNames: string[];
  PcapFileReader: new (path: string, filter?: string) => NativePcapFileReader;
  PcapFileWriter: new (path: string) => NativePcapFileWriter;
}

/** An IPv4 address (dotted) and UDP port. */
export interface NativeIpv4Endpoint {
  address: string;
  port: number;
}

/** Result of parseFrame: the UDP payload and addresses, or why the frame was rejected. */
export interface NativeFrameParse {
  ok: boolean;
  reason?: string;
  payload?: Buffer;
  src?: NativeIpv4Endpoint;
  dst?: NativeIpv4Endpoint;
  vlan?: number;
}

/** Headers for buildUdpFrame; MACs are 6-byte buffers (dstMac defaults to the multicast MAC for a group). */
export interface NativeUdpFrameOptions {
  src: NativeIpv4Endpoint;
  dst: NativeIpv4Endpoint;
  srcMac?: Uint8Array;
  dstMac?: Uint8Array;
  ttl?: number;
  ipId?: number;
  udpChecksum?: boolean;
}

/** One UDP datagram read from a pcap file; timestamp in seconds since the epoch. */
export interface NativePcapRecord {
  payload: Buffer;
  src: NativeIpv4Endpoint;
  dst: NativeIpv4Endpoint;
  vlan?: number;
  timestamp: number;
}

/** native/net/pcap_file.h PcapFileReader. */
export interface NativePcapFileReader {
  /** Up to max records (copied), or null at the end of the file. */
  readBatch(max: number): NativePcapRecord[] | null;
  close(): void;
  readonly stats: Record<string, number>;
  readonly linkType: number;
}

/** native/net/pcap_file.h PcapFileWriter. */
export interface NativePcapFileWriter {
  write(payload: Uint8Array | Uint8Array[], endpoints: { src: NativeIpv4Endpoint; dst: NativeIpv4Endpoint }): void;
  flush(): void;
  close(): void;
  readonly records: number;
}

/** native/addon/inproc_binding.cpp */
export interface NativeInprocQueue {
  stop(): void;
  readonly stopped: boolean;
}

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`spead: cannot find the package root above ${start}`);
    dir = parent;
  }
}

function load(): NativeAddon {
  const root = findPackageRoot(__dirname);
  const candidates = ['build/Release/spead_native.node', 'build/Debug/spead_native.node'].map((p) =>
    path.join(root, p),
  );
  const file = candidates.find((p) => fs.existsSync(p));
  if (file === undefined) {
    throw new Error(
      `spead: the native addon is not built (looked for ${candidates.join(', ')}); run \`npm install\` (or \`npm run build\`) in ${root}`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require(file) as NativeAddon;
  if (addon.abiVersion !== EXPECTED_ABI_VERSION) {
    throw new Error(
      `spead: the native addon at ${file} is stale (ABI ${addon.abiVersion}, expected ${EXPECTED_ABI_VERSION}); run \`npm run build\``,
    );
  }
  return addon;
}

/** The loaded addon. */
export const native: NativeAddon = load();
