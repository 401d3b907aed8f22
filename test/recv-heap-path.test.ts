import { expect } from 'chai';
import { MemoryPool, recv, send } from '../lib/index';
import { HeapIterator } from '../lib/recv/heap-iterator';
import { collectGarbage } from './helpers/gc';
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

describe('received heaps: memory', () => {
  it('gives the memory of heaps dropped without release() back once they are collected', async () => {
    const pool = new MemoryPool(100, 8192, 16, 8);
    const rx = new recv.Stream({ memoryAllocator: pool });
    rx.addBufferReader(await encoded([3000, 3000, 3000, 3000]));
    let heaps: recv.Heap[] | undefined = await collect(rx);
    expect(heaps[1].payload.length).to.equal(3000); // one of them with a Buffer made
    expect(pool.stats().lent).to.equal(4);
    heaps = undefined;
    await collectGarbage();
    expect(pool.stats().lent).to.equal(0);
  });

  // Payloads above 64 KiB stay native (smaller ones cross as copies once items are read).
  it('keeps a payload Buffer readable after its heap is collected, and frees it when the Buffer goes', async () => {
    const pool = new MemoryPool(100, 1 << 17, 16, 8);
    const rx = new recv.Stream({ memoryAllocator: pool });
    rx.addBufferReader(await encoded([70000, 70000]));
    let heaps: recv.Heap[] | undefined = await collect(rx);
    let kept: Buffer | undefined = heaps[0].getItems()[0].value as Buffer;
    heaps = undefined;
    await collectGarbage();
    expect(pool.stats().lent).to.equal(1); // only the heap whose payload is still seen
    expect(Buffer.from(kept).equals(Buffer.from(patternHeap(70000, 1).data))).to.equal(true);
    kept = undefined;
    await collectGarbage();
    expect(pool.stats().lent).to.equal(0);
  });

  it('releases heaps of one batch independently: the others still read their own bytes', async () => {
    const rx = new recv.Stream({}, { heaps: 8 });
    rx.addBufferReader(await encoded([70000, 70000, 70000]));
    for await (const heaps of rx.batches()) {
      const views = heaps.map((h) => (h as recv.Heap).getItems()[0].value);
      heaps[0].release();
      expect(views[0].length).to.equal(0);
      for (let i = 1; i < heaps.length; i++) {
        expect(Buffer.from(views[i]).equals(Buffer.from(patternHeap(70000, heaps[i].cnt).data))).to.equal(true);
        heaps[i].release();
        expect(views[i].length).to.equal(0);
      }
    }
  });

  it('hands out one Buffer per payload: payload, item values and payloadForRetainer share it', async () => {
    const rx = new recv.Stream();
    rx.addBufferReader(await encoded([1000]));
    const [heap] = await collect(rx);
    expect(heap.payload).to.equal(heap.payload);
    expect(heap.payloadForRetainer).to.equal(heap.payload);
    expect(heap.getItems()[0].value.buffer).to.equal(heap.payload.buffer);
    heap.release();
  });
});

describe('for await over a recv.Stream', () => {
  it('throws "Premature close" when the stream is destroyed elsewhere, as Node\'s iterator does', async () => {
    const { InprocQueue } = await import('../lib/index');
    const rx = new recv.Stream();
    rx.addInprocReader(new InprocQueue());
    setTimeout(() => rx.destroy(), 20);
    let caught: unknown;
    try {
      for await (const h of rx) h.release();
    } catch (e) {
      caught = e;
    }
    expect((caught as { code?: string }).code).to.equal('ERR_STREAM_PREMATURE_CLOSE');
  });

  it('emits end and close after the last heap, and a break destroys the stream', async () => {
    const rx = new recv.Stream();
    rx.addBufferReader(await encoded([10, 10, 10]));
    const events: string[] = [];
    rx.on('end', () => events.push('end'));
    rx.on('close', () => events.push('close'));
    const cnts: number[] = [];
    for await (const h of rx) {
      cnts.push(h.cnt);
      h.release();
    }
    await new Promise((r) => setImmediate(r));
    expect(cnts).to.deep.equal([1, 2, 3]);
    expect(events).to.deep.equal(['end', 'close']);

    const rx2 = new recv.Stream();
    rx2.addBufferReader(await encoded([10, 10, 10]));
    for await (const h of rx2) {
      h.release();
      break;
    }
    expect(rx2.destroyed).to.equal(true);
  });
});

describe('ring slots of heaps the loop has taken', () => {
  it('the heap iterator reports the heaps it has handed out halfway through each batch of 4 or more', async () => {
    const batches = [[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11], [12, 13, 14, 15]];
    const fake = (async function* () {
      for (const b of batches) yield b.map((cnt) => ({ cnt }) as unknown as recv.Heap);
    })();
    const reports: Array<[number, number]> = [];
    let taken = 0;
    const it = new HeapIterator(fake, (n) => reports.push([taken, n]));
    for (let r = await it.next(); r.done !== true; r = await it.next()) taken++;
    expect(taken).to.equal(15);
    // Before handing out the 5th of 8: 4 delivered; none for a batch of 3; 2 of 4 before the 3rd.
    expect(reports).to.deep.equal([[4, 4], [13, 2]]);
  });

  it('for await over a small ring still delivers every heap in order with the early acknowledgements', async () => {
    const rx = new recv.Stream({}, { heaps: 4 });
    rx.addBufferReader(await encoded(new Array(200).fill(500)));
    const cnts: number[] = [];
    for await (const heap of rx) {
      cnts.push(heap.cnt);
      heap.release();
    }
    expect(cnts).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(rx.stats.get('heaps')).to.equal(200);
  });
});
