/**
 * The receiver options of spead-recv (sources, transports, stream and ring
 * configuration), for tools that receive one stream from them: the option
 * table, its usage text, and a function that builds the stream.
 */
import { MemoryPool } from '../memory';
import type { RingStreamConfigInit, StreamConfigInit } from '../recv/config';
import { Stream } from '../recv/stream';
import { ThreadPool } from '../thread-pool';
import type { XdpMode } from '../xdp';
import { Endpoint, flag, parseCount, parseEndpoint, parseRangeList, ParsedCommandLine, str, UsageError } from './cli';

/** The usage lines of the receiver options. */
export const RECEIVER_USAGE = `  --tcp                    listen for one TCP connection instead of UDP
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
  --affinity CPUS          pin worker threads to these CPUs (e.g. 2,3-5)
`;

/** The receiver options for `parseCommandLine`. */
export const RECEIVER_OPTIONS = {
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
  affinity: { type: 'string' },
} as const;

/** A stream built from the command line, and a description of its sources. */
export interface ReceiverSetup {
  /** The stream, its readers added. */
  stream: Stream;
  /** The sources, as a title: `udp 127.0.0.1:7148`, `pcap capture.pcap`. */
  description: string;
  /** Lines to tell the user (e.g. the AF_XDP mode obtained). */
  notes: string[];
}

/**
 * What the receiver options ask for, checked: the stream and ring
 * configuration, the sources, and how to add readers for some of them to a
 * stream. spead-recv makes a stream per source (or one with --joint),
 * spead-scope one for all.
 */
export interface ReceiverPlan {
  /** The `[host]:port` sources (none with --pcap). */
  endpoints: Endpoint[];
  /** The stream configuration (thread pool and memory pool included). */
  config: StreamConfigInit;
  /** The ring configuration; incomplete heaps are delivered, so that their loss can be counted. */
  ring: RingStreamConfigInit;
  /** True when the source is a pcap file rather than endpoints. */
  pcap: boolean;
  /** Adds the readers for `endpoints` (all of them by default) to `stream`; returns notes for the user. */
  addReaders(stream: Stream, endpoints?: Endpoint[]): string[];
  /** `udp 127.0.0.1:7148`, `pcap capture.pcap`, … for these endpoints. */
  describe(endpoints?: Endpoint[]): string;
}

/** Checks the receiver options and plans the readers (usage errors thrown here, before any stream exists). */
export function planReceiver(cl: ParsedCommandLine): ReceiverPlan {
  const pcap = str(cl, 'pcap');
  if (cl.positionals.length === 0 && pcap === undefined) throw new UsageError('no source given');
  const endpoints = cl.positionals.map((s) => parseEndpoint(s));
  const maxHeaps = parseCount('max-heaps', str(cl, 'max-heaps') ?? str(cl, 'concurrent-heaps'), 4, 1);
  const threadPool = new ThreadPool(parseCount('threads', str(cl, 'threads'), 1, 1), parseRangeList('affinity', str(cl, 'affinity')));
  const memoryAllocator = flag(cl, 'mem-pool')
    ? new MemoryPool(
        parseCount('mem-lower', str(cl, 'mem-lower'), 16384),
        parseCount('mem-upper', str(cl, 'mem-upper'), 33554432),
        parseCount('mem-max-free', str(cl, 'mem-max-free'), 12),
        parseCount('mem-initial', str(cl, 'mem-initial'), 8),
      )
    : undefined;
  const maxSize = parseCount('packet', str(cl, 'packet'), 9200, 1);
  const interfaceAddress = str(cl, 'bind');
  const ibv = flag(cl, 'ibv');
  const xdp = str(cl, 'xdp');
  const tcp = flag(cl, 'tcp');
  if (ibv && (tcp || pcap !== undefined)) throw new UsageError('--ibv cannot be combined with --tcp or --pcap');
  if (ibv && interfaceAddress === undefined) throw new UsageError('--ibv requires --bind');
  if (xdp !== undefined && (tcp || pcap !== undefined || ibv)) throw new UsageError('--xdp cannot be combined with --tcp, --pcap or --ibv');
  const xdpMode = str(cl, 'xdp-mode') ?? 'auto';
  if (xdpMode !== 'auto' && xdpMode !== 'native' && xdpMode !== 'generic') throw new UsageError(`--xdp-mode must be auto, native or generic, not ${xdpMode}`);
  const xdpQueue = str(cl, 'xdp-queue') === 'all' ? ('all' as const) : parseCount('xdp-queue', str(cl, 'xdp-queue'), 0);
  const ibvOptions = {
    interfaceAddress: interfaceAddress ?? '',
    maxSize,
    // spead2's ibverbs default buffer unless --buffer says otherwise.
    bufferSize: parseCount('buffer', str(cl, 'buffer'), 16 << 20),
    commVector: parseCount('ibv-vector', str(cl, 'ibv-vector'), 0, -(2 ** 31)),
    maxPoll: parseCount('ibv-max-poll', str(cl, 'ibv-max-poll'), 10, 1),
  };
  const udpOptions = { maxSize, bufferSize: parseCount('buffer', str(cl, 'buffer'), 8 << 20), interfaceAddress };
  const tcpMaxSize = str(cl, 'packet') !== undefined ? maxSize : 65536;
  const describe = (eps: Endpoint[] = endpoints): string => {
    const where = eps.map((ep) => `${ep.host || interfaceAddress || '0.0.0.0'}:${ep.port}`).join(' ');
    if (pcap !== undefined) return `pcap ${pcap}`;
    if (xdp !== undefined) return `AF_XDP ${xdp} ${where}`;
    if (ibv) return `ibverbs ${where}`;
    return `${tcp ? 'tcp' : 'udp'} ${where}`;
  };
  const addReaders = (stream: Stream, eps: Endpoint[] = endpoints): string[] => {
    const hostPorts = eps.map((ep) => ({ host: ep.host, port: ep.port }));
    if (pcap !== undefined) {
      stream.addPcapFileReader(pcap, { filter: str(cl, 'filter') });
      return [];
    }
    if (xdp !== undefined) {
      const info = stream.addUdpXdpReader({ interface: xdp, endpoints: hostPorts, queue: xdpQueue, mode: xdpMode as XdpMode, maxSize, zeroCopy: flag(cl, 'xdp-zero-copy') ? true : undefined });
      return [`AF_XDP on ${xdp}: ${info.mode} XDP, ${info.zeroCopy ? 'zero-copy' : 'copy mode'}`];
    }
    if (ibv) {
      stream.addUdpIbvReader({ ...ibvOptions, endpoints: hostPorts });
      return [];
    }
    for (const ep of eps) {
      const host = ep.host || (interfaceAddress ?? '');
      if (tcp) stream.addTcpReader({ host, port: ep.port }, { maxSize: tcpMaxSize });
      else stream.addUdpReader({ host, port: ep.port }, udpOptions);
    }
    return [];
  };
  return {
    endpoints,
    config: { maxHeaps, substreams: parseCount('substreams', str(cl, 'substreams'), 1, 1), threadPool, memoryAllocator },
    ring: { heaps: parseCount('ring-heaps', str(cl, 'ring-heaps'), 4, 1), contiguousOnly: false },
    pcap: pcap !== undefined,
    addReaders,
    describe,
  };
}

/**
 * Builds one stream that receives from every source on the command line
 * (the positionals are `[host]:port` endpoints), as spead-recv --joint would.
 * Incomplete heaps are delivered, so that their loss can be counted.
 */
export function createReceiver(cl: ParsedCommandLine): ReceiverSetup {
  const plan = planReceiver(cl);
  const stream = new Stream(plan.config, plan.ring);
  try {
    const notes = plan.addReaders(stream);
    return { stream, description: plan.describe(), notes };
  } catch (e) {
    // A reader that cannot be made ends the tool: the stream must not keep it running.
    stream.destroy();
    throw e;
  }
}
