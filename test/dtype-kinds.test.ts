import { expect } from 'chai';
import { Readable } from 'stream';
import fc from 'fast-check';
import { Float16Array, isFloat16Array } from '@petamoriken/float16';
import { Descriptor, DType, DTypeError, Flavour, formatNumpyHeader, HeapDecoder, ItemGroup, parseNumpyHeader, recv, send } from '../lib/index';
import type { Descr, DescrField, HeapLike, RawDescriptor } from '../lib/index';

// Headers and payloads below are what numpy 1.24 / spead2 4.4 write for these
// values (test/fixtures/numpy-dtype-vectors.py prints them).

interface Case {
  dtype: Descr;
  shape: number[];
  order?: 'C' | 'F';
  /** What is sent. */
  value: unknown;
  /** The descriptor's numpy header, as spead2 writes it. */
  header: string;
  /** The item's payload, as spead2 sends it. */
  hex: string;
  /** The decoded value, in plain form (see `plain`). */
  decoded: unknown;
}

/** Our values in a form chai compares: TypedArrays as [constructor name, elements]. */
function plain(v: unknown): unknown {
  if (isFloat16Array(v)) return ['Float16Array', Array.from(v)];
  // Received bytes may be Buffers (views of the payload); what matters is that they are bytes.
  if (v instanceof Uint8Array) return ['Uint8Array', Array.from(v)];
  if (ArrayBuffer.isView(v)) return [v.constructor.name, Array.from(v as unknown as ArrayLike<unknown>)];
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Sends one item through send.ItemGroup → BytesStream → recv.Stream → ItemGroup.update; checks the wire; returns the value received. */
async function roundTrip(c: Case, bits = 40): Promise<unknown> {
  const flavour = new Flavour(4, 64, bits);
  const out = new send.ItemGroup({ flavour });
  const item = out.addItem({ name: 'x', description: 'a dtype kind', shape: c.shape, dtype: c.dtype, order: c.order, value: c.value as never });
  const stream = new send.BytesStream();
  await stream.sendHeap(out.getHeap());
  await stream.sendHeap(out.getEnd());
  const rx = new recv.Stream();
  rx.addBufferReader(stream.getValue());
  const got = new ItemGroup();
  const heaps: recv.Heap[] = [];
  for await (const heap of rx) {
    heaps.push(heap as recv.Heap);
    got.update(heap as recv.Heap);
  }
  const desc = heaps.flatMap((h) => h.getDescriptors()).find((d) => d.id === item.id)!;
  expect(desc.numpyHeader, 'numpy header').to.equal(c.header);
  const raw = heaps.flatMap((h) => h.getItems()).find((i) => i.id === item.id)!;
  // An immediate carries the value right-aligned in N/8 bytes.
  const wire = raw.isImmediate ? raw.value.subarray(raw.value.length - c.hex.length / 2) : raw.value;
  expect(hexOf(wire), 'payload').to.equal(c.hex);
  return got.get('x').value;
}

const NESTED: Descr = [['a', '<u2'], ['b', [['x', '>f4'], ['y', '<i8']]]];
const NESTED_SWAPPED: Descr = [['a', '>u2'], ['b', [['x', '<f4'], ['y', '>i8']]]];
const nestedValue = [
  { a: 1, b: { x: 1.5, y: -2n } },
  { a: 65535, b: { x: -0.25, y: 2n ** 40n } },
];

const CASES: Record<string, Case> = {
  'nested record, little-endian outer fields': {
    dtype: NESTED,
    shape: [2],
    value: nestedValue,
    header: "{'descr': [('a', '<u2'), ('b', [('x', '>f4'), ('y', '<i8')])], 'fortran_order': False, 'shape': (2,)}",
    hex: '01003fc00000feffffffffffffffffffbe8000000000000000010000',
    decoded: nestedValue,
  },
  'nested record, byte orders swapped': {
    dtype: NESTED_SWAPPED,
    shape: [2],
    value: nestedValue,
    header: "{'descr': [('a', '>u2'), ('b', [('x', '<f4'), ('y', '>i8')])], 'fortran_order': False, 'shape': (2,)}",
    hex: '00010000c03ffffffffffffffffeffff000080be0000010000000000',
    decoded: nestedValue,
  },
  'nested record array in Fortran order': {
    dtype: NESTED,
    shape: [2, 2],
    order: 'F',
    value: [
      [
        { a: 1, b: { x: 1, y: 2n } },
        { a: 2, b: { x: 3, y: 4n } },
      ],
      [
        { a: 3, b: { x: 5, y: 6n } },
        { a: 4, b: { x: 7, y: 8n } },
      ],
    ],
    header: "{'descr': [('a', '<u2'), ('b', [('x', '>f4'), ('y', '<i8')])], 'fortran_order': True, 'shape': (2, 2)}",
    hex: '01003f8000000200000000000000030040a0000006000000000000000200404000000400000000000000040040e000000800000000000000',
    decoded: [1, 2, 3, 4].map((a) => ({ a, b: { x: 2 * a - 1, y: BigInt(2 * a) } })),
  },
  'sub-array fields (1-D and 2-D), sent as nested arrays': {
    dtype: [['vec', '>f4', [3]], ['m', '<i2', [2, 3]]],
    shape: [2],
    value: [
      { vec: [1, 2, 3], m: [[1, 2, 3], [4, 5, -6]] },
      { vec: [0.5, -1, 1e30], m: [[7, 8, 9], [10, 11, -32768]] },
    ],
    header: "{'descr': [('vec', '>f4', (3,)), ('m', '<i2', (2, 3))], 'fortran_order': False, 'shape': (2,)}",
    hex: '3f800000400000004040000001000200030004000500faff3f000000bf8000007149f2ca0700080009000a000b000080',
    decoded: [
      { vec: ['Float32Array', [1, 2, 3]], m: ['Int16Array', [1, 2, 3, 4, 5, -6]] },
      { vec: ['Float32Array', [0.5, -1, Math.fround(1e30)]], m: ['Int16Array', [7, 8, 9, 10, 11, -32768]] },
    ],
  },
  'sub-array fields in the other byte orders, sent as TypedArrays': {
    dtype: [['vec', '<f4', [3]], ['m', '>i2', [2, 3]]],
    shape: [2],
    value: [
      { vec: new Float32Array([1, 2, 3]), m: new Int16Array([1, 2, 3, 4, 5, -6]) },
      { vec: new Float64Array([0.5, -1, 1e30]), m: new Int32Array([7, 8, 9, 10, 11, -32768]) },
    ],
    header: "{'descr': [('vec', '<f4', (3,)), ('m', '>i2', (2, 3))], 'fortran_order': False, 'shape': (2,)}",
    hex: '0000803f000000400000404000010002000300040005fffa0000003f000080bfcaf24971000700080009000a000b8000',
    decoded: [
      { vec: ['Float32Array', [1, 2, 3]], m: ['Int16Array', [1, 2, 3, 4, 5, -6]] },
      { vec: ['Float32Array', [0.5, -1, Math.fround(1e30)]], m: ['Int16Array', [7, 8, 9, 10, 11, -32768]] },
    ],
  },
  'a sub-array of records, of bytes and of float16 in one record': {
    dtype: [['r', [['x', '<u2'], ['y', '|u1']], [2]], ['s', '|S2', [2]], ['h', '>f2', [2]]],
    shape: [],
    value: { r: [{ x: 1, y: 2 }, { x: 3, y: 4 }], s: ['ab', bytes('63')], h: new Float16Array([0.5, -2]) },
    header: "{'descr': [('r', [('x', '<u2'), ('y', '|u1')], (2,)), ('s', '|S2', (2,)), ('h', '>f2', (2,))], 'fortran_order': False, 'shape': ()}",
    hex: '010002030004616263003800c000',
    decoded: { r: [{ x: 1, y: 2 }, { x: 3, y: 4 }], s: [['Uint8Array', [0x61, 0x62]], ['Uint8Array', [0x63, 0]]], h: ['Float16Array', [0.5, -2]] },
  },
  'float16 <f2, C order, from a Float16Array': {
    dtype: '<f2',
    shape: [2, 3],
    value: new Float16Array([1, -2, 0.5, 65504, 6.103515625e-5, -0]),
    header: "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3)}",
    hex: '003c00c00038ff7b00040080',
    decoded: ['Float16Array', [1, -2, 0.5, 65504, 6.103515625e-5, -0]],
  },
  'float16 <f2, Fortran order, from nested arrays': {
    dtype: '<f2',
    shape: [2, 3],
    order: 'F',
    value: [[1, -2, 0.5], [65504, 6.103515625e-5, -0]],
    header: "{'descr': '<f2', 'fortran_order': True, 'shape': (2, 3)}",
    hex: '003cff7b00c0000400380080',
    decoded: ['Float16Array', [1, -2, 0.5, 65504, 6.103515625e-5, -0]],
  },
  'float16 >f2, C order, from a Float32Array': {
    dtype: '>f2',
    shape: [2, 3],
    value: new Float32Array([1, -2, 0.5, 65504, 6.103515625e-5, -0]),
    header: "{'descr': '>f2', 'fortran_order': False, 'shape': (2, 3)}",
    hex: '3c00c00038007bff04008000',
    decoded: ['Float16Array', [1, -2, 0.5, 65504, 6.103515625e-5, -0]],
  },
  'float16 >f2, Fortran order, from numbers': {
    dtype: '>f2',
    shape: [2, 3],
    order: 'F',
    value: [[1, -2, 0.5], [65504, 6.103515625e-5, -0]],
    header: "{'descr': '>f2', 'fortran_order': True, 'shape': (2, 3)}",
    hex: '3c007bffc000040038008000',
    decoded: ['Float16Array', [1, -2, 0.5, 65504, 6.103515625e-5, -0]],
  },
  'a float16 scalar (an immediate) decodes to a number': {
    dtype: '<f2',
    shape: [],
    value: 3.140625,
    header: "{'descr': '<f2', 'fortran_order': False, 'shape': ()}",
    hex: '4842',
    decoded: 3.140625,
  },
  'UCS-4 text <U3': {
    dtype: '<U3',
    shape: [2],
    value: ['ab', '\u{1F600}xy'],
    header: "{'descr': '<U3', 'fortran_order': False, 'shape': (2,)}",
    hex: '61000000620000000000000000f601007800000079000000',
    decoded: ['ab', '\u{1F600}xy'],
  },
  'UCS-4 text >U3': {
    dtype: '>U3',
    shape: [2],
    value: ['ab', '\u{1F600}xy'],
    header: "{'descr': '>U3', 'fortran_order': False, 'shape': (2,)}",
    hex: '0000006100000062000000000001f6000000007800000079',
    decoded: ['ab', '\u{1F600}xy'],
  },
  'UCS-4 text in Fortran order': {
    dtype: '>U2',
    shape: [2, 2],
    order: 'F',
    value: [['a', 'bc'], ['d', '\u00e9']],
    header: "{'descr': '>U2', 'fortran_order': True, 'shape': (2, 2)}",
    hex: '000000610000000000000064000000000000006200000063000000e900000000',
    decoded: ['a', 'bc', 'd', '\u00e9'],
  },
  'datetime64 <M8[ns], C order, NaT included': {
    dtype: '<M8[ns]',
    shape: [2, 2],
    value: new BigInt64Array([0n, 1n, -(2n ** 63n), 2n ** 62n]),
    header: "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2, 2)}",
    hex: '0000000000000000010000000000000000000000000000800000000000000040',
    decoded: ['BigInt64Array', [0n, 1n, -(2n ** 63n), 2n ** 62n]],
  },
  'datetime64 <M8[ns], Fortran order': {
    dtype: '<M8[ns]',
    shape: [2, 2],
    order: 'F',
    value: new BigInt64Array([0n, 1n, -(2n ** 63n), 2n ** 62n]),
    header: "{'descr': '<M8[ns]', 'fortran_order': True, 'shape': (2, 2)}",
    hex: '0000000000000000000000000000008001000000000000000000000000000040',
    decoded: ['BigInt64Array', [0n, 1n, -(2n ** 63n), 2n ** 62n]],
  },
  'datetime64 >M8[ns], C order, from bigints': {
    dtype: '>M8[ns]',
    shape: [2, 2],
    value: [[0n, 1n], [-(2n ** 63n), 2n ** 62n]],
    header: "{'descr': '>M8[ns]', 'fortran_order': False, 'shape': (2, 2)}",
    hex: '0000000000000000000000000000000180000000000000004000000000000000',
    decoded: ['BigInt64Array', [0n, 1n, -(2n ** 63n), 2n ** 62n]],
  },
  'datetime64 >M8[ns], Fortran order': {
    dtype: '>M8[ns]',
    shape: [2, 2],
    order: 'F',
    value: [[0n, 1n], [-(2n ** 63n), 2n ** 62n]],
    header: "{'descr': '>M8[ns]', 'fortran_order': True, 'shape': (2, 2)}",
    hex: '0000000000000000800000000000000000000000000000014000000000000000',
    decoded: ['BigInt64Array', [0n, 1n, -(2n ** 63n), 2n ** 62n]],
  },
  'timedelta64 <m8[s] from numbers': {
    dtype: '<m8[s]',
    shape: [3],
    value: [-1, 0, 86400],
    header: "{'descr': '<m8[s]', 'fortran_order': False, 'shape': (3,)}",
    hex: 'ffffffffffffffff00000000000000008051010000000000',
    decoded: ['BigInt64Array', [-1n, 0n, 86400n]],
  },
  'timedelta64 >m8[s]': {
    dtype: '>m8[s]',
    shape: [3],
    value: new BigInt64Array([-1n, 0n, 86400n]),
    header: "{'descr': '>m8[s]', 'fortran_order': False, 'shape': (3,)}",
    hex: 'ffffffffffffffff00000000000000000000000000015180',
    decoded: ['BigInt64Array', [-1n, 0n, 86400n]],
  },
  'a generic datetime64 scalar': {
    dtype: 'M8',
    shape: [],
    value: 5n,
    header: "{'descr': '<M8', 'fortran_order': False, 'shape': ()}",
    hex: '0500000000000000',
    decoded: 5n,
  },
  'a timedelta64 scalar with a unit multiplier': {
    dtype: '<m8[10ms]',
    shape: [],
    value: 7,
    header: "{'descr': '<m8[10ms]', 'fortran_order': False, 'shape': ()}",
    hex: '0700000000000000',
    decoded: 7n,
  },
  'raw void V4': {
    dtype: 'V4',
    shape: [3],
    value: [bytes('00010203'), bytes('fffefdfc'), bytes('61626364')],
    header: "{'descr': '|V4', 'fortran_order': False, 'shape': (3,)}",
    hex: '00010203fffefdfc61626364',
    decoded: [['Uint8Array', [0, 1, 2, 3]], ['Uint8Array', [0xff, 0xfe, 0xfd, 0xfc]], ['Uint8Array', [0x61, 0x62, 0x63, 0x64]]],
  },
  'raw void in Fortran order': {
    dtype: 'V2',
    shape: [2, 2],
    order: 'F',
    value: [[bytes('0102'), bytes('0304')], [bytes('0506'), bytes('0708')]],
    header: "{'descr': '|V2', 'fortran_order': True, 'shape': (2, 2)}",
    hex: '0102050603040708',
    decoded: [['Uint8Array', [1, 2]], ['Uint8Array', [3, 4]], ['Uint8Array', [5, 6]], ['Uint8Array', [7, 8]]],
  },
  "'?' is numpy's bool, sent as |b1": {
    dtype: '?',
    shape: [3],
    value: [true, false, true],
    header: "{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}",
    hex: '010001',
    decoded: ['Uint8Array', [1, 0, 1]],
  },
  "'a5' is numpy's bytes, sent as |S5": {
    dtype: 'a5',
    shape: [2],
    value: ['hello', 'hi'],
    header: "{'descr': '|S5', 'fortran_order': False, 'shape': (2,)}",
    hex: '68656c6c6f6869000000',
    decoded: [['Uint8Array', [0x68, 0x65, 0x6c, 0x6c, 0x6f]], ['Uint8Array', [0x68, 0x69, 0, 0, 0]]],
  },
};

describe('dtype kinds: every numpy dtype spead2 sends, round trip with the wire checked against numpy', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      expect(plain(await roundTrip(c))).to.deep.equal(plain(c.decoded));
    });
  }

  it('the same in the 64-48 flavour (wider immediates)', async () => {
    for (const c of Object.values(CASES)) expect(plain(await roundTrip(c, 48))).to.deep.equal(plain(c.decoded));
  });

  it('a HeapDecoder fed the bytes in small chunks gives the same values', async () => {
    const out = new send.ItemGroup();
    const specs = Object.values(CASES);
    specs.forEach((c, i) => out.addItem({ name: `k${i}`, shape: c.shape, dtype: c.dtype, order: c.order, value: c.value as never }));
    const stream = new send.BytesStream();
    await stream.sendHeap(out.getHeap());
    const all = stream.getValue();
    const chunks = Array.from({ length: Math.ceil(all.length / 7) }, (_, i) => all.subarray(i * 7, i * 7 + 7));
    const got = new ItemGroup();
    for await (const heap of Readable.from(chunks).pipe(new HeapDecoder())) got.update(heap as HeapLike);
    specs.forEach((c, i) => expect(plain(got.get(`k${i}`).value), `k${i}`).to.deep.equal(plain(c.decoded)));
  });

  it('wire bytes equal ones built by hand with a DataView: nested record and float16 bit patterns', () => {
    const view = new DataView(new ArrayBuffer(28));
    nestedValue.forEach((v, i) => {
      view.setUint16(i * 14, v.a, true);
      view.setFloat32(i * 14 + 2, v.b.x, false);
      view.setBigInt64(i * 14 + 6, v.b.y, true);
    });
    expect(CASES['nested record, little-endian outer fields'].hex).to.equal(hexOf(new Uint8Array(view.buffer)));
    // IEEE binary16: 1 = 0x3c00, -2 = 0xc000, 0.5 = 0x3800, max 65504 = 0x7bff, smallest normal 2^-14 = 0x0400, -0 = 0x8000.
    const halves = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0400, 0x8000];
    const big = new DataView(new ArrayBuffer(12));
    halves.forEach((h, i) => big.setUint16(i * 2, h, false));
    expect(CASES['float16 >f2, C order, from a Float32Array'].hex).to.equal(hexOf(new Uint8Array(big.buffer)));
    const dt = DType.parse('<f2');
    expect(hexOf(dt.encode([1, -2, 0.5, 65504, 2 ** -14, -0], 6, 'x'))).to.equal(CASES['float16 <f2, C order, from a Float16Array'].hex);
  });
});

describe('dtype kinds: values and views', () => {
  it('a little-endian float16 array decodes to a Float16Array viewing the payload, a big-endian one to a copy', () => {
    const payload = bytes('003c00c0');
    const le = DType.parse('<f2').decodeArray(payload, 2) as Float16Array;
    expect(isFloat16Array(le)).to.equal(true);
    expect(le.buffer).to.equal(payload.buffer);
    const be = DType.parse('>f2').decodeArray(bytes('3c00c000'), 2) as Float16Array;
    expect(Array.from(be)).to.deep.equal([1, -2]);
  });

  it('a Float16Array in host order is sent without a copy, NaN payload intact', () => {
    const value = new Float16Array(new Uint16Array([0x7e01, 0x3c00]).buffer);
    const wire = DType.parse('<f2').viewOrEncode(value, 2, 'x');
    expect(wire.buffer).to.equal(value.buffer);
    expect(hexOf(DType.parse('>f2').viewOrEncode(value, 2, 'x'))).to.equal('7e013c00');
  });

  it('datetime64 keeps its unit, and swapped() flips byte order throughout a nested record', () => {
    expect(DType.parse('>M8[us]').unit).to.equal('us');
    expect(DType.parse('<m8').unit).to.equal('');
    expect(DType.parse([['t', '<M8[ns]', [2]], ['r', [['h', '>f2'], ['u', '<U1']]]]).swapped().descr).to.deep.equal([
      ['t', '>M8[ns]', [2]],
      ['r', [['h', '<f2'], ['u', '>U1']]],
    ]);
  });

  it('U<n> text cuts at n code points and drops trailing NULs, as numpy does', () => {
    const dt = DType.parse('<U2');
    expect(dt.decodeArray(dt.encode(['abc', '', '\u{1F600}'], 3, 'x'), 3)).to.deep.equal(['ab', '', '\u{1F600}']);
    expect(() => dt.encode([1], 1, 'x')).to.throw(TypeError, /text elements must be strings/);
  });

  it('names a record element missing a field when sending', () => {
    const dt = DType.parse([['a', '<u2'], ['b', [['x', '>f4']]]]);
    expect(() => dt.encode([{ a: 1 }], 1, "item 'r'")).to.throw(TypeError, /item 'r': record element 0 has no field 'b'/);
  });
});

describe('dtype kinds: refusals', () => {
  it('S<n> refuses text outside ASCII, naming the item and the character; a Uint8Array goes unchanged', async () => {
    const out = new send.ItemGroup();
    out.addItem({ name: 'label', shape: [], dtype: 'S3', value: 'h\u00e9\u0201' });
    expect(() => out.getHeap()).to.throw(RangeError, /item 'label'.*'é' \(U\+00E9\).*not ASCII/);
    expect(() => DType.parse('S2').encode(['ok', 'x\u{1F600}'], 2, "item 's'")).to.throw(RangeError, /item 's'.*U\+1F600/);
    const c: Case = { dtype: 'S3', shape: [], value: bytes('68e9ff'), header: "{'descr': '|S3', 'fortran_order': False, 'shape': ()}", hex: '68e9ff', decoded: ['Uint8Array', [0x68, 0xe9, 0xff]] };
    expect(plain(await roundTrip(c))).to.deep.equal(plain(c.decoded));
  });

  it('refuses long doubles f16/c32 with a DTypeError naming the dtype, also from a received descriptor', () => {
    for (const d of ['<f16', '<c32', '>f16', 'g']) expect(() => DType.parse(d)).to.throw(DTypeError, `dtype '${d}' is a long double`);
    expect(() => DType.parse([['ok', '<u2'], ['bad', '<c32']])).to.throw(DTypeError, /'<c32'/);
    const raw: RawDescriptor = {
      id: 0x1000,
      name: Buffer.from('ld'),
      description: Buffer.alloc(0),
      shape: [],
      format: [],
      numpyHeader: "{'descr': '<f16', 'fortran_order': False, 'shape': (3,)}",
    };
    expect(() => Descriptor.fromRaw(raw, new Flavour())).to.throw(DTypeError, /item 'ld'.*'<f16'.*long double/);
    expect(() => DType.parse('O')).to.throw(DTypeError, /objects/);
    expect(() => DType.parse('<M8[fortnight]')).to.throw(DTypeError, /unit 'fortnight'/);
    expect(() => DType.parse([['a', '<u2'], ['a', '<u4']])).to.throw(DTypeError, /'a' occurs more than once/);
  });

  it('refuses record field names outside ASCII (spead2 sends the header as ASCII)', () => {
    expect(() => new Descriptor({ id: 0x1000, name: 'r', dtype: [['\u00e9', '<u2']] })).to.throw(RangeError, /numpy header must be ASCII/);
  });
});

describe('dtype kinds: numpy headers', () => {
  const headers = [
    ...Object.values(CASES).map((c) => c.header),
    "{'descr': [('a', '|u1'), ('f1', '|V3'), ('b', '<u4')], 'fortran_order': False, 'shape': ()}",
    "{'descr': [(\"it's\", '<u2'), ('q\"\\'', '<u2'), ('tab\\there', '<u2')], 'fortran_order': False, 'shape': ()}",
    "{'descr': [(('a title', 'a'), '<u2')], 'fortran_order': False, 'shape': ()}",
  ];
  for (const text of headers) {
    it(`parses and writes back byte for byte: ${text}`, () => {
      const h = parseNumpyHeader(text);
      const dt = DType.parse(h.descr);
      expect(formatNumpyHeader({ descr: dt.descr, fortranOrder: h.fortranOrder, shape: h.shape })).to.equal(text);
    });
  }

  it("names unnamed (padding) fields by position, as np.dtype does with numpy's aligned descr", () => {
    const h = parseNumpyHeader("{'descr': [('a', '|u1'), ('', '|V3'), ('b', '<u4')], 'fortran_order': False, 'shape': ()}");
    const dt = DType.parse(h.descr);
    expect(dt.fields.map((f) => [f.name, f.offset])).to.deep.equal([['a', 0], ['f1', 1], ['b', 4]]);
    expect(dt.decodeScalar(bytes('07000000ffffffff'))).to.deep.equal({ a: 7, f1: bytes('000000'), b: 0xffffffff });
  });

  it('takes a bare integer sub-array shape and a title, and keeps the title on the field', () => {
    const h = parseNumpyHeader("{'descr': [(('t', 'a'), '<i2', 3)], 'fortran_order': False, 'shape': ()}");
    const dt = DType.parse(h.descr);
    expect(dt.fields[0]).to.include({ name: 'a', title: 't', count: 3 });
    expect(plain(dt.decodeScalar(bytes('0100feff0300')))).to.deep.equal({ a: ['Int16Array', [1, -2, 3]] });
  });
});

// Random dtypes of every kind, records nested two deep with sub-array fields.
const LEAVES = ['b1', 'u1', 'u2', 'i4', 'u8', 'i8', 'f2', 'f4', 'f8', 'c8', 'c16', 'S3', 'U2', 'M8[ns]', 'm8[s]', 'V3'];
const leafArb = fc.tuple(fc.constantFrom('<', '>'), fc.constantFrom(...LEAVES)).map(([o, t]) => `${o}${t}`);
const subShapeArb = fc.oneof(fc.constant<number[]>([]), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }));
function recordArb(depth: number): fc.Arbitrary<Descr> {
  const type: fc.Arbitrary<Descr> = depth > 0 ? fc.oneof({ weight: 3, arbitrary: leafArb }, { weight: 1, arbitrary: recordArb(depth - 1) }) : leafArb;
  return fc.array(fc.tuple(type, subShapeArb), { minLength: 1, maxLength: 3 }).map((fs) => fs.map(([t, sh], i): DescrField => (sh.length ? [`f${i}`, t, sh] : [`f${i}`, t])));
}

function valueArb(dt: DType): fc.Arbitrary<unknown> {
  if (dt.isRecord()) {
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of dt.fields) fields[f.name] = f.shape.length ? fc.array(valueArb(f.dtype), { minLength: f.count, maxLength: f.count }) : valueArb(f.dtype);
    return fc.record(fields);
  }
  const bits = dt.itemsize * 8;
  switch (dt.kind) {
    case 'b':
      return fc.boolean();
    case 'u':
      return bits === 64 ? fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) : fc.integer({ min: 0, max: 2 ** bits - 1 });
    case 'i':
    case 'M':
    case 'm':
      return bits === 64 ? fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) : fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 });
    case 'f':
      return fc.double({ noNaN: true });
    case 'c':
      return fc.record({ re: fc.double({ noNaN: true }), im: fc.double({ noNaN: true }) });
    case 'U':
      return fc.string({ unit: 'binary', maxLength: 2 });
    case 'S':
      return fc.oneof(fc.uint8Array({ minLength: 3, maxLength: 3 }), fc.string({ maxLength: 3 }).filter((s) => /^[\x20-\x7e]*$/.test(s)));
    default:
      return fc.uint8Array({ minLength: dt.itemsize, maxLength: dt.itemsize });
  }
}

describe('dtype kinds: random nested dtypes round-trip', () => {
  it('received bytes and descr equal the sent ones for random records of every kind, C and Fortran order', async () => {
    const itemArb = fc
      .tuple(fc.oneof(leafArb, recordArb(2)), fc.constantFrom<number[]>([], [3], [2, 2]), fc.constantFrom<'C' | 'F'>('C', 'F'))
      .chain(([descr, shape, order]) => {
        const count = shape.reduce((a, b) => a * b, 1);
        const dt = DType.parse(descr);
        return fc.array(valueArb(dt), { minLength: count, maxLength: count }).map((vals) => ({ descr, shape, order, value: shape.length ? vals : vals[0] }));
      });
    await fc.assert(
      fc.asyncProperty(fc.array(itemArb, { minLength: 1, maxLength: 4 }), async (specs) => {
        const out = new send.ItemGroup();
        specs.forEach((s, i) => out.addItem({ name: `r${i}`, shape: s.shape, dtype: s.descr, order: s.order, value: s.value as never }));
        const stream = new send.BytesStream();
        await stream.sendHeap(out.getHeap());
        const rx = new recv.Stream();
        rx.addBufferReader(stream.getValue());
        const got = new ItemGroup();
        for await (const heap of rx) got.update(heap as recv.Heap);
        for (const item of out.values()) {
          const back = got.get(item.name);
          expect(back.dtype!.descr).to.deep.equal(item.dtype!.descr);
          // Values are C order whatever the wire order, so encoding both in C order compares them.
          const n = item.valueShape.reduce((a, b) => a * b, 1);
          expect(hexOf(back.dtype!.encode(back.value, n, item.name)), item.name).to.equal(hexOf(item.dtype!.encode(item.value, n, item.name)));
          expect(hexOf(back.toBuffer()), item.name).to.equal(hexOf(item.toBuffer()));
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('dtype kinds: large values (the heap-view and in-place swap paths)', () => {
  const rows = 64;
  const cols = 40;
  const n = rows * cols;
  const kinds: Array<{ dtype: Descr; make: (i: number) => unknown; plainOf: (i: number) => unknown; array: (vals: unknown[]) => unknown }> = [
    { dtype: '>f2', make: (i) => (i % 2048) - 1024, plainOf: (i) => (i % 2048) - 1024, array: (v) => ['Float16Array', v] },
    { dtype: '<f2', make: (i) => i % 2048, plainOf: (i) => i % 2048, array: (v) => ['Float16Array', v] },
    { dtype: '>M8[us]', make: (i) => BigInt(i) * 1000003n - 5n, plainOf: (i) => BigInt(i) * 1000003n - 5n, array: (v) => ['BigInt64Array', v] },
    { dtype: '>U2', make: (i) => String.fromCodePoint(0x61 + (i % 26), 0x1f600 + (i % 50)), plainOf: (i) => String.fromCodePoint(0x61 + (i % 26), 0x1f600 + (i % 50)), array: (v) => v },
    { dtype: NESTED_SWAPPED, make: (i) => ({ a: i % 65536, b: { x: i / 4, y: BigInt(-i) } }), plainOf: (i) => ({ a: i % 65536, b: { x: i / 4, y: BigInt(-i) } }), array: (v) => v },
  ];
  for (const k of kinds) {
    for (const order of ['C', 'F'] as const) {
      it(`${JSON.stringify(k.dtype)}, ${rows}×${cols}, ${order} order`, async () => {
        // The value given in C order (numpy's view of it); the wire holds it in `order`.
        const grid = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => k.make(r * cols + c)));
        const out = new send.ItemGroup();
        out.addItem({ name: 'big', shape: [rows, cols], dtype: k.dtype, order, value: grid as never });
        const stream = new send.BytesStream();
        await stream.sendHeap(out.getHeap());
        const rx = new recv.Stream();
        rx.addBufferReader(stream.getValue());
        const got = new ItemGroup();
        for await (const heap of rx) {
          got.update(heap as recv.Heap);
          (heap as recv.Heap).release();
        }
        const expected = k.array(Array.from({ length: n }, (_, i) => k.plainOf(i)));
        expect(plain(got.get('big').value)).to.deep.equal(plain(expected));
      });
    }
  }
});
