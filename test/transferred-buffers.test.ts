import { expect } from 'chai';
import { recv, send } from '../lib/index';
import { collectGarbage } from './helpers/gc';


describe('ArrayBuffers transferred away under the engine', () => {
  it('addBufferReader pins its buffer: structuredClone cannot transfer it away (it copies), and nothing is lost', async () => {
    const heap = new send.Heap();
    heap.addRaw(0x1000, new Uint8Array(100000).fill(5), false);
    const tx = new send.BytesStream();
    for (let i = 0; i < 20; i++) await tx.sendHeap(heap);
    const original = tx.getValue();
    const input = new Uint8Array(new ArrayBuffer(original.length));
    input.set(original);
    const rx = new recv.Stream({}, { heaps: 2 }); // the reader has to wait, still holding the bytes
    rx.addBufferReader(input);
    const moved = structuredClone(input.buffer, { transfer: [input.buffer] }) as ArrayBuffer; // a copy, not a move
    expect(input.byteLength).to.equal(original.length);
    expect(moved.byteLength).to.equal(original.length);
    await collectGarbage();
    let n = 0;
    for await (const h of rx) {
      const v = (h as recv.Heap).getItems()[0].value;
      expect(v.length).to.equal(100000);
      expect(v.every((b) => b === 5)).to.equal(true);
      h.release();
      n++;
    }
    expect(n).to.equal(20);
  });

  it('a send heap whose item buffer was transferred away is refused with ERR_SPEAD_BUFFER_DETACHED, not read', async () => {
    const data = new Uint8Array(new ArrayBuffer(50000)).fill(9);
    const heap = new send.Heap();
    heap.addRaw(0x1000, data, false);
    const tx = new send.BytesStream();
    await tx.sendHeap(heap);
    const first = tx.getValue().length;
    structuredClone(data.buffer, { transfer: [data.buffer] });
    await collectGarbage();
    let error: (Error & { code?: string }) | undefined;
    try {
      await tx.sendHeap(heap);
    } catch (e) {
      error = e as Error & { code?: string };
    }
    expect(error?.code).to.equal('ERR_SPEAD_BUFFER_DETACHED');
    expect(error?.message).to.match(/item 4096 .*detached/);
    // What was sent before is intact, and the stream still sends a good heap.
    const good = new send.Heap();
    good.addRaw(0x1000, new Uint8Array(10).fill(1), false);
    await tx.sendHeap(good);
    expect(tx.getValue().length).to.be.greaterThan(first);
  });
});
