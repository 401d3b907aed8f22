import { expect } from 'chai';
import { DESCRIPTOR_ID } from '../lib/constants';
import { decodeRawDescriptors, encodeRawDescriptor } from '../lib/descriptor-codec';
import { Flavour } from '../lib/flavour';
import { addressedValues, splitHeaps } from './helpers/packets';
import { binCases, loadManifest, readTestFile } from './helpers/testdata';

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('descriptor codec', () => {
  for (const name of binCases()) {
    const manifest = loadManifest(name);
    const withDescriptors = manifest.heaps.filter((h) => (h.received_descriptors ?? []).length > 0);
    if (withDescriptors.length === 0) continue;
    it(`decodes and re-encodes byte for byte the descriptors spead2 sent in ${name}`, () => {
      const flavour = new Flavour(4, 64, manifest.flavour.heap_address_bits, manifest.flavour.bug_compat);
      const heaps = splitHeaps(readTestFile(manifest.file));
      let checked = 0;
      for (const mh of withDescriptors) {
        const heap = heaps.find((h) => h.cnt === mh.cnt);
        expect(heap, `heap ${mh.cnt}`).to.not.equal(undefined);
        const values = addressedValues(heap!, DESCRIPTOR_ID);
        const decoded = values.flatMap((v) => decodeRawDescriptors(v, flavour.bugCompat));
        const expected = mh.received_descriptors!;
        expect(decoded.map((d) => d.id)).to.deep.equal(expected.map((d) => d.id));
        decoded.forEach((d, i) => {
          const e = expected[i];
          expect(latin1(d.name)).to.equal(e.name);
          expect(latin1(d.description)).to.equal(e.description);
          expect(d.shape).to.deep.equal(e.shape);
          expect(d.format).to.deep.equal(e.format ?? []);
          expect(d.numpyHeader).to.equal(e.numpy_header ?? '');
          // spead2 sends numpy descriptors with their shape too (receivers drop it), so
          // the bytes are reproduced from what was sent, not from what was decoded.
          const sent = mh.sent_descriptors.find((s) => s.id === d.id)!;
          const encoded = encodeRawDescriptor(
            { id: sent.id, name: sent.name, description: sent.description, shape: sent.shape, format: sent.format ?? [], numpyHeader: sent.numpy_header ?? '' },
            flavour,
          );
          expect(Buffer.from(encoded).toString('hex')).to.equal(Buffer.from(values[i]).toString('hex'));
          checked++;
        });
      }
      expect(checked).to.be.greaterThan(0);
    });
  }

  it('skips a descriptor without an ID and stops at a packet that does not parse', () => {
    const flavour = new Flavour();
    const good = encodeRawDescriptor({ id: 0x1234, name: 'x', description: 'd', shape: [2, null], format: [['u', 8]], numpyHeader: '' }, flavour);
    const garbage = new Uint8Array([1, 2, 3]);
    const joined = new Uint8Array([...good, ...garbage, ...good]);
    const out = decodeRawDescriptors(joined);
    expect(out).to.have.length(1);
    expect(out[0].shape).to.deep.equal([2, null]);
  });

  it('refuses an item ID the flavour cannot carry', () => {
    expect(() => encodeRawDescriptor({ id: 2 ** 15, name: 'x', description: '', shape: [], format: [], numpyHeader: '' }, new Flavour(4, 64, 48))).to.throw(/Item ID out of range/);
  });
});
