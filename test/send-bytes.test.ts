import { expect } from 'chai';
import { Flavour, send } from '../lib/index';
import { splitHeaps, SplitHeap } from './helpers/packets';
import { binCases, loadManifest, readTestFile } from './helpers/testdata';

/** The heap spead2 sent, rebuilt from its packets: pointers in send order, values from the payload. */
function rebuild(h: SplitHeap, flavour: Flavour): send.Heap {
  const heap = new send.Heap(flavour);
  const addressed = h.pointers.filter((p) => !p.immediate).sort((a, b) => a.value - b.value);
  for (const p of h.pointers) {
    if (p.id === 0) continue; // padding marker: the generator adds its own
    if (p.immediate) {
      const bytes = new Uint8Array(flavour.addressBytes);
      let v = p.value;
      for (let i = bytes.length - 1; i >= 0; i--, v = Math.floor(v / 256)) bytes[i] = v % 256;
      heap.addRaw(p.id, bytes, true);
    } else {
      const k = addressed.indexOf(p);
      const end = k + 1 < addressed.length ? addressed[k + 1].value : h.packets[0].heapLength;
      heap.addRaw(p.id, h.payload.subarray(p.value, end), false);
    }
  }
  return heap;
}

describe('sending: BytesStream writes the bytes spead2 writes', () => {
  for (const name of binCases()) {
    it(`re-encodes ${name} byte for byte`, async () => {
      const m = loadManifest(name);
      const flavour = new Flavour(4, 64, m.flavour.heap_address_bits, 0);
      const data = readTestFile(m.file);
      const heaps = splitHeaps(data);
      const stream = new send.BytesStream({ maxPacketSize: m.max_packet_size, maxHeaps: 8 });
      const byCnt = new Map(heaps.map((h) => [h.cnt, h]));
      const roundRobin = name === 'group_round_robin';
      const dataHeaps = m.heaps.filter((h) => h.kind === 'data');
      if (roundRobin) {
        const refs = dataHeaps.map((h) => new send.HeapReference(rebuild(byCnt.get(h.cnt)!, flavour), { cnt: h.cnt }));
        await stream.sendHeaps(refs, send.GroupMode.ROUND_ROBIN);
      }
      for (const mh of m.heaps) {
        if (roundRobin && mh.kind === 'data') continue;
        await stream.sendHeap(rebuild(byCnt.get(mh.cnt)!, flavour), { cnt: mh.cnt });
      }
      const out = stream.getValue();
      expect(out.length).to.equal(data.length);
      expect(out.equals(data)).to.equal(true);
    });
  }

  it('pads an empty heap to one byte with a NULL pointer, as spead2 (49 bytes)', async () => {
    const stream = new send.BytesStream();
    await stream.sendHeap(new send.Heap());
    const out = stream.getValue();
    expect(out.length).to.equal(49);
    expect(out.readUInt16BE(6)).to.equal(5); // the 4 specials and the NULL pointer
  });

  it('refuses a packet size too small for the item pointers', () => {
    expect(() => new send.StreamConfig({ maxPacketSize: 48 })).to.throw(/too small/);
  });

  it('refuses an empty group and leaves the cnt sequence alone', async () => {
    const stream = new send.BytesStream();
    stream.setCntSequence(10, 5);
    await stream.sendHeaps([]).then(
      () => expect.fail('should reject'),
      (e: Error) => expect(e.message).to.match(/empty group/),
    );
    await stream.sendHeap(new send.Heap());
    expect(stream.getValue().subarray(8, 16).readUInt32BE(4)).to.equal(10);
  });

  it('refuses an explicit cnt that does not fit the flavour', async () => {
    const stream = new send.BytesStream();
    await stream.sendHeap(new send.Heap(), { cnt: 2 ** 40 }).then(
      () => expect.fail('should reject'),
      (e: Error) => expect(e.message).to.match(/does not fit in 40 bits/),
    );
  });
});
