/**
 * spead2 tutorial, the send pipeline and memory reuse: generating the next
 * heap's samples overlaps with sending the previous one. Two states, each with
 * its own arrays and its own pre-built heap (reused heaps: built once, values
 * changed in place); a state is refilled only after its send has resolved.
 *   node .build/examples/tut-send-pipeline.js [-n 100] [-H 1048576]
 */
import { parseArgs } from 'util';
import { send } from '../lib/index';

interface State {
  samples: Int8Array;
  timestamp: BigUint64Array; // big-endian on the wire: written with a DataView below
  heap: send.Heap;
  sent: Promise<number> | undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { heaps: { type: 'string', short: 'n', default: '100' }, 'heap-size': { type: 'string', short: 'H', default: String(1 << 20) } } });
  const nHeaps = Number(values.heaps);
  const heapSize = Number(values['heap-size']);
  const stream = new send.UdpStream([{ host: '127.0.0.1', port: 9 }], { maxHeaps: 2, rate: 0 });
  const states: State[] = [0, 1].map(() => {
    const samples = new Int8Array(heapSize);
    const timestamp = new BigUint64Array(1);
    const heap = new send.Heap();
    // Referenced, not copied: changing the arrays changes what the heap sends.
    heap.addRaw(0x1600, new Uint8Array(timestamp.buffer, 3, 5), true); // a 40-bit big-endian timestamp
    heap.addRaw(0x3300, new Uint8Array(samples.buffer), false);
    return { samples, timestamp, heap, sent: undefined };
  });
  const start = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < nHeaps; i++) {
    const state = states[i % 2];
    if (state.sent !== undefined) bytes += await state.sent; // only now may its arrays change
    for (let k = 0; k < heapSize; k++) state.samples[k] = (i + k) & 0x7f;
    new DataView(state.timestamp.buffer).setBigUint64(0, BigInt(i * heapSize));
    state.sent = stream.sendHeap(state.heap);
  }
  for (const s of states) if (s.sent) bytes += await s.sent;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`sent ${nHeaps} heaps, ${(bytes / seconds / 1e6).toFixed(0)} MB/s with generation overlapped`);
  stream.destroy();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
