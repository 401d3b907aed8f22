import { expect } from 'chai';
import { HeapEncoder, ItemGroup, MemoryPool, recv, send } from '../lib/index';
import type { Item } from '../lib/index';

const N = 32768; // 128 KiB of u4: above the 64 KiB up to which payloads cross as copies

/**
 * A descriptor heap, then heaps of one u4 item at payload offset 0 (as data
 * heaps usually are), as bytes. With `withDescriptor` every data heap also
 * carries the descriptor, which puts the value at an odd offset.
 */
async function heapsOf(dtype: string, count: number, order: 'C' | 'F' = 'C', withDescriptor = false): Promise<{ bytes: Buffer; values: Uint32Array[] }> {
  const group = new send.ItemGroup();
  const item = group.addItem({ id: 0x1000, name: 'x', description: 'x values', shape: order === 'F' ? [128, N / 128] : [N], dtype, order });
  const stream = new send.BytesStream();
  await stream.sendHeap(group.getHeap({ descriptors: 'all', data: 'none' }));
  const values: Uint32Array[] = [];
  for (let h = 0; h < count; h++) {
    const v = Uint32Array.from({ length: N }, (_, i) => (i * 2654435761 + h * 40503) >>> 0);
    values.push(v);
    item.value = v;
    await stream.sendHeap(group.getHeap({ descriptors: withDescriptor ? 'all' : 'none', data: 'all' }));
  }
  return { bytes: stream.getValue(), values };
}

/** Receives every heap; the first (descriptors only) is applied to `group` and released. */
async function receiveData(bytes: Buffer, group: ItemGroup, pool?: MemoryPool): Promise<recv.Heap[]> {
  const [descriptors, ...data] = await receive(bytes, pool);
  group.update(descriptors);
  descriptors.release();
  return data;
}

async function receive(bytes: Buffer, pool?: MemoryPool): Promise<recv.Heap[]> {
  const rx = new recv.Stream({ memoryAllocator: pool }, { heaps: 8 });
  rx.addBufferReader(bytes);
  const out: recv.Heap[] = [];
  for await (const h of rx) out.push(h as recv.Heap);
  return out;
}

describe('item values and their heaps', () => {
  it('values of small heaps (payloads crossed as copies) hold no pool memory and never empty', async () => {
    const group = new send.ItemGroup();
    const item = group.addItem({ id: 0x1000, name: 'x', shape: [2048], dtype: '>u4' });
    const tx = new send.BytesStream();
    await tx.sendHeap(group.getHeap({ descriptors: 'all', data: 'none' }));
    const sent: Uint32Array[] = [];
    for (let h = 0; h < 4; h++) {
      const v = Uint32Array.from({ length: 2048 }, (_, i) => (i * 7 + h) >>> 0);
      sent.push(v);
      item.value = v;
      await tx.sendHeap(group.getHeap({ data: 'all' }));
    }
    const pool = new MemoryPool(1024, 1 << 14, 8, 4);
    const rx = new ItemGroup();
    const kept: Uint32Array[] = [];
    const heaps = await receiveData(tx.getValue(), rx, pool);
    for (const heap of heaps) {
      rx.update(heap);
      kept.push(rx.get('x').value as Uint32Array);
      heap.release();
    }
    expect(pool.stats().lent).to.equal(0);
    kept.forEach((v, h) => expect([...v], `heap ${h}`).to.deep.equal([...sent[h]]));
  });

  for (const dtype of ['<u4', '>u4']) {
    it(`an ItemGroup's ${dtype} value stays valid after release() and its memory goes back at the next value`, async () => {
      const { bytes, values } = await heapsOf(dtype, 3);
      const pool = new MemoryPool(1024, 1 << 18, 8, 4);
      const group = new ItemGroup();
      const heaps = await receiveData(bytes, group, pool);
      group.update(heaps[0]);
      const first = group.get('x').value as Uint32Array;
      heaps[0].release();
      expect(Buffer.from(first.buffer, first.byteOffset, first.byteLength).equals(Buffer.from(values[0].buffer))).to.equal(true);
      const lent = pool.stats().lent;
      group.update(heaps[1]);
      heaps[1].release();
      // heap 0's memory went back when the item took heap 1's value; heap 1's is held.
      expect(pool.stats().lent).to.equal(lent - 1);
      expect(first.length).to.equal(0);
      expect([...(group.get('x').value as Uint32Array)]).to.deep.equal([...values[1]]);
      group.get('x').detach();
      expect(pool.stats().lent).to.equal(lent - 2);
      expect([...(group.get('x').value as Uint32Array)]).to.deep.equal([...values[1]]);
      heaps[2].release();
    });
  }

  it('views a host-order value in the heap (no copy) and swaps a >u4 value in the heap itself', async () => {
    for (const dtype of ['<u4', '>u4']) {
      const { bytes } = await heapsOf(dtype, 1);
      const group = new ItemGroup();
      const [heap] = await receiveData(bytes, group);
      group.update(heap);
      const value = group.get('x').value as Uint32Array;
      expect(value.buffer, dtype).to.equal(heap.payload.buffer);
      heap.release();
    }
  });

  it('copies a value that sits at an unaligned offset (a TypedArray cannot view it), in either byte order', async () => {
    for (const dtype of ['<u4', '>u4']) {
      const { bytes, values } = await heapsOf(dtype, 1, 'C', true);
      const pool = new MemoryPool(1024, 1 << 18, 8, 4);
      const group = new ItemGroup();
      const [heap] = await receiveData(bytes, group, pool);
      const raw = heap.getItems().find((it) => it.id === 0x1000)!.value;
      expect(raw.byteOffset % 4, 'the descriptor puts the value off alignment').to.not.equal(0);
      group.update(heap);
      heap.release();
      const v = group.get('x').value as Uint32Array;
      expect(pool.stats().lent, dtype).to.equal(0);
      expect([...v]).to.deep.equal([...values[0]]);
    }
  });

  it('still gives wire-order raw items (and re-encodes byte for byte) after a value was swapped in place', async () => {
    const { bytes, values } = await heapsOf('>u4', 1);
    const group = new ItemGroup();
    const [heap] = await receiveData(bytes, group);
    const raw = heap.getItems().find((it) => it.id === 0x1000)!.value;
    const wireBefore = Buffer.from(raw);
    group.update(heap);
    expect([...(group.get('x').value as Uint32Array)]).to.deep.equal([...values[0]]);
    const wireAfter = heap.getItems().find((it) => it.id === 0x1000)!.value;
    expect(Buffer.from(wireAfter).equals(wireBefore)).to.equal(true);
    // A second group reads the same heap and gets the same values.
    const other = new ItemGroup();
    await receiveData(bytes, other).then((hs) => hs.forEach((h) => h.release()));
    other.update(heap);
    expect([...(other.get('x').value as Uint32Array)]).to.deep.equal([...values[0]]);
    // HeapEncoder writes exactly what was received.
    const encoder = new HeapEncoder();
    const chunks: Buffer[] = [];
    encoder.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve) => encoder.on('end', resolve));
    encoder.end(heap);
    await done;
    const [again] = await receive(Buffer.concat(chunks));
    const third = new ItemGroup();
    await receiveData(bytes, third).then((hs) => hs.forEach((h) => h.release()));
    third.update(again);
    expect([...(third.get('x').value as Uint32Array)]).to.deep.equal([...values[0]]);
    again.release();
    heap.release();
  });

  it('reads a Fortran-order >u4 value into memory of its own (the heap goes back at once)', async () => {
    const { bytes, values } = await heapsOf('>u4', 1, 'F');
    const pool = new MemoryPool(1024, 1 << 18, 8, 4);
    const group = new ItemGroup();
    const [heap] = await receiveData(bytes, group, pool);
    group.update(heap);
    heap.release();
    const item: Item = group.get('x');
    const v = item.value as Uint32Array;
    expect(pool.stats().lent).to.equal(0);
    expect([...v]).to.deep.equal([...values[0]]);
  });

  it('reading a value whose heap memory is gone names release()', async () => {
    const { bytes } = await heapsOf('<u4', 1);
    const group = new ItemGroup();
    const [heap] = await receiveData(bytes, group);
    group.update(heap);
    const item = group.get('x');
    // Force the memory back behind the item's back (as a bug elsewhere would).
    (heap as unknown as { freePayload(): void }).freePayload();
    expect(() => item.value).to.throw(/release\(\)/).with.property('code', 'ERR_SPEAD_HEAP_RELEASED');
  });
});

describe('values in the slab of small heaps', () => {
  it('every small payload starts aligned in the slab, so a value is a view there whatever came before it', async () => {
    const tx = new send.BytesStream();
    const odd = new send.Heap();
    odd.addRaw(0x1001, new Uint8Array(1001).fill(1), false);
    const group = new send.ItemGroup();
    const item = group.addItem({ id: 0x1000, name: 'x', shape: [1024], dtype: '<u8' });
    await tx.sendHeap(group.getHeap({ descriptors: 'all', data: 'none' }));
    await tx.sendHeap(odd);
    item.value = BigUint64Array.from({ length: 1024 }, (_, i) => BigInt(i) * 3n);
    await tx.sendHeap(group.getHeap({ data: 'all' }));
    const rx = new ItemGroup();
    const [descriptors, first, second] = await receive(tx.getValue());
    rx.update(descriptors);
    first.getItems(); // the batch's items (and slab) are taken here
    rx.update(second);
    const v = rx.get('x').value as BigUint64Array;
    expect(v.buffer).to.equal(second.payload.buffer); // a view of the slab, not a copy
    expect(v.byteOffset % 16).to.equal(0);
    expect(v[1023]).to.equal(3069n);
    for (const h of [descriptors, first, second]) h.release();
  });
});
