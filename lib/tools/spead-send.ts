#!/usr/bin/env node
/**
 * spead-send: sends a stream of test heaps (or replays a capture file), like
 * spead2_send — same options, same --verify payload pattern.
 */
import * as fs from 'fs';
import { pipeline } from 'stream/promises';
import { Flavour } from '../flavour';
import { HeapDecoder } from '../heap-decoder';
import { Heap as RecvHeap } from '../recv/heap';
import { resendable } from '../heap-encoder';
import { Descriptor } from '../descriptor';
import { GroupMode, HeapReference } from '../send/heap-reference';
import { Heap } from '../send/heap';
import { TcpStream, UdpIbvStream, UdpStream, UdpXdpStream } from '../send/network-streams';
import { Transform } from 'stream';
import { flag, parseCommandLine, parseCount, parseEndpoint, parseRangeList, parseReal, runTool, str, UsageError } from './cli';
import { ThreadPool } from '../thread-pool';
import { ProgressLine } from './progress';
import { fillVerifyHeap } from './verify-pattern';

const USAGE = `Usage: spead-send [options] <host>:<port> [<host>:<port> ...]
  --heap-size N            payload bytes per heap (4194304)
  --items N                items per heap (1)
  --heaps N                data heaps to send, -1 = forever (-1)
  --verify                 fill payloads with spead2's --verify pattern
  --tcp                    send over TCP (one destination)
  --addr-bits N            heap address bits (40)
  --packet N               largest packet (1472)
  --buffer N               socket buffer size (512 KiB)
  --burst N                burst size (65536)
  --burst-rate-ratio R     catch-up rate, relative to --rate (1.05)
  --max-heaps N            heaps in flight (4)
  --rate R                 rate in Gb/s, 0 = unlimited (0)
  --ttl N                  multicast TTL (1)
  --bind ADDR              IPv4 multicast: outgoing interface
  --ibv                    send with ibverbs (IPv4 multicast; needs --bind)
  --ibv-vector N           ibverbs completion vector; --ibv-vector=-1 busy-polls (0)
  --ibv-max-poll N         ibverbs polls before sleeping (10)
  --xdp IFACE              send with AF_XDP on interface IFACE (IPv4)
  --dest-mac MAC           with --xdp: destination MAC (default: multicast MAC or the ARP table)
  --group-mode MODE        serial or round-robin, with --batch (serial)
  --batch N                heaps per sendHeaps call (1)
  --input FILE             replay a capture (SPEAD packets) instead of test heaps
  --affinity CPUS          pin worker threads to these CPUs (e.g. 2,3-5)
  -h, --help               this text
`;

const OPTIONS = {
  'heap-size': { type: 'string' },
  items: { type: 'string' },
  heaps: { type: 'string' },
  verify: { type: 'boolean' },
  tcp: { type: 'boolean' },
  'addr-bits': { type: 'string' },
  packet: { type: 'string' },
  buffer: { type: 'string' },
  burst: { type: 'string' },
  'burst-rate-ratio': { type: 'string' },
  'max-heaps': { type: 'string' },
  rate: { type: 'string' },
  ttl: { type: 'string' },
  bind: { type: 'string' },
  ibv: { type: 'boolean' },
  'ibv-vector': { type: 'string' },
  'ibv-max-poll': { type: 'string' },
  xdp: { type: 'string' },
  'dest-mac': { type: 'string' },
  'group-mode': { type: 'string' },
  batch: { type: 'string' },
  input: { type: 'string' },
  affinity: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<number> {
  const cl = parseCommandLine(process.argv.slice(2), OPTIONS);
  if (flag(cl, 'help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cl.positionals.length === 0) throw new UsageError('no destination given');
  const dests = cl.positionals.map((d) => parseEndpoint(d));
  if (dests.some((d) => d.host === '')) throw new UsageError('a destination needs a host');
  const heapSize = parseCount('heap-size', str(cl, 'heap-size'), 4194304, 4);
  const nItems = parseCount('items', str(cl, 'items'), 1, 1);
  const heapsText = str(cl, 'heaps');
  const nHeaps = heapsText === '-1' || heapsText === undefined ? -1 : parseCount('heaps', heapsText, -1);
  const maxHeaps = parseCount('max-heaps', str(cl, 'max-heaps'), 4, 1);
  const batch = parseCount('batch', str(cl, 'batch'), 1, 1);
  const modeText = str(cl, 'group-mode') ?? 'serial';
  if (modeText !== 'serial' && modeText !== 'round-robin') throw new UsageError(`--group-mode must be serial or round-robin, not '${modeText}'`);
  const mode = modeText === 'serial' ? GroupMode.SERIAL : GroupMode.ROUND_ROBIN;
  const flavour = new Flavour(4, 64, parseCount('addr-bits', str(cl, 'addr-bits'), 40, 8));
  if (flag(cl, 'tcp') && dests.length !== 1) throw new UsageError('--tcp takes exactly one destination');
  const streamConfig = {
      maxPacketSize: parseCount('packet', str(cl, 'packet'), 1472, 56),
      rate: (parseReal('rate', str(cl, 'rate'), 0) * 1e9) / 8,
      burstSize: parseCount('burst', str(cl, 'burst'), 65536),
      burstRateRatio: parseReal('burst-rate-ratio', str(cl, 'burst-rate-ratio'), 1.05, 1),
      maxHeaps: Math.max(maxHeaps, batch),
      threadPool: new ThreadPool(1, parseRangeList('affinity', str(cl, 'affinity'))),
  };
  const ibv = flag(cl, 'ibv');
  if (ibv && flag(cl, 'tcp')) throw new UsageError('--ibv and --tcp are incompatible');
  if (ibv && str(cl, 'bind') === undefined) throw new UsageError('--ibv requires --bind');
  const xdp = str(cl, 'xdp');
  if (xdp !== undefined && (ibv || flag(cl, 'tcp'))) throw new UsageError('--xdp cannot be combined with --ibv or --tcp');
  if (str(cl, 'dest-mac') !== undefined && xdp === undefined) throw new UsageError('--dest-mac needs --xdp');
  const stream = xdp !== undefined
    ? new UdpXdpStream(dests, streamConfig, {
        interface: xdp,
        destMac: str(cl, 'dest-mac'),
        sourceAddress: str(cl, 'bind'),
        ttl: parseCount('ttl', str(cl, 'ttl'), 64, 1),
      })
    : ibv
    ? new UdpIbvStream(dests, streamConfig, {
        interfaceAddress: str(cl, 'bind') ?? '',
        bufferSize: parseCount('buffer', str(cl, 'buffer'), 512 * 1024),
        ttl: parseCount('ttl', str(cl, 'ttl'), 1),
        commVector: parseCount('ibv-vector', str(cl, 'ibv-vector'), 0, -(2 ** 31)),
        maxPoll: parseCount('ibv-max-poll', str(cl, 'ibv-max-poll'), 10, 1),
      })
    : flag(cl, 'tcp')
    ? await TcpStream.connect(dests[0], streamConfig, { bufferSize: parseCount('buffer', str(cl, 'buffer'), 212992) })
    : new UdpStream(dests, streamConfig, {
        bufferSize: parseCount('buffer', str(cl, 'buffer'), 512 * 1024),
        ttl: parseCount('ttl', str(cl, 'ttl'), 1),
        interfaceAddress: str(cl, 'bind'),
      });
  const counters = { heaps: 0, bytes: 0, incomplete: 0, dropped: 0 };
  const progress = process.stderr.isTTY ? new ProgressLine(counters, 'sent') : undefined;
  const start = process.hrtime.bigint();
  let sentBytes = 0;

  const input = str(cl, 'input');
  if (input !== undefined) {
    // Replay: heaps decoded from the file go out with their own cnts.
    const toRefs = new Transform({
      objectMode: true,
      transform(heap: RecvHeap, _e, cb) {
        const ref = resendable(heap);
        counters.heaps++;
        counters.bytes += heap.payload.length;
        cb(null, ref);
      },
    });
    await pipeline(fs.createReadStream(input), new HeapDecoder({ maxHeaps }), toRefs, stream);
  } else {
    const elements = Math.floor(heapSize / (nItems * 4));
    // spead2_send: every item is a >u4 array; the first heap per substream carries descriptors.
    const descriptors = Array.from({ length: nItems }, (_, i) =>
      new Descriptor({ id: 0x1000 + i, name: `Test item ${i}`, description: 'A test item with arbitrary value', shape: [elements], dtype: '>u4' }),
    );
    // As many buffer sets as heaps may be in flight: a slot is reused only once its heap is sent.
    const slots = Math.max(maxHeaps, batch);
    const storage = Array.from({ length: slots }, () => Array.from({ length: nItems }, () => new Uint8Array(elements * 4)));
    // Each slot's arrays are in flight until the group that used them is sent.
    const inFlight: Array<Promise<unknown> | undefined> = new Array(slots).fill(undefined);
    const total = nHeaps < 0 ? Infinity : nHeaps;
    let stopping = false;
    process.once('SIGINT', () => (stopping = true));
    for (let idx = 0; idx < total && !stopping; ) {
      const group: HeapReference[] = [];
      const first = idx;
      for (; group.length < batch && idx < total; idx++) {
        const slot = idx % slots;
        if (inFlight[slot] !== undefined) await inFlight[slot];
        if (flag(cl, 'verify')) fillVerifyHeap(storage[slot], idx + 1);
        const heap = new Heap(flavour);
        if (idx < dests.length) descriptors.forEach((d) => heap.addDescriptor(d));
        storage[slot].forEach((data, i) => heap.addRaw(0x1000 + i, data, true));
        group.push(new HeapReference(heap, { substreamIndex: idx % dests.length }));
      }
      const p = stream.sendHeaps(group, mode).then((bytes) => (sentBytes += bytes));
      for (let k = first; k < idx; k++) inFlight[k % slots] = p;
      counters.heaps += group.length;
      counters.bytes += group.length * heapSize;
    }
    await Promise.all(inFlight);
    for (let s = 0; s < dests.length; s++) {
      const end = new Heap(flavour);
      end.addEnd();
      sentBytes += await stream.sendHeap(end, { substreamIndex: s });
    }
    stream.end();
  }
  progress?.stop();
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (input === undefined) process.stdout.write(`Sent ${sentBytes} bytes in ${elapsed} seconds, ${(sentBytes * 8e-9) / elapsed} Gb/s\n`);
  else process.stdout.write(`Replayed ${counters.heaps} heaps in ${elapsed} seconds\n`);
  stream.destroy();
  return 0;
}

runTool(USAGE, main);
