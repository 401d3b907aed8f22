/**
 * A low-level SPEAD packet codec in TypeScript: one packet to and from bytes,
 * with spead2's validation. The data path uses the native engines; this serves
 * metadata (descriptors are embedded packets), tests, and instrument ICDs that
 * need packets beyond what heaps express.
 */
import { invalidArgType } from './arg-errors';
import {
  HEAP_CNT_ID,
  HEAP_LENGTH_ID,
  PAYLOAD_LENGTH_ID,
  PAYLOAD_OFFSET_ID,
} from './constants';

/** One 64-bit item pointer, split into its fields. */
export interface ItemPointer {
  /** Immediate (value in the pointer) or addressed (offset into the heap payload). */
  readonly immediate: boolean;
  /** The item ID. */
  readonly id: number;
  /** The immediate value or the address: the low N bits (at most 2^53 − 1 here). */
  readonly value: number;
}

/** A decoded packet. */
export interface DecodedPacket {
  /** N, from header byte 3. */
  readonly heapAddressBits: number;
  /** The heap counter. */
  readonly heapCnt: number;
  /** HEAP_LENGTH, or -1 when the packet has none. */
  readonly heapLength: number;
  /** Where this packet's payload sits in the heap. */
  readonly payloadOffset: number;
  /** Bytes of payload in this packet. */
  readonly payloadLength: number;
  /** Every item pointer in wire order, the four specials included. */
  readonly pointers: ItemPointer[];
  /** The packet's payload bytes (a view into the input). */
  readonly payload: Uint8Array;
  /** Bytes the packet occupies: 8 + 8·n + payloadLength. */
  readonly size: number;
}

/** Why a packet was rejected; the messages follow spead2's log lines. */
export class PacketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PacketError';
  }
}

const TWO32 = 2 ** 32;

function readPointer(view: DataView, pos: number, addressBits: number): ItemPointer {
  const hi = view.getUint32(pos);
  const lo = view.getUint32(pos + 4);
  const immediate = hi >= 0x80000000;
  const hiBits = hi & 0x7fffffff;
  // Split hi:lo (63 bits) at bit `addressBits` without exceeding 2^53.
  if (addressBits >= 32) {
    const valueHiBits = addressBits - 32;
    const valueHi = hiBits % 2 ** valueHiBits;
    const id = Math.floor(hiBits / 2 ** valueHiBits);
    const value = valueHi * TWO32 + lo;
    if (!Number.isSafeInteger(value)) throw new PacketError(`item pointer value exceeds 2^53 (SPEAD-64-${addressBits})`);
    return { immediate, id, value };
  }
  const idLowBits = 32 - addressBits;
  const value = lo % 2 ** addressBits;
  const id = hiBits * 2 ** idLowBits + Math.floor(lo / 2 ** addressBits);
  return { immediate, id, value };
}

function writePointer(view: DataView, pos: number, p: ItemPointer, addressBits: number): void {
  const maxId = 2 ** (63 - addressBits);
  if (!Number.isSafeInteger(p.id) || p.id < 0 || p.id >= maxId) {
    throw new RangeError(`item ID ${p.id} does not fit SPEAD-64-${addressBits} (${63 - addressBits} bits)`);
  }
  if (!Number.isSafeInteger(p.value) || p.value < 0 || p.value >= 2 ** addressBits) {
    throw new RangeError(`item pointer value ${p.value} does not fit ${addressBits} bits`);
  }
  let hi: number;
  let lo: number;
  if (addressBits >= 32) {
    const valueHiBits = addressBits - 32;
    hi = p.id * 2 ** valueHiBits + Math.floor(p.value / TWO32);
    lo = p.value % TWO32;
  } else {
    const idLowBits = 32 - addressBits;
    hi = Math.floor(p.id / 2 ** idLowBits);
    lo = (p.id % 2 ** idLowBits) * 2 ** addressBits + p.value;
  }
  view.setUint32(pos, (p.immediate ? 0x80000000 : 0) + hi);
  view.setUint32(pos + 4, lo);
}

/**
 * Decodes the packet at the start of `data`, validating it as spead2 does.
 * Throws PacketError naming the problem.
 */
export function decodePacket(data: Uint8Array): DecodedPacket {
  if (!(data instanceof Uint8Array)) throw invalidArgType('data', 'a Buffer or Uint8Array', data);
  if (data.length < 8) throw new PacketError(`packet rejected because too small (${data.length} bytes)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data[0] !== 0x53 || data[1] !== 4) throw new PacketError('packet rejected because magic or version did not match');
  const idBytes = data[2];
  const addressBytes = data[3];
  if (idBytes === 0 || addressBytes === 0) throw new PacketError('packet rejected because flavour is invalid');
  if (idBytes + addressBytes !== 8) throw new PacketError('packet rejected because flavour is not SPEAD-64-*');
  const heapAddressBits = addressBytes * 8;
  const n = view.getUint16(6);
  if (8 + 8 * n > data.length) throw new PacketError('packet rejected because the items overflow the packet');
  const pointers: ItemPointer[] = [];
  let heapCnt = -1;
  let heapLength = -1;
  let payloadOffset = -1;
  let payloadLength = -1;
  for (let i = 0; i < n; i++) {
    const p = readPointer(view, 8 + 8 * i, heapAddressBits);
    pointers.push(p);
    if (!p.immediate) continue;
    switch (p.id) {
      case HEAP_CNT_ID: heapCnt = p.value; break;
      case HEAP_LENGTH_ID: heapLength = p.value; break;
      case PAYLOAD_OFFSET_ID: payloadOffset = p.value; break;
      case PAYLOAD_LENGTH_ID: payloadLength = p.value; break;
      default: break;
    }
  }
  if (heapCnt < 0 || payloadOffset < 0 || payloadLength < 0) {
    throw new PacketError('packet rejected because it does not have required items');
  }
  const size = 8 + 8 * n + payloadLength;
  if (size > data.length) {
    throw new PacketError(`packet rejected because payload length overflows packet size (${size} > ${data.length})`);
  }
  if (heapLength >= 0 && payloadOffset + payloadLength > heapLength) {
    throw new PacketError('packet rejected because payload would overflow given heap length');
  }
  return {
    heapAddressBits,
    heapCnt,
    heapLength,
    payloadOffset,
    payloadLength,
    pointers,
    payload: data.subarray(8 + 8 * n, size),
    size,
  };
}

/** What `encodePacket` needs: every pointer to write (specials included) and the payload. */
export interface PacketSpec {
  /** N of the flavour to encode with. */
  readonly heapAddressBits: number;
  /** Every pointer to write, specials included, in order. */
  readonly pointers: readonly ItemPointer[];
  /** The payload bytes. */
  readonly payload: Uint8Array;
}

/** Encodes one packet: header, the pointers in the order given, the payload. */
export function encodePacket(spec: PacketSpec): Uint8Array {
  const { heapAddressBits, pointers, payload } = spec;
  if (heapAddressBits <= 0 || heapAddressBits >= 64 || heapAddressBits % 8 !== 0) {
    throw new RangeError(`heap address bits must be a multiple of 8 between 8 and 56, not ${heapAddressBits}`);
  }
  if (pointers.length > 0xffff) throw new RangeError(`a packet holds at most 65535 item pointers, not ${pointers.length}`);
  const out = new Uint8Array(8 + 8 * pointers.length + payload.length);
  const view = new DataView(out.buffer);
  out[0] = 0x53;
  out[1] = 4;
  out[2] = (64 - heapAddressBits) / 8;
  out[3] = heapAddressBits / 8;
  view.setUint16(6, pointers.length);
  pointers.forEach((p, i) => writePointer(view, 8 + 8 * i, p, heapAddressBits));
  out.set(payload, 8 + 8 * pointers.length);
  return out;
}

/** Reads a big-endian unsigned integer of up to 6 bytes (7 and 8 when it stays below 2^53). */
export function readUintBE(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  let v = 0;
  for (let i = 0; i < length; i++) v = v * 256 + bytes[offset + i];
  return v;
}

/** Writes `value` as a big-endian unsigned integer filling `length` bytes. */
export function writeUintBE(out: Uint8Array, value: number, offset: number, length: number): void {
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}
