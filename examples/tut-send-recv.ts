/**
 * spead2 tutorial, first steps: a sender of heaps with a timestamp and ADC
 * samples, and a receiver that prints them — here in one program, over
 * loopback UDP.   node .build/examples/tut-send-recv.js [--heaps 10]
 */
import { parseArgs } from 'util';
import { ItemGroup, recv, send } from '../lib/index';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { heaps: { type: 'string', default: '10' } } });
  const nHeaps = Number(values.heaps);

  const stream = new recv.Stream();
  const port = stream.addUdpReader({ host: '127.0.0.1', port: 0 });
  const received = (async () => {
    const items = new ItemGroup();
    let n = 0;
    for await (const heap of stream) {
      const changed = items.update(heap as recv.Heap);
      if (changed.has('timestamp')) {
        const adc = changed.get('adc_samples')!.value as Int8Array;
        console.log(`heap ${heap.cnt}: timestamp ${changed.get('timestamp')!.value}, mean ${adc.reduce((a, b) => a + b, 0) / adc.length}`);
        n++;
      }
      heap.release();
    }
    return n;
  })();

  const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { rate: 100e6 });
  const items = new send.ItemGroup();
  const timestamp = items.addItem({ id: 0x1600, name: 'timestamp', description: 'Index of the first sample', shape: [], format: [['u', 40]] });
  const samples = items.addItem({ id: 0x3300, name: 'adc_samples', description: 'ADC converter output', shape: [1024 * 1024], dtype: 'i1' });
  for (let i = 0; i < nHeaps; i++) {
    timestamp.value = i * 1024 * 1024;
    samples.value = new Int8Array(1024 * 1024).fill(i);
    await tx.sendHeap(items.getHeap());
  }
  await tx.sendHeap(items.getEnd());
  console.log(`received ${await received} heaps`);
  tx.destroy();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
