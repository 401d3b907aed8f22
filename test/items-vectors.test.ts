import { expect } from 'chai';
import { createHash } from 'crypto';
import { ItemGroup, recv } from '../lib/index';
import type { Complex } from '../lib/index';
import { binCases, loadManifest, ManifestValue, readTestFile } from './helpers/testdata';

/** Flattens a manifest json value to comparable leaves (numbers, booleans, strings). */
function leaves(v: unknown): unknown[] {
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (v !== null && typeof v === 'object') {
    if ('bytes_base64' in v) return [(v as { bytes_base64: string }).bytes_base64];
    return Object.values(v).flatMap(leaves);
  }
  return [v];
}

/** Flattens one of our values the same way. */
function ours(v: unknown): unknown[] {
  if (typeof v === 'string') return [v];
  if (v instanceof Uint8Array && !(v.constructor === Uint8Array && false)) return Array.from(v, Number);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  if (Array.isArray(v)) return v.flatMap((x) => (x instanceof Uint8Array ? [Buffer.from(x).toString('base64')] : ours(x)));
  if (v !== null && typeof v === 'object') {
    if ('re' in v) return [(v as Complex).re, (v as Complex).im];
    return Object.values(v).flatMap(ours);
  }
  return [v];
}

function same(a: unknown, b: unknown): boolean {
  const norm = (x: unknown): unknown => (typeof x === 'bigint' ? Number(x) : typeof x === 'boolean' ? Number(x) : x);
  return norm(a) === norm(b);
}

describe('items: spead2 vectors decode to the values spead2 decoded', () => {
  for (const name of binCases()) {
    it(`decodes every item value of ${name}`, async () => {
      const m = loadManifest(name);
      const stream = new recv.Stream({}, { heaps: 16 });
      stream.addBufferReader(readTestFile(m.file));
      const group = new ItemGroup();
      const delivered = m.heaps.filter((h) => h.delivered_by_spead2);
      let checked = 0;
      let i = 0;
      for await (const heap of stream) {
        const expected = delivered[i++];
        const updated = group.update(heap as recv.Heap);
        for (const e of expected.items ?? []) {
          const item = updated.get(e.name);
          expect(item, `${e.name} in heap ${expected.cnt}`).to.not.equal(undefined);
          const value = e.value as ManifestValue;
          if (value.kind === 'str') expect(item!.value).to.equal(value.json);
          else if (value.json !== undefined) {
            if (value.kind === 'scalar' && typeof value.json === 'object' && value.json !== null && 'bytes_base64' in value.json) {
              expect(Buffer.from(item!.value as Uint8Array).toString('base64')).to.equal((value.json as { bytes_base64: string }).bytes_base64);
            } else {
              const want = leaves(value.json);
              const got = ours(item!.value);
              expect(got.length, e.name).to.equal(want.length);
              got.forEach((g, k) => expect(same(g, want[k]), `${e.name}[${k}]: ${String(g)} vs ${String(want[k])}`).to.equal(true));
            }
          }
          if (value.kind === 'ndarray') expect([...item!.valueShape]).to.deep.equal(value.shape);
          // Encoding the value again gives the bytes that were on the wire.
          let wire = Buffer.from(item!.toBuffer());
          if (e.is_immediate_on_wire) wire = Buffer.concat([Buffer.alloc(e.wire_raw_length - wire.length), wire]);
          expect(createHash('sha256').update(wire).digest('hex'), `${e.name} bytes`).to.equal(e.wire_raw_sha256);
          checked++;
        }
        heap.release();
      }
      expect(i).to.equal(delivered.length);
      if (delivered.some((h) => (h.items ?? []).length > 0)) expect(checked).to.be.greaterThan(0);
    });
  }
});

describe('items: descriptors encode byte for byte as spead2 sent them', () => {
  for (const name of binCases()) {
    const m = loadManifest(name);
    if (!m.heaps.some((h) => h.sent_descriptors.length > 0)) continue;
    it(`Descriptor.toRaw reproduces the descriptors of ${name}`, async () => {
      const { splitHeaps, addressedValues } = await import('./helpers/packets');
      const { Descriptor, Flavour } = await import('../lib/index');
      const flavour = new Flavour(4, 64, m.flavour.heap_address_bits, m.flavour.bug_compat);
      const heaps = splitHeaps(readTestFile(m.file));
      let checked = 0;
      for (const mh of m.heaps) {
        const wire = addressedValues(heaps.find((h) => h.cnt === mh.cnt)!, 5);
        mh.sent_descriptors.forEach((d, k) => {
          const desc = new Descriptor({
            id: d.id,
            name: d.name,
            description: d.description,
            shape: d.shape,
            order: (d.order ?? 'C') as 'C' | 'F',
            ...(d.format ? { format: d.format } : { dtype: d.dtype as string }),
          });
          expect(Buffer.from(desc.toRaw(flavour)).toString('hex'), d.name).to.equal(Buffer.from(wire[k]).toString('hex'));
          checked++;
        });
      }
      expect(checked).to.be.greaterThan(0);
    });
  }
});
