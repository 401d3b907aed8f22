/**
 * spead2 tutorial, send performance and packet size: how fast one sender
 * goes with 1 MiB heaps, as a function of the packet size.
 *   node .build/examples/tut-send-perf.js [-n 200] [-p 1472] [-H 1048576]
 */
import { parseArgs } from 'util';
import { send } from '../lib/index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { heaps: { type: 'string', short: 'n', default: '200' }, packet: { type: 'string', short: 'p', default: '1472' }, 'heap-size': { type: 'string', short: 'H', default: String(1 << 20) } },
  });
  const nHeaps = Number(values.heaps);
  const heapSize = Number(values['heap-size']);
  // The discard port: the kernel takes the packets and drops them, so this measures sending alone.
  const stream = new send.UdpStream([{ host: '127.0.0.1', port: 9 }], { maxPacketSize: Number(values.packet), maxHeaps: 2 });
  const items = new send.ItemGroup();
  const adc = items.addItem({ id: 0x3300, name: 'adc_samples', description: 'ADC samples', shape: [heapSize], dtype: 'i1', value: new Int8Array(heapSize) });
  const timestamp = items.addItem({ id: 0x1600, name: 'timestamp', description: 'sample index', shape: [], format: [['u', 40]], value: 0 });
  const start = process.hrtime.bigint();
  let bytes = 0;
  const pending: Array<Promise<number>> = [];
  for (let i = 0; i < nHeaps; i++) {
    timestamp.value = i * heapSize;
    adc.value = adc.value as Int8Array; // marks the samples as changed (same array)
    if (pending.length === 2) bytes += await pending.shift()!;
    pending.push(stream.sendHeap(items.getHeap()));
  }
  for (const p of pending) bytes += await p;
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`packet size ${values.packet}: ${nHeaps} heaps, ${(bytes / s / 1e6).toFixed(0)} MB/s`);
  stream.destroy();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
