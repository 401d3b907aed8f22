/**
 * The one place that loads the native addon. Every other module reaches native
 * code through the types declared here, never through the addon directly.
 * @internal
 */
import * as fs from 'fs';
import * as path from 'path';

import type { UdpXdpReaderOptions, UdpXdpStreamOptions, XdpInfo } from './xdp';

/** Must equal SPEAD_ABI_VERSION in native/addon/bindings.h. */
const EXPECTED_ABI_VERSION = 6;

/** What the addon exports, as TypeScript sees it. */
export interface NativeAddon {
  abiVersion: number;
  /** A queue of packets between a send.InprocStream and a recv inproc reader. */
  InprocQueue: new () => NativeInprocQueue;
  buildInfo: { compiler: string; maxHeapAddressBits: number };
  /** native/addon/values_binding.cpp: copies src into dst reversing every `width`-byte lane (dst may be src). */
  swapCopy(src: ArrayBufferView, dst: ArrayBufferView, width: number): void;
  /** Copies an array between C and Fortran order, byte-swapping `swapWidth`-byte lanes on the way. */
  reorderCopy(src: ArrayBufferView, dst: ArrayBufferView, shape: readonly number[], elementSize: number, toFortran: boolean, swapWidth?: number): void;
  /** The byte-swap kernel chosen for this CPU: 'avx2', 'ssse3' or 'scalar'. */
  swapKernel: string;
  /** native/addon/net_binding.cpp: raw frames and pcap files. */
  parseFrame(frame: Uint8Array, linkType?: number): NativeFrameParse;
  buildUdpFrame(options: NativeUdpFrameOptions, payload: Uint8Array | Uint8Array[]): Buffer;
  /** Whether libpcap could be loaded at run time (needed for pcap filters). */
  libpcapAvailable: boolean;
  /** native/addon/xdp_binding.cpp: whether AF_XDP can be used. */
  xdpAvailable(): { available: boolean; reason: string };
  /** For tests: the XDP action the redirect program returns for each frame (BPF_PROG_TEST_RUN). */
  xdpClassifyFrames(iface: string, queue: number, endpoints: Array<{ host?: string; port: number }>, frames: Uint8Array[]): number[];
  /** Frame rejection reasons, in the native enum's order. */
  frameRejectNames: string[];
  PcapFileReader: new (path: string, filter?: string) => NativePcapFileReader;
  PcapFileWriter: new (path: string) => NativePcapFileWriter;
  ThreadPool: new (threads?: number, affinity?: number[]) => NativeThreadPool;
  Allocator: new (kind: 'memory' | 'mmap' | 'pool', options?: NativeAllocatorOptions) => NativeAllocator;
  RecvStream: new (
    config: NativeRecvConfig,
    onReady: () => void,
    threadPool?: NativeThreadPool,
    allocator?: NativeAllocator,
  ) => NativeRecvStream;
  /** A Buffer over heap `index`'s payload (the same one while JS holds it); throws once released. */
  heapPayload(batch: NativeHeapBatch, index: number): Buffer;
  /**
   * The batch's item table (4 numbers per item), immediates and payload
   * ranges, copied; then per heap the offset of its payload in the slab (-1:
   * still native), and the slab: payloads up to 64 KiB copied into JS memory,
   * their native memory freed. Once per batch.
   */
  heapItems(batch: NativeHeapBatch): [Float64Array, Buffer, Float64Array, Float64Array, Buffer];
  /** Detaches heap `index`'s payload Buffer, if any, and frees the payload now. Idempotent. */
  releasePayload(batch: NativeHeapBatch, index: number): void;
  /** Where the figures of a batch and of each heap sit in a figures array. */
  heapBatchLayout: NativeHeapBatchLayout;
  heapFlags: NativeHeapFlags;
  recvStatNames: string[];
  SendHeap: new (
    addressBits: number,
    repeatPointers: boolean,
    ids: number[],
    datas: Uint8Array[],
    allowImmediate: boolean[],
    swapWidths?: number[],
  ) => NativeSendHeap;
  SendStream: new (
    kind: 'udp' | 'tcp' | 'udp_ibv' | 'udp_xdp',
    endpoints: Array<{ host: string; port: number }>,
    config: NativeSendConfig,
    options: NativeUdpOptions | NativeUdpIbvSendOptions | UdpXdpStreamOptions,
    onComplete: () => void,
    threadPool?: NativeThreadPool,
  ) => NativeSendStream;
  encodeHeaps(
    heaps: NativeSendHeap[],
    cnts: Float64Array,
    substreams: Float64Array,
    rates: Float64Array,
    mode: number,
    maxPacketSize: number,
  ): Buffer;
  inprocPush(queue: NativeInprocQueue, packets: Uint8Array): number;
  /** native/addon/ibv_options.cpp: whether ibverbs can be used (library and a device), and why not. */
  ibvAvailable(): { available: boolean; reason: string };
  /** Bench only: a plain sendmmsg/recvmmsg loop over loopback. */
  benchUdpCeiling(packetSize: number, seconds: number): { sent: number; received: number; seconds: number };
  benchUdpBlast(host: string, port: number, bytes: Uint8Array, sizes: number[], seconds: number): { sent: number; seconds: number };
}

/** native/addon/send_binding.cpp */
export interface NativeSendHeap {
  wireSize(maxPacketSize: number): number;
}

export interface NativeSendConfig {
  maxPacketSize: number;
  rate: number;
  burstSize: number;
  maxHeaps: number;
  burstRateRatio: number;
  rateMethod: number;
}

export interface NativeUdpOptions {
  gso?: boolean;
  bufferSize?: number;
  ttl?: number;
  interfaceAddress?: string;
  interfaceIndex?: number;
}

/** SendStream('udp_ibv') options (native/addon/ibv_options.cpp). */
export interface NativeUdpIbvSendOptions {
  interfaceAddress?: string;
  bufferSize?: number;
  ttl?: number;
  compVector?: number;
  maxPoll?: number;
  memoryRegions?: Array<ArrayBuffer | ArrayBufferView>;
}

/** addUdpIbvReader options (native/addon/ibv_options.cpp). */
export interface NativeUdpIbvReaderOptions {
  endpoints: Array<{ host: string; port: number }>;
  interfaceAddress?: string;
  bufferSize?: number;
  maxSize?: number;
  compVector?: number;
  maxPoll?: number;
}

export interface NativeSendStream {
  sendHeaps(heaps: NativeSendHeap[], cnts: Float64Array, substreams: Float64Array, rates: Float64Array, mode: number): number;
  takeCompletions(): Float64Array;
  setCntSequence(next: number, step: number): void;
  readonly numSubstreams: number;
  readonly inFlight: number;
  /** Set on 'udp_xdp' streams: what the AF_XDP socket obtained. */
  readonly xdp?: { zeroCopy: boolean; sourcePort: number };
  setRef(ref: boolean): void;
  close(): void;
}

/** native/addon/common_binding.cpp */
export interface NativeThreadPool {
  stop(): void;
  readonly size: number;
}

export interface NativeAllocatorOptions {
  prefault?: boolean;
  preferHuge?: boolean;
  lower?: number;
  upper?: number;
  maxFree?: number;
  initial?: number;
  lowWater?: number;
  threadPool?: NativeThreadPool;
  allocator?: NativeAllocator;
  onWarning?: (message: string) => void;
}

export interface NativeAllocator {
  stats(): { free?: number; lent?: number; fromPool?: number; grown?: number; direct?: number; refills?: number };
  setWarnOnEmpty(warn: boolean): void;
}

/** native/addon/recv_stream_binding.cpp */
export interface NativeRecvConfig {
  maxHeaps: number;
  substreams: number;
  bugCompat: number;
  allowOutOfOrder: boolean;
  stopOnStopItem: boolean;
  allowUnsizedHeaps: boolean;
  explicitStart: boolean;
  streamId: number;
  maxHeapSize: number;
  ringHeaps: number;
  contiguousOnly: boolean;
  incompleteKeepPayloadRanges: boolean;
}

/** The heaps of one batch, owned by the addon (an opaque handle; docs/internals.md). */
export interface NativeHeapBatch {
  readonly __nativeHeapBatch: never;
}

/**
 * Indices into a figures array (native/addon/heap_batch.cpp owns them): a
 * header (`count`, `ended`), then `stride` numbers per heap.
 */
export interface NativeHeapBatchLayout {
  header: number;
  count: number;
  ended: number;
  stride: number;
  cnt: number;
  addressBits: number;
  flags: number;
  heapLength: number;
  receivedLength: number;
  payloadLength: number;
  itemStart: number;
  itemCount: number;
  rangeStart: number;
  rangeCount: number;
}

/** feed() and finish(): heaps decoded synchronously. */
export interface NativeDecoded {
  figures: Float64Array;
  batch?: NativeHeapBatch;
  consumed: number;
  error?: string;
}

/** FrozenHeap's flags (native/recv/live_heap.h owns them). */
export interface NativeHeapFlags {
  /** Every byte of a sized heap arrived. */
  complete: number;
  /** STREAM_CTRL = start. */
  startOfStream: number;
  /** STREAM_CTRL = stop. */
  endOfStream: number;
  /** Delivered as a Heap even if never complete (e.g. unsized). */
  contiguous: number;
}

export interface NativeRecvStream {
  addBufferReader(buf: Uint8Array, copy: boolean): void;
  addInprocReader(queue: NativeInprocQueue): void;
  addPcapFileReader(path: string, filter: string): void;
  addTcpReader(host: string, port: number, options: { maxSize?: number; bufferSize?: number }): number;
  addUdpReader(
    host: string,
    port: number,
    options: { maxSize?: number; bufferSize?: number; interfaceAddress?: string; interfaceIndex?: number; gro?: boolean },
  ): { port: number; warnings: string[] };
  addUdpXdpReader(options: UdpXdpReaderOptions): XdpInfo;
  addUdpIbvReader(options: NativeUdpIbvReaderOptions): void;
  start(): void;
  feed(bytes: Uint8Array): NativeDecoded;
  finish(): NativeDecoded;
  stop(): void;
  /** Fills `figures` (count, ended, each heap's figures); the batch when it has heaps. */
  popBatch(max: number, consumed: number, figures: Float64Array): NativeHeapBatch | undefined;
  /** Heaps handed out that have reached the user: they free their ring slots now. */
  acknowledge(count: number): void;
  arm(): boolean;
  stats(): Float64Array;
  takeWarnings(): string[];
  ref(): void;
  unref(): void;
  close(): void;
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
