import { expect } from 'chai';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { recv, send } from '../lib/index';
import { collect, endHeap, item, patternHeap } from './helpers/heaps';



function receiver(): { rx: recv.Stream; port: number } {
  const rx = new recv.Stream({}, { heaps: 64 });
  const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 }, { bufferSize: 16 << 20 });
  return { rx, port };
}

describe('send streams', () => {
  it('pipeline(source, UdpStream) sends every heap, and end() waits for the wire', async () => {
    const { rx, port } = receiver();
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxHeaps: 4, rate: 100e6 });
    expect(tx.writableHighWaterMark).to.equal(4); // backpressure follows maxHeaps
    const heaps = Array.from({ length: 30 }, (_, i) => patternHeap(4000, i).heap);
    await pipeline(Readable.from([...heaps, endHeap()]), tx);
    const got = await collect(rx);
    expect(got.map((h) => h.cnt)).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('a write beyond maxHeaps waits for space instead of failing (Writable backpressure)', async () => {
    const { rx, port } = receiver();
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxHeaps: 2, rate: 20e6 });
    let maxInFlight = 0;
    for (let i = 0; i < 12; i++) {
      if (!tx.write(patternHeap(20000, i).heap)) await new Promise((r) => tx.once('drain', r));
      maxInFlight = Math.max(maxInFlight, tx.heapsInFlight);
    }
    tx.write(endHeap());
    await new Promise<void>((r) => tx.end(r));
    expect(maxInFlight).to.be.at.most(2);
    expect((await collect(rx)).length).to.equal(12);
  });

  it('sendHeaps refuses a group when maxHeaps are already in flight (EAGAIN), as spead2', async () => {
    const { rx, port } = receiver();
    // Larger than the 64 KiB burst, so at 10 MB/s the group is still in flight (≥ 30 ms).
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxHeaps: 2, rate: 10e6 });
    const first = tx.sendHeaps([patternHeap(200000, 1).heap, patternHeap(200000, 2).heap]);
    let error: NodeJS.ErrnoException | undefined;
    await tx.sendHeap(patternHeap(10, 3).heap).catch((e: NodeJS.ErrnoException) => (error = e));
    expect(error?.code).to.equal('EAGAIN');
    await first;
    tx.destroy();
    rx.destroy();
  });

  it('a packet the network refuses rejects its heap with the system error, and later heaps still go out', async () => {
    const { rx, port } = receiver();
    // Loopback's MTU is 64 KiB: a 70000-byte packet cannot be sent.
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxPacketSize: 70000 });
    let error: NodeJS.ErrnoException | undefined;
    await tx.sendHeap(patternHeap(69000, 1).heap).catch((e: NodeJS.ErrnoException) => (error = e));
    expect(error?.code).to.equal('EMSGSIZE');
    await tx.sendHeap(patternHeap(1000, 2).heap);
    await tx.sendHeap(endHeap());
    const got = await collect(rx);
    expect(got.map((h) => h.cnt)).to.deep.equal([2]);
    tx.destroy();
  });

  it('double buffering: refilling a heap’s array once its promise resolves sends uncorrupted data', async () => {
    const { rx, port } = receiver();
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxHeaps: 2, rate: 200e6 });
    const arrays = [new Uint8Array(50000), new Uint8Array(50000)];
    const heaps = arrays.map((a) => {
      const h = new send.Heap();
      h.addRaw(0x1000, a, false);
      return h;
    });
    const pending: Array<Promise<number> | undefined> = [undefined, undefined];
    for (let i = 0; i < 20; i++) {
      const slot = i % 2;
      if (pending[slot]) await pending[slot];
      arrays[slot].fill(i + 1); // safe: the stream is done with this array
      pending[slot] = tx.sendHeap(heaps[slot]);
    }
    await Promise.all(pending);
    await tx.sendHeap(endHeap());
    const got = await collect(rx);
    expect(got).to.have.length(20);
    got.forEach((h, i) => expect(item(h).every((b) => b === i + 1)).to.equal(true));
    tx.destroy();
  });

  it('a HeapReferenceList goes out as one group, with per-heap cnts and substreams', async () => {
    const a = receiver();
    const b = receiver();
    const tx = new send.UdpStream([{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }], { maxHeaps: 8 });
    const list = new send.HeapReferenceList(
      [0, 1, 2, 3].map((i) => new send.HeapReference(patternHeap(3000, i).heap, { cnt: 100 + i, substreamIndex: i % 2 })),
    );
    expect(list.length).to.equal(4);
    expect(() => new send.HeapReferenceList([patternHeap(1, 1).heap as unknown as send.HeapReference])).to.throw(TypeError);
    await tx.sendHeaps(list, send.GroupMode.ROUND_ROBIN);
    await tx.sendHeaps(list.slice(0, 2), send.GroupMode.SERIAL);
    await tx.sendHeap(endHeap(), { substreamIndex: 0 });
    await tx.sendHeap(endHeap(), { substreamIndex: 1 });
    expect((await collect(a.rx)).map((h) => h.cnt)).to.deep.equal([100, 102, 100]);
    expect((await collect(b.rx)).map((h) => h.cnt)).to.deep.equal([101, 103, 101]);
    tx.destroy();
  });

  it('cnt sequences: setCntSequence, explicit cnts do not advance it, automatic cnts wrap to the flavour', async () => {
    const bytes = new send.BytesStream();
    bytes.setCntSequence(1000, 7);
    await bytes.sendHeap(patternHeap(10, 0).heap);
    await bytes.sendHeap(patternHeap(10, 0).heap, { cnt: 5 });
    await bytes.sendHeap(patternHeap(10, 0).heap);
    bytes.setCntSequence(2 ** 40 - 1, 1);
    await bytes.sendHeap(patternHeap(10, 0).heap);
    await bytes.sendHeap(patternHeap(10, 0).heap);
    const rx = new recv.Stream({}, { heaps: 16 });
    rx.addBufferReader(bytes.getValue());
    expect((await collect(rx)).map((h) => h.cnt)).to.deep.equal([1000, 5, 1007, 2 ** 40 - 1, 0]);
  });
});
