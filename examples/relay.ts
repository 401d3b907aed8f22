/**
 * A relay: receive → transform → send, as one pipeline(). Heaps arrive over
 * UDP on one port, each heap's samples are scaled, and the result is sent on
 * to another port (here received again to show it arrived).
 *   node .build/examples/relay.js [-n 10]
 */
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { parseArgs } from 'util';
import { ItemGroup, recv, send } from '../lib/index';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { heaps: { type: 'string', short: 'n', default: '10' } } });
  const nHeaps = Number(values.heaps);

  const final = new recv.Stream();
  const finalPort = final.addUdpReader({ host: '127.0.0.1', port: 0 });
  const input = new recv.Stream();
  const inputPort = input.addUdpReader({ host: '127.0.0.1', port: 0 });

  // The relay: decode with an ItemGroup, scale, re-encode with a send.ItemGroup.
  const inItems = new ItemGroup();
  const outItems = new send.ItemGroup();
  const scaled = outItems.addItem({ name: 'scaled', description: 'samples times 2', shape: [1000], dtype: '<f4' });
  const relay = new Transform({
    objectMode: true,
    transform(heap: recv.Heap, _encoding, callback) {
      const changed = inItems.update(heap);
      const samples = changed.get('samples')?.value as Float32Array | undefined;
      let out: send.Heap | undefined;
      if (samples) {
        scaled.value = samples.map((x) => 2 * x); // a copy: the heap can be released
        out = outItems.getHeap();
      }
      heap.release();
      callback(null, out);
    },
    flush(callback) {
      callback(null, outItems.getEnd());
    },
  });
  const relayed = pipeline(input, relay, new send.UdpStream([{ host: '127.0.0.1', port: finalPort }], { rate: 100e6 }));

  // A source for the relay.
  const source = new send.UdpStream([{ host: '127.0.0.1', port: inputPort }], { rate: 100e6 });
  const srcItems = new send.ItemGroup();
  const samples = srcItems.addItem({ name: 'samples', description: 'samples', shape: [1000], dtype: '<f4' });
  for (let i = 0; i < nHeaps; i++) {
    samples.value = Float32Array.from({ length: 1000 }, (_, k) => i + k / 1000);
    await source.sendHeap(srcItems.getHeap());
  }
  await source.sendHeap(srcItems.getEnd());
  source.destroy();

  const outGroup = new ItemGroup();
  let n = 0;
  for await (const heap of final) {
    const changed = outGroup.update(heap as recv.Heap);
    const v = changed.get('scaled')?.value as Float32Array | undefined;
    if (v) {
      console.log(`relayed heap ${heap.cnt}: scaled[0] = ${v[0]}`);
      n++;
    }
    heap.release();
  }
  await relayed;
  console.log(`relayed ${n} heaps`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
