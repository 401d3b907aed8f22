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
const RING = Number(arg('--ring') ?? '16');
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

/** CPU seconds of this process's threads: [main thread, all others]. */
function threadCpu(): [number, number] {
  const tick = 100; // USER_HZ on Linux
  let main = 0;
  let rest = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that just ended
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(f[11]) + Number(f[12])) / tick;
    if (Number(tid) === process.pid) main += cpu;
    else rest += cpu;
  }
  return [main, rest];
}

async function once(encoded: Buffer, pool: MemoryPool | undefined, batches: boolean): Promise<number> {
  const s = new recv.Stream({ memoryAllocator: pool }, { heaps: RING });
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
        const pool = pooled ? new MemoryPool(size, size, RING + 16, RING + 16) : undefined;
        await once(encoded, pool, batches); // warm up
        const cpu0 = threadCpu();
        const start = process.hrtime.bigint();
        let heaps = 0;
        let elapsed = 0;
        while (elapsed < SECONDS) {
          heaps += await once(encoded, pool, batches);
          elapsed = Number(process.hrtime.bigint() - start) / 1e9;
        }
        const what = `${size} B heaps${pooled ? ', MemoryPool' : ''}${batches ? ', batches()' : ''}`;
        const cpu1 = threadCpu();
        const us = (i: number): string => (((cpu1[i] - cpu0[i]) / heaps) * 1e6).toFixed(2).padStart(7);
        console.log(`${what.padEnd(40)} ${(heaps / elapsed).toFixed(0).padStart(9)} heaps/s  CPU/heap: JS thread ${us(0)} µs, others ${us(1)} µs`);
      }
    }
  }
}

void main();
