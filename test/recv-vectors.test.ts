import { expect } from 'chai';
import { createHash } from 'crypto';
import { recv } from '../lib/index';
import { binCases, loadManifest, readTestFile } from './helpers/testdata';

async function collect(stream: recv.Stream): Promise<recv.Heap[]> {
  const out: recv.Heap[] = [];
  for await (const heap of stream) out.push(heap as recv.Heap);
  return out;
}

describe('receiving spead2 vectors through addBufferReader', () => {
  for (const name of binCases()) {
    it(`delivers exactly what spead2 delivered for ${name}`, async () => {
      const m = loadManifest(name);
      // The receiver spead2 used: StreamConfig(max_heaps=4), RingStreamConfig(heaps=16).
      const stream = new recv.Stream({ maxHeaps: 4 }, { heaps: 16 });
      stream.addBufferReader(readTestFile(m.file));
      const heaps = await collect(stream);
      expect(heaps.map((h) => h.cnt)).to.deep.equal(m.verification.heaps_delivered);
      const delivered = m.heaps.filter((h) => h.delivered_by_spead2);
      heaps.forEach((heap, i) => {
        const expected = delivered[i];
        expect(heap.cnt).to.equal(expected.cnt);
        expect(heap.flavour.heapAddressBits).to.equal(m.flavour.heap_address_bits);
        expect(heap.isStartOfStream()).to.equal(expected.is_start_of_stream);
        const items = heap.getItems();
        const raw = expected.raw_items ?? [];
        expect(items.map((it) => it.id), `heap ${heap.cnt} ids`).to.deep.equal(raw.map((r) => r.id));
        items.forEach((it, k) => {
          const r = raw[k];
          expect(it.isImmediate).to.equal(r.is_immediate);
          if (r.is_immediate) expect(it.immediateValue).to.equal(r.immediate_value);
          expect(it.value.length).to.equal(r.raw_length);
          if (r.raw_base64 !== undefined) expect(Buffer.from(it.value).toString('base64')).to.equal(r.raw_base64);
          expect(createHash('sha256').update(it.value).digest('hex')).to.equal(r.raw_sha256);
        });
        const descriptors = heap.getDescriptors();
        const rd = expected.received_descriptors ?? [];
        expect(descriptors.map((d) => d.id)).to.deep.equal(rd.map((d) => d.id));
        descriptors.forEach((d, k) => {
          expect(Buffer.from(d.name).toString('latin1')).to.equal(rd[k].name);
          expect(d.numpyHeader).to.equal(rd[k].numpy_header ?? '');
          expect(d.shape).to.deep.equal(rd[k].shape);
        });
      });
      const stats = stream.stats;
      for (const [stat, value] of Object.entries(m.verification.stats ?? {})) {
        if (stat === 'worker_blocked') continue; // depends on how fast the consumer reads
        expect(stats.get(stat), stat).to.equal(value);
      }
      heaps.forEach((h) => h.release());
    });
  }
});
