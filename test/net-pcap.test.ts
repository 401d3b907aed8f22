import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildUdpFrame, LinkType, PcapFileReader, PcapFileWriter, PcapRecord, pcapFiltersAvailable } from '../lib/net';
import { loadManifest, readLengthPrefixed, readTestFile, testFilePath } from './helpers/testdata';

function readAll(reader: PcapFileReader, max = 5): PcapRecord[] {
  const out: PcapRecord[] = [];
  for (let batch = reader.readBatch(max); batch !== null; batch = reader.readBatch(max)) {
    expect(batch.length).to.be.within(1, max);
    out.push(...batch);
  }
  return out;
}

// The HEAP_CNT of a SPEAD-64-40 packet, read from its item pointers.
function heapCnt(packet: Buffer): number {
  const nItems = packet.readUInt16BE(6);
  for (let i = 0; i < nItems; i++) {
    const p = packet.readBigUInt64BE(8 + 8 * i);
    if (((p >> 40n) & 0x7fffffn) === 1n) return Number(p & 0xffffffffffn);
  }
  throw new Error('no HEAP_CNT');
}

interface HandRecord {
  frame: Buffer;
  origLen?: number;
  sec?: number;
  frac?: number;
}

// A pcap file assembled by hand, in either byte order.
function handPcap(records: HandRecord[], opts: { bigEndian?: boolean; nanoseconds?: boolean; linkType?: number; magic?: number } = {}): Buffer {
  const w32 = (b: Buffer, v: number, off: number) => (opts.bigEndian ? b.writeUInt32BE(v, off) : b.writeUInt32LE(v, off));
  const w16 = (b: Buffer, v: number, off: number) => (opts.bigEndian ? b.writeUInt16BE(v, off) : b.writeUInt16LE(v, off));
  const header = Buffer.alloc(24);
  w32(header, opts.magic ?? (opts.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4), 0);
  w16(header, 2, 4);
  w16(header, 4, 6);
  w32(header, 65535, 16);
  w32(header, opts.linkType ?? LinkType.ethernet, 20);
  const parts: Buffer[] = [header];
  for (const r of records) {
    const rh = Buffer.alloc(16);
    w32(rh, r.sec ?? 1700000000, 0);
    w32(rh, r.frac ?? 250000, 4);
    w32(rh, r.frame.length, 8);
    w32(rh, r.origLen ?? r.frame.length, 12);
    parts.push(rh, r.frame);
  }
  return Buffer.concat(parts);
}

const endpoints = { src: { address: '10.1.2.3', port: 7000 }, dst: { address: '239.2.0.1', port: 7148 } };

describe('net pcap reader on spead2 captures', () => {
  it('returns every SPEAD packet of basic_flavour_64_40.pcap in order', () => {
    const m = loadManifest('basic_flavour_64_40');
    const bin = readTestFile(m.file);
    const fields = m.packet_fields ?? [];
    const offset = fields.indexOf('offset');
    const length = fields.indexOf('length');
    const records = readAll(new PcapFileReader(testFilePath('basic_flavour_64_40.pcap')), 3);
    const packets = m.packets ?? [];
    expect(records.length).to.equal(packets.length);
    records.forEach((r, i) => {
      const p = packets[i];
      expect(r.payload.equals(bin.subarray(p[offset], p[offset] + p[length])), `packet ${i}`).to.equal(true);
      expect(r.src).to.deep.equal({ address: '127.0.0.1', port: 40000 });
      expect(r.dst).to.deep.equal({ address: '127.0.0.1', port: 8888 });
      expect(r.timestamp).to.be.greaterThan(0);
    });
  });

  it('returns the broken_packets datagrams byte for byte', () => {
    const datagrams = readLengthPrefixed('broken_packets.lenprefixed.bin');
    const manifest = JSON.parse(readTestFile('broken_packets.json').toString()) as { datagrams: Array<{ length: number }> };
    const reader = new PcapFileReader(testFilePath('broken_packets.pcap'));
    const records = readAll(reader, 7);
    expect(records.length).to.equal(manifest.datagrams.length);
    expect(records.length).to.equal(datagrams.length);
    records.forEach((r, i) => {
      expect(r.payload.length, `datagram ${i}`).to.equal(manifest.datagrams[i].length);
      expect(r.payload.equals(datagrams[i]), `datagram ${i}`).to.equal(true);
    });
    expect(reader.stats.accepted).to.equal(datagrams.length);
    expect(reader.stats.truncated).to.equal(0);
  });

  it('returns both substreams of udp_substreams.pcap with the manifest ports and heaps', () => {
    const m = loadManifest('udp_substreams') as unknown as {
      substreams: Record<string, { udp_dst_port: number; heaps: Array<{ cnt: number }>; spead2_pcap_reader: { stats: { packets: number } } }>;
    };
    const records = readAll(new PcapFileReader(testFilePath('udp_substreams.pcap')), 64);
    for (const sub of Object.values(m.substreams)) {
      const mine = records.filter((r) => r.dst.port === sub.udp_dst_port);
      expect(mine.length).to.equal(sub.spead2_pcap_reader.stats.packets);
      const cnts = [...new Set(mine.map((r) => heapCnt(r.payload)))].sort((a, b) => a - b);
      expect(cnts).to.deep.equal(sub.heaps.map((h) => h.cnt).sort((a, b) => a - b));
    }
    const ports = Object.values(m.substreams).map((s) => s.udp_dst_port);
    expect(records.every((r) => ports.includes(r.dst.port))).to.equal(true);
  });

  it('keeps only the substream a BPF filter selects', function () {
    if (!pcapFiltersAvailable()) {
      console.warn('    skipped: libpcap (libpcap.so.0.8 / libpcap.so.1) cannot be loaded, so BPF filters are unavailable');
      this.skip();
    }
    const m = loadManifest('udp_substreams') as unknown as {
      substreams: Record<string, { udp_dst_port: number; spead2_pcap_reader: { filter: string; stats: { packets: number } } }>;
    };
    for (const sub of Object.values(m.substreams)) {
      const reader = new PcapFileReader(testFilePath('udp_substreams.pcap'), sub.spead2_pcap_reader.filter);
      const records = readAll(reader, 10);
      expect(records.length).to.equal(sub.spead2_pcap_reader.stats.packets);
      expect(records.every((r) => r.dst.port === sub.udp_dst_port)).to.equal(true);
      expect(reader.stats.filtered).to.be.greaterThan(0);
    }
  });

  it('rejects a filter that does not compile, naming it', function () {
    if (!pcapFiltersAvailable()) {
      console.warn('    skipped: libpcap (libpcap.so.0.8 / libpcap.so.1) cannot be loaded, so BPF filters are unavailable');
      this.skip();
    }
    expect(() => new PcapFileReader(testFilePath('udp_substreams.pcap'), 'udp dst port banana')).to.throw(RangeError, /banana/);
  });
});

describe('net pcap writer and reader', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spead-net-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads back what the writer wrote, with real-clock timestamps', () => {
    const file = path.join(dir, 'round.pcap');
    const writer = new PcapFileWriter(file);
    const payloads = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(9000, 7), Buffer.alloc(1472, 3)];
    const before = Date.now() / 1000;
    for (const p of payloads) writer.write(p, endpoints);
    writer.write([Buffer.from('gath'), Buffer.from('ered')], endpoints);
    writer.close();
    expect(writer.records).to.equal(5);
    expect(() => writer.write(Buffer.from('late'), endpoints)).to.throw(/closed/);
    const header = fs.readFileSync(file).subarray(0, 24);
    expect(header.readUInt32LE(0)).to.equal(0xa1b2c3d4);
    expect([header.readUInt16LE(4), header.readUInt16LE(6)]).to.deep.equal([2, 4]);
    expect(header.readUInt32LE(16)).to.be.at.least(65535);
    expect(header.readUInt32LE(20)).to.equal(LinkType.ethernet);
    const records = readAll(new PcapFileReader(file));
    expect(records.map((r) => r.payload.toString('hex'))).to.deep.equal(
      [...payloads, Buffer.from('gathered')].map((p) => p.toString('hex')),
    );
    for (const r of records) {
      expect(r.src).to.deep.equal(endpoints.src);
      expect(r.dst).to.deep.equal(endpoints.dst);
      expect(r.timestamp).to.be.at.least(Math.floor(before));
    }
  });

  it('reads a file larger than its read buffer across refills, record for record', () => {
    const file = path.join(dir, 'big.pcap');
    const writer = new PcapFileWriter(file);
    const sizes: number[] = [];
    for (let i = 0; i < 1200; i++) {
      const size = 3 + ((i * 7919) % 9000); // odd sizes, so records straddle every buffer boundary
      sizes.push(size);
      const p = Buffer.alloc(size, i & 0xff);
      p.writeUInt16BE(i, 0);
      writer.write(p, endpoints);
    }
    writer.close();
    expect(fs.statSync(file).size).to.be.greaterThan(4 << 20);
    const reader = new PcapFileReader(file);
    const records = readAll(reader, 37);
    expect(records.map((r) => r.payload.length)).to.deep.equal(sizes);
    records.forEach((r, i) => {
      expect(r.payload.readUInt16BE(0)).to.equal(i);
      expect(r.payload[r.payload.length - 1]).to.equal(i & 0xff);
    });
    expect(reader.stats.truncated).to.equal(0);
  });

  it('reads both byte orders and the nanosecond variant', () => {
    const frame = buildUdpFrame(endpoints, Buffer.from('payload'));
    for (const bigEndian of [false, true]) {
      for (const nanoseconds of [false, true]) {
        const file = path.join(dir, `order-${bigEndian}-${nanoseconds}.pcap`);
        fs.writeFileSync(file, handPcap([{ frame, sec: 1700000000, frac: 500 }, { frame }], { bigEndian, nanoseconds }));
        const records = readAll(new PcapFileReader(file));
        expect(records.length).to.equal(2);
        expect(records[0].payload.toString()).to.equal('payload');
        expect(records[0].timestamp).to.be.closeTo(1700000000 + 500 * (nanoseconds ? 1e-9 : 1e-6), 1e-6);
      }
    }
  });

  it('counts frames the frame layer rejects, by reason, and keeps the good ones', () => {
    const good = buildUdpFrame(endpoints, Buffer.from('good'));
    const badChecksum = Buffer.from(good);
    badChecksum[24] ^= 0xff;
    const tcp = Buffer.from(good);
    tcp[23] = 6;
    tcp.writeUInt16BE(0, 24);
    const fragment = Buffer.from(good);
    fragment[20] |= 0x20;
    fragment.writeUInt16BE(0, 24);
    const fix = (f: Buffer) => {
      // re-checksum the IP header after editing it
      let sum = 0;
      for (let i = 14; i < 34; i += 2) sum += f.readUInt16BE(i);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      f.writeUInt16BE(~sum & 0xffff, 24);
      return f;
    };
    const file = path.join(dir, 'rejects.pcap');
    fs.writeFileSync(
      file,
      handPcap([good, badChecksum, fix(tcp), fix(fragment), good.subarray(0, 10), good].map((frame) => ({ frame }))),
    );
    const reader = new PcapFileReader(file);
    expect(readAll(reader).map((r) => r.payload.toString())).to.deep.equal(['good', 'good']);
    const s = reader.stats;
    expect([s.accepted, s.bad_ip_checksum, s.not_udp, s.fragmented, s.too_short]).to.deep.equal([2, 1, 1, 1, 1]);
  });

  it('reads Linux cooked (SLL) captures', () => {
    const ip = buildUdpFrame(endpoints, Buffer.from('cooked')).subarray(14);
    const sll = Buffer.concat([Buffer.from('0000000100060000000000000000', 'hex'), Buffer.from([0x08, 0x00]), ip]);
    const file = path.join(dir, 'sll.pcap');
    fs.writeFileSync(file, handPcap([{ frame: sll }], { linkType: LinkType.linuxSll }));
    const reader = new PcapFileReader(file);
    expect(reader.linkType).to.equal(LinkType.linuxSll);
    expect(readAll(reader).map((r) => r.payload.toString())).to.deep.equal(['cooked']);
  });

  it('keeps the whole records of a truncated file and counts the cut one', () => {
    const frame = buildUdpFrame(endpoints, Buffer.from('whole'));
    const full = handPcap([{ frame }, { frame }, { frame }]);
    for (const cut of [1, 10, 16, 17, frame.length + 15]) {
      const file = path.join(dir, 'cut.pcap');
      fs.writeFileSync(file, full.subarray(0, full.length - cut));
      const reader = new PcapFileReader(file);
      expect(readAll(reader).length, `cut ${cut}`).to.equal(cut > frame.length + 16 ? 1 : 2);
      expect(reader.stats.truncated, `cut ${cut}`).to.equal(1);
    }
  });

  it('stops at a record claiming 4 GiB without allocating it', () => {
    const frame = buildUdpFrame(endpoints, Buffer.from('ok'));
    const file = handPcap([{ frame }, { frame }]);
    file.writeUInt32LE(0xffffffff, 24 + 16 + frame.length + 8); // second record's caplen
    const p = path.join(dir, 'hostile.pcap');
    fs.writeFileSync(p, file);
    const reader = new PcapFileReader(p);
    expect(readAll(reader).length).to.equal(1);
    expect(reader.stats.truncated).to.equal(1);
    expect(reader.readBatch(5)).to.equal(null);
  });

  it('refuses a missing file with ENOENT, a bad magic and an unsupported link type with a clear error', () => {
    let err: unknown;
    try {
      new PcapFileReader(path.join(dir, 'absent.pcap'));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(Error);
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOENT');
    expect((err as Error).message).to.match(/absent\.pcap/);

    const bad = path.join(dir, 'bad.pcap');
    fs.writeFileSync(bad, handPcap([], { magic: 0x0a0d0d0a }));
    expect(() => new PcapFileReader(bad)).to.throw(RangeError, /magic 0a0d0d0a/);
    fs.writeFileSync(bad, Buffer.from('tiny'));
    expect(() => new PcapFileReader(bad)).to.throw(RangeError, /not a pcap file/);
    fs.writeFileSync(bad, handPcap([], { linkType: 105 }));
    expect(() => new PcapFileReader(bad)).to.throw(RangeError, /link type 105/);
    expect(() => new PcapFileReader(dir)).to.throw(RangeError, /is a directory/);
  });

  it('keeps its stats after close() and refuses to read further', () => {
    const reader = new PcapFileReader(testFilePath('basic_flavour_64_40.pcap'));
    const n = readAll(reader).length;
    reader.close();
    expect(reader.stats.accepted).to.equal(n);
    expect(() => reader.readBatch(1)).to.throw(/closed/);
  });

  it('returns null at once for a file with no records', () => {
    const p = path.join(dir, 'empty.pcap');
    fs.writeFileSync(p, handPcap([]));
    const reader = new PcapFileReader(p);
    expect(reader.readBatch(5)).to.equal(null);
    expect(reader.stats.truncated).to.equal(0);
  });
});
