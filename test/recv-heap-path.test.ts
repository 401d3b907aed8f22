import { expect } from 'chai';
import { MemoryPool, recv, send } from '../lib/index';
import { collect, patternHeap } from './helpers/heaps';

async function encoded(sizes: number[]): Promise<Buffer> {
  const b = new send.BytesStream();
  for (let i = 0; i < sizes.length; i++) await b.sendHeap(patternHeap(sizes[i], i + 1).heap);
  return b.getValue();
}

describe('received heaps: retain', () => {
  it('keeps a retained payload readable after release(), and frees it with the last unretain()', async () => {
    const pool = new MemoryPool(100, 8192, 8, 4);
    const rx = new recv.Stream({ memoryAllocator: pool });
    rx.addBufferReader(await encoded([5000]));
    const [heap] = await collect(rx);
    const expected = Buffer.from(patternHeap(5000, 1).data);
    heap.retain();
    heap.retain();
    const view = heap.payloadForRetainer.subarray(0, 5000);
    heap.release();
    expect(heap.isReleased).to.equal(true);
    expect(() => heap.getItems()).to.throw(/released/);
    expect(() => heap.payload).to.throw(/released/);
    expect(Buffer.from(view).equals(expected)).to.equal(true);
    expect(pool.stats().lent).to.equal(1);
    heap.unretain();
    expect(Buffer.from(view).equals(expected)).to.equal(true);
    expect(pool.stats().lent).to.equal(1);
    heap.unretain();
    expect(view.length).to.equal(0); // detached
    expect(pool.stats().lent).to.equal(0);
    expect(() => heap.payloadForRetainer).to.throw(/gone back/);
    expect(() => heap.retain()).to.throw(/gone back/);
  });

  it('frees a retained payload at once when release() comes after the last unretain()', async () => {
    const pool = new MemoryPool(100, 8192, 8, 4);
    const rx = new recv.Stream({ memoryAllocator: pool });
    rx.addBufferReader(await encoded([3000]));
    const [heap] = await collect(rx);
    heap.retain();
    heap.unretain();
    expect(pool.stats().lent).to.equal(1);
    const view = heap.payload;
    heap.release();
    expect(view.length).to.equal(0);
    expect(pool.stats().lent).to.equal(0);
  });

  it('refuses unretain() without retain()', async () => {
    const rx = new recv.Stream();
    rx.addBufferReader(await encoded([100]));
    const [heap] = await collect(rx);
    expect(() => heap.unretain()).to.throw(/without retain/);
    heap.release();
  });
});

describe('recv.Stream.batches()', () => {
  it('yields every heap in order, in arrays, and ends with the stream', async () => {
    const rx = new recv.Stream({}, { heaps: 4 });
    rx.addBufferReader(await encoded(Array.from({ length: 50 }, () => 1000)));
    const ended = new Promise<void>((resolve) => rx.once('end', resolve));
    const cnts: number[] = [];
    let arrays = 0;
    for await (const heaps of rx.batches()) {
      expect(heaps.length).to.be.within(1, 4); // never more than the ring holds
      arrays++;
      for (const h of heaps) {
        expect(Buffer.from((h as recv.Heap).getItems()[0].value).equals(Buffer.from(patternHeap(1000, h.cnt).data))).to.equal(true);
        cnts.push(h.cnt);
        h.release();
      }
    }
    expect(cnts).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(arrays).to.be.at.least(13);
    await ended;
  });

  it('destroys the stream when the loop breaks', async () => {
    const rx = new recv.Stream({}, { heaps: 4 });
    rx.addBufferReader(await encoded(Array.from({ length: 50 }, () => 1000)));
    const closed = new Promise<void>((resolve) => rx.once('close', resolve));
    let seen = 0;
    for await (const heaps of rx.batches()) {
      seen += heaps.length;
      heaps.forEach((h) => h.release());
      break;
    }
    expect(seen).to.be.greaterThan(0);
    await closed;
    expect(rx.destroyed).to.equal(true);
  });

  it('waits for heaps that arrive later, and ends on stop()', async () => {
    const { InprocQueue } = await import('../lib/index');
    const rx = new recv.Stream();
    const queue = new InprocQueue();
    rx.addInprocReader(queue);
    const tx = new send.InprocStream(queue);
    const cnts: number[] = [];
    const reading = (async () => {
      for await (const heaps of rx.batches()) {
        for (const h of heaps) {
          cnts.push(h.cnt);
          h.release();
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) await tx.sendHeap(patternHeap(100, i).heap);
    for (let i = 0; i < 100 && cnts.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    rx.stop();
    await reading;
    expect(cnts).to.deep.equal([1, 2, 3]);
  });

  it('throws the error the stream was destroyed with', async () => {
    const { InprocQueue } = await import('../lib/index');
    const rx = new recv.Stream();
    rx.addInprocReader(new InprocQueue());
    rx.on('error', () => undefined);
    setTimeout(() => rx.destroy(new Error('gone')), 20);
    let caught: unknown;
    try {
      for await (const heaps of rx.batches()) heaps.forEach((h) => h.release());
    } catch (e) {
      caught = e;
    }
    expect((caught as Error).message).to.equal('gone');
  });
});
