import { expect } from 'chai';
import { buildUdpFrame, parseFrame, LinkType, FrameParse } from '../lib/net';
import { native } from '../lib/native';
import { checksum, ethernet, ipv4Packet, PAYLOAD } from './helpers/frames';

function sll(ip: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // unicast to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(0x0800, 14);
  return Buffer.concat([h, ip]);
}

function sll2(ip: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(0x0800, 0);
  h.writeUInt16BE(1, 8);
  return Buffer.concat([h, ip]);
}

function expectDatagram(r: FrameParse, vlan?: number): void {
  expect(r.ok, JSON.stringify(r)).to.equal(true);
  if (!r.ok) return;
  expect(r.payload.equals(PAYLOAD)).to.equal(true);
  expect(r.src).to.deep.equal({ address: '10.0.0.1', port: 40000 });
  expect(r.dst).to.deep.equal({ address: '239.10.20.30', port: 8888 });
  expect(r.vlan).to.equal(vlan);
}

function expectReject(r: FrameParse, reason: string): void {
  expect(r.ok).to.equal(false);
  if (!r.ok) expect(r.reason).to.equal(reason);
}

describe('net frame layer: parsing', () => {
  it('accepts a plain Ethernet/IPv4/UDP frame', () => {
    expectDatagram(parseFrame(ethernet(ipv4Packet(PAYLOAD))));
  });

  it('accepts a VLAN-tagged frame and reports the VLAN id', () => {
    expectDatagram(parseFrame(ethernet(ipv4Packet(PAYLOAD), 0x2000 | 123)), 123);
  });

  it('skips IPv4 options', () => {
    const options = Buffer.from([0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]); // router alert + NOPs + EOL
    expectDatagram(parseFrame(ethernet(ipv4Packet(PAYLOAD, { options }))));
  });

  it('accepts trailing Ethernet padding beyond the IP total length', () => {
    const tiny = Buffer.from([1]);
    const frame = Buffer.concat([ethernet(ipv4Packet(tiny)), Buffer.alloc(17)]);
    const r = parseFrame(frame);
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.payload.equals(tiny)).to.equal(true);
  });

  it('accepts Linux cooked captures (SLL and SLL2) and raw IPv4', () => {
    expectDatagram(parseFrame(sll(ipv4Packet(PAYLOAD)), LinkType.linuxSll));
    expectDatagram(parseFrame(sll2(ipv4Packet(PAYLOAD)), LinkType.linuxSll2));
    expectDatagram(parseFrame(ipv4Packet(PAYLOAD), LinkType.raw));
    expectDatagram(parseFrame(ipv4Packet(PAYLOAD), LinkType.ipv4));
  });

  it('accepts a zero-length UDP payload', () => {
    const r = parseFrame(ethernet(ipv4Packet(Buffer.alloc(0))));
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.payload.length).to.equal(0);
  });

  it('rejects a frame truncated at every byte with a reason, never reading beyond it', () => {
    const frame = ethernet(ipv4Packet(PAYLOAD), 7);
    const reasons = new Set<string>();
    for (let len = 0; len < frame.length; len++) {
      const r = parseFrame(frame.subarray(0, len));
      expect(r.ok, `length ${len}`).to.equal(false);
      if (!r.ok) reasons.add(r.reason);
      if (len < 18) expectReject(r, 'too_short');
      else if (len < 18 + 20) expectReject(r, 'bad_ip_header');
      else expectReject(r, 'truncated_ip');
    }
    expect([...reasons].sort()).to.deep.equal(['bad_ip_header', 'too_short', 'truncated_ip']);
    for (let len = 0; len < 16; len++) expectReject(parseFrame(sll(ipv4Packet(PAYLOAD)).subarray(0, len), LinkType.linuxSll), 'too_short');
  });

  it('rejects other ethertypes (ARP, IPv6) as not_ipv4', () => {
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD), undefined, 0x0806)), 'not_ipv4');
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD), 5, 0x86dd)), 'not_ipv4');
  });

  it('rejects a bad IP version or IHL', () => {
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { version: 6 }))), 'bad_ip_header');
    const frame = ethernet(ipv4Packet(PAYLOAD));
    frame[14] = 0x44; // IHL 4 words
    expectReject(parseFrame(frame), 'bad_ip_header');
  });

  it('rejects a bad IP header checksum', () => {
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { corruptChecksum: true }))), 'bad_ip_checksum');
  });

  it('rejects fragments: MF set, or a non-zero offset', () => {
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { flagsFrag: 0x2000 }))), 'fragmented');
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { flagsFrag: 0x0010 }))), 'fragmented');
    expectDatagram(parseFrame(ethernet(ipv4Packet(PAYLOAD, { flagsFrag: 0x4000 })))); // DF alone is fine
  });

  it('rejects TCP as not_udp', () => {
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { protocol: 6 }))), 'not_udp');
  });

  it('rejects an IP total length beyond the frame or inside the header', () => {
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { totalLengthDelta: 1 }))), 'truncated_ip');
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { totalLengthDelta: -(28 + PAYLOAD.length) + 19 }))), 'truncated_ip');
  });

  it('rejects a UDP length below 8 or beyond the IP payload', () => {
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { udpLength: 7 }))), 'bad_udp_length');
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { udpLength: 8 + PAYLOAD.length + 1 }))), 'bad_udp_length');
    // IP payload too short to hold a UDP header at all
    expectReject(parseFrame(ethernet(ipv4Packet(PAYLOAD, { totalLengthDelta: -(8 + PAYLOAD.length) + 4 }))), 'bad_udp_length');
  });

  it('names every rejection reason the native enum has', () => {
    expect(native.frameRejectNames).to.deep.equal([
      'too_short', 'not_ipv4', 'bad_ip_header', 'bad_ip_checksum', 'truncated_ip', 'fragmented', 'not_udp', 'bad_udp_length',
    ]);
  });
});

describe('net frame layer: building', () => {
  const endpoints = { src: { address: '192.168.0.1', port: 1234 }, dst: { address: '192.168.0.199', port: 5678 } };

  it('computes the textbook IPv4 header checksum (0xb861)', () => {
    // 4500 0073 0000 4000 4011 xxxx c0a8 0001 c0a8 00c7: total length 0x73 = 115 = 20 + 8 + 87
    const frame = buildUdpFrame({ ...endpoints, ttl: 64, ipId: 0 }, Buffer.alloc(87));
    expect(frame.subarray(14, 34).toString('hex')).to.equal('4500007300004000401' + '1b861c0a80001c0a800c7');
  });

  it('round-trips through the parser, with the payload gathered from several buffers', () => {
    const parts = [Buffer.from('abc'), Buffer.alloc(0), Buffer.from('defgh')];
    const frame = buildUdpFrame({ ...endpoints, srcMac: Buffer.from('020000000001', 'hex'), dstMac: Buffer.from('020000000002', 'hex') }, parts);
    expect(frame.length).to.equal(42 + 8);
    expect(frame.subarray(0, 12).toString('hex')).to.equal('020000000002020000000001');
    expect(frame.readUInt16BE(40)).to.equal(0); // UDP checksum off by default
    const r = parseFrame(frame);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.payload.toString()).to.equal('abcdefgh');
    expect(r.src).to.deep.equal(endpoints.src);
    expect(r.dst).to.deep.equal(endpoints.dst);
  });

  it('computes a UDP checksum over the pseudo-header when asked', () => {
    for (const size of [0, 1, 2, 99, 1472]) {
      const payload = Buffer.alloc(size, 0xa5);
      const frame = buildUdpFrame({ ...endpoints, udpChecksum: true }, payload);
      const udp = frame.subarray(34);
      expect(udp.readUInt16BE(6)).to.not.equal(0);
      const pseudo = Buffer.concat([frame.subarray(26, 34), Buffer.from([0, 17]), frame.subarray(38, 40)]);
      // A correct checksum makes the sum over pseudo-header + datagram verify to zero.
      expect(checksum(Buffer.concat([pseudo, udp.length % 2 ? Buffer.concat([udp, Buffer.alloc(1)]) : udp])), `size ${size}`).to.equal(0);
      expect(parseFrame(frame).ok).to.equal(true);
    }
  });

  it('derives the multicast MAC from the low 23 bits of the group', () => {
    const frame = buildUdpFrame({ src: endpoints.src, dst: { address: '239.129.2.3', port: 7148 } }, Buffer.alloc(1));
    expect(frame.subarray(0, 6).toString('hex')).to.equal('01005e010203');
  });

  it('refuses a payload larger than a UDP datagram can hold, and bad endpoints', () => {
    expect(() => buildUdpFrame(endpoints, Buffer.alloc(65508))).to.throw(RangeError, /does not fit/);
    expect(() => buildUdpFrame({ ...endpoints, src: { address: 'nope', port: 1 } }, Buffer.alloc(1))).to.throw(RangeError, /IPv4/);
    expect(() => buildUdpFrame({ ...endpoints, dst: { address: '1.2.3.4', port: 70000 } }, Buffer.alloc(1))).to.throw(RangeError, /port/);
  });
});
