/**
 * Descriptors on the wire: a descriptor travels as the value of item 5, which
 * is itself a complete SPEAD packet (or, from some senders, several). This
 * module turns that value into a RawDescriptor and back, byte for byte as
 * spead2 does.
 */
import {
  BUG_COMPAT_DESCRIPTOR_WIDTHS,
  BUG_COMPAT_SHAPE_BIT_1,
  DESCRIPTOR_DESCRIPTION_ID,
  DESCRIPTOR_DTYPE_ID,
  DESCRIPTOR_FORMAT_ID,
  DESCRIPTOR_ID_ID,
  DESCRIPTOR_NAME_ID,
  DESCRIPTOR_SHAPE_ID,
  HEAP_CNT_ID,
  HEAP_LENGTH_ID,
  PAYLOAD_LENGTH_ID,
  PAYLOAD_OFFSET_ID,
} from './constants';
import type { Flavour } from './flavour';
import { decodePacket, encodePacket, ItemPointer, PacketError, readUintBE, writeUintBE } from './packet';
import type { RawDescriptor } from './raw';

const textDecoder = new TextDecoder('latin1');

/** Bytes of one format entry: 1 code byte + the item-ID width (or 4 with DESCRIPTOR_WIDTHS). */
function formatFieldSize(addressBits: number, bugCompat: number): number {
  return bugCompat & BUG_COMPAT_DESCRIPTOR_WIDTHS ? 4 : 1 + (64 - addressBits) / 8;
}

/** Bytes of one shape entry: 1 flag byte + the address width (or 8 with DESCRIPTOR_WIDTHS). */
function shapeFieldSize(addressBits: number, bugCompat: number): number {
  return bugCompat & BUG_COMPAT_DESCRIPTOR_WIDTHS ? 8 : 1 + addressBits / 8;
}

function asciiBytes(text: Uint8Array | string, what: string): Uint8Array {
  if (typeof text !== 'string') return text;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) throw new RangeError(`descriptor ${what} must be ASCII: ${JSON.stringify(text)}`);
    out[i] = c;
  }
  return out;
}

/** What `encodeRawDescriptor` takes: a RawDescriptor whose strings may be given as text. */
export interface RawDescriptorInput {
  /** The described item's ID. */
  readonly id: number;
  /** The item's name (ASCII). */
  readonly name: Uint8Array | string;
  /** The item's description (ASCII). */
  readonly description: Uint8Array | string;
  /** Dimensions; null for the variable one. */
  readonly shape: ReadonlyArray<number | null>;
  /** Legacy format (code, bits) pairs. */
  readonly format: ReadonlyArray<readonly [string, number]>;
  /** The numpy header, or '' for a legacy format. */
  readonly numpyHeader: string;
}

/** Encodes a descriptor as the embedded packet spead2 puts in item 5. */
export function encodeRawDescriptor(raw: RawDescriptorInput, flavour: Flavour): Uint8Array {
  const bits = flavour.heapAddressBits;
  if (!Number.isSafeInteger(raw.id) || raw.id <= 0 || raw.id > flavour.maxItemId) {
    throw new RangeError(`Item ID out of range: ${raw.id} (must be 1 to ${flavour.maxItemId} in ${flavour})`);
  }
  const name = asciiBytes(raw.name, 'name');
  const description = asciiBytes(raw.description, 'description');
  const header = asciiBytes(raw.numpyHeader, 'numpy header');
  const fieldSize = formatFieldSize(bits, flavour.bugCompat);
  const shapeSize = shapeFieldSize(bits, flavour.bugCompat);
  const format = new Uint8Array(raw.format.length * fieldSize);
  raw.format.forEach(([code, width], i) => {
    if (code.length !== 1) throw new RangeError(`format code must be one character, not ${JSON.stringify(code)}`);
    if (!Number.isSafeInteger(width) || width < 0 || width >= 2 ** (8 * (fieldSize - 1))) {
      throw new RangeError(`format width ${width} does not fit the descriptor's ${fieldSize - 1}-byte field`);
    }
    format[i * fieldSize] = code.charCodeAt(0);
    writeUintBE(format, width, i * fieldSize + 1, fieldSize - 1);
  });
  const shape = new Uint8Array(raw.shape.length * shapeSize);
  const variableTag = flavour.bugCompat & BUG_COMPAT_SHAPE_BIT_1 ? 2 : 1;
  raw.shape.forEach((dim, i) => {
    if (dim === null) {
      shape[i * shapeSize] = variableTag;
    } else {
      if (!Number.isSafeInteger(dim) || dim < 0) throw new RangeError(`shape dimension ${dim} is not a non-negative integer`);
      writeUintBE(shape, dim, i * shapeSize + 1, shapeSize - 1);
    }
  });
  const parts = [name, description, format, shape, ...(header.length > 0 ? [header] : [])];
  const ids = [DESCRIPTOR_NAME_ID, DESCRIPTOR_DESCRIPTION_ID, DESCRIPTOR_FORMAT_ID, DESCRIPTOR_SHAPE_ID, DESCRIPTOR_DTYPE_ID];
  const payloadSize = parts.reduce((n, p) => n + p.length, 0);
  const payload = new Uint8Array(payloadSize);
  const pointers: ItemPointer[] = [
    { immediate: true, id: HEAP_CNT_ID, value: 1 },
    { immediate: true, id: HEAP_LENGTH_ID, value: payloadSize },
    { immediate: true, id: PAYLOAD_OFFSET_ID, value: 0 },
    { immediate: true, id: PAYLOAD_LENGTH_ID, value: payloadSize },
    { immediate: true, id: DESCRIPTOR_ID_ID, value: raw.id },
  ];
  let offset = 0;
  parts.forEach((part, i) => {
    pointers.push({ immediate: false, id: ids[i], value: offset });
    payload.set(part, offset);
    offset += part.length;
  });
  return encodePacket({ heapAddressBits: bits, pointers, payload });
}

interface DescriptorHeap {
  cnt: number;
  addressBits: number;
  heapLength: number;
  received: number;
  pointers: ItemPointer[];
  chunks: Uint8Array[];
}

function heapToDescriptor(heap: DescriptorHeap, bugCompat: number): RawDescriptor | null {
  const payload = new Uint8Array(heap.received);
  let pos = 0;
  for (const c of heap.chunks) {
    payload.set(c, pos);
    pos += c.length;
  }
  // spead2's order: addressed by offset, then immediates; stable; specials dropped.
  const items = heap.pointers
    .filter((p) => p.id > PAYLOAD_LENGTH_ID)
    .map((p, i) => ({ p, i }))
    .sort((a, b) => Number(a.p.immediate) - Number(b.p.immediate) || a.p.value - b.p.value || a.i - b.i)
    .map(({ p }) => p);
  const fieldSize = formatFieldSize(heap.addressBits, bugCompat);
  const shapeSize = shapeFieldSize(heap.addressBits, bugCompat);
  const variableMask = bugCompat & BUG_COMPAT_SHAPE_BIT_1 ? 2 : 1;
  let id = 0;
  let name: Uint8Array = new Uint8Array(0);
  let description: Uint8Array = new Uint8Array(0);
  let shape: Array<number | null> = [];
  let format: Array<[string, number]> = [];
  let numpyHeader = '';
  items.forEach((p, k) => {
    if (p.immediate) {
      if (p.id === DESCRIPTOR_ID_ID) id = p.value;
      return;
    }
    const next = items[k + 1];
    const end = next !== undefined && !next.immediate ? next.value : payload.length;
    if (p.value > end || end > payload.length) return;
    const bytes = payload.subarray(p.value, end);
    switch (p.id) {
      case DESCRIPTOR_NAME_ID: name = bytes; break;
      case DESCRIPTOR_DESCRIPTION_ID: description = bytes; break;
      case DESCRIPTOR_FORMAT_ID:
        for (let i = 0; i + fieldSize <= bytes.length; i += fieldSize) {
          format.push([String.fromCharCode(bytes[i]), readUintBE(bytes, i + 1, fieldSize - 1)]);
        }
        break;
      case DESCRIPTOR_SHAPE_ID:
        for (let i = 0; i + shapeSize <= bytes.length; i += shapeSize) {
          shape.push(bytes[i] & variableMask ? null : readUintBE(bytes, i + 1, shapeSize - 1));
        }
        break;
      case DESCRIPTOR_DTYPE_ID: numpyHeader = textDecoder.decode(bytes); break;
      default: break; // spead2 logs and ignores unknown descriptor fields
    }
  });
  if (id === 0) return null; // spead2: "incomplete descriptor (no ID)"
  if (numpyHeader !== '') {
    // The dtype overrides format and shape.
    shape = [];
    format = [];
  }
  return { id, name, description, shape, format, numpyHeader };
}

/**
 * Decodes the value of a DESCRIPTOR item (one or more concatenated packets)
 * into descriptors, as spead2's `heap.get_descriptors()`: packets are
 * assembled into heaps in order, a heap missing its DESCRIPTOR_ID is skipped,
 * and decoding stops at the first packet that does not parse.
 */
export function decodeRawDescriptors(value: Uint8Array, bugCompat = 0): RawDescriptor[] {
  const out: RawDescriptor[] = [];
  let heap: DescriptorHeap | null = null;
  const finish = (): void => {
    if (heap !== null && (heap.heapLength < 0 || heap.received === heap.heapLength)) {
      const d = heapToDescriptor(heap, bugCompat);
      if (d !== null) out.push(d);
    }
    heap = null;
  };
  for (let pos = 0; pos < value.length; ) {
    let packet;
    try {
      packet = decodePacket(value.subarray(pos));
    } catch (e) {
      if (e instanceof PacketError) break;
      throw e;
    }
    pos += packet.size;
    const current: DescriptorHeap | null = heap;
    if (current === null || current.cnt !== packet.heapCnt) {
      finish();
      if (packet.payloadOffset !== 0) continue; // in-order assembly: a heap starts at offset 0
      heap = { cnt: packet.heapCnt, addressBits: packet.heapAddressBits, heapLength: packet.heapLength, received: 0, pointers: [], chunks: [] };
    }
    const h = heap as DescriptorHeap | null;
    if (h === null || packet.payloadOffset !== h.received || packet.heapAddressBits !== h.addressBits) continue;
    h.pointers.push(...packet.pointers);
    h.chunks.push(packet.payload);
    h.received += packet.payloadLength;
  }
  finish();
  return out;
}
