import { expect } from 'chai';
import { checkVerifyHeap, fillVerifyHeap, MinstdRand } from '../lib/tools/verify-pattern';

describe('spead2 --verify payload pattern', () => {
  it('produces std::minstd_rand values (the C++ standard fixes the 10000th: 399268537)', () => {
    const gen = new MinstdRand();
    let v = 0;
    for (let i = 0; i < 10000; i++) v = gen.next();
    expect(v).to.equal(399268537);
  });

  it('skips ahead in O(log n) to the same state as stepping', () => {
    const stepped = new MinstdRand();
    for (let i = 0; i < 12345; i++) stepped.next();
    const skipped = new MinstdRand();
    skipped.discard(12345);
    expect(skipped.next()).to.equal(stepped.next());
  });

  it('fills heap k with the k-th block of values and checks it back', () => {
    const items = [new Uint8Array(64), new Uint8Array(64)];
    fillVerifyHeap(items, 3);
    const gen = new MinstdRand();
    gen.discard(2 * 16 * 2);
    expect(new DataView(items[0].buffer).getUint32(0)).to.equal(gen.next());
    const ids = items.map((value, i) => ({ id: 0x1000 + i, value }));
    expect(checkVerifyHeap(3, ids)).to.equal(null);
    items[1][5] ^= 1;
    const mismatch = checkVerifyHeap(3, ids);
    expect(mismatch?.itemId).to.equal(0x1001);
    expect(mismatch?.offset).to.equal(1);
    expect(mismatch?.message).to.match(/Verification mismatch in heap 3/);
  });

  it('reports an item whose length disagrees with the first', () => {
    const first = new Uint8Array(8);
    fillVerifyHeap([first], 1); // heap 1 starts at the first value, whatever the item count
    const mismatch = checkVerifyHeap(1, [{ id: 0x1000, value: first }, { id: 0x1001, value: new Uint8Array(4) }]);
    expect(mismatch?.message).to.match(/inconsistent length/);
  });
});
