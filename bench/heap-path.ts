/**
 * The per-heap cost of the receive path into a JS loop: heaps decoded in
 * memory (recv.Stream + addBufferReader) into a loop that only releases them.
 *   npm run build:test && node .build/bench/heap-path.js [--seconds 2] [--sizes 8192,1048576]
 *     [--packet 1472] [--ring 16] [--js-path] [--write FILE]
 * --js-path: every heap is in the ring before the loop starts, so only the
 * JS side is timed (the worker's assembly is not).
 * --write FILE: writes the encoded bytes to FILE.<size>, for spead2's Python
 * binding on the same bytes:
 *   s = spead2.recv.Stream(spead2.ThreadPool(), spead2.recv.StreamConfig(),
 *                          spead2.recv.RingStreamConfig(heaps=16))
 *   s.add_buffer_reader(data)
 *   for heap in s: pass
 */
import * as fs from 'fs';
import { MemoryPool, recv, send } from '../lib/index';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SECONDS = Number(arg('--seconds') ?? '2');
const PACKET = Number(arg('--packet') ?? '1472');
const RING = Number(arg('--ring') ?? '16');
const SIZES = (arg('--sizes') ?? '8192,1048576').split(',').map(Number);
const JS_PATH = process.argv.includes('--js-path');

type Loop = 'for await' | 'batches()' | 'getItems()';

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

/** Receives `encoded` once; returns the heaps and the seconds the loop took. */
async function once(encoded: Buffer, count: number, pool: MemoryPool | undefined, loop: Loop): Promise<[number, number]> {
  const s = new recv.Stream({ memoryAllocator: pool }, { heaps: JS_PATH ? count + 8 : RING });
  s.addBufferReader(encoded);
  if (JS_PATH) while (s.stats.get('ring_heaps') < count) await new Promise((r) => setTimeout(r, 1));
  const start = process.hrtime.bigint();
  let n = 0;
  if (loop === 'batches()') {
    for await (const batch of s.batches()) {
      for (const h of batch) h.release();
      n += batch.length;
    }
  } else {
    for await (const h of s) {
      if (loop === 'getItems()' && (h as recv.Heap).getItems().length !== 1) throw new Error('expected one item');
      h.release();
      n++;
    }
  }
  return [n, Number(process.hrtime.bigint() - start) / 1e9];
}

async function main(): Promise<void> {
  const write = arg('--write');
  console.log(JS_PATH ? 'JS path only (heaps already in the ring)' : `pipeline (ring ${RING} heaps)`);
  for (const size of SIZES) {
    const count = Math.max(16, Math.floor((32 << 20) / size));
    const encoded = await encodeBytes(size, PACKET, count);
    if (write !== undefined) fs.writeFileSync(`${write}.${size}`, encoded);
    for (const pooled of [false, true]) {
      for (const loop of ['for await', 'batches()', 'getItems()'] as Loop[]) {
        const poolSize = (JS_PATH ? count : RING) + 16;
        const pool = pooled ? new MemoryPool(size, size, poolSize, poolSize) : undefined;
        await once(encoded, count, pool, loop); // warm up
        let heaps = 0;
        let elapsed = 0;
        const cpu = process.cpuUsage();
        while (elapsed < SECONDS) {
          const [n, t] = await once(encoded, count, pool, loop);
          heaps += n;
          elapsed += t;
        }
        const used = process.cpuUsage(cpu);
        const what = `${size} B heaps, ${loop}${pooled ? ', MemoryPool' : ''}`;
        const perHeap = JS_PATH ? '' : `  process CPU ${((used.user + used.system) / heaps).toFixed(2)} µs/heap`;
        console.log(`${what.padEnd(42)} ${(heaps / elapsed).toFixed(0).padStart(9)} heaps/s${perHeap}`);
      }
    }
  }
}

void main();
