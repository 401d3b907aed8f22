/**
 * spead2 tutorial, batching heaps: small heaps sent heap by heap, as
 * sendHeaps batches, and as a prepared HeapReferenceList (one call into the
 * addon per batch), with the rate of each.   node .build/examples/tut-batching.js [--heaps 20000]
 */
import { parseArgs } from 'util';
import { send } from '../lib/index';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { heaps: { type: 'string', default: '20000' }, 'heap-size': { type: 'string', default: '8192' } } });
  const nHeaps = Number(values.heaps);
  const heapSize = Number(values['heap-size']);
  const batch = Math.max(1, Math.floor((512 * 1024) / heapSize));
  const heaps = Array.from({ length: 2 * batch }, () => {
    const h = new send.Heap();
    h.addRaw(0x1000, new Uint8Array(heapSize), false);
    return h;
  });
  // Nobody listens on the discard port; loopback accepts and drops the datagrams.
  const dest = [{ host: '127.0.0.1', port: 9 }];
  const run = async (label: string, sendBatch: (stream: send.UdpStream, slot: number) => Promise<number>): Promise<void> => {
    const stream = new send.UdpStream(dest, { maxHeaps: 2 * batch });
    const start = process.hrtime.bigint();
    const pending: Array<Promise<number> | undefined> = [undefined, undefined];
    for (let sent = 0, slot = 0; sent < nHeaps; sent += batch, slot ^= 1) {
      if (pending[slot]) await pending[slot];
      pending[slot] = sendBatch(stream, slot);
    }
    await Promise.all(pending);
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    console.log(`${label.padEnd(22)} ${(nHeaps / s).toFixed(0).padStart(8)} heaps/s  ${((nHeaps * heapSize) / s / 1e6).toFixed(0)} MB/s`);
    stream.destroy();
  };
  await run('heap by heap', async (stream, slot) => {
    const ps = heaps.slice(slot * batch, (slot + 1) * batch).map((h) => stream.sendHeap(h).catch(() => 0));
    return (await Promise.all(ps)).reduce((a, b) => a + b, 0);
  });
  await run('sendHeaps batches', (stream, slot) => stream.sendHeaps(heaps.slice(slot * batch, (slot + 1) * batch), send.GroupMode.SERIAL));
  const lists = [0, 1].map((slot) => new send.HeapReferenceList(heaps.slice(slot * batch, (slot + 1) * batch).map((h) => new send.HeapReference(h))));
  await run('HeapReferenceList', (stream, slot) => stream.sendHeaps(lists[slot], send.GroupMode.SERIAL));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
