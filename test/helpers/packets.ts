/**
 * Splitting a byte stream of SPEAD packets into heaps with the TypeScript
 * packet codec, for tests that need the raw items of spead2's vectors.
 */
import { decodePacket, DecodedPacket, ItemPointer } from '../../lib/packet';

export interface SplitHeap {
  cnt: number;
  heapAddressBits: number;
  packets: DecodedPacket[];
  /** Concatenated payload (packets are in order in spead2's vectors). */
  payload: Uint8Array;
  /** Every pointer but the four specials (NULL included: it bounds items), in wire order. */
  pointers: ItemPointer[];
}

/** Splits consecutive packets into heaps (grouped by heap cnt, in first-seen order). */
export function splitHeaps(data: Uint8Array): SplitHeap[] {
  const byCnt = new Map<number, SplitHeap>();
  for (let pos = 0; pos < data.length; ) {
    const p = decodePacket(data.subarray(pos));
    pos += p.size;
    let heap = byCnt.get(p.heapCnt);
    if (heap === undefined) {
      heap = { cnt: p.heapCnt, heapAddressBits: p.heapAddressBits, packets: [], payload: new Uint8Array(0), pointers: [] };
      byCnt.set(p.heapCnt, heap);
    }
    heap.packets.push(p);
    heap.pointers.push(...p.pointers.filter((q) => q.id === 0 || q.id > 4)); // NULL kept: it bounds items
  }
  for (const heap of byCnt.values()) {
    const length = heap.packets.reduce((n, p) => Math.max(n, p.payloadOffset + p.payloadLength), 0);
    heap.payload = new Uint8Array(length);
    for (const p of heap.packets) heap.payload.set(p.payload, p.payloadOffset);
  }
  return [...byCnt.values()];
}

/** The bytes of each addressed item with the given ID (length up to the next addressed offset). */
export function addressedValues(heap: SplitHeap, id: number): Uint8Array[] {
  const addressed = heap.pointers.filter((p) => !p.immediate).sort((a, b) => a.value - b.value);
  const out: Uint8Array[] = [];
  addressed.forEach((p, i) => {
    if (p.id !== id) return;
    const end = i + 1 < addressed.length ? addressed[i + 1].value : heap.payload.length;
    out.push(heap.payload.subarray(p.value, end));
  });
  return out;
}
