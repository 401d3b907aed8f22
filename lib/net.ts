/**
 * Raw UDP frames and classic pcap files, over native/net. Internal: the public
 * faces are `recv.Stream.addUdpPcapFileReader` and `send.PcapFileStream`,
 * which build on these classes.
 * @internal
 */
import {
  native,
  NativeIpv4Endpoint,
  NativePcapFileReader,
  NativePcapFileWriter,
  NativePcapRecord,
  NativeUdpFrameOptions,
} from './native';

/** An IPv4 address (dotted string) and a UDP port. */
export type Ipv4Endpoint = NativeIpv4Endpoint;
/** Headers of a frame built by {@link buildUdpFrame}. */
export type UdpFrameOptions = NativeUdpFrameOptions;
/** One UDP datagram from a pcap file. */
export type PcapRecord = NativePcapRecord;

/** Why the frame layer refused a frame (native FrameReject, same order). */
export type FrameRejectReason =
  | 'too_short'
  | 'not_ipv4'
  | 'bad_ip_header'
  | 'bad_ip_checksum'
  | 'truncated_ip'
  | 'fragmented'
  | 'not_udp'
  | 'bad_udp_length';

/** pcap link types the frame layer parses. */
export const LinkType = { ethernet: 1, raw: 101, linuxSll: 113, ipv4: 228, linuxSll2: 276 } as const;

/** A parsed frame: the UDP payload with its endpoints, or the rejection reason. */
export type FrameParse =
  | { ok: true; payload: Buffer; src: Ipv4Endpoint; dst: Ipv4Endpoint; vlan?: number }
  | { ok: false; reason: FrameRejectReason };

/** Counters of a pcap reader: accepted frames, rejections by reason, filtered and truncated records. */
export type PcapReaderStats = Record<FrameRejectReason | 'accepted' | 'filtered' | 'truncated', number>;

/** Parses a whole frame of the given link type (Ethernet by default) down to its UDP payload. */
export function parseFrame(frame: Uint8Array, linkType: number = LinkType.ethernet): FrameParse {
  return native.parseFrame(frame, linkType) as FrameParse;
}

/** Builds an Ethernet/IPv4/UDP frame around the payload (gathered from several buffers if given a list). */
export function buildUdpFrame(options: UdpFrameOptions, payload: Uint8Array | Uint8Array[]): Buffer {
  return native.buildUdpFrame(options, payload);
}

/** Whether BPF filters are available (libpcap is loaded at run time, not linked). */
export function pcapFiltersAvailable(): boolean {
  return native.libpcapAvailable;
}

/** Reads UDP datagrams out of a classic pcap file, optionally through a BPF filter. */
export class PcapFileReader {
  private readonly handle: NativePcapFileReader;

  /** Throws an Error with code ENOENT etc. if the file cannot be opened, a RangeError for a bad file or filter. */
  constructor(path: string, filter?: string) {
    this.handle = new native.PcapFileReader(path, filter);
  }

  /** Up to `max` datagrams, or null at the end of the file. */
  readBatch(max = 64): PcapRecord[] | null {
    return this.handle.readBatch(max);
  }

  /** Counters so far. */
  get stats(): PcapReaderStats {
    return this.handle.stats as PcapReaderStats;
  }

  /** The file's link type (see {@link LinkType}). */
  get linkType(): number {
    return this.handle.linkType;
  }

  /** Closes the file and frees the read buffer now rather than at garbage collection. */
  close(): void {
    this.handle.close();
  }
}

/** Writes one Ethernet/IPv4/UDP frame per datagram into a classic pcap file (LINKTYPE_ETHERNET). */
export class PcapFileWriter {
  private readonly handle: NativePcapFileWriter;

  /** Creates (or truncates) the file. */
  constructor(path: string) {
    this.handle = new native.PcapFileWriter(path);
  }

  /** Appends one datagram, timestamped now. */
  write(payload: Uint8Array | Uint8Array[], endpoints: { src: Ipv4Endpoint; dst: Ipv4Endpoint }): void {
    this.handle.write(payload, endpoints);
  }

  /** Pushes buffered records to the file. */
  flush(): void {
    this.handle.flush();
  }

  /** Flushes and closes; later writes throw. */
  close(): void {
    this.handle.close();
  }

  /** Records written so far. */
  get records(): number {
    return this.handle.records;
  }
}
