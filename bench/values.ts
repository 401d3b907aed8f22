/**
 * Item values of 1 MiB heaps (issue #11): one `>u4` item against one `<u4`
 * item, sent over loopback UDP from a `send.ItemGroup` and decoded in memory
 * into an `ItemGroup`, with spead2 (`spead2_send`, spead2 Python) beside
 * them when it is built.
 */
import { ItemGroup, recv, send } from '../lib/index';
import { bestRates, BenchRow, BenchSection, timeLoop } from './table';
import { checkPython, Spead2Peer, skipped, spead2Python, spead2Send, tempFile } from './spead2-peer';

/** The one item of every heap here. */
export const ITEM = 'x';
const VALUE_HEAP = 1 << 20;
const ELEMENTS = VALUE_HEAP / 4;
/** In-memory figures are the best of this many interleaved rounds (of half the section's time each). */
export const ROUNDS = 3;

/** A send.ItemGroup with one `dtype` item of `elements` 32-bit values, and that value. */
export function valueGroup(dtype: '>u4' | '<u4', elements: number): { group: send.ItemGroup; value: Uint32Array } {
  const group = new send.ItemGroup();
  const value = new Uint32Array(elements);
  for (let i = 0; i < elements; i++) value[i] = i * 2654435761;
  group.addItem({ id: 0x1000, name: ITEM, description: 'benchmark values', shape: [elements], dtype, value });
  return { group, value };
}

/**
 * `count` heaps of one `dtype` item as SPEAD packets, the descriptor in the
 * first heap only (a receiver's ItemGroup learns it from there).
 */
export async function encodeValueHeaps(dtype: '>u4' | '<u4', elements: number, count: number, packet: number): Promise<Buffer> {
  const { group, value } = valueGroup(dtype, elements);
  const item = group.get(ITEM);
  const heaps: send.Heap[] = [];
  for (let i = 0; i < count; i++) {
    item.value = value;
    heaps.push(group.getHeap());
  }
  const stream = new send.BytesStream({ maxPacketSize: packet, maxHeaps: count });
  await stream.sendHeaps(heaps, send.GroupMode.SERIAL);
  return stream.getValue();
}

let sink = 0;

/** Decodes `encoded` once with a buffer reader: release only, or `update` and read the value's first and last elements. */
export async function decodeOnce(encoded: Uint8Array, update: boolean): Promise<number> {
  const stream = new recv.Stream({}, { heaps: 16 });
  stream.addBufferReader(encoded);
  const items = new ItemGroup();
  let heaps = 0;
  for await (const heap of stream) {
    if (update && heap instanceof recv.Heap) {
      items.update(heap);
      const v = items.get(ITEM).value as Uint32Array;
      sink += v[0] + v[v.length - 1];
    }
    heap.release();
    heaps++;
  }
  return heaps;
}

/**
 * Decodes `encoded` once and checks the last heap's value against what
 * `valueGroup` sent (length, first and last elements, one in the middle), so
 * the figures are of a real decode. Returns a problem, or undefined.
 */
export async function checkDecoded(encoded: Uint8Array, dtype: '>u4' | '<u4', elements: number): Promise<string | undefined> {
  const expected = valueGroup(dtype, elements).value;
  const stream = new recv.Stream({}, { heaps: 16 });
  stream.addBufferReader(encoded);
  const items = new ItemGroup();
  let seen: number[] | undefined;
  for await (const heap of stream) {
    if (heap instanceof recv.Heap) {
      items.update(heap);
      const v = items.get(ITEM).value as Uint32Array;
      const mid = v.length >> 1;
      seen = [v.length, v[0], v[mid], v[v.length - 1]];
    }
    heap.release();
  }
  const want = [elements, expected[0], expected[elements >> 1], expected[elements - 1]];
  if (seen === undefined) return `${dtype}: no heap decoded`;
  return seen.every((x, i) => x === want[i]) ? undefined : `${dtype}: decoded value [length, first, middle, last] ${seen.join(', ')}, sent ${want.join(', ')}`;
}

/** Keeps the JIT from dropping the reads. */
export function benchSink(): number {
  return sink;
}

interface SendResult {
  sentBytes: number;
  sentHeaps: number;
  receivedHeaps: number;
  seconds: number;
}

/**
 * Our loopback receiver: a recv.Stream with a UDP reader, releasing every
 * heap; `done` gives the complete heaps it saw once `stop()` ends it (or an
 * end heap does).
 */
export function loopbackReceiver(packet: number): { port: number; done: Promise<number>; stop: () => void } {
  const rx = new recv.Stream({}, { heaps: 16 });
  const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 }, { maxSize: packet + 64, bufferSize: 16 << 20 });
  const done = (async () => {
    let n = 0;
    for await (const heap of rx) {
      if (heap instanceof recv.Heap) n++;
      heap.release();
    }
    return n;
  })();
  return { port, done, stop: () => rx.stop() };
}

/** loopbackReceiver with `finish()`: a moment for the last packets, then stop and count. */
function receiver(packet: number): { port: number; finish: () => Promise<number>; done: Promise<number> } {
  const rx = loopbackReceiver(packet);
  const finish = async (): Promise<number> => {
    await new Promise((r) => setTimeout(r, 150));
    rx.stop();
    return rx.done;
  };
  return { port: rx.port, finish, done: rx.done };
}

/** Sends 1 MiB value heaps for `seconds`, the value re-assigned (and so re-encoded) for each heap, up to `depth` in flight. */
async function sendValues(dtype: '>u4' | '<u4', packet: number, seconds: number, depth = 4): Promise<SendResult> {
  const rx = receiver(packet);
  const tx = new send.UdpStream([{ host: '127.0.0.1', port: rx.port }], { maxPacketSize: packet, maxHeaps: 2 * depth });
  const { group, value } = valueGroup(dtype, ELEMENTS);
  const item = group.get(ITEM);
  const inFlight: Array<Promise<number>> = [];
  // Untimed warm-up: the first heap (with the descriptor) and a few more.
  for (let i = 0; i < 4; i++) {
    item.value = value;
    await tx.sendHeap(group.getHeap());
  }
  let sentBytes = 0;
  let sentHeaps = 0;
  const t = await timeLoop(seconds, async () => {
    item.value = value;
    inFlight.push(tx.sendHeap(group.getHeap()));
    sentHeaps++;
    if (inFlight.length >= depth) sentBytes += await inFlight.shift()!;
  });
  for (const p of inFlight) sentBytes += await p;
  const receivedHeaps = (await rx.finish()) - 4;
  tx.destroy();
  return { sentBytes, sentHeaps, receivedHeaps, seconds: t.elapsed };
}

function gbps(bytes: number, seconds: number): number {
  return (bytes * 8) / seconds / 1e9;
}

/** Section 1: sending 1 MiB heaps of one `>u4` / `<u4` item from a send.ItemGroup, and spead2_send as a peer. */
export async function valueSendSection(seconds: number, peer: Spead2Peer, packet = 9000): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const results: Partial<Record<'>u4' | '<u4', SendResult>> = {};
  // Two interleaved rounds of half the time each; the faster round of each order counts.
  for (let round = 0; round < 2; round++) {
    for (const dtype of ['<u4', '>u4'] as const) {
      const r = await sendValues(dtype, packet, seconds / 2);
      const best = results[dtype];
      if (best === undefined || r.sentHeaps / r.seconds > best.sentHeaps / best.seconds) results[dtype] = r;
    }
  }
  for (const dtype of ['<u4', '>u4'] as const) {
    const r = results[dtype]!;
    rows.push({
      name: `ours ${dtype} (ItemGroup.getHeap + sendHeap)`,
      value: gbps(r.sentHeaps * VALUE_HEAP, r.seconds),
      unit: 'Gb/s',
      extra: { 'heaps/s': r.sentHeaps / r.seconds, 'wire Gb/s': gbps(r.sentBytes, r.seconds), loss: 1 - r.receivedHeaps / r.sentHeaps },
      ...(dtype === '>u4' ? { against: 'ours <u4 (ItemGroup.getHeap + sendHeap)', goal: 0.9 } : {}),
    });
  }
  let note: string | undefined;
  if (peer.cppMissing !== undefined) {
    note = skipped(peer.cppMissing, 'spead2_send row');
  } else {
    // About as many heaps as ours sends of <u4 in the section's time (>u4 may be far slower).
    const le = results['<u4']!;
    const heaps = Math.max(200, Math.round((le.sentHeaps / le.seconds) * seconds));
    const rx = receiver(packet);
    try {
      const s = await spead2Send(peer, rx.port, { heapSize: VALUE_HEAP, packet, heaps });
      const received = await rx.finish();
      rows.push({
        name: 'spead2_send >u4 (C++, peer)',
        value: gbps(heaps * VALUE_HEAP, s.seconds),
        unit: 'Gb/s',
        extra: { 'heaps/s': heaps / s.seconds, 'wire Gb/s': gbps(s.bytes, s.seconds), loss: 1 - received / heaps },
      });
      const be = rows.find((r) => r.name.startsWith('ours >u4'))!;
      rows.push({ name: 'ours >u4 vs spead2_send', value: be.value, unit: be.unit, against: rows[rows.length - 1].name });
    } catch (e) {
      await rx.finish();
      note = `spead2_send failed: ${(e as Error).message}`;
    }
  }
  return {
    title: `Sending values: 1 MiB heaps of one item, ${packet} B packets, loopback UDP into recv.Stream`,
    baseline: rows[0].name,
    rows,
    note,
  };
}

/** Section 2: 1 MiB heaps decoded in memory into an ItemGroup, value read; spead2 Python on the same bytes. */
export async function valueDecodeSection(seconds: number, peer: Spead2Peer, packet = 9000, heaps = 16): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const encoded: Partial<Record<'>u4' | '<u4', Buffer>> = {};
  const orders = ['<u4', '>u4'] as const;
  const problems: string[] = [];
  for (const dtype of orders) {
    encoded[dtype] = await encodeValueHeaps(dtype, ELEMENTS, heaps, packet);
    const problem = await checkDecoded(encoded[dtype]!, dtype, ELEMENTS);
    if (problem !== undefined) problems.push(`VALUE MISMATCH ${problem}`);
  }
  const rates = await bestRates(ROUNDS, seconds / 2, orders.map((d) => () => decodeOnce(encoded[d]!, true)));
  orders.forEach((dtype, i) => {
    rows.push({
      name: `ours ${dtype}: update + read value`,
      value: gbps(rates[i] * VALUE_HEAP, 1),
      unit: 'Gb/s',
      extra: { 'heaps/s': rates[i] },
      ...(dtype === '>u4' ? { against: 'ours <u4: update + read value', goal: 0.9 } : {}),
    });
  });
  const notes = problems;
  if (peer.pythonMissing !== undefined) {
    notes.push(skipped(peer.pythonMissing, 'spead2 Python rows'));
  } else {
    const files = (['<u4', '>u4'] as const).map((d) => ({ dtype: d, ...tempFile(encoded[d]!, `values-${d === '<u4' ? 'le' : 'be'}.spead`) }));
    try {
      const jobs = files.map((f) => ({ file: f.file, mode: 'update' as const, item: ITEM, seconds: seconds / 2 }));
      const py = await spead2Python(peer, jobs, ROUNDS);
      files.forEach((f, i) => {
        const r = py[i];
        const problem = checkPython(jobs[i], r, heaps, ELEMENTS);
        if (problem !== undefined) notes.push(`CHECK FAILED ${f.dtype}: ${problem}`);
        rows.push({
          name: `spead2 Python ${f.dtype}: ig.update + value`,
          value: gbps(r.heapsPerSecond * VALUE_HEAP, 1),
          unit: 'Gb/s',
          extra: { 'heaps/s': r.heapsPerSecond },
        });
      });
      for (const d of ['<u4', '>u4'] as const) {
        const ours = rows.find((r) => r.name === `ours ${d}: update + read value`)!;
        rows.push({ name: `ours ${d} vs spead2 Python ${d}`, value: ours.value, unit: ours.unit, against: `spead2 Python ${d}: ig.update + value`, goal: 1.0 });
      }
    } catch (e) {
      notes.push(`spead2 Python failed: ${(e as Error).message}`);
    } finally {
      for (const f of files) f.remove();
    }
  }
  const note = notes.length > 0 ? notes.join('\n   ') : undefined;
  return {
    title: `Values in memory: ${heaps} × 1 MiB heaps of one item (descriptor in the first), ${packet} B packets, addBufferReader → ItemGroup.update`,
    baseline: rows[0].name,
    rows,
    note,
  };
}
