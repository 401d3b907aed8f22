import { expect } from 'chai';
import { Item, send } from '../lib/index';
import { Float16Array, getFloat16, isFloat16Array } from '@petamoriken/float16';
import { native } from '../lib/native';

/** Bytes 0, 7, 14, … (mod 256): every lane distinct enough to catch a wrong shuffle. */
function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
}

/** The C-order index of a multi-index, and its Fortran-order index. */
function cIndex(idx: number[], shape: number[]): number {
  return idx.reduce((acc, v, d) => acc * shape[d] + v, 0);
}
function fIndex(idx: number[], shape: number[]): number {
  let acc = 0;
  for (let d = shape.length - 1; d >= 0; d--) acc = acc * shape[d] + idx[d];
  return acc;
}
function* indices(shape: number[]): Generator<number[]> {
  const idx = shape.map(() => 0);
  const total = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < total; k++) {
    yield [...idx];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

describe('native byte and array order conversion', () => {
  for (const width of [2, 4, 8, 16]) {
    it(`reverses every ${width}-byte lane, for lengths around the vector block sizes`, () => {
      for (const lanes of [0, 1, 3, 15, 16, 17, 63, 64, 65, 1000]) {
        const src = pattern(lanes * width);
        const dst = new Uint8Array(src.length);
        native.swapCopy(src, dst, width);
        for (let i = 0; i < src.length; i++) {
          const lane = Math.floor(i / width) * width;
          if (dst[i] !== src[lane + width - 1 - (i % width)]) expect.fail(`lanes ${lanes}: byte ${i} is ${dst[i]}`);
        }
        // In place gives the same result.
        const inPlace = src.slice();
        native.swapCopy(inPlace, inPlace, width);
        expect(Buffer.from(inPlace).equals(Buffer.from(dst))).to.equal(true);
      }
    });
  }

  it('agrees with DataView big-endian reads on an unaligned source', () => {
    const backing = pattern(4 * 1001 + 1);
    const src = backing.subarray(1);
    const out = new Uint32Array(1001);
    native.swapCopy(src, out, 4);
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let i = 0; i < out.length; i++) if (out[i] !== view.getUint32(4 * i, false)) expect.fail(`element ${i}`);
  });

  it('reorders C ↔ Fortran for 2-D to 4-D shapes and odd element sizes, and back', () => {
    const shapes = [[3, 5], [40, 33], [2, 3, 4], [1, 7, 1, 5], [5, 1, 6, 3], [9, 17, 2]];
    for (const shape of shapes) {
      for (const size of [1, 2, 4, 8, 12, 16]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const src = pattern(n * size);
        const f = new Uint8Array(src.length);
        native.reorderCopy(src, f, shape, size, true);
        for (const idx of indices(shape)) {
          const c = cIndex(idx, shape) * size;
          const fo = fIndex(idx, shape) * size;
          for (let b = 0; b < size; b++) if (f[fo + b] !== src[c + b]) expect.fail(`shape ${shape} size ${size}: element ${idx}`);
        }
        const back = new Uint8Array(src.length);
        native.reorderCopy(f, back, shape, size, false);
        expect(Buffer.from(back).equals(Buffer.from(src)), `shape ${shape} size ${size}`).to.equal(true);
      }
    }
  });

  it('swaps lanes while reordering (a >c8 array in Fortran order)', () => {
    const shape = [4, 6];
    const src = pattern(24 * 8);
    const out = new Uint8Array(src.length);
    native.reorderCopy(src, out, shape, 8, true, 4);
    const plain = new Uint8Array(src.length);
    native.reorderCopy(src, plain, shape, 8, true);
    const swapped = new Uint8Array(src.length);
    native.swapCopy(plain, swapped, 4);
    expect(Buffer.from(out).equals(Buffer.from(swapped))).to.equal(true);
  });

  it('refuses bad arguments with coded errors and leaves dst untouched', () => {
    const src = new Uint8Array(16);
    const dst = new Uint8Array(8).fill(9);
    const err = (fn: () => void): { code?: string; message: string } => {
      try {
        fn();
      } catch (e) {
        return e as { code?: string; message: string };
      }
      return expect.fail('no error');
    };
    expect(err(() => native.swapCopy(src, dst, 4))).to.include({ code: 'ERR_OUT_OF_RANGE' });
    expect(err(() => native.swapCopy(src, new Uint8Array(16), 3)).message).to.match(/width must be 1, 2, 4, 8 or 16/);
    expect(err(() => native.swapCopy(src.subarray(0, 6), new Uint8Array(8), 4)).message).to.match(/whole number of 4-byte lanes/);
    expect(err(() => native.swapCopy(src.subarray(0, 8), src.subarray(4, 12), 4))).to.include({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(err(() => native.swapCopy('x' as unknown as Uint8Array, dst, 4))).to.include({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(err(() => native.reorderCopy(src, dst, [4, 4], 1, true))).to.include({ code: 'ERR_OUT_OF_RANGE' });
    expect(err(() => native.reorderCopy(src, new Uint8Array(16), [4, -1], 1, true)).message).to.match(/dimension 1/);
    expect(err(() => native.reorderCopy(src, new Uint8Array(16), [2, 2], 4, true, 8)).message).to.match(/multiple of swapWidth/);
    expect([...dst]).to.deep.equal(new Array(8).fill(9));
  });
});

describe('item values in either byte order and array order', () => {
  const n = 1 << 12;
  const values = Uint32Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 0);

  it('sends a Uint32Array as >u4 big-endian, byte for byte as DataView writes it', () => {
    const item = new Item({ id: 0x1000, name: 'x', shape: [n], dtype: '>u4', value: values });
    const wire = item.toBuffer();
    const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
    for (let i = 0; i < n; i++) if (view.getUint32(4 * i, false) !== values[i]) expect.fail(`element ${i}`);
    // The caller's array is not changed by the swap.
    expect(values[1]).to.equal(2654435761 >>> 0);
  });

  it('sends a Float64Array as >f4 and a plain array as >i2 (converted, then swapped)', () => {
    const f = new Item({ id: 0x1000, name: 'f', shape: [3], dtype: '>f4', value: Float64Array.from([1.5, -2, 1e10]) });
    const fw = f.toBuffer();
    const fv = new DataView(fw.buffer, fw.byteOffset, 12);
    expect([fv.getFloat32(0, false), fv.getFloat32(4, false), fv.getFloat32(8, false)]).to.deep.equal([1.5, -2, Math.fround(1e10)]);
    const i = new Item({ id: 0x1001, name: 'i', shape: [2], dtype: '>i2', value: [-2, 300] });
    expect(Buffer.from(i.toBuffer()).toString('hex')).to.equal('fffe012c');
  });

  it('receives >u4 as host-order values (a converted copy)', () => {
    const wire = new Uint8Array(4 * n);
    const view = new DataView(wire.buffer);
    for (let i = 0; i < n; i++) view.setUint32(4 * i, values[i], false);
    const item = new Item({ id: 0x1000, name: 'x', shape: [n], dtype: '>u4' });
    item.setFromRaw({ id: 0x1000, isImmediate: false, immediateValue: 0, value: wire });
    expect(item.value).to.be.instanceOf(Uint32Array);
    expect(Buffer.from((item.value as Uint32Array).buffer, (item.value as Uint32Array).byteOffset, 4 * n).equals(Buffer.from(values.buffer))).to.equal(true);
  });

  it('sends and receives Fortran order: element (i, j) of a C-order value at i + rows·j on the wire', () => {
    const rows = 7;
    const cols = 9;
    const c = Float64Array.from({ length: rows * cols }, (_, k) => k + 0.25);
    const item = new Item({ id: 0x1000, name: 'm', shape: [rows, cols], dtype: '>f8', order: 'F', value: c });
    const wire = item.toBuffer();
    const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (view.getFloat64(8 * (i + rows * j), false) !== c[i * cols + j]) expect.fail(`(${i}, ${j})`);
    const back = new Item({ id: 0x1000, name: 'm', shape: [rows, cols], dtype: '>f8', order: 'F' });
    back.setFromRaw({ id: 0x1000, isImmediate: false, immediateValue: 0, value: wire });
    expect([...(back.value as Float64Array)]).to.deep.equal([...c]);
  });
});

describe('byte swaps fused into packet building', () => {
  async function encode(heap: send.Heap, packetSize: number): Promise<Buffer> {
    const bytes = new send.BytesStream({ maxPacketSize: packetSize });
    await bytes.sendHeap(heap, { cnt: 1 });
    return bytes.getValue();
  }

  it('sends host-order lanes swapped exactly as the converted bytes would be, lanes split across packets', async () => {
    for (const width of [2, 4, 8, 16]) {
      for (const packetSize of [64, 77, 1500]) {
        const host = pattern(width * 301);
        const wire = new Uint8Array(host.length);
        native.swapCopy(host, wire, width);
        const odd = pattern(13); // puts the swapped item at an odd offset in the payload
        const fused = new send.Heap();
        fused.addRaw(0x1000, odd, false);
        fused.addRaw(0x1001, host, false, width);
        fused.addRaw(0x1002, host.subarray(0, width), true, width); // small enough to be an immediate for width 2 and 4
        const plain = new send.Heap();
        plain.addRaw(0x1000, odd, false);
        plain.addRaw(0x1001, wire, false);
        plain.addRaw(0x1002, wire.subarray(0, width), true);
        const a = await encode(fused, packetSize);
        const b = await encode(plain, packetSize);
        expect(a.equals(b), `width ${width}, packets of ${packetSize}`).to.equal(true);
      }
    }
  });

  it('sends a >u4 ItemGroup item without converting it in JavaScript, and spead2-equal bytes', async () => {
    const values = Uint32Array.from({ length: 5000 }, (_, i) => (i * 40503) >>> 0);
    const group = new send.ItemGroup();
    const item = group.addItem({ name: 'x', shape: [5000], dtype: '>u4', value: values });
    const wire = item.toWire();
    expect(wire.swapWidth).to.equal(4);
    expect(wire.data.buffer).to.equal(values.buffer); // by reference
    const heap = new send.Heap();
    heap.addRaw(item.id, item.toBuffer(), false);
    const viaFused = new send.Heap();
    viaFused.addItem(item);
    expect((await encode(viaFused, 9000)).equals(await encode(heap, 9000))).to.equal(true);
  });

  it('refuses a swap width that does not divide the data', () => {
    const heap = new send.Heap();
    expect(() => heap.addRaw(0x1000, new Uint8Array(6), false, 4)).to.throw(RangeError, /swapWidth 4/);
    expect(() => heap.addRaw(0x1000, new Uint8Array(6), false, 3)).to.throw(RangeError, /swapWidth 3/);
  });
});

describe('wire-order bytes as a value', () => {
  it('sends a Uint8Array of exactly the wire bytes of a numeric dtype as it is, in either byte order', () => {
    const wire = pattern(16);
    for (const dtype of ['>u4', '<u4', '>c8', '<f8']) {
      const n = 16 / Number(dtype.slice(2));
      const item = new Item({ id: 0x1000, name: 'w', shape: [n], dtype, value: wire });
      expect(item.toBuffer()).to.equal(wire); // the same object: no copy
      expect(item.toWire()).to.deep.equal({ data: wire, swapWidth: 1 });
    }
    // Elements, not bytes, when the length is the element count (and for one-byte dtypes).
    const asElements = new Item({ id: 0x1001, name: 'e', shape: [4], dtype: '>u2', value: Uint8Array.from([1, 2, 3, 4]) });
    expect(Buffer.from(asElements.toBuffer()).toString('hex')).to.equal('0001000200030004');
  });
});

describe('float16 and datetime arrays on the native paths', () => {
  it('sends and receives a Float16Array in Fortran order, either byte order', () => {
    for (const dtype of ['<f2', '>f2']) {
      const c = new Float16Array([1, -2, 0.5, 3, 65504, -0.25]);
      const item = new Item({ id: 0x1000, name: 'h', shape: [2, 3], dtype, order: 'F', value: c });
      const wire = item.toBuffer();
      const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
      const little = dtype[0] === '<';
      // Element (i, j) of the C-order value is at i + 2·j on the wire.
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(getFloat16(view, 2 * (i + 2 * j), little), `${dtype} (${i}, ${j})`).to.equal(c[i * 3 + j]);
      const back = new Item({ id: 0x1000, name: 'h', shape: [2, 3], dtype, order: 'F' });
      back.setFromRaw({ id: 0x1000, isImmediate: false, immediateValue: 0, value: wire });
      expect(isFloat16Array(back.value)).to.equal(true);
      expect(Array.from(back.value as Float16Array)).to.deep.equal(Array.from(c));
    }
  });

  it('sends >M8[us] from a BigInt64Array with the swap fused into packets', () => {
    const counts = BigInt64Array.from({ length: 100 }, (_, i) => BigInt(i) * 1000003n - 5n);
    const item = new Item({ id: 0x1000, name: 't', shape: [100], dtype: '>M8[us]', value: counts });
    const wire = item.toBuffer();
    const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
    for (let i = 0; i < 100; i++) if (view.getBigInt64(8 * i, false) !== counts[i]) expect.fail(`element ${i}`);
    const w = item.toWire();
    expect(w.swapWidth).to.equal(8);
    expect(w.data.buffer).to.equal(counts.buffer);
  });
});
