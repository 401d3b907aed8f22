/** Frames assembled byte by byte, independently of the native builder, for the frame and XDP tests. */

export function checksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += (data[i] << 8) | (i + 1 < data.length ? data[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface IpOpts {
  protocol?: number;
  flagsFrag?: number;
  options?: Buffer;
  totalLengthDelta?: number;
  version?: number;
  udpLength?: number;
  corruptChecksum?: boolean;
  /** Destination address (dotted) and UDP port; default 239.10.20.30:8888. */
  dst?: string;
  dstPort?: number;
}

export const PAYLOAD = Buffer.from('SPEAD payload bytes');

export function ipv4Packet(payload: Buffer, o: IpOpts = {}): Buffer {
  const options = o.options ?? Buffer.alloc(0);
  const ihl = 20 + options.length;
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(o.dstPort ?? 8888, 2);
  udp.writeUInt16BE(o.udpLength ?? 8 + payload.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = ((o.version ?? 4) << 4) | (ihl / 4);
  ip.writeUInt16BE(ihl + 8 + payload.length + (o.totalLengthDelta ?? 0), 2);
  ip.writeUInt16BE(0x1234, 4);
  ip.writeUInt16BE(o.flagsFrag ?? 0, 6);
  ip[8] = 64;
  ip[9] = o.protocol ?? 17;
  Buffer.from([10, 0, 0, 1]).copy(ip, 12);
  Buffer.from((o.dst ?? '239.10.20.30').split('.').map(Number)).copy(ip, 16);
  const header = Buffer.concat([ip, options]);
  header.writeUInt16BE(checksum(header) ^ (o.corruptChecksum ? 0x0101 : 0), 10);
  return Buffer.concat([header, udp, payload]);
}

export function ethernet(ip: Buffer, vlan?: number, ethertype = 0x0800): Buffer {
  const macs = Buffer.from('01005e0a141e020000000001', 'hex');
  const tag = Buffer.alloc(vlan === undefined ? 0 : 4);
  if (vlan !== undefined) {
    tag.writeUInt16BE(0x8100, 0);
    tag.writeUInt16BE(vlan, 2);
  }
  const type = Buffer.alloc(2);
  type.writeUInt16BE(ethertype, 0);
  return Buffer.concat([macs, tag, type, ip]);
}

