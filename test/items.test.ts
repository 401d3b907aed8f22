import { expect } from 'chai';
import { Descriptor, Flavour, Item, ItemGroup, parseNumpyHeader, send } from '../lib/index';
import type { HeapLike, RawDescriptor, RawItem } from '../lib/index';

function fakeHeap(items: RawItem[], descriptors: RawDescriptor[] = []): HeapLike {
  return { cnt: 1, flavour: new Flavour(), getItems: () => items, getDescriptors: () => descriptors };
}

const raw = (id: number, bytes: number[]): RawItem => ({ id, isImmediate: false, immediateValue: 0, value: Uint8Array.from(bytes) });

describe('legacy formats', () => {
  it('packs u12×3 MSB-first as spead2: ab cd ef 12 30', () => {
    const item = new Item({ id: 0x1000, name: 'a', shape: [3], format: [['u', 12]], value: [0xabc, 0xdef, 0x123] });
    expect(Buffer.from(item.toBuffer()).toString('hex')).to.equal('abcdef1230');
  });

  it('packs a [b1, i7, c8, f32] record as spead2: 91 79 3f 80 00 00', () => {
    const item = new Item({ id: 0x1000, name: 'r', shape: [], format: [['b', 1], ['i', 7], ['c', 8], ['f', 32]], value: { f0: true, f1: 17, f2: 'y', f3: 1.0 } });
    expect(Buffer.from(item.toBuffer()).toString('hex')).to.equal('91793f800000');
    const back = new Item({ id: 0x1000, name: 'r', shape: [], format: [['b', 1], ['i', 7], ['c', 8], ['f', 32]] });
    back.setFromRaw(raw(0x1000, [0x91, 0x79, 0x3f, 0x80, 0, 0]));
    expect(back.value).to.deep.equal({ f0: true, f1: 17, f2: 'y', f3: 1 });
  });

  it('rejects c16 and f16 with a clear error', () => {
    expect(() => new Descriptor({ id: 0x1000, name: 'c', format: [['c', 16]] })).to.throw(/characters must be 8 bits/);
    expect(() => new Descriptor({ id: 0x1000, name: 'f', format: [['f', 16]] })).to.throw(/floats must be 32 or 64 bits/);
    expect(() => new Descriptor({ id: 0x1000, name: 'z', format: [['u', 0]] })).to.throw(/bug_compat mismatch/);
  });
});

describe('descriptors and items', () => {
  it('needs exactly one of dtype and format, ASCII names, at most one variable dimension', () => {
    expect(() => new Descriptor({ id: 1, name: 'x' })).to.throw(/exactly one of dtype and format/);
    expect(() => new Descriptor({ id: 1, name: 'naïve', dtype: '<u2' })).to.throw(/ASCII/);
    expect(() => new Descriptor({ id: 1, name: 'x', shape: [null, null], format: [['u', 8]] })).to.throw(/at most one/);
    expect(() => new Descriptor({ id: 1, name: 'x', dtype: '<q9' })).to.throw(/unsupported dtype/);
  });

  it('reports a broken numpy header as an error on that item only, applying the rest of the heap', () => {
    const group = new ItemGroup();
    group.addItem({ id: 0x1000, name: 'good', shape: [], dtype: '>u2' });
    const broken: RawDescriptor = { id: 0x1001, name: Buffer.from('bad'), description: Buffer.alloc(0), shape: [], format: [], numpyHeader: "{'descr': '<u2', 'shape': (" };
    const result = group.update(fakeHeap([raw(0x1000, [1, 2]), raw(0x1001, [3, 4])], [broken]));
    expect(result.get('good')?.value).to.equal(0x102);
    expect(result.errors).to.have.length(1);
    expect(result.errors[0]).to.include({ id: 0x1001, name: 'bad' });
    expect(result.errors[0].error.code).to.equal('ERR_SPEAD_BAD_DESCRIPTOR');
    expect(result.errors[0].error.message).to.match(/item 'bad'.*invalid numpy header/);
    expect(group.has(0x1001)).to.equal(false);
    expect(() => parseNumpyHeader("__import__('os')")).to.throw(/invalid numpy header/);
  });

  it('reports too few elements for the shape as an error on that item, applying the others', () => {
    const group = new ItemGroup();
    group.addItem({ id: 0x1000, name: 'first', shape: [], dtype: '>u2' });
    group.addItem({ id: 0x1001, name: 'short', shape: [4], dtype: '>u4' });
    group.addItem({ id: 0x1002, name: 'last', shape: [], dtype: '>u2' });
    const result = group.update(fakeHeap([raw(0x1000, [0, 7]), raw(0x1001, [1, 2, 3]), raw(0x1002, [0, 9])]));
    expect([...result.keys()]).to.deep.equal(['first', 'last']);
    expect(result.errors.map((e) => [e.name, e.error.code])).to.deep.equal([['short', 'ERR_SPEAD_BAD_VALUE']]);
    expect(result.errors[0].error.message).to.match(/'short'.*too few elements/);
    expect(group.get('first').value).to.equal(7);
    expect(group.get('last').value).to.equal(9);
    expect(group.get('short').value).to.equal(null);
  });

  it('rejects a value whose size disagrees with the shape when sending', () => {
    const item = new Item({ id: 0x1000, name: 'v', shape: [4], dtype: '<u2', value: [1, 2, 3] });
    expect(() => item.toBuffer()).to.throw(/3 elements, but the shape needs 4/);
  });

  it('keeps the Item object for an identical descriptor and replaces a different one with a newer version', () => {
    const group = new ItemGroup();
    const a = group.addItem({ id: 0x1000, name: 'a', shape: [], dtype: '<u4', value: 1 });
    expect(group.addItem({ id: 0x1000, name: 'a', shape: [], dtype: '<u4', value: 2 })).to.equal(a);
    expect(a.value).to.equal(2);
    const b = group.addItem({ id: 0x1000, name: 'a', shape: [2], dtype: '<u4' });
    expect(b).to.not.equal(a);
    expect(b.version).to.be.greaterThan(a.version);
    expect(group.ids()).to.deep.equal([0x1000]);
  });

  it('allocates IDs from 0x1000 and checks IDs against the flavour when sending', async () => {
    const group = new send.ItemGroup({ flavour: new Flavour(4, 64, 48) });
    expect(group.addItem({ name: 'auto', shape: [], dtype: '<u2', value: 1 }).id).to.equal(0x1000);
    group.addItem({ id: 2 ** 15, name: 'big', shape: [], dtype: '<u2', value: 1 });
    expect(() => group.getHeap()).to.throw(/out of range/i);
  });

  it('gives small values (and values set without a heap to hold) memory of their own, in either byte order', () => {
    const payload = new Uint8Array([1, 0, 2, 0, 0, 3, 0, 4]);
    const le = new Item({ id: 0x1000, name: 'le', shape: [2], dtype: '<u2' });
    le.setFromRaw({ id: 0x1000, isImmediate: false, immediateValue: 0, value: payload.subarray(0, 4) });
    expect(Array.from(le.value as Uint16Array)).to.deep.equal([1, 2]);
    expect((le.value as Uint16Array).buffer).to.not.equal(payload.buffer);
    const be = new Item({ id: 0x1001, name: 'be', shape: [2], dtype: '>u2' });
    be.setFromRaw({ id: 0x1001, isImmediate: false, immediateValue: 0, value: payload.subarray(4) });
    expect(Array.from(be.value as Uint16Array)).to.deep.equal([3, 4]);
    expect((be.value as Uint16Array).buffer).to.not.equal(payload.buffer);
    payload.fill(0);
    expect(Array.from(le.value as Uint16Array)).to.deep.equal([1, 2]);
  });
});

describe('HeapGenerator', () => {
  it('sends descriptors and values once, then only what changed', () => {
    const group = new send.ItemGroup();
    const x = group.addItem({ name: 'x', shape: [], dtype: '<u4', value: 1 });
    group.addItem({ name: 'y', shape: [], dtype: '<u4', value: 2 });
    const ids = (h: send.Heap): number[] => h.getEntries().map((e) => e.id);
    expect(ids(group.getHeap())).to.deep.equal([5, 0x1000, 5, 0x1001]);
    x.value = 3;
    expect(ids(group.getHeap())).to.deep.equal([0x1000]);
    expect(ids(group.getHeap({ descriptors: 'all', data: 'none' }))).to.deep.equal([5, 5]);
    expect(() => group.getHeap({ data: 'some' as 'all' })).to.throw(/'stale', 'all' or 'none'/);
  });

  it('resends descriptors every descriptorFrequency heaps', () => {
    const group = new send.ItemGroup({ descriptorFrequency: 2 });
    group.addItem({ name: 'x', shape: [], dtype: '<u4', value: 1 });
    const counts = [0, 1, 2, 3, 4].map(() => group.getHeap({ data: 'none' }).getEntries().length);
    expect(counts).to.deep.equal([1, 0, 1, 0, 1]);
  });

  it('shares a TypedArray value without copying: changing it changes what is sent', () => {
    const group = new send.ItemGroup();
    const data = new Uint16Array([1, 2, 3]);
    const item = group.addItem({ name: 'v', shape: [3], dtype: '<u2', value: data });
    const bytes = item.toBuffer();
    data[0] = 99;
    expect(bytes[0]).to.equal(99);
  });
});
