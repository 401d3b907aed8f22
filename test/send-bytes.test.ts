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

describe('sending: more of spead2’s send.Heap and BytesStream', () => {
  it('repeatPointers puts every item pointer in every packet, and refuses a packet too small for them', async () => {
    const { decodePacket } = await import('../lib/packet');
    const heap = new send.Heap();
    heap.repeatPointers = true;
    heap.addRaw(0x1000, new Uint8Array(5000), false);
    heap.addRaw(0x1001, new Uint8Array([1, 2]), true);
    const bytes = new send.BytesStream({ maxPacketSize: 1472 });
    await bytes.sendHeap(heap);
    const out = bytes.getValue();
    let packets = 0;
    for (let pos = 0; pos < out.length; packets++) {
      const p = decodePacket(out.subarray(pos));
      expect(p.pointers.filter((q) => q.id >= 0x1000).map((q) => q.id)).to.deep.equal([0x1000, 0x1001]);
      pos += p.size;
    }
    expect(packets).to.be.greaterThan(1);
    const crowded = new send.Heap();
    crowded.repeatPointers = true;
    for (let i = 0; i < 20; i++) crowded.addRaw(0x1000 + i, new Uint8Array(8), false);
    await new send.BytesStream({ maxPacketSize: 128 }).sendHeap(crowded).then(
      () => expect.fail('should reject'),
      (e: Error) => expect(e.message).to.match(/too small to repeat item pointers/),
    );
  });

  it('writes into a Node Writable (a file) as it sends', async () => {
    const fs = await import('fs');
    const os = await import('os');
    const path = await import('path');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spead-bytes-')), 'out.spead');
    const target = fs.createWriteStream(file);
    const stream = new send.BytesStream({}, target);
    const reference = new send.BytesStream();
    const heap = new send.Heap();
    heap.addRaw(0x1000, new Uint8Array(3000).fill(9), false);
    await stream.sendHeap(heap, { cnt: 7 });
    await reference.sendHeap(heap, { cnt: 7 });
    await new Promise<void>((r) => target.end(r));
    expect(fs.readFileSync(file).equals(reference.getValue())).to.equal(true);
  });
});
