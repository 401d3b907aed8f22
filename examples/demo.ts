/**
 * The demo behind `npm run demo`: one process sends 1 MiB heaps over loopback
 * UDP and receives them, with a live statistics line and a final table.
 *
 *   npm run demo -- [--seconds 5] [--heap-size 1048576] [--rate 0] [--packet 9000]
 */
import { parseArgs } from 'util';
import { MemoryPool, recv, send } from '../lib/index';
import { ProgressLine, si } from '../lib/tools/progress';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      'heap-size': { type: 'string', default: String(1 << 20) },
      rate: { type: 'string', default: '0' }, // Gb/s, 0 = as fast as the receiver keeps up
      packet: { type: 'string', default: '8972' },
    },
  });
  const seconds = Number(values.seconds);
  const heapSize = Number(values['heap-size']);
  const packet = Number(values.packet);
  const rate = (Number(values.rate) * 1e9) / 8;

  // Receiver: a memory pool sized as the tutorial says (live heaps + ring + held).
  const ringHeaps = 8;
  const pool = new MemoryPool(heapSize, heapSize + 4096, 4 + ringHeaps + 4, 4 + ringHeaps + 4);
  const rx = new recv.Stream({ maxHeaps: 4, memoryAllocator: pool }, { heaps: ringHeaps, contiguousOnly: false });
  rx.on('warning', (w: string) => process.stderr.write(`\nwarning: ${w}\n`));
  const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 }, { maxSize: packet + 64 });

  // Sender: batches of heaps, double-buffered (two batches' arrays, reused when sent).
  const batch = Math.max(1, Math.floor((512 * 1024) / heapSize));
  const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxPacketSize: packet, rate, maxHeaps: 2 * batch });
  const buffers = [0, 1].map(() => Array.from({ length: batch }, () => new Uint8Array(heapSize)));
  const heaps = buffers.map((set) =>
    set.map((data) => {
      const heap = new send.Heap();
      heap.addRaw(0x1000, data, false);
      return heap;
    }),
  );

  const counters = { heaps: 0, bytes: 0, incomplete: 0, dropped: 0 };
  const progress = new ProgressLine(counters, 'received');
  const receiving = (async () => {
    for await (const heap of rx) {
      if (heap instanceof recv.IncompleteHeap) counters.incomplete++;
      else {
        counters.heaps++;
        counters.bytes += heap.payload.length;
      }
      heap.release();
      counters.dropped = rx.stats.get('kernel_dropped');
    }
  })();

  const deadline = Date.now() + seconds * 1000;
  let sentHeaps = 0;
  let sentBytes = 0;
  const inFlight: Array<Promise<number> | undefined> = [undefined, undefined];
  for (let turn = 0; Date.now() < deadline; turn++) {
    const slot = turn % 2;
    if (inFlight[slot] !== undefined) sentBytes += await inFlight[slot]!; // its arrays may be refilled now
    for (const data of buffers[slot]) data.fill(turn & 0xff);
    inFlight[slot] = tx.sendHeaps(heaps[slot], send.GroupMode.SERIAL);
    sentHeaps += batch;
  }
  for (const p of inFlight) if (p !== undefined) sentBytes += await p;
  const end = new send.Heap();
  end.addEnd();
  await tx.sendHeap(end);
  await receiving;
  progress.stop();
  tx.destroy();

  const elapsed = progress.elapsed();
  const stats = rx.stats;
  console.log(`Sent ${sentHeaps} heaps (${si(sentBytes)}B) in ${elapsed.toFixed(2)} s`);
  console.log(`Received ${counters.heaps} heaps, ${si(counters.bytes)}B: ${si((counters.bytes * 8) / elapsed)}b/s`);
  console.log(`Incomplete ${counters.incomplete}, kernel dropped ${stats.get('kernel_dropped')} packets, worker blocked ${stats.get('worker_blocked')} times`);
  console.log('Statistics:');
  for (const [name, value] of stats) if (value !== 0) console.log(`  ${name}: ${value}`);
  console.log(`Memory pool: ${JSON.stringify(pool.stats())}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
