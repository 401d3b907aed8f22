import { expect } from 'chai';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ItemGroup, recv } from '../lib/index';
import { loadManifest, testFilePath } from './helpers/testdata';

async function heapsOf(stream: recv.Stream): Promise<Array<recv.Heap | recv.IncompleteHeap>> {
  const out: Array<recv.Heap | recv.IncompleteHeap> = [];
  for await (const h of stream) out.push(h as recv.Heap);
  return out;
}

/** A classic pcap file of the given frames (little-endian header, Ethernet unless told). */
function pcapFile(frames: Buffer[], linkType = 1, swap = false): string {
  const w32 = (b: Buffer, v: number, at: number): void => {
    if (swap) b.writeUInt32BE(v, at);
    else b.writeUInt32LE(v, at);
  };
  const header = Buffer.alloc(24);
  w32(header, 0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  w32(header, 65535, 16);
  w32(header, linkType, 20);
  const parts: Buffer[] = [header];
  for (const f of frames) {
    const rh = Buffer.alloc(16);
    w32(rh, f.length, 8);
    w32(rh, f.length, 12);
    parts.push(rh, f);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spead-pcap-')), 'test.pcap');
  fs.writeFileSync(file, Buffer.concat(parts));
  return file;
}

function checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet/IPv4/UDP frame around `payload`, with knobs to break it. */
function udpFrame(payload: Buffer, opts: { vlan?: boolean; badChecksum?: boolean; fragment?: boolean; protocol?: number; ethertype?: number } = {}): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  if (opts.fragment) ip.writeUInt16BE(0x2000, 6);
  ip[8] = 64;
  ip[9] = opts.protocol ?? 17;
  ip.writeUInt32BE(0x7f000001, 12);
  ip.writeUInt32BE(0x7f000001, 16);
  ip.writeUInt16BE(checksum(ip) ^ (opts.badChecksum ? 1 : 0), 10);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(8888, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  const eth = Buffer.alloc(opts.vlan ? 18 : 14);
  if (opts.vlan) {
    eth.writeUInt16BE(0x8100, 12);
    eth.writeUInt16BE(42, 14);
    eth.writeUInt16BE(0x0800, 16);
  } else eth.writeUInt16BE(opts.ethertype ?? 0x0800, 12);
  return Buffer.concat([eth, ip, udp, payload]);
}

describe('addPcapFileReader', () => {
  it('decodes basic_flavour_64_40.pcap to the heaps spead2 decoded, with its statistics', async () => {
    const m = loadManifest('basic_flavour_64_40');
    const copy = m['pcap_copy'] as { spead2_pcap_reader_heaps: number[]; stats: Record<string, number> };
    const stream = new recv.Stream();
    stream.addPcapFileReader(testFilePath('basic_flavour_64_40.pcap'));
    const heaps = await heapsOf(stream);
    expect(heaps.map((h) => h.cnt)).to.deep.equal(copy.spead2_pcap_reader_heaps);
    for (const [name, value] of Object.entries(copy.stats)) if (name !== 'worker_blocked') expect(stream.stats.get(name), name).to.equal(value);
  });

  it('splits the udp_substreams capture by a BPF filter per destination port, as spead2 did', async function () {
    const m = loadManifest('udp_substreams') as unknown as {
      substreams: Record<string, { udp_dst_port: number; heaps: Array<{ cnt: number; kind: string; items?: Record<string, { wire_sha256?: string }> }> }>;
    };
    for (const sub of Object.values(m.substreams)) {
      const stream = new recv.Stream();
      try {
        stream.addPcapFileReader(testFilePath('udp_substreams.pcap'), { filter: `udp dst port ${sub.udp_dst_port}` });
      } catch (e) {
        if (/libpcap/.test((e as Error).message)) this.skip(); // libpcap is optional at run time
        throw e;
      }
      const group = new ItemGroup();
      const heaps = await heapsOf(stream);
      expect(heaps.map((h) => h.cnt)).to.deep.equal(sub.heaps.filter((h) => h.kind === 'data').map((h) => h.cnt));
      heaps.forEach((h, i) => {
        group.update(h as recv.Heap);
        const data = group.get('data');
        expect(createHash('sha256').update(data.toBuffer()).digest('hex')).to.equal(sub.heaps[i].items!.data.wire_sha256);
      });
    }
  });

  it('reads broken_packets.pcap exactly as spead2’s pcap reader did', async () => {
    const expected = (loadManifest('broken_packets') as unknown as { observed: Record<string, { delivered: Array<{ cnt: number; incomplete?: boolean }>; stats: Record<string, number> }> })
      .observed.pcap_reader_whole_file;
    const stream = new recv.Stream({}, { contiguousOnly: false });
    stream.addPcapFileReader(testFilePath('broken_packets.pcap'));
    const heaps = await heapsOf(stream);
    expect(heaps.map((h) => [h.cnt, h instanceof recv.IncompleteHeap])).to.deep.equal(expected.delivered.map((d) => [d.cnt, d.incomplete === true]));
    for (const [name, value] of Object.entries(expected.stats)) if (name !== 'worker_blocked') expect(stream.stats.get(name), name).to.equal(value);
  });

  it('rejects and counts frames that are not plain IPv4/UDP; accepts VLAN tags and either byte order', async () => {
    // The first packet of a spead2 vector, cut exactly: 8 + 8n + PAYLOAD_LENGTH.
    const heapBytes = fs.readFileSync(testFilePath('basic_flavour_64_40.bin'));
    const n = heapBytes.readUInt16BE(6);
    let payloadLength = 0;
    for (let i = 0; i < n; i++) {
      const hi = heapBytes.readUInt32BE(8 + 8 * i);
      if (hi >>> 31 && ((hi >>> 8) & 0x7fffff) === 4) payloadLength = heapBytes.readUInt32BE(12 + 8 * i) + (hi & 0xff) * 2 ** 32;
    }
    const packet = heapBytes.subarray(0, 8 + 8 * n + payloadLength);
    const frames = [
      udpFrame(packet, { badChecksum: true }),
      udpFrame(packet, { fragment: true }),
      udpFrame(packet, { protocol: 6 }),
      udpFrame(packet, { ethertype: 0x86dd }),
      udpFrame(packet).subarray(0, 30),
      udpFrame(packet, { vlan: true }),
    ];
    for (const swap of [false, true]) {
      const stream = new recv.Stream();
      stream.addPcapFileReader(pcapFile(frames, 1, swap));
      const heaps = await heapsOf(stream);
      expect(heaps.map((h) => h.cnt)).to.deep.equal([1]);
      expect(stream.stats.get('frames_rejected')).to.equal(5);
    }
  });

  it('gives clear errors for a missing file, a bad magic, an unsupported link type, and counts a truncated record', async () => {
    const stream = new recv.Stream();
    expect(() => stream.addPcapFileReader('/nonexistent/file.pcap')).to.throw(/ENOENT|No such file/);
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spead-pcap-')), 'bad.pcap');
    fs.writeFileSync(bad, Buffer.alloc(64, 7));
    expect(() => stream.addPcapFileReader(bad)).to.throw(/magic|not a pcap/i);
    expect(() => stream.addPcapFileReader(pcapFile([], 147))).to.throw(/link type 147/);
    // A record that claims 4 GiB: reading stops there, nothing is allocated.
    const file = pcapFile([Buffer.alloc(10)]);
    const b = fs.readFileSync(file);
    b.writeUInt32LE(0xffffffff, 24 + 8);
    fs.writeFileSync(file, b);
    stream.addPcapFileReader(file);
    await heapsOf(stream);
    expect(stream.stats.get('truncated_input')).to.equal(1);
  });
});

describe('send.PcapFileStream', () => {
  it('writes heaps as Ethernet/IPv4/UDP frames that addPcapFileReader reads back, per substream by BPF filter', async function () {
    const { send } = await import('../lib/index');
    const { patternHeap, endHeap } = await import('./helpers/heaps');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spead-pcapw-')), 'out.pcap');
    const pcap = new send.PcapFileStream(file, [{ address: '239.1.2.3', port: 7148 }, { address: '239.1.2.3', port: 7149 }]);
    const sent = [1, 2, 3, 4].map((i) => patternHeap(5000, i));
    await pcap.sendHeaps(sent.map((s, i) => new send.HeapReference(s.heap, { substreamIndex: i % 2 })), send.GroupMode.ROUND_ROBIN);
    await pcap.sendHeap(endHeap(), { substreamIndex: 0 });
    pcap.close();
    const all = new recv.Stream();
    all.addPcapFileReader(file);
    const heaps = (await heapsOf(all)) as recv.Heap[];
    expect(heaps.map((h) => h.cnt)).to.deep.equal([1, 2, 3, 4]);
    heaps.forEach((h) => expect(Buffer.from(h.getItems()[0].value).equals(Buffer.from(sent[h.cnt - 1].data))).to.equal(true));
    const odd = new recv.Stream();
    try {
      odd.addPcapFileReader(file, { filter: 'udp dst port 7149' });
    } catch (e) {
      if (/libpcap/.test((e as Error).message)) this.skip();
      throw e;
    }
    expect((await heapsOf(odd)).map((h) => h.cnt)).to.deep.equal([2, 4]);
  });
});
