import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { HeapDecoder, HeapEncoder, InprocQueue, ItemGroup, recv, send } from '../lib/index';
import { endHeap, item, patternHeap } from './helpers/heaps';
import { binCases, loadManifest, readTestFile } from './helpers/testdata';

async function collect<T>(source: AsyncIterable<unknown>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x as T);
  return out;
}


describe('stream composition', () => {
  for (const name of binCases()) {
    it(`HeapDecoder turns ${name}, cut into arbitrary chunks, into spead2's heaps`, async () => {
      const m = loadManifest(name);
      const data = readTestFile(m.file);
      const chunks: Buffer[] = [];
      for (let pos = 0, k = 1; pos < data.length; k = (k * 7919) % 1021) {
        chunks.push(data.subarray(pos, pos + 1 + k));
        pos += 1 + k;
      }
      const heaps = await collect<recv.Heap>(Readable.from(chunks).pipe(new HeapDecoder()));
      expect(heaps.map((h) => h.cnt)).to.deep.equal(m.verification.heaps_delivered);
    });
  }

  it('HeapDecoder reports bytes that are not SPEAD', async () => {
    let error: Error | undefined;
    await pipeline(Readable.from([Buffer.from('this is not spead at all')]), new HeapDecoder(), async function* (heaps) {
      for await (const _ of heaps) yield _;
    }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/not a valid SPEAD packet/);
  });

  it('captures a receive stream to a file with HeapEncoder and replays it with HeapDecoder', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spead-')), 'capture.spead');
    const rx = new recv.Stream();
    const queue = new InprocQueue();
    rx.addInprocReader(queue);
    const tx = new send.InprocStream(queue);
    const sent = [0, 1, 2, 3, 4].map((i) => patternHeap(10000 + i, i));
    for (const s of sent) await tx.sendHeap(s.heap);
    await tx.sendHeap(endHeap());
    await pipeline(rx, new HeapEncoder(), fs.createWriteStream(file));
    const replayed = await collect<recv.Heap>(fs.createReadStream(file).pipe(new HeapDecoder()));
    expect(replayed.map((h) => h.cnt)).to.deep.equal([1, 2, 3, 4, 5]);
    replayed.forEach((h, i) => expect(item(h).equals(Buffer.from(sent[i].data))).to.equal(true));
  });

  it('relays receive → transform → send over UDP with pipeline()', async () => {
    const final = new recv.Stream();
    const port = final.addUdpReader({ host: '127.0.0.1', port: 0 });
    const first = new recv.Stream();
    const queue = new InprocQueue();
    first.addInprocReader(queue);
    const tx = new send.InprocStream(queue);
    for (let i = 0; i < 8; i++) await tx.sendHeap(patternHeap(3000, i).heap);
    queue.stop();
    const relayOut = new send.UdpStream([{ host: '127.0.0.1', port }], { rate: 100e6 });
    // The transform keeps every other heap and re-sends it as a new heap.
    let n = 0;
    const everyOther = new Transform({
      objectMode: true,
      transform(heap: recv.Heap, _e, cb) {
        const keep = n++ % 2 === 0;
        if (!keep) {
          heap.release();
          cb();
          return;
        }
        const copy = new send.Heap();
        copy.addRaw(0x1000, item(heap), false);
        heap.release();
        cb(null, copy);
      },
      flush(cb) {
        cb(null, endHeap());
      },
    });
    await pipeline(first, everyOther, relayOut);
    const got = await collect<recv.Heap>(final);
    expect(got).to.have.length(4);
    got.forEach((h, i) => expect(item(h).equals(Buffer.from(patternHeap(3000, 2 * i).data))).to.equal(true));
  });

  it('writes items from async iteration with ItemGroup.update', async () => {
    const out = new send.ItemGroup();
    const x = out.addItem({ name: 'x', description: 'a counter', shape: [], dtype: '<u4', value: 0 });
    const bytes = new send.BytesStream();
    for (let i = 1; i <= 3; i++) {
      x.value = i;
      await bytes.sendHeap(out.getHeap());
    }
    await bytes.sendHeap(out.getEnd());
    const rx = new recv.Stream();
    rx.addBufferReader(bytes.getValue());
    const group = new ItemGroup();
    const seen: number[] = [];
    for await (const heap of rx) {
      for (const [name, it] of group.update(heap as recv.Heap)) if (name === 'x') seen.push(it.value as number);
    }
    expect(seen).to.deep.equal([1, 2, 3]);
  });
});
