/**
 * spead2 tutorial, memory pools: 64 MiB heaps received into a pool sized
 * maxHeaps + ring heaps + heaps held, so that no heap waits on page faults
 * and the pool never runs dry.   node .build/examples/tut-memory-pool.js [--heaps 5]
 */
import { parseArgs } from 'util';
import { MemoryPool, recv, send } from '../lib/index';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { heaps: { type: 'string', default: '5' }, size: { type: 'string', default: String(64 << 20) } } });
  const heapSize = Number(values.size);
  const maxHeaps = 4;
  const ringHeaps = 4;
  const held = 1;
  const pool = new MemoryPool(heapSize, heapSize, maxHeaps + ringHeaps + held, maxHeaps + ringHeaps + held);
  pool.on('warning', (w: string) => console.log(`pool warning: ${w}`));
  const stream = new recv.Stream({ maxHeaps, memoryAllocator: pool }, { heaps: ringHeaps });
  const port = stream.addUdpReader({ host: '127.0.0.1', port: 0 }, { bufferSize: 32 << 20 });

  const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxPacketSize: 8972, rate: 400e6 });
  const data = new Uint8Array(heapSize);
  const heap = new send.Heap();
  heap.addRaw(0x1000, data, false);
  const sending = (async () => {
    for (let i = 0; i < Number(values.heaps); i++) await tx.sendHeap(heap);
    const end = new send.Heap();
    end.addEnd();
    await tx.sendHeap(end);
  })();
  let n = 0;
  for await (const h of stream) {
    n++;
    h.release(); // back to the pool at once
  }
  await sending;
  tx.destroy();
  console.log(`received ${n} heaps of ${heapSize} bytes; pool ${JSON.stringify(pool.stats())}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
