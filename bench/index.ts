/**
 * npm run bench: throughput figures, each section against a baseline measured
 * in the same run (memcpy for in-memory work, a plain sendmmsg/recvmmsg loop
 * for UDP, the kernel's UDP reader for AF_XDP). Benchmarks, not tests: nothing here passes or fails.
 *   npm run bench -- [--quick] [--values-only | --xdp-only]
 * The issue #11 sections come first (values.ts, small-heaps.ts): `>u4`
 * against `<u4` values and the 8 KiB per-heap path, beside spead2 as a live
 * peer (spead2_send, spead2_recv, spead2 Python) when a build is found —
 * SPEAD2_REF, else ../spead2-ref or ../../spead2-ref, else the PATH (see
 * spead2-peer.ts); without one they print "spead2 not built: … skipped".
 * A goals summary follows the table. --values-only runs just those sections.
 */
import * as os from 'os';
import * as path from 'path';
import { HeapDecoder, MemoryPool, recv, send } from '../lib/index';
import { native } from '../lib/native';
import { searchSustainableRate } from '../lib/tools/rate-search';
import { BenchRow, BenchSection, renderTable, rowRatio, timeLoop } from './table';
import { findSpead2 } from './spead2-peer';
import { smallHeapSection, smallUdpSection } from './small-heaps';
import { benchSink, valueDecodeSection, valueSendSection } from './values';
import { sendFor } from './send-for';
import { xdpSection } from './xdp';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 0.3 : 1.0;

function heapOf(size: number): send.Heap {
  const heap = new send.Heap();
  heap.addRaw(0x1000, new Uint8Array(size).fill(7), false);
  return heap;
}

async function encodeBytes(heapSize: number, packet: number, count: number): Promise<Buffer> {
  const bytes = new send.BytesStream({ maxPacketSize: packet, maxHeaps: count });
  const heaps = Array.from({ length: count }, () => heapOf(heapSize));
  await bytes.sendHeaps(heaps, send.GroupMode.SERIAL);
  return bytes.getValue();
}

async function inMemory(heapSize: number, packet: number): Promise<BenchSection> {
  const batch = Math.max(1, Math.floor((4 << 20) / heapSize));
  const encoded = await encodeBytes(heapSize, packet, batch);
  const rows: BenchRow[] = [];
  const mb = (bytes: number, s: number): number => bytes / s / 1e6;
  const target = Buffer.alloc(encoded.length);
  const copy = await timeLoop(SECONDS, () => encoded.copy(target));
  rows.push({ name: 'memcpy (baseline)', value: mb(encoded.length * copy.iterations, copy.elapsed), unit: 'MB/s' });

  const heaps = Array.from({ length: batch }, () => heapOf(heapSize));
  const stream = new send.BytesStream({ maxPacketSize: packet, maxHeaps: batch });
  const enc = await timeLoop(SECONDS, async () => {
    await stream.sendHeaps(heaps, send.GroupMode.SERIAL);
    stream.take();
  });
  rows.push({ name: 'encode (sendHeaps batch)', value: mb(encoded.length * enc.iterations, enc.elapsed), unit: 'MB/s', extra: { 'heaps/s': (batch * enc.iterations) / enc.elapsed } });

  const dec = await timeLoop(SECONDS, async () => {
    const d = new HeapDecoder();
    const done = new Promise<void>((resolve) => d.on('end', resolve));
    d.on('data', (h: recv.Heap) => h.release());
    d.end(encoded);
    await done;
  });
  rows.push({ name: 'decode (HeapDecoder)', value: mb(encoded.length * dec.iterations, dec.elapsed), unit: 'MB/s', extra: { 'heaps/s': (batch * dec.iterations) / dec.elapsed } });

  for (const pooled of [false, true]) {
    const pool = pooled ? new MemoryPool(heapSize, heapSize, 32, 32) : undefined;
    const r = await timeLoop(SECONDS, async () => {
      const s = new recv.Stream({ memoryAllocator: pool }, { heaps: 16 });
      s.addBufferReader(encoded);
      for await (const h of s) (h as recv.Heap).release();
    });
    rows.push({
      name: `decode (addBufferReader${pooled ? ', MemoryPool' : ''})`,
      value: mb(encoded.length * r.iterations, r.elapsed),
      unit: 'MB/s',
      extra: { 'heaps/s': (batch * r.iterations) / r.elapsed },
    });
  }
  return { title: `In memory: ${heapSize} B heaps, ${packet} B packets`, baseline: 'memcpy (baseline)', rows };
}

interface UdpResult {
  sentHeaps: number;
  receivedHeaps: number;
  bytes: number;
  seconds: number;
  cpuPerHeapUs: number;
}

async function udpRun(heapSize: number, packet: number, rate: number, seconds: number, pooled: boolean, offload = true): Promise<UdpResult> {
  const ring = 16;
  const pool = pooled ? new MemoryPool(heapSize, heapSize, 4 + ring + 4, 4 + ring + 4) : undefined;
  const rx = new recv.Stream({ memoryAllocator: pool }, { heaps: ring });
  const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 }, { maxSize: packet + 64, bufferSize: 16 << 20, gro: offload });
  const batch = Math.max(1, Math.floor((512 * 1024) / heapSize));
  const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { maxPacketSize: packet, rate, maxHeaps: 2 * batch }, { gso: offload });
  const groups = [0, 1].map(() => Array.from({ length: batch }, () => heapOf(heapSize)));
  let receivedHeaps = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const receiving = (async () => {
    for await (const h of rx) {
      if (h instanceof recv.Heap) {
        receivedHeaps++;
        bytes += h.payload.length;
      }
      h.release();
    }
  })();
  const { sentHeaps, seconds: elapsed } = await sendFor(tx, groups, seconds);
  await new Promise((r) => setTimeout(r, 100));
  rx.stop();
  await receiving;
  const cpu = process.cpuUsage(cpu0);
  tx.destroy();
  return { sentHeaps, receivedHeaps, bytes, seconds: elapsed, cpuPerHeapUs: (cpu.user + cpu.system) / Math.max(1, receivedHeaps) };
}

async function udp(heapSize: number, packet: number): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const c = native.benchUdpCeiling(packet, SECONDS);
  rows.push({
    name: 'C sendmmsg/recvmmsg (ceiling)',
    value: (c.received * packet * 8) / c.seconds / 1e9,
    unit: 'Gb/s',
    extra: { loss: 1 - c.received / c.sent },
  });
  const plain = await udpRun(heapSize, packet, 0, SECONDS, false, false);
  rows.push({
    name: 'spead unlimited, no GSO/GRO',
    value: (plain.bytes * 8) / plain.seconds / 1e9,
    unit: 'Gb/s',
    extra: { 'heaps/s': plain.receivedHeaps / plain.seconds, loss: 1 - plain.receivedHeaps / plain.sentHeaps, 'rx CPU µs/heap': plain.cpuPerHeapUs },
  });
  for (const pooled of [false, true]) {
    const r = await udpRun(heapSize, packet, 0, SECONDS, pooled);
    rows.push({
      name: `spead unlimited${pooled ? ', MemoryPool' : ''}`,
      value: (r.bytes * 8) / r.seconds / 1e9,
      unit: 'Gb/s',
      extra: { 'heaps/s': r.receivedHeaps / r.seconds, loss: 1 - r.receivedHeaps / r.sentHeaps, 'rx CPU µs/heap': r.cpuPerHeapUs },
    });
    const search = await searchSustainableRate(
      async (rate) => {
        const t = await udpRun(heapSize, packet, rate, SECONDS / 2, pooled);
        return { good: t.receivedHeaps >= t.sentHeaps, actualRate: (t.sentHeaps * heapSize) / t.seconds };
      },
      { tolerance: 0.1, maxTrials: quick ? 3 : 6 },
    );
    rows.push({
      name: `spead loss-free${pooled ? ', MemoryPool' : ''}`,
      value: (search.rate * 8) / 1e9,
      unit: 'Gb/s',
      extra: { trials: search.trials.length, 'sender-limited': search.senderLimited ? 'yes' : 'no' },
    });
  }
  return { title: `Loopback UDP: ${heapSize} B heaps, ${packet} B packets`, baseline: 'C sendmmsg/recvmmsg (ceiling)', rows };
}

async function sendSection(heapSize: number, packet: number): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const c = native.benchUdpCeiling(packet, SECONDS);
  rows.push({ name: 'C sendmmsg (ceiling)', value: (c.sent * packet * 8) / c.seconds / 1e9, unit: 'Gb/s' });
  // Nobody listens on the discard port: this measures the send path alone.
  const dest = [{ host: '127.0.0.1', port: 9 }];
  const batch = Math.max(1, Math.floor((512 * 1024) / heapSize));
  const sets = [0, 1].map(() => Array.from({ length: batch }, () => heapOf(heapSize)));
  const lists = sets.map((set) => new send.HeapReferenceList(set.map((h) => new send.HeapReference(h))));
  const modes: Array<[string, boolean, (s: send.UdpStream, slot: number) => Promise<number>]> = [
    ['heap by heap', true, async (s, slot) => (await Promise.all(sets[slot].map((h) => s.sendHeap(h)))).reduce((a, b) => a + b, 0)],
    ['sendHeaps batches', true, (s, slot) => s.sendHeaps(sets[slot], send.GroupMode.SERIAL)],
    ['HeapReferenceList', true, (s, slot) => s.sendHeaps(lists[slot], send.GroupMode.SERIAL)],
    ['HeapReferenceList, no GSO', false, (s, slot) => s.sendHeaps(lists[slot], send.GroupMode.SERIAL)],
  ];
  for (const [name, gso, sendSlot] of modes) {
    const stream = new send.UdpStream(dest, { maxPacketSize: packet, maxHeaps: 2 * batch }, { gso });
    const pending: Array<Promise<number> | undefined> = [undefined, undefined];
    let bytes = 0;
    let heaps = 0;
    const t = await timeLoop(SECONDS, async () => {
      const slot = heaps / batch % 2;
      if (pending[slot]) bytes += await pending[slot]!;
      pending[slot] = sendSlot(stream, slot);
      heaps += batch;
    });
    for (const p of pending) if (p) bytes += await p;
    stream.destroy();
    rows.push({ name, value: (bytes * 8) / t.elapsed / 1e9, unit: 'Gb/s', extra: { 'MB/s': bytes / t.elapsed / 1e6, 'heaps/s': heaps / t.elapsed } });
  }
  return { title: `Sending over UDP: ${heapSize} B heaps, ${packet} B packets`, baseline: 'C sendmmsg (ceiling)', rows };
}

async function main(): Promise<void> {
  const sections: BenchSection[] = [];
  if (process.argv.includes('--xdp-only')) {
    const xdp: BenchSection[] = [];
    for (const sender of ['stream', 'xdp', 'blast'] as const) xdp.push(await xdpSection(SECONDS * 2, sender));
    xdp.push(await xdpSection(SECONDS * 2, 'blast', 1 << 20, 8972));
    process.stdout.write(renderTable(xdp));
    return;
  }
  const valuesOnly = process.argv.includes('--values-only');
  // Issue #11: item values and the per-heap path, beside spead2 when it is built.
  const peer = findSpead2(path.resolve(__dirname, '..', '..'));
  const issue: BenchSection[] = [];
  issue.push(await valueSendSection(SECONDS, peer));
  issue.push(await valueDecodeSection(SECONDS, peer));
  issue.push(await smallHeapSection(SECONDS, peer));
  issue.push(await smallUdpSection(SECONDS, peer, quick ? 5 : 7));
  if (valuesOnly) {
    process.stdout.write(renderTable(issue) + goals(issue));
    return;
  }
  sections.push(...issue);
  for (const [heap, packet] of [[8192, 1472], [1 << 20, 1472], [1 << 20, 9000]]) sections.push(await inMemory(heap, packet));
  for (const [heap, packet] of [[8192, 1472], [16384, 9000], [1 << 20, 9000], [1 << 20, 1472], [64 << 20, 9000]]) sections.push(await sendSection(heap, packet));
  for (const [heap, packet] of [[8192, 9000], [8192, 1472], [1 << 20, 9000], [1 << 20, 1472], [64 << 20, 9000]]) sections.push(await udp(heap, packet));
  for (const sender of ['stream', 'xdp', 'blast'] as const) sections.push(await xdpSection(SECONDS * 2, sender));
  sections.push(await xdpSection(SECONDS * 2, 'blast', 1 << 20, 8972));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`spead benchmarks — ${os.cpus().length} × ${cpu}, Linux ${os.release()}, Node ${process.version}, byte-swap kernel ${native.swapKernel}\n`);
  process.stdout.write(renderTable(sections) + goals(issue));
}

/** The issue #11 targets, one line each, after the table. */
function goals(sections: BenchSection[]): string {
  const lines = ['', '## Issue #11 goals'];
  for (const s of sections) {
    for (const r of s.rows) {
      if (r.goal === undefined) continue;
      const ratio = rowRatio(s, r);
      const verdict = ratio === undefined ? 'not measured' : ratio >= r.goal ? 'met' : 'NOT met';
      lines.push(`  ${r.name.padEnd(44)} ×${ratio === undefined ? '    —' : ratio.toFixed(2).padStart(5)}  goal ≥ ${r.goal.toFixed(2)}  ${verdict}`);
    }
    if (s.note !== undefined) lines.push(`  (${s.title.split(':')[0]}: ${s.note.split('\n')[0].trim()})`);
  }
  if (benchSink() === -1) lines.push(''); // keeps the value reads observable
  return lines.join('\n') + '\n';
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
