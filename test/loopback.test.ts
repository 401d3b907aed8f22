import { expect } from 'chai';
import { InprocQueue, MemoryPool, recv, send } from '../lib/index';
import { collect, endHeap, item, patternHeap } from './helpers/heaps';



describe('loopback UDP: UdpStream → recv.Stream.addUdpReader', () => {
  it('delivers every heap whole, and the stop heap ends the stream', async () => {
    const rx = new recv.Stream({}, { heaps: 64 });
    const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 });
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { rate: 200e6 });
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const { heap, data } = patternHeap(20000, i);
      sent.push(data);
      await tx.sendHeap(heap);
    }
    await tx.sendHeap(endHeap());
    const heaps = await collect(rx);
    expect(heaps.map((h) => h.cnt)).to.deep.equal([...Array(20).keys()].map((i) => i + 1));
    heaps.forEach((h, i) => expect(Buffer.from(item(h)).equals(Buffer.from(sent[i]))).to.equal(true));
    expect(rx.stats.get('packets')).to.be.greaterThan(20 * 13);
    tx.destroy();
  });

  it('interleaves a round-robin group on the wire and each heap still arrives complete', async () => {
    const rx = new recv.Stream({ maxHeaps: 4 }, { heaps: 16 });
    const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 });
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxHeaps: 8 });
    const group = [0, 1, 2, 3].map((i) => patternHeap(6000, 100 + i));
    await tx.sendHeaps(group.map((g) => g.heap), send.GroupMode.ROUND_ROBIN);
    await tx.sendHeap(endHeap());
    const heaps = await collect(rx);
    expect(heaps.map((h) => h.cnt)).to.have.members([1, 2, 3, 4]);
    for (const h of heaps) expect(Buffer.from(item(h)).equals(Buffer.from(group[h.cnt - 1].data))).to.equal(true);
    // Interleaved packets keep several heaps open at once: none was complete on its own first packet.
    expect(rx.stats.get('search_dist')).to.be.greaterThan(0);
    tx.destroy();
  });

  it('sends each substream to its own endpoint', async () => {
    const rxA = new recv.Stream();
    const rxB = new recv.Stream();
    const portA = rxA.addUdpReader({ host: '127.0.0.1', port: 0 });
    const portB = rxB.addUdpReader({ host: '127.0.0.1', port: 0 });
    const tx = new send.UdpStream([{ host: '127.0.0.1', port: portA }, { host: '127.0.0.1', port: portB }]);
    expect(tx.numSubstreams).to.equal(2);
    await tx.sendHeaps(
      [new send.HeapReference(patternHeap(100, 1).heap, { substreamIndex: 0 }), new send.HeapReference(patternHeap(100, 2).heap, { substreamIndex: 1 })],
      send.GroupMode.SERIAL,
    );
    await tx.sendHeap(endHeap(), { substreamIndex: 0 });
    await tx.sendHeap(endHeap(), { substreamIndex: 1 });
    const [a, b] = await Promise.all([collect(rxA), collect(rxB)]);
    expect(a.map((h) => h.cnt)).to.deep.equal([1]);
    expect(b.map((h) => h.cnt)).to.deep.equal([2]);
    tx.destroy();
  });

  it('works over IPv6 loopback', async () => {
    const rx = new recv.Stream();
    const port = rx.addUdpReader({ host: '::1', port: 0 });
    const tx = new send.UdpStream([{ host: '::1', port }]);
    await tx.sendHeap(patternHeap(3000, 7).heap);
    await tx.sendHeap(endHeap());
    const heaps = await collect(rx);
    expect(heaps.map((h) => h.cnt)).to.deep.equal([1]);
    tx.destroy();
  });

  it('gives clear errors for a bad port and a taken port', () => {
    const rx = new recv.Stream();
    expect(() => rx.addUdpReader(70000)).to.throw(RangeError, /port/);
    const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 });
    const other = new recv.Stream();
    expect(() => other.addUdpReader({ host: '127.0.0.1', port })).to.throw(/EADDRINUSE|address already in use/i);
    rx.destroy();
    other.destroy();
  });

  it('blocks the reader when nobody reads (worker_blocked), then resumes without corruption', async () => {
    const rx = new recv.Stream({}, { heaps: 2 });
    const queue = new InprocQueue();
    rx.addInprocReader(queue);
    const tx = new send.InprocStream(queue, { maxHeaps: 64 });
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const { heap, data } = patternHeap(4096, i);
      sent.push(data);
      await tx.sendHeap(heap);
    }
    await tx.sendHeap(endHeap());
    // Nobody reads for a while: the ring (2 heaps) fills and the worker waits.
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.stats.get('worker_blocked')).to.be.at.least(1);
    expect(rx.stats.get('ring_heaps')).to.equal(2);
    const heaps = await collect(rx);
    expect(heaps).to.have.length(40);
    heaps.forEach((h, i) => expect(Buffer.from(item(h)).equals(Buffer.from(sent[i]))).to.equal(true));
  });
});

describe('recv.Stream lifecycle', () => {
  it('destroy() stops a stream that is waiting for packets, without hanging', async () => {
    const rx = new recv.Stream();
    rx.addUdpReader({ host: '127.0.0.1', port: 0 });
    const done = collect(rx).catch(() => []);
    await new Promise((r) => setTimeout(r, 50));
    rx.destroy();
    await done;
  });

  it('an AbortSignal destroys the stream', async () => {
    const ac = new AbortController();
    const rx = new recv.Stream({}, {}, { signal: ac.signal });
    rx.addUdpReader({ host: '127.0.0.1', port: 0 });
    setTimeout(() => ac.abort(), 20);
    let error: unknown;
    try {
      await collect(rx);
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).to.equal('AbortError');
  });

  it('stop() ends the stream after the heaps already received', async () => {
    const rx = new recv.Stream();
    const queue = new InprocQueue();
    rx.addInprocReader(queue);
    await new send.InprocStream(queue).sendHeap(patternHeap(10, 1).heap);
    await new Promise((r) => setTimeout(r, 50));
    rx.stop();
    const heaps = await collect(rx);
    expect(heaps.map((h) => h.cnt)).to.deep.equal([1]);
  });

  it('release() returns a large payload at once and empties its views; using the heap afterwards is a clear error', async () => {
    const rx = new recv.Stream();
    const size = 100000; // above the 64 KiB up to which payloads are copied into JS memory
    rx.addBufferReader(
      await (async () => {
        const b = new send.BytesStream();
        await b.sendHeap(patternHeap(size, 3).heap);
        return b.getValue();
      })(),
    );
    const [heap] = await collect(rx);
    const view = heap.getItems()[0].value; // the view itself, not a copy
    expect(view.length).to.equal(size);
    heap.release();
    expect(view.length).to.equal(0); // detached: the memory cannot be read any more
    expect(() => heap.getItems()).to.throw(/released/);
  });

  it('a small heap whose items are read crosses as a copy: its memory goes back to the pool at once, its views stay readable', async () => {
    const pool = new MemoryPool(1024, 65536, 8, 4);
    const rx = new recv.Stream({ memoryAllocator: pool });
    rx.addBufferReader(
      await (async () => {
        const b = new send.BytesStream();
        await b.sendHeap(patternHeap(5000, 3).heap);
        await b.sendHeap(patternHeap(5000, 4).heap);
        return b.getValue();
      })(),
    );
    const [heap, other] = await collect(rx);
    expect(pool.stats().lent).to.equal(2);
    const view = heap.getItems()[0].value;
    // Reading items takes the whole batch's: both small payloads are copied, and their pool buffers are back.
    expect(pool.stats().lent).to.equal(0);
    const bytes = Buffer.from(view);
    heap.release();
    expect(Buffer.from(view).equals(bytes)).to.equal(true); // JS memory: nothing was freed under it
    expect(() => heap.getItems()).to.throw(/released/);
    expect(other.getItems()[0].value.length).to.equal(5000);
    other.release();
  });
});

describe('UDP GSO and GRO', () => {
  for (const gso of [true, false]) {
    for (const gro of [true, false]) {
      it(`deliver the same heaps with GSO ${gso ? 'on' : 'off'} and GRO ${gro ? 'on' : 'off'}`, async () => {
        // Eight heaps interleaved round-robin need eight live heaps at the receiver.
        const rx = new recv.Stream({ maxHeaps: 8 }, { heaps: 32 });
        const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 }, { gro, bufferSize: 16 << 20 });
        const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxPacketSize: 8972, maxHeaps: 8, rate: 500e6 }, { gso });
        const sent = Array.from({ length: 8 }, (_, i) => patternHeap(100000 + i * 13, i));
        await tx.sendHeaps(sent.map((s) => s.heap), send.GroupMode.ROUND_ROBIN);
        await tx.sendHeap(endHeap());
        const heaps = await collect(rx);
        expect(heaps.map((h) => h.cnt)).to.have.members([1, 2, 3, 4, 5, 6, 7, 8]);
        for (const h of heaps) expect(Buffer.from(item(h)).equals(Buffer.from(sent[h.cnt - 1].data))).to.equal(true);
        tx.destroy();
      });
    }
  }
});

describe('loss that is visible', () => {
  it('counts datagrams the kernel dropped on a full socket buffer (SO_RXQ_OVFL)', async () => {
    // explicitStart: the socket is bound but nobody reads, so a small buffer overflows.
    const rx = new recv.Stream({ explicitStart: true }, { heaps: 64 });
    const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 }, { bufferSize: 16384 });
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxHeaps: 8 }, { gso: false });
    for (let i = 0; i < 5; i++) await tx.sendHeaps(Array.from({ length: 8 }, (_, k) => patternHeap(8000, 8 * i + k).heap));
    rx.start();
    await new Promise((r) => setTimeout(r, 100));
    await tx.sendHeap(endHeap());
    for await (const h of rx) h.release();
    expect(rx.stats.get('kernel_dropped')).to.be.greaterThan(0);
    tx.destroy();
  });

  it('receives into an MmapAllocator (pre-faulted) as into the default allocator', async () => {
    const { MmapAllocator } = await import('../lib/index');
    const b = new send.BytesStream();
    const sent = patternHeap(300000, 5);
    await b.sendHeap(sent.heap);
    const rx = new recv.Stream({ memoryAllocator: new MmapAllocator({ prefault: true, preferHuge: true }) });
    rx.addBufferReader(b.getValue());
    const [heap] = await collect(rx);
    expect(Buffer.from(item(heap)).equals(Buffer.from(sent.data))).to.equal(true);
    heap.release();
  });
});
