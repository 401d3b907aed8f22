/**
 * The per-heap path with 8 KiB heaps (issue #11): heaps/s from memory into a
 * `for await` loop (release only, and with ItemGroup.update), and the
 * highest loss-free loopback UDP rate, each beside spead2 when it is built.
 */
import { recv, send } from '../lib/index';
import { searchSustainableRate, RateTrial } from '../lib/tools/rate-search';
import { sendFor } from './send-for';
import { bestRates, BenchRow, BenchSection } from './table';
import { checkPython, freeUdpPort, interrupt, PyJob, receivedHeaps, skipped, Spead2Peer, spead2Python, spead2Recv, spead2Send, tempFile } from './spead2-peer';
import { checkDecoded, decodeOnce, encodeValueHeaps, ITEM, loopbackReceiver, ROUNDS } from './values';

const SMALL_HEAP = 8192;

async function decodeBatches(encoded: Uint8Array): Promise<number> {
  const stream = new recv.Stream({}, { heaps: 16 });
  stream.addBufferReader(encoded);
  let heaps = 0;
  for await (const batch of stream.batches()) {
    for (const heap of batch) heap.release();
    heaps += batch.length;
  }
  return heaps;
}

/** Section 3: 8 KiB heaps (one `<u4` item of 2048) from memory into for await; heaps/s. */
export async function smallHeapSection(seconds: number, peer: Spead2Peer, packet = 9000, count = 512): Promise<BenchSection> {
  const encoded = await encodeValueHeaps('<u4', SMALL_HEAP / 4, count, packet);
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const problem = await checkDecoded(encoded, '<u4', SMALL_HEAP / 4);
  if (problem !== undefined) notes.push(`VALUE MISMATCH ${problem}`);
  const RELEASE = 'ours: for await, release';
  const UPDATE = 'ours: for await, update + value, release';
  const BATCHES = 'ours: for await stream.batches(), release';
  const cases = [() => decodeOnce(encoded, false), () => decodeOnce(encoded, true), () => decodeBatches(encoded)];
  const rates = await bestRates(ROUNDS, seconds / 2, cases);
  rows.push({ name: RELEASE, value: rates[0], unit: 'heaps/s' });
  rows.push({ name: UPDATE, value: rates[1], unit: 'heaps/s' });
  rows.push({ name: BATCHES, value: rates[2], unit: 'heaps/s' });
  if (peer.pythonMissing !== undefined) {
    notes.push(skipped(peer.pythonMissing, 'spead2 Python rows'));
  } else {
    const f = tempFile(encoded, 'small.spead');
    try {
      const jobs: PyJob[] = [
        { file: f.file, mode: 'pass', item: ITEM, seconds: seconds / 2 },
        { file: f.file, mode: 'update', item: ITEM, seconds: seconds / 2 },
      ];
      const [pass, update] = await spead2Python(peer, jobs, ROUNDS);
      for (const [i, r] of [pass, update].entries()) {
        const p = checkPython(jobs[i], r, count, SMALL_HEAP / 4);
        if (p !== undefined) notes.push(`CHECK FAILED ${jobs[i].mode}: ${p}`);
      }
      const PY_PASS = 'spead2 Python: for heap in stream: pass';
      const PY_UPDATE = 'spead2 Python: ig.update(heap) + value';
      rows.push({ name: PY_PASS, value: pass.heapsPerSecond, unit: 'heaps/s' });
      rows.push({ name: PY_UPDATE, value: update.heapsPerSecond, unit: 'heaps/s' });
      const ours = (name: string): BenchRow => rows.find((r) => r.name === name)!;
      rows.push({ name: 'ours release vs spead2 Python pass', value: ours(RELEASE).value, unit: 'heaps/s', against: PY_PASS, goal: 2.5 });
      rows.push({ name: 'ours batches() vs spead2 Python pass', value: ours(BATCHES).value, unit: 'heaps/s', against: PY_PASS, goal: 2.5 });
      rows.push({ name: 'ours update vs spead2 Python update', value: ours(UPDATE).value, unit: 'heaps/s', against: PY_UPDATE, goal: 1.5 });
    } catch (e) {
      notes.push(`spead2 Python failed: ${(e as Error).message}`);
    } finally {
      f.remove();
    }
  }
  return {
    title: `8 KiB heaps in memory: ${count} heaps of one <u4 item, ${packet} B packets, addBufferReader → for await`,
    baseline: RELEASE,
    rows,
    note: notes.length > 0 ? notes.join('\n   ') : undefined,
  };
}

function rawHeap(size: number): send.Heap {
  const heap = new send.Heap();
  heap.addRaw(0x1000, new Uint8Array(size).fill(7), false);
  return heap;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The receivers compared: ours in this process, or spead2_recv as a child. */
type Receiver = 'ours' | 'spead2_recv';

/** A receiver on 127.0.0.1; `count()` stops it (if the end heap did not) and gives the complete heaps it saw. */
interface Listening {
  port: number;
  count: (graceMs: number) => Promise<number>;
}

async function listen(kind: Receiver, peer: Spead2Peer, packet: number): Promise<Listening> {
  if (kind === 'spead2_recv') {
    const port = await freeUdpPort();
    const running = spead2Recv(peer, port, { packet: packet + 64 });
    await sleep(300); // it prints nothing when ready: give it time to bind
    return {
      port,
      count: async (graceMs) => {
        await Promise.race([running.done, sleep(graceMs)]);
        return receivedHeaps(await interrupt(running));
      },
    };
  }
  const rx = loopbackReceiver(packet);
  return {
    port: rx.port,
    count: async (graceMs) => {
      await Promise.race([rx.done, sleep(graceMs)]);
      rx.stop();
      return rx.done;
    },
  };
}

/**
 * A trial's result for searchSustainableRate. Loopback never pushes back, so
 * an unlimited sender goes several times faster than any receiver drains: the
 * search would spend its first trials halving down from there. A lossy
 * unlimited trial reports instead twice the rate the receiver managed — still
 * above what it can sustain, a far tighter top for the search to start from.
 */
function outcome(rate: number, sent: number, received: number, seconds: number): RateTrial {
  const good = received >= sent;
  const sentRate = (sent * SMALL_HEAP) / seconds;
  if (rate > 0 || good) return { good, actualRate: sentRate };
  return { good, actualRate: Math.min(sentRate, (2 * received * SMALL_HEAP) / seconds) };
}

/**
 * One trial: the common sender (spead2_send when built, else our UdpStream)
 * sends 8 KiB heaps at `rate` bytes/s (0 = unlimited) for about `seconds`.
 */
async function trial(kind: Receiver, peer: Spead2Peer, packet: number, rate: number, seconds: number, unlimitedHeapsPerSecond: number): Promise<RateTrial> {
  const rx = await listen(kind, peer, packet);
  if (peer.cppMissing === undefined) {
    const heaps = Math.max(1000, Math.round(((rate > 0 ? rate / SMALL_HEAP : unlimitedHeapsPerSecond) * seconds)));
    const s = await spead2Send(peer, rx.port, { heapSize: SMALL_HEAP, packet, heaps, rateGbps: (rate * 8) / 1e9 });
    const received = await rx.count(300);
    return outcome(rate, heaps, received, s.seconds);
  }
  const batch = 64;
  const tx = new send.UdpStream([{ host: '127.0.0.1', port: rx.port }], { maxPacketSize: packet, rate, maxHeaps: 2 * batch });
  const groups = [0, 1].map(() => Array.from({ length: batch }, () => rawHeap(SMALL_HEAP)));
  const { sentHeaps, seconds: elapsed } = await sendFor(tx, groups, seconds);
  const received = await rx.count(150);
  tx.destroy();
  return outcome(rate, sentHeaps, received, elapsed);
}

/** Section 4: the highest loss-free loopback UDP rate for 8 KiB heaps, our receiver against spead2_recv. */
export async function smallUdpSection(seconds: number, peer: Spead2Peer, maxTrials: number, packet = 9000): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const kinds: Receiver[] = ['ours'];
  let unlimited = 0;
  let sender = 'our send.UdpStream';
  if (peer.cppMissing !== undefined) {
    notes.push(skipped(peer.cppMissing, 'spead2_recv row (sender: our send.UdpStream)'));
  } else {
    sender = 'spead2_send';
    kinds.push('spead2_recv');
    // How fast spead2_send goes unlimited, to size the unlimited trials.
    const probe = await listen('spead2_recv', peer, packet);
    const heaps = 20000;
    const s = await spead2Send(peer, probe.port, { heapSize: SMALL_HEAP, packet, heaps });
    await probe.count(300);
    unlimited = heaps / s.seconds;
  }
  const names: Record<Receiver, string> = { ours: 'ours: addUdpReader + for await release', spead2_recv: 'spead2_recv --ring (C++)' };
  // The searches run side by side, their trials taking turns (one at a time),
  // so a busy spell on a shared machine falls on both receivers alike.
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(fn: () => Promise<T>): Promise<T> => {
    const r = turn.then(fn);
    turn = r.catch(() => undefined);
    return r;
  };
  const searches = await Promise.allSettled(
    kinds.map((kind) => searchSustainableRate((rate) => inTurn(() => trial(kind, peer, packet, rate, seconds, unlimited)), { tolerance: 0.1, maxTrials })),
  );
  searches.forEach((result, i) => {
    const name = names[kinds[i]];
    if (result.status === 'rejected') {
      notes.push(`${name} failed: ${(result.reason as Error).message}`);
      return;
    }
    const search = result.value;
    rows.push({
      name,
      value: (search.rate * 8) / 1e9,
      unit: 'Gb/s',
      extra: { 'heaps/s': search.rate / SMALL_HEAP, trials: String(search.trials.length), 'sender-limited': search.senderLimited ? 'yes' : 'no' },
    });
  });
  const ours = rows.find((r) => r.name === names.ours);
  const theirs = rows.find((r) => r.name === names.spead2_recv);
  if (ours !== undefined && theirs !== undefined) rows.push({ name: 'ours vs spead2_recv', value: ours.value, unit: 'Gb/s', against: theirs.name, goal: 1.0 });
  return {
    title: `Loss-free loopback UDP: 8 KiB heaps, ${packet} B packets, sender ${sender}, rate searched`,
    baseline: rows[0]?.name ?? names.ours,
    rows,
    note: notes.length > 0 ? notes.join('\n   ') : undefined,
  };
}
