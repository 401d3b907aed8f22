/**
 * Builds SPEAD packets for receive tests with the TypeScript codec.
 */
import { encodePacket, ItemPointer } from '../../lib/packet';

export interface PacketOptions {
  cnt: number;
  /** HEAP_LENGTH, or omitted for an unsized heap. */
  heapLength?: number;
  offset: number;
  payload: Uint8Array;
  /** Extra pointers after the specials. */
  items?: ItemPointer[];
  bits?: number;
}

/** One packet of a heap. */
export function packet(o: PacketOptions): Uint8Array {
  const pointers: ItemPointer[] = [{ immediate: true, id: 1, value: o.cnt }];
  if (o.heapLength !== undefined) pointers.push({ immediate: true, id: 2, value: o.heapLength });
  pointers.push({ immediate: true, id: 3, value: o.offset }, { immediate: true, id: 4, value: o.payload.length });
  pointers.push(...(o.items ?? []));
  return encodePacket({ heapAddressBits: o.bits ?? 40, pointers, payload: o.payload });
}

/** A heap with one addressed item 0x1000 of `size` bytes (filled with `fill`), cut into `parts` packets. */
export function heapPackets(cnt: number, size: number, parts = 1, fill = cnt & 0xff): Uint8Array[] {
  const data = new Uint8Array(size).fill(fill);
  const out: Uint8Array[] = [];
  const step = Math.ceil(size / parts);
  for (let off = 0; off < size; off += step) {
    out.push(
      packet({
        cnt,
        heapLength: size,
        offset: off,
        payload: data.subarray(off, Math.min(size, off + step)),
        items: off === 0 ? [{ immediate: false, id: 0x1000, value: 0 }] : [],
      }),
    );
  }
  return out;
}

/** The stop heap (STREAM_CTRL = 2). */
export function stopPacket(cnt: number): Uint8Array {
  return packet({ cnt, heapLength: 0, offset: 0, payload: new Uint8Array(0), items: [{ immediate: true, id: 6, value: 2 }] });
}
