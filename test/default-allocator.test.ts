import { expect } from 'chai';
import { recv, send } from '../lib/index';

describe('the default allocator', () => {
  it('reuses freed large payload blocks: 1 MiB heaps without a pool do not fault in fresh pages each time', async () => {
    const heap = new send.Heap();
    heap.addRaw(0x1000, new Uint8Array(1 << 20).fill(3), false);
    const tx = new send.BytesStream({ maxPacketSize: 9000 });
    for (let i = 0; i < 8; i++) await tx.sendHeap(heap);
    const bytes = tx.getValue();
    const pass = async (): Promise<number> => {
      const rx = new recv.Stream({}, { heaps: 4 });
      rx.addBufferReader(bytes);
      let n = 0;
      for await (const h of rx) {
        h.release();
        n++;
      }
      return n;
    };
    await pass(); // warms the kept blocks
    const before = process.resourceUsage().minorPageFault;
    let heaps = 0;
    for (let i = 0; i < 12; i++) heaps += await pass();
    const perHeap = (process.resourceUsage().minorPageFault - before) / heaps;
    // A fresh 1 MiB block is 256 pages to fault in; reused ones need none.
    expect(heaps).to.equal(96);
    expect(perHeap).to.be.lessThan(32);
  });
});
