import { expect } from 'chai';
import { InprocQueue, MemoryPool, recv, send, ThreadPool } from '../lib/index';
import { endHeap, patternHeap } from './helpers/heaps';

describe('MemoryPool', () => {
  it('is enough when sized by the tutorial rule (maxHeaps + ring heaps + heaps held), even with a slow consumer', async () => {
    const maxHeaps = 4;
    const ring = 4;
    const held = 1;
    const pool = new MemoryPool(1 << 20, 1 << 20, maxHeaps + ring + held, maxHeaps + ring + held);
    const warnings: string[] = [];
    pool.on('warning', (w: string) => warnings.push(w));
    const rx = new recv.Stream({ maxHeaps, memoryAllocator: pool }, { heaps: ring });
    const queue = new InprocQueue();
    rx.addInprocReader(queue);
    const tx = new send.InprocStream(queue, { maxHeaps: 64 });
    for (let i = 0; i < 30; i++) await tx.sendHeap(patternHeap(1 << 20, i).heap);
    await tx.sendHeap(endHeap());
    let n = 0;
    for await (const heap of rx) {
      await new Promise((r) => setTimeout(r, 2)); // a slow consumer holding one heap
      heap.release();
      n++;
    }
    expect(n).to.equal(30);
    expect(warnings).to.deep.equal([]);
    expect(pool.stats()).to.include({ grown: 0, lent: 0 });
  });

  it('warns "memory pool is empty when allocating N bytes" when it runs dry', async () => {
    const pool = new MemoryPool(1000, 4096, 1, 0);
    const warnings: string[] = [];
    pool.on('warning', (w: string) => warnings.push(w));
    const bytes = new send.BytesStream();
    await bytes.sendHeap(patternHeap(2000, 1).heap);
    const rx = new recv.Stream({ memoryAllocator: pool });
    rx.addBufferReader(bytes.getValue());
    for await (const heap of rx) heap.release();
    // The warning crosses from the worker thread asynchronously.
    for (let i = 0; i < 50 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(warnings).to.deep.equal(['memory pool is empty when allocating 2000 bytes']);
  });

  it('gets a released heap back at once, and refills in the background below lowWater', async () => {
    const threads = new ThreadPool(1);
    const pool = new MemoryPool(100, 8192, 8, 4, 2, threads);
    const bytes = new send.BytesStream();
    for (let i = 0; i < 3; i++) await bytes.sendHeap(patternHeap(5000, i).heap);
    const rx = new recv.Stream({ memoryAllocator: pool });
    rx.addBufferReader(bytes.getValue());
    const heaps: recv.Heap[] = [];
    for await (const heap of rx) heaps.push(heap as recv.Heap);
    expect(pool.stats().lent).to.equal(3);
    heaps[0].release();
    expect(pool.stats().lent).to.equal(2);
    heaps.slice(1).forEach((h) => h.release());
    await new Promise((r) => setTimeout(r, 50));
    expect(pool.stats().refills).to.be.at.least(1);
  });

  it('receives 64 MiB heaps over loopback UDP without loss when sized by the rule', async function () {
    this.timeout(30000);
    const size = 64 << 20;
    const pool = new MemoryPool(size, size, 4 + 4 + 1, 4 + 4 + 1);
    const warnings: string[] = [];
    pool.on('warning', (w: string) => warnings.push(w));
    const rx = new recv.Stream({ memoryAllocator: pool }, { heaps: 4 });
    const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 }, { bufferSize: 32 << 20 });
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxPacketSize: 8972, rate: 400e6 });
    const sent = [0, 1, 2].map((i) => patternHeap(size, i));
    const received: number[] = [];
    const receiving = (async () => {
      for await (const heap of rx) {
        const item = (heap as recv.Heap).getItems()[0].value;
        expect(Buffer.from(item).equals(Buffer.from(sent[received.length].data))).to.equal(true);
        received.push(heap.cnt);
        heap.release();
      }
    })();
    for (const s of sent) await tx.sendHeap(s.heap);
    await tx.sendHeap(endHeap());
    await receiving;
    tx.destroy();
    expect(received).to.deep.equal([1, 2, 3]);
    expect(rx.stats.get('kernel_dropped')).to.equal(0);
    expect(warnings).to.deep.equal([]);
  });
});
