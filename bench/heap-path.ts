/**
 * The per-heap cost of the receive path into a JS loop: heaps decoded in
 * memory (recv.Stream + addBufferReader) into a loop that only releases them.
 *   npm run build:test && node .build/bench/heap-path.js [--seconds 2] [--batches] [--sizes 8192,1048576]
 * Compare with spead2's Python binding on the same bytes by writing them out
 * with `--write FILE` and running a `for heap in stream: pass` loop over them.
 */
import * as fs from 'fs';
import { MemoryPool, recv, send } from '../lib/index';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SECONDS = Number(arg('--seconds') ?? '2');
const PACKET = Number(arg('--packet') ?? '1472');
const SIZES = (arg('--sizes') ?? '8192,1048576').split(',').map(Number);

async function encodeBytes(heapSize: number, packet: number, count: number): Promise<Buffer> {
  const bytes = new send.BytesStream({ maxPacketSize: packet, maxHeaps: count });
  const heaps = Array.from({ length: count }, () => {
    const heap = new send.Heap();
    heap.addRaw(0x1000, new Uint8Array(heapSize).fill(7), false);
    return heap;
  });
  await bytes.sendHeaps(heaps, send.GroupMode.SERIAL);
  return bytes.getValue();
}

async function once(encoded: Buffer, pool: MemoryPool | undefined, batches: boolean): Promise<number> {
  const s = new recv.Stream({ memoryAllocator: pool }, { heaps: 16 });
  s.addBufferReader(encoded);
  let n = 0;
  if (batches) {
    for await (const batch of s.batches()) {
      for (const h of batch) h.release();
      n += batch.length;
    }
  } else {
    for await (const h of s) {
      (h as recv.Heap).release();
      n++;
    }
  }
  return n;
}

async function main(): Promise<void> {
  const write = arg('--write');
  for (const size of SIZES) {
    const count = Math.max(16, Math.floor((32 << 20) / size));
    const encoded = await encodeBytes(size, PACKET, count);
    if (write !== undefined) fs.writeFileSync(`${write}.${size}`, encoded);
    for (const pooled of [false, true]) {
      for (const batches of [false, true]) {
        const pool = pooled ? new MemoryPool(size, size, 32, 32) : undefined;
        await once(encoded, pool, batches); // warm up
        const start = process.hrtime.bigint();
        let heaps = 0;
        let elapsed = 0;
        while (elapsed < SECONDS) {
          heaps += await once(encoded, pool, batches);
          elapsed = Number(process.hrtime.bigint() - start) / 1e9;
        }
        const what = `${size} B heaps${pooled ? ', MemoryPool' : ''}${batches ? ', batches()' : ''}`;
        console.log(`${what.padEnd(40)} ${(heaps / elapsed).toFixed(0).padStart(9)} heaps/s`);
      }
    }
  }
}

void main();
