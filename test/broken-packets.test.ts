import { expect } from 'chai';
import * as dgram from 'dgram';
import { recv } from '../lib/index';
import { BytesStream } from '../lib/send';
import { endHeap } from './helpers/heaps';
import { loadManifest, readLengthPrefixed } from './helpers/testdata';

interface Observed {
  delivered: Array<{ cnt: number; incomplete?: boolean; heap_length?: number; received_length?: number; raw_items?: Array<{ id: number; raw_base64: string }> }>;
  stats: Record<string, number>;
}

describe('broken packets (spead2 vectors)', () => {
  const manifest = loadManifest('broken_packets') as unknown as { observed: Record<string, Observed> };
  const datagrams = readLengthPrefixed('broken_packets.lenprefixed.bin');

  it('over UDP: delivers what spead2 delivered, counts what it dropped, by reason', async () => {
    const expected = manifest.observed.udp_receiver_whole_sequence;
    // spead2's receiver for these: defaults, with contiguous_only=False.
    const stream = new recv.Stream({}, { contiguousOnly: false, incompleteKeepPayloadRanges: true });
    const port = stream.addUdpReader({ host: '127.0.0.1', port: 0 });
    const socket = dgram.createSocket('udp4');
    for (const d of datagrams) {
      await new Promise<void>((resolve, reject) => socket.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
      await new Promise((r) => setTimeout(r, 2));
    }
    socket.close();
    const got: Array<recv.Heap | recv.IncompleteHeap> = [];
    for await (const heap of stream) got.push(heap as recv.Heap | recv.IncompleteHeap);
    expect(got.map((h) => [h.cnt, h instanceof recv.IncompleteHeap])).to.deep.equal(expected.delivered.map((d) => [d.cnt, d.incomplete === true]));
    got.forEach((h, i) => {
      const e = expected.delivered[i];
      if (h instanceof recv.IncompleteHeap) {
        expect([h.heapLength, h.receivedLength]).to.deep.equal([e.heap_length, e.received_length]);
      } else {
        const items = h.getItems().map((it) => ({ id: it.id, raw_base64: Buffer.from(it.value).toString('base64') }));
        expect(items).to.deep.equal((e.raw_items ?? []).map((r) => ({ id: r.id, raw_base64: r.raw_base64 })));
      }
    });
    const stats = stream.stats;
    for (const [name, value] of Object.entries(expected.stats)) {
      // How datagrams group into batches, and whether the ring filled, depend on timing.
      if (name === 'batches' || name === 'max_batch' || name === 'worker_blocked') continue;
      expect(stats.get(name), name).to.equal(value);
    }
    // Beyond spead2: every dropped datagram is counted, with its reason.
    expect(stats.rejected).to.deep.equal({
      too_short: 1,
      payload_overflow: 1,
      items_overflow: 1,
      bad_magic: 2,
      bad_flavour: 1,
      not_spead_64: 1,
      missing_items: 2,
      heap_length_overflow: 1,
      size_mismatch: 1,
      inconsistent_length: 1,
      out_of_order: 1,
      inconsistent_flavour: 1,
    });
  });

  it('through the buffer reader: stops at the first packet it cannot frame, as spead2', async () => {
    const expected = manifest.observed.mem_reader_concatenated;
    const stream = new recv.Stream({}, { contiguousOnly: false });
    stream.addBufferReader(Buffer.concat(datagrams));
    const got: number[] = [];
    for await (const heap of stream) got.push((heap as recv.Heap).cnt);
    expect(got).to.deep.equal(expected.delivered.map((d) => d.cnt));
    for (const [name, value] of Object.entries(expected.stats)) expect(stream.stats.get(name), name).to.equal(value);
  });

  it('survives random bytes, truncations and hostile heap sizes over UDP, and still delivers good heaps', async () => {
    const stream = new recv.Stream({ maxHeapSize: 1 << 20 });
    const port = stream.addUdpReader({ host: '127.0.0.1', port: 0 });
    const socket = dgram.createSocket('udp4');
    const good = datagrams[1]; // a valid single-packet heap (cnt 2)
    let seed = 12345;
    const rand = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const send = (b: Uint8Array): Promise<void> => new Promise((res, rej) => socket.send(b, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
    for (let i = 0; i < 300; i++) {
      const kind = i % 3;
      let b: Buffer;
      if (kind === 0) b = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      else if (kind === 1) b = Buffer.from(good.subarray(0, Math.floor(rand() * good.length)));
      else {
        // A valid header claiming an enormous heap (HEAP_LENGTH 2^39).
        b = Buffer.from(good);
        b.writeUInt32BE(0x80000200, 16);
        b.writeUInt32BE(0x00000000, 20);
        b[19] = 0x80;
      }
      b[0] = kind === 0 && rand() < 0.5 ? 0x53 : b[0];
      await send(b);
    }
    await send(good);
    const end = new BytesStream();
    await end.sendHeap(endHeap(), { cnt: 1000 });
    await send(end.getValue());
    socket.close();
    const got: number[] = [];
    for await (const heap of stream) got.push((heap as recv.Heap).cnt);
    expect(got).to.include(2);
    expect(stream.stats.get('rejected_too_large')).to.be.greaterThan(0);
  });
});
