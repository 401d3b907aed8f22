import { expect } from 'chai';
import {
  BUG_COMPAT_DESCRIPTOR_WIDTHS,
  BUG_COMPAT_PYSPEAD_0_5_2,
  BUG_COMPAT_SHAPE_BIT_1,
  BUG_COMPAT_SWAP_ENDIAN,
  decodeRawDescriptors,
  Descriptor,
  encodeRawDescriptor,
  Flavour,
  ItemGroup,
  recv,
  send,
} from '../lib/index';

describe('PySPEAD bug compatibility', () => {
  it('DESCRIPTOR_WIDTHS sizes format entries at 4 bytes and shape entries at 8, whatever the flavour', () => {
    const f = new Flavour(4, 64, 48, BUG_COMPAT_DESCRIPTOR_WIDTHS);
    const raw = { id: 0x1000, name: 'x', description: '', shape: [3, 4], format: [['u', 12]] as Array<[string, number]>, numpyHeader: '' };
    const plain = encodeRawDescriptor(raw, new Flavour(4, 64, 48));
    const compat = encodeRawDescriptor(raw, f);
    // 64-48: format 1 + 2 bytes, shape 1 + 6 bytes; with the flag: 4 and 8.
    expect(compat.length - plain.length).to.equal(1 + 2 * 1);
    expect(decodeRawDescriptors(compat, f.bugCompat)[0]).to.include({ id: 0x1000 });
    expect(decodeRawDescriptors(compat, f.bugCompat)[0].shape).to.deep.equal([3, 4]);
    expect(decodeRawDescriptors(compat, f.bugCompat)[0].format).to.deep.equal([['u', 12]]);
  });

  it('SHAPE_BIT_1 marks the variable dimension with 2', () => {
    const f = new Flavour(4, 64, 40, BUG_COMPAT_SHAPE_BIT_1);
    const bytes = encodeRawDescriptor({ id: 0x1000, name: 's', description: '', shape: [null], format: [['c', 8]], numpyHeader: '' }, f);
    const shapeEntry = bytes.subarray(bytes.length - 6);
    expect(shapeEntry[0]).to.equal(2);
    expect(decodeRawDescriptors(bytes, f.bugCompat)[0].shape).to.deep.equal([null]);
    // Without the flag, 2 is not the variable marker.
    expect(decodeRawDescriptors(bytes, 0)[0].shape).to.deep.equal([0]);
  });

  it('SWAP_ENDIAN sends numpy data in the opposite byte order to the header, and reads it back', async () => {
    const flavour = new Flavour(4, 64, 40, BUG_COMPAT_PYSPEAD_0_5_2);
    const d = new Descriptor({ id: 0x1000, name: 'v', shape: [2], dtype: '<u2' });
    const rawBytes = d.toRaw(flavour);
    expect(decodeRawDescriptors(rawBytes, flavour.bugCompat)[0].numpyHeader).to.contain("'>u2'");
    const out = new send.ItemGroup({ flavour });
    out.addItem({ id: 0x1000, name: 'v', shape: [2], dtype: '<u2', value: [1, 2] });
    const bytes = new send.BytesStream();
    await bytes.sendHeap(out.getHeap());
    const rx = new recv.Stream({ bugCompat: BUG_COMPAT_PYSPEAD_0_5_2 });
    rx.addBufferReader(bytes.getValue());
    const group = new ItemGroup();
    for await (const heap of rx) group.update(heap as recv.Heap);
    expect(Array.from(group.get('v').value as Uint16Array)).to.deep.equal([1, 2]);
    expect(BUG_COMPAT_SWAP_ENDIAN & BUG_COMPAT_PYSPEAD_0_5_2).to.equal(BUG_COMPAT_SWAP_ENDIAN);
  });

  it('rejects unknown bug-compat bits', () => {
    expect(() => new Flavour(4, 64, 40, 8)).to.throw(/bug_compat/);
    expect(() => new recv.StreamConfig({ bugCompat: 0xff })).to.throw(/bugCompat/);
  });
});
