/** Heaps for tests, built from raw entries (no item layer needed). */
import { recv, send } from '../../lib/index';

/** A heap with one addressed item (ID 0x1000) of `size` bytes filled from `seed`. */
export function patternHeap(size: number, seed: number): { heap: send.Heap; data: Uint8Array } {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (seed * 31 + i * 7) & 0xff;
  const heap = new send.Heap();
  heap.addRaw(0x1000, data, false);
  return { heap, data };
}

/** The end-of-stream heap. */
export function endHeap(): send.Heap {
  const heap = new send.Heap();
  heap.addEnd();
  return heap;
}

/** Every heap of a receive stream, until it ends. */
export async function collect(stream: recv.Stream): Promise<recv.Heap[]> {
  const out: recv.Heap[] = [];
  for await (const h of stream) out.push(h as recv.Heap);
  return out;
}

/** The bytes of item 0x1000 (the pattern heaps' item). */
export function item(heap: recv.Heap): Buffer {
  return Buffer.from(heap.getItems().find((it) => it.id === 0x1000)!.value);
}

/** Reads `stream` to its end, checking each heap against patternHeap(size, cnt). */
export async function receivePatternHeaps(stream: recv.Stream, size: number): Promise<{ cnts: number[]; ok: boolean }> {
  const cnts: number[] = [];
  let ok = true;
  for await (const h of stream) {
    const heap = h as recv.Heap;
    ok = ok && Buffer.from(heap.getItems()[0].value).equals(Buffer.from(patternHeap(size, heap.cnt).data));
    cnts.push(heap.cnt);
  }
  return { cnts, ok };
}
