// Heap-assembly semantics, one test each. Written by the receive-engine
// branch's author against its own engine and ported to this one.
import { spawn } from 'child_process';
import * as path from 'path';
import { expect } from 'chai';

import { recv } from '../lib/index';
import { InprocQueue } from '../lib/inproc';
import { native } from '../lib/native';
import { heapPackets, packet, stopPacket } from './helpers/heap-packets';

type Config = recv.StreamConfigInit;
type Ring = recv.RingStreamConfigInit;

async function collect(stream: recv.Stream): Promise<recv.Heap[]> {
  const heaps: recv.Heap[] = [];
  for await (const heap of stream) heaps.push(heap as recv.Heap);
  return heaps;
}

async function viaBuffer(packets: Uint8Array[], config: Config = {}, ring: Ring = {}) {
  const stream = new recv.Stream(config, { heaps: 64, ...ring });
  stream.addBufferReader(Buffer.concat(packets));
  const heaps = await collect(stream);
  return { heaps, stats: stream.stats };
}

async function viaInproc(packets: Uint8Array[], config: Config = {}, ring: Ring = {}) {
  const queue = new InprocQueue();
  const stream = new recv.Stream(config, { heaps: 64, ...ring });
  stream.addInprocReader(queue);
  for (const p of packets) native.inprocPush(queue.handle, p);
  queue.stop();
  const heaps = await collect(stream);
  return { heaps, stats: stream.stats };
}

const readers = { 'buffer reader': viaBuffer, 'inproc reader': viaInproc };

for (const [name, receive] of Object.entries(readers)) {
  describe(`heap assembly through the ${name}`, () => {
    it('assembles multi-packet heaps sent in order', async () => {
      const { heaps, stats } = await receive([...heapPackets(1, 1000, 3), ...heapPackets(2, 1000, 4)]);
      expect(heaps.map((h) => h.cnt)).to.deep.equal([1, 2]);
      const item = heaps[0]!.getItems()[0]!;
      expect(item.id).to.equal(0x1000);
      expect(item.value.length).to.equal(1000);
      expect(item.value.every((b) => b === 1)).to.equal(true);
      expect(stats.get('packets')).to.equal(7);
      expect(stats.get('heaps')).to.equal(2);
    });

    it('rejects a packet out of order unless allowOutOfOrder', async () => {
      const [a, b, c] = heapPackets(5, 900, 3);
      const strict = await receive([a!, c!, b!], {}, { contiguousOnly: false });
      expect(strict.heaps.map((h) => h.cnt)).to.deep.equal([5]);
      expect(strict.heaps[0]).to.be.instanceOf(recv.IncompleteHeap);
      expect(strict.stats.get('rejected_out_of_order')).to.equal(1);
      const loose = await receive([c!, a!, b!], { allowOutOfOrder: true });
      expect(loose.heaps.map((h) => h.cnt)).to.deep.equal([5]);
      expect(loose.heaps[0]).not.to.be.instanceOf(recv.IncompleteHeap);
      expect(loose.heaps[0]!.getItems()[0]!.value.length).to.equal(900);
    });

    it('rejects duplicated and overlapping packets with allowOutOfOrder', async () => {
      const [a, b] = heapPackets(7, 200, 2);
      const overlap = packet({ cnt: 7, heapLength: 200, offset: 50, payload: new Uint8Array(100) });
      const { heaps, stats } = await receive([b!, b!, overlap, a!], { allowOutOfOrder: true });
      expect(heaps.map((h) => h.cnt)).to.deep.equal([7]);
      // The repeated packet is a duplicate; the partial overlap has a reason of its own.
      expect(stats.get('rejected_duplicate')).to.equal(1);
      expect(stats.get('rejected_overlap')).to.equal(1);
    });

    it('evicts the oldest live heap when maxHeaps is exceeded', async () => {
      const parts = [1, 2, 3].map((cnt) => heapPackets(cnt, 100, 2));
      // first halves of 1, 2, 3 with maxHeaps 2: 3 evicts 1.
      const packets = [parts[0]![0]!, parts[1]![0]!, parts[2]![0]!, parts[1]![1]!, parts[2]![1]!];
      const { heaps, stats } = await receive(packets, { maxHeaps: 2 }, { contiguousOnly: false });
      expect(heaps.map((h) => h.cnt)).to.deep.equal([1, 2, 3]);
      expect(heaps[0]).to.be.instanceOf(recv.IncompleteHeap);
      expect((heaps[0] as unknown as recv.IncompleteHeap).receivedLength).to.equal(50);
      expect(stats.get('incomplete_heaps_evicted')).to.equal(1);
    });

    it('drops lost-packet heaps by default and counts them', async () => {
      const [a] = heapPackets(9, 100, 2);
      const { heaps, stats } = await receive([a!, ...heapPackets(10, 10)]);
      expect(heaps.map((h) => h.cnt)).to.deep.equal([10]);
      expect(stats.get('incomplete_heaps_flushed')).to.equal(1);
      expect(stats.get('incomplete_heaps_dropped')).to.equal(1);
    });

    it('gives each substream its own live-heap slots', async () => {
      // cnt 2 and 4 share substream 0 with maxHeaps 1; 3 is in substream 1 and survives.
      const h2 = heapPackets(2, 100, 2);
      const h3 = heapPackets(3, 100, 2);
      const h4 = heapPackets(4, 100, 2);
      const { heaps } = await receive([h2[0]!, h3[0]!, h4[0]!, h3[1]!, h4[1]!], { maxHeaps: 1, substreams: 2 });
      expect(heaps.map((h) => h.cnt)).to.deep.equal([3, 4]);
    });

    it('stops at a stop item without delivering it, or delivers it with stopOnStopItem false', async () => {
      const packets = [...heapPackets(1, 10), stopPacket(2), ...heapPackets(3, 10)];
      const stopped = await receive(packets);
      expect(stopped.heaps.map((h) => h.cnt)).to.deep.equal([1]);
      const going = await receive(packets, { stopOnStopItem: false });
      expect(going.heaps.map((h) => h.cnt)).to.deep.equal([1, 2, 3]);
      expect(going.heaps[1]!.isEndOfStream()).to.equal(true);
    });

    it('delivers unsized heaps when evicted, or rejects them with allowUnsizedHeaps false', async () => {
      const unsized = packet({ cnt: 4, offset: 0, payload: new Uint8Array(30).fill(4), items: [{ immediate: false, id: 0x1000, value: 0 }] });
      const ok = await receive([unsized, ...heapPackets(5, 10)]);
      expect(ok.heaps.map((h) => h.cnt)).to.deep.equal([5, 4]);
      expect(ok.heaps[1]!.getItems()[0]!.value.length).to.equal(30);
      const refused = await receive([unsized, ...heapPackets(5, 10)], { allowUnsizedHeaps: false });
      expect(refused.heaps.map((h) => h.cnt)).to.deep.equal([5]);
      expect(refused.stats.get('rejected_no_heap_length')).to.equal(1);
    });

    it('drops packets of heaps larger than maxHeapSize without allocating them', async () => {
      const huge = packet({ cnt: 6, heapLength: 2 ** 39, offset: 0, payload: new Uint8Array(8) });
      const { heaps, stats } = await receive([huge, ...heapPackets(7, 10)], { maxHeapSize: 1 << 20 });
      expect(heaps.map((h) => h.cnt)).to.deep.equal([7]);
      expect(stats.get('rejected_too_large')).to.equal(1);
    });

    it('survives random bytes and hostile packets and still delivers the good heaps around them', async () => {
      const garbage = packet({ cnt: 8, heapLength: 16, offset: 0, payload: new Uint8Array(16), items: [{ immediate: false, id: 0x1001, value: 40 }] });
      const overlapping = [
        packet({ cnt: 11, heapLength: 20, offset: 0, payload: new Uint8Array(10) }),
        packet({ cnt: 11, heapLength: 20, offset: 5, payload: new Uint8Array(10) }),
      ];
      const { heaps } = await receive([...heapPackets(1, 50, 2), garbage, ...overlapping, ...heapPackets(12, 50, 2)], {}, { contiguousOnly: false });
      expect(heaps.map((h) => h.cnt)).to.include.members([1, 12]);
    });
  });
}

describe('recv.Stream configuration', () => {
  it('uses spead2 defaults', () => {
    const c = new recv.StreamConfig();
    expect([c.maxHeaps, c.substreams, c.bugCompat, c.allowOutOfOrder, c.stopOnStopItem, c.allowUnsizedHeaps, c.explicitStart, c.streamId]).to.deep.equal([4, 1, 0, false, true, true, false, 0]);
    const r = new recv.RingStreamConfig();
    expect([r.heaps, r.contiguousOnly, r.incompleteKeepPayloadRanges]).to.deep.equal([4, true, false]);
  });

  it('refuses zero maxHeaps, substreams and ring heaps with a RangeError', () => {
    expect(() => new recv.StreamConfig({ maxHeaps: 0 })).to.throw(RangeError, /maxHeaps/);
    expect(() => new recv.StreamConfig({ substreams: 0 })).to.throw(RangeError, /substreams/);
    expect(() => new recv.RingStreamConfig({ heaps: 0 })).to.throw(RangeError, /heaps/);
  });

  it('names statistics by index as spead2', () => {
    const c = new recv.StreamConfig();
    expect(c.getStatIndex('heaps')).to.equal(recv.StatIndex.HEAPS);
    expect(c.getStatIndex('worker_blocked')).to.equal(8);
    expect(() => c.getStatIndex('nope')).to.throw(RangeError);
  });
});


describe('recv.Stream lifecycle (ported)', () => {
  it('destroy() with a blocked worker and an open queue does not hang', async () => {
    const queue = new InprocQueue();
    const stream = new recv.Stream({}, { heaps: 1 });
    stream.addInprocReader(queue);
    for (let cnt = 1; cnt <= 10; cnt++) native.inprocPush(queue.handle, heapPackets(cnt, 100)[0]!);
    for (let i = 0; i < 500 && stream.stats.get('worker_blocked') < 1; i++) await new Promise((r) => setTimeout(r, 5));
    expect(stream.stats.get('worker_blocked')).to.be.at.least(1);
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.destroy();
    await closed;
    expect(stream.destroyed).to.equal(true);
  });

  it('releases a heap with Symbol.dispose', async () => {
    const stream = new recv.Stream();
    stream.addBufferReader(Buffer.concat(heapPackets(3, 100)));
    for await (const heap of stream) {
      (heap as recv.Heap)[Symbol.dispose]();
      expect((heap as recv.Heap).isReleased).to.equal(true);
    }
  });

  it('refuses a reader added after start() with explicitStart, and reads nothing before start()', async () => {
    const stream = new recv.Stream({ explicitStart: true });
    const queue = new InprocQueue();
    stream.addInprocReader(queue);
    native.inprocPush(queue.handle, heapPackets(1, 10)[0]!);
    await new Promise((r) => setTimeout(r, 30));
    expect(stream.stats.get('packets')).to.equal(0);
    stream.start();
    expect(() => stream.addBufferReader(Buffer.concat(heapPackets(2, 10)))).to.throw(/after start/);
    queue.stop();
    const cnts: number[] = [];
    for await (const heap of stream) cnts.push((heap as recv.Heap).cnt);
    expect(cnts).to.deep.equal([1]);
  });

  it('keeps the process alive while open, and lets it exit after unref() or stop()', async function () {
    this.timeout(20000);
    const script = path.join(__dirname, 'fixtures', 'unref-child.js');
    const run = (mode: string): Promise<number | null | 'alive'> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [script, mode], { stdio: 'ignore' });
        const timer = setTimeout(() => {
          child.kill();
          resolve('alive');
        }, 3000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    expect(await run('unref')).to.equal(0);
    expect(await run('ref')).to.equal('alive');
    expect(await run('stop')).to.equal(0); // stopped and never read: nothing keeps it alive
    expect(await run('stop-read')).to.equal(7); // stopped while read: it ends, 'end' included
  });
});
