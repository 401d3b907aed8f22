/**
 * spead2 tutorial, receive power: the receiver computes the power of the ADC
 * samples of each heap as it arrives (here fed by an in-process sender).
 *   node .build/examples/tut-recv-power.js [-n 20]
 */
import { parseArgs } from 'util';
import { InprocQueue, ItemGroup, recv, send } from '../lib/index';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { heaps: { type: 'string', short: 'n', default: '20' } } });
  const nHeaps = Number(values.heaps);
  const queue = new InprocQueue();
  const stream = new recv.Stream();
  stream.addInprocReader(queue);

  const out = new send.ItemGroup();
  const ts = out.addItem({ id: 0x1600, name: 'timestamp', description: 'sample index', shape: [], format: [['u', 40]] });
  const adc = out.addItem({ id: 0x3300, name: 'adc_samples', description: 'ADC samples', shape: [4096], dtype: 'i1' });
  const tx = new send.InprocStream(queue);
  for (let i = 0; i < nHeaps; i++) {
    ts.value = i * 4096;
    adc.value = Int8Array.from({ length: 4096 }, (_, k) => Math.round(50 * Math.sin((k * (i + 1)) / 100)));
    await tx.sendHeap(out.getHeap());
  }
  await tx.sendHeap(out.getEnd());

  const items = new ItemGroup();
  for await (const heap of stream) {
    const changed = items.update(heap as recv.Heap);
    const samples = changed.get('adc_samples')?.value as Int8Array | undefined;
    if (samples !== undefined) {
      let power = 0;
      for (const x of samples) power += x * x;
      console.log(`timestamp ${changed.get('timestamp')!.value}: power ${(power / samples.length).toFixed(1)}`);
    }
    heap.release();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
