#!/usr/bin/env node
/**
 * spead-recv: receives SPEAD streams and reports them, like spead2_recv —
 * with --verify against spead2_send's payload pattern, --json item values,
 * --output to capture heaps to a file, and loss statistics by reason.
 */
import * as fs from 'fs';
import { pipeline } from 'stream/promises';
import { PassThrough } from 'stream';
import { HeapEncoder } from '../heap-encoder';
import { ItemGroup } from '../item-group';
import { MemoryPool } from '../memory';
import { Heap, IncompleteHeap } from '../recv/heap';
import { Stream } from '../recv/stream';
import { ThreadPool } from '../thread-pool';
import { flag, parseCommandLine, parseCount, parseEndpoint, parseRangeList, runTool, str, UsageError } from './cli';
import { ProgressLine, statsLines } from './progress';
import { checkVerifyHeap } from './verify-pattern';
import type { XdpMode } from '../xdp';

const USAGE = `Usage: spead-recv [options] [host]:<port> [[host]:<port> ...]
       spead-recv [options] --pcap FILE [--filter EXPR]
  --tcp                    listen for one TCP connection instead of UDP
  --pcap FILE              read a pcap capture instead of the network (--filter: a BPF expression)
  --bind ADDR              interface address (IPv4 multicast: join on it)
  --packet N               largest packet accepted (9200)
  --ibv                    receive with ibverbs (needs --bind; all sources of a stream in one reader)
  --ibv-vector N           ibverbs completion vector; --ibv-vector=-1 busy-polls (0)
  --ibv-max-poll N         ibverbs polls before sleeping (10)
  --xdp IFACE              receive with AF_XDP on interface IFACE (all sources of a stream in one reader)
  --xdp-queue N|all        the NIC queue to bind, or all of them (0)
  --xdp-mode MODE          auto, native or generic XDP (auto)
  --xdp-zero-copy          require zero-copy AF_XDP (default: whatever the driver offers)
  --buffer N               socket buffer size (8 MiB)
  --max-heaps N            live heaps per substream (4) [spead2: --concurrent-heaps]
  --substreams N           substreams (1)
  --ring-heaps N           ring capacity (4)
  --mem-pool               use a memory pool (--mem-lower 16384 --mem-upper 33554432
                           --mem-max-free 12 --mem-initial 8)
  --threads N              worker threads (1)
  --joint                  all sources into one stream
  --quiet                  only the totals
  --descriptors            show descriptors
  --values                 show item values (decoded with an ItemGroup)
  --json                   one JSON line per heap with its item values
  --verify                 check spead2_send --verify's payload pattern
  --output FILE            also write the heaps to FILE as SPEAD packets
  --affinity CPUS          pin worker threads to these CPUs (e.g. 2,3-5)
  -h, --help               this text
`;

const OPTIONS = {
  tcp: { type: 'boolean' },
  pcap: { type: 'string' },
  filter: { type: 'string' },
  bind: { type: 'string' },
  packet: { type: 'string' },
  ibv: { type: 'boolean' },
  'ibv-vector': { type: 'string' },
  'ibv-max-poll': { type: 'string' },
  xdp: { type: 'string' },
  'xdp-queue': { type: 'string' },
  'xdp-mode': { type: 'string' },
  'xdp-zero-copy': { type: 'boolean' },
  buffer: { type: 'string' },
  'max-heaps': { type: 'string' },
  'concurrent-heaps': { type: 'string' },
  substreams: { type: 'string' },
  'ring-heaps': { type: 'string' },
  'mem-pool': { type: 'boolean' },
  'mem-lower': { type: 'string' },
  'mem-upper': { type: 'string' },
  'mem-max-free': { type: 'string' },
  'mem-initial': { type: 'string' },
  threads: { type: 'string' },
  joint: { type: 'boolean' },
  quiet: { type: 'boolean' },
  descriptors: { type: 'boolean' },
  values: { type: 'boolean' },
  json: { type: 'boolean' },
  verify: { type: 'boolean' },
  output: { type: 'string' },
  affinity: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array && v.constructor === Uint8Array) return Array.from(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, jsonValue);
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

async function main(): Promise<number> {
  const cl = parseCommandLine(process.argv.slice(2), OPTIONS);
  if (flag(cl, 'help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const pcap = str(cl, 'pcap');
  if (cl.positionals.length === 0 && pcap === undefined) throw new UsageError('no source given');
  const endpoints = cl.positionals.map((s) => parseEndpoint(s));
  const maxHeaps = parseCount('max-heaps', str(cl, 'max-heaps') ?? str(cl, 'concurrent-heaps'), 4, 1);
  const threads = new ThreadPool(parseCount('threads', str(cl, 'threads'), 1, 1), parseRangeList('affinity', str(cl, 'affinity')));
  const pool = flag(cl, 'mem-pool')
    ? new MemoryPool(
        parseCount('mem-lower', str(cl, 'mem-lower'), 16384),
        parseCount('mem-upper', str(cl, 'mem-upper'), 33554432),
        parseCount('mem-max-free', str(cl, 'mem-max-free'), 12),
        parseCount('mem-initial', str(cl, 'mem-initial'), 8),
      )
    : undefined;
  const config = { maxHeaps, substreams: parseCount('substreams', str(cl, 'substreams'), 1, 1), threadPool: threads, memoryAllocator: pool };
  const ring = { heaps: parseCount('ring-heaps', str(cl, 'ring-heaps'), 4, 1), contiguousOnly: false };
  const readerOptions = {
    maxSize: parseCount('packet', str(cl, 'packet'), 9200, 1),
    bufferSize: parseCount('buffer', str(cl, 'buffer'), 8 << 20),
    interfaceAddress: str(cl, 'bind'),
  };
  const ibv = flag(cl, 'ibv');
  if (ibv && (flag(cl, 'tcp') || pcap !== undefined)) throw new UsageError('--ibv cannot be combined with --tcp or --pcap');
  if (ibv && readerOptions.interfaceAddress === undefined) throw new UsageError('--ibv requires --bind');
  const ibvOptions = {
    interfaceAddress: readerOptions.interfaceAddress ?? '',
    maxSize: readerOptions.maxSize,
    // spead2's ibverbs default buffer unless --buffer says otherwise.
    bufferSize: parseCount('buffer', str(cl, 'buffer'), 16 << 20),
    commVector: parseCount('ibv-vector', str(cl, 'ibv-vector'), 0, -(2 ** 31)),
    maxPoll: parseCount('ibv-max-poll', str(cl, 'ibv-max-poll'), 10, 1),
  };
  const xdp = str(cl, 'xdp');
  if (xdp !== undefined && (flag(cl, 'tcp') || pcap !== undefined || ibv)) throw new UsageError('--xdp cannot be combined with --tcp, --pcap or --ibv');
  const xdpMode = str(cl, 'xdp-mode') ?? 'auto';
  if (xdpMode !== 'auto' && xdpMode !== 'native' && xdpMode !== 'generic') throw new UsageError(`--xdp-mode must be auto, native or generic, not ${xdpMode}`);
  const xdpOptions = {
    queue: str(cl, 'xdp-queue') === 'all' ? ('all' as const) : parseCount('xdp-queue', str(cl, 'xdp-queue'), 0),
    mode: xdpMode as XdpMode,
    maxSize: readerOptions.maxSize,
    zeroCopy: flag(cl, 'xdp-zero-copy') ? true : undefined,
  };
  const groups = pcap !== undefined ? [[]] : flag(cl, 'joint') ? [endpoints] : endpoints.map((e) => [e]);
  const addReaders = (s: Stream, eps: typeof endpoints): void => {
    if (pcap !== undefined) s.addPcapFileReader(pcap, { filter: str(cl, 'filter') });
    if (xdp !== undefined) {
      const info = s.addUdpXdpReader({ ...xdpOptions, interface: xdp, endpoints: eps.map((ep) => ({ host: ep.host, port: ep.port })) });
      process.stderr.write(`AF_XDP on ${xdp}: ${info.mode} XDP, ${info.zeroCopy ? 'zero-copy' : 'copy mode'}\n`);
      return;
    }
    if (ibv) {
      s.addUdpIbvReader({ ...ibvOptions, endpoints: eps.map((ep) => ({ host: ep.host, port: ep.port })) });
      return;
    }
    for (const ep of eps) {
      const host = ep.host || (readerOptions.interfaceAddress ?? '');
      if (flag(cl, 'tcp')) s.addTcpReader({ host, port: ep.port }, { maxSize: str(cl, 'packet') !== undefined ? readerOptions.maxSize : 65536 });
      else s.addUdpReader({ host, port: ep.port }, readerOptions);
    }
  };
  const streams: Stream[] = [];
  try {
    for (const eps of groups) {
      const s = new Stream(config, ring);
      streams.push(s);
      s.on('warning', (w: string) => process.stderr.write(`warning: ${w}\n`));
      addReaders(s, eps);
    }
  } catch (e) {
    // A reader that cannot be made ends the tool: the streams made so far must not keep it running.
    for (const s of streams) s.destroy();
    throw e;
  }
  process.once('SIGINT', () => streams.forEach((s) => s.stop()));

  const counters = { heaps: 0, bytes: 0, incomplete: 0, dropped: 0 };
  const progress = flag(cl, 'quiet') || !process.stderr.isTTY ? undefined : new ProgressLine(counters, 'received');
  const output = str(cl, 'output');
  const capture = output !== undefined ? new PassThrough({ objectMode: true }) : undefined;
  const captured = capture !== undefined ? pipeline(capture, new HeapEncoder(), fs.createWriteStream(output!)) : Promise.resolve();
  let failure: string | undefined;
  let complete = 0;
  const start = process.hrtime.bigint();

  await Promise.all(
    streams.map(async (stream) => {
      const items = new ItemGroup();
      for await (const h of stream) {
        const heap = h as Heap | IncompleteHeap;
        if (heap instanceof IncompleteHeap) {
          counters.incomplete++;
          if (!flag(cl, 'quiet')) process.stdout.write(`Discarding incomplete heap ${heap.cnt}\n`);
          heap.release();
          continue;
        }
        complete++;
        counters.heaps++;
        counters.bytes += heap.payload.length;
        counters.dropped = streams.reduce((n, s) => n + s.stats.get('kernel_dropped'), 0);
        if (!flag(cl, 'quiet') && !flag(cl, 'json')) {
          const t = Number(process.hrtime.bigint() - start) / 1e9;
          process.stdout.write(`Received heap ${heap.cnt} at ${t}\n`);
          if (flag(cl, 'descriptors')) {
            for (const d of heap.getDescriptors()) {
              process.stdout.write(
                `Descriptor for ${Buffer.from(d.name).toString('latin1')} (0x${d.id.toString(16)})\n  description: ${Buffer.from(d.description).toString('latin1')}\n` +
                  `  format:      [${d.format.map(([c, b]) => `(${c}, ${b})`).join(', ')}]\n  dtype:       ${d.numpyHeader}\n  shape:       (${d.shape.map((x) => (x === null ? '?' : x)).join(', ')})\n`,
              );
            }
          }
          for (const it of heap.getItems()) {
            process.stdout.write(`0x${it.id.toString(16)} = [${it.value.length} bytes]${it.isImmediate ? ` = 0x${it.immediateValue.toString(16)}` : ''}\n`);
          }
        }
        if (flag(cl, 'values') || flag(cl, 'json')) {
          let updated;
          try {
            updated = items.update(heap);
          } catch (e) {
            process.stderr.write(`heap ${heap.cnt}: ${(e as Error).message}\n`);
            updated = new Map();
          }
          if (flag(cl, 'json')) {
            const values = Object.fromEntries([...updated].map(([name, item]) => [name, jsonValue(item.value)]));
            process.stdout.write(JSON.stringify({ cnt: heap.cnt, items: values }) + '\n');
          } else for (const [name, item] of updated) process.stdout.write(`  ${name} = ${JSON.stringify(jsonValue(item.value))}\n`);
        }
        if (flag(cl, 'verify') && failure === undefined) {
          const mismatch = checkVerifyHeap(heap.cnt, heap.getItems());
          if (mismatch !== null) {
            failure = mismatch.message;
            streams.forEach((s) => s.stop());
          }
        }
        if (capture !== undefined) capture.write(heap);
        else heap.release();
      }
    }),
  );
  progress?.stop();
  capture?.end();
  await captured;
  if (failure !== undefined) {
    process.stderr.write(`${failure}\n`);
    return 1;
  }
  // spead2_recv's ending: the count, then every statistic summed over the streams.
  const totals = new Map<string, number>();
  for (const s of streams) for (const [name, value] of s.stats) totals.set(name, (totals.get(name) ?? 0) + value);
  process.stdout.write(`Received ${complete} heaps\n` + statsLines(totals));
  return 0;
}

runTool(USAGE, main);
