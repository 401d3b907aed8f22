import { expect } from 'chai';
import fc from 'fast-check';
import { Flavour, ItemGroup, recv, send } from '../lib/index';
import type { AddItemOptions } from '../lib/index';

type Spec = Omit<AddItemOptions, 'value'> & { value: unknown };

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });

function valuesFor(kind: string, size: number, count: number): fc.Arbitrary<unknown[]> {
  const one: fc.Arbitrary<unknown> =
    kind === 'b'
      ? fc.boolean()
      : kind === 'u'
        ? size === 8
          ? fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
          : fc.integer({ min: 0, max: 2 ** (8 * size) - 1 })
        : kind === 'i'
          ? size === 8
            ? fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
            : fc.integer({ min: -(2 ** (8 * size - 1)), max: 2 ** (8 * size - 1) - 1 })
          : kind === 'f'
            ? size === 4
              ? fc.float({ noNaN: true })
              : fc.double({ noNaN: true })
            : kind === 'c'
              ? fc.record({ re: size === 8 ? fc.float({ noNaN: true }) : fc.double({ noNaN: true }), im: size === 8 ? fc.float({ noNaN: true }) : fc.double({ noNaN: true }) })
              : fc.uint8Array({ minLength: size, maxLength: size });
  return fc.array(one, { minLength: count, maxLength: count });
}

const numpyItem: fc.Arbitrary<Spec> = fc
  .tuple(
    fc.constantFrom('b1', 'u1', 'u2', 'u4', 'u8', 'i1', 'i2', 'i4', 'i8', 'f4', 'f8', 'c8', 'c16', 'S3'),
    fc.constantFrom('<', '>'),
    shapeArb,
    fc.constantFrom<'C' | 'F'>('C', 'F'),
  )
  .chain(([t, order, shape, layout]) => {
    const count = shape.reduce((a, b) => a * b, 1);
    return valuesFor(t[0], Number(t.slice(1)), count).map((vals) => ({
      name: 'x',
      description: 'random numpy item',
      shape,
      dtype: `${order}${t}`,
      order: layout,
      value: shape.length === 0 ? vals[0] : vals,
    }));
  });

const recordItem: fc.Arbitrary<Spec> = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc
    .array(fc.record({ a: fc.integer({ min: 0, max: 65535 }), b: fc.float({ noNaN: true }), c: fc.integer({ min: -128, max: 127 }) }), { minLength: n, maxLength: n })
    .map((vals) => ({ name: 'r', description: 'record', shape: [n], dtype: [['a', '<u2'], ['b', '>f4'], ['c', '|i1']] as Array<[string, string]>, value: vals })),
);

const legacyItem: fc.Arbitrary<Spec> = fc
  // At least one element: spead2 does not deliver zero-length items (a documented quirk).
  .tuple(fc.constantFrom('u', 'i'), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 6 }))
  .chain(([code, bits, n]) => {
    const lim = 2n ** BigInt(bits);
    const v = code === 'u' ? fc.bigInt({ min: 0n, max: lim - 1n }) : fc.bigInt({ min: -(lim / 2n), max: lim / 2n - 1n });
    return fc.array(v, { minLength: n, maxLength: n }).map((vals) => ({
      name: 'l',
      description: 'legacy',
      shape: [n],
      format: [[code, bits]] as Array<[string, number]>,
      value: vals.map((x) => (bits <= 53 ? Number(x) : x)),
    }));
  });

const stringItem: fc.Arbitrary<Spec> = fc
  .string({ minLength: 1, maxLength: 40 })
  .filter((s) => [...s].every((c) => c.charCodeAt(0) < 128))
  .map((s) => ({ name: 's', description: 'text', shape: [null], format: [['c', 8]] as Array<[string, number]>, value: s }));

async function roundTrip(specs: Spec[], bits: number, packetSize: number): Promise<void> {
  const flavour = new Flavour(4, 64, bits);
  const out = new send.ItemGroup({ flavour });
  specs.forEach((s, i) => out.addItem({ ...s, name: `${s.name}${i}`, value: s.value as never }));
  const bytes = new send.BytesStream({ maxPacketSize: packetSize });
  await bytes.sendHeap(out.getHeap());
  await bytes.sendHeap(out.getEnd());
  const stream = new recv.Stream();
  stream.addBufferReader(bytes.getValue());
  // Values are views into the heaps' payloads: the heaps stay unreleased until compared.
  const got = new ItemGroup();
  for await (const heap of stream) got.update(heap as recv.Heap);
  for (const item of out.values()) {
    const back = got.get(item.name);
    expect(back.id).to.equal(item.id);
    expect(Buffer.from(back.toBuffer()).equals(Buffer.from(item.toBuffer())), item.name).to.equal(true);
  }
}

describe('round trip: decode(encode(x)) = x for random items', () => {
  it('numpy dtypes of every kind, both byte orders, C and Fortran order, records; both flavours; packet sizes up to 9000', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(numpyItem, recordItem), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(40, 48),
        fc.integer({ min: 128, max: 9000 }),
        (specs, bits, packet) => roundTrip(specs, bits, packet),
      ),
      { numRuns: 60 },
    );
  });

  it('legacy formats of any bit width and variable-length strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(legacyItem, stringItem), { minLength: 1, maxLength: 5 }), fc.constantFrom(40, 48), (specs, bits) =>
        roundTrip(specs, bits, 1472),
      ),
      { numRuns: 60 },
    );
  });

  it('the smallest packet size that fits still round-trips', async () => {
    // 56 bytes: the 40-byte prefix, one pointer, 8 bytes of payload per packet.
    await roundTrip([{ name: 'v', description: '', shape: [50], dtype: '<u4', value: Array.from({ length: 50 }, (_, i) => i * 1000) }], 40, 56);
  });
});
