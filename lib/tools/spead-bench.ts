#!/usr/bin/env node
/**
 * spead-bench: finds the highest rate a receiver sustains without loss, like
 * spead2_bench. `spead-bench agent PORT` receives; `spead-bench master [opts]
 * HOST PORT` drives it over a TCP control connection (JSON lines: start →
 * ready, stop → {received_heaps}) and searches the rate.
 */
import * as net from 'net';
import * as readline from 'readline';
import { MemoryPool } from '../memory';
import { Stream } from '../recv/stream';
import { Heap } from '../send/heap';
import { UdpStream } from '../send/network-streams';
import { flag, parseCommandLine, parseCount, parseEndpoint, runTool, str, UsageError } from './cli';
import { searchSustainableRate } from './rate-search';

const USAGE = `Usage: spead-bench agent <port>
       spead-bench master [options] <host> <port>
  --heap-size N         payload bytes per heap (4194304)
  --packet N            packet size (9000)
  --heaps N             heaps per trial (enough for about 1 GB)
  --max-heaps N         heaps in flight at the sender / live at the receiver (4)
  --ring-heaps N        receiver ring capacity (4)
  --mem-pool            receiver uses a memory pool
  --multicast GROUP     send to this multicast group (the agent joins it)
  --quiet               print only the rate (Gb/s)
  -h, --help            this text
`;

const OPTIONS = {
  'heap-size': { type: 'string' },
  packet: { type: 'string' },
  heaps: { type: 'string' },
  'max-heaps': { type: 'string' },
  'ring-heaps': { type: 'string' },
  'mem-pool': { type: 'boolean' },
  multicast: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface StartCommand {
  cmd: 'start';
  port: number;
  multicast?: string;
  packet: number;
  heapSize: number;
  maxHeaps: number;
  ringHeaps: number;
  memPool: boolean;
}

async function agent(port: number): Promise<number> {
  const server = net.createServer((conn) => {
    let stream: Stream | undefined;
    let counting: Promise<number> | undefined;
    const lines = readline.createInterface({ input: conn });
    lines.on('line', (line) => {
      let cmd: StartCommand | { cmd: 'stop' | 'exit' };
      try {
        cmd = JSON.parse(line) as typeof cmd;
      } catch {
        process.stderr.write(`bad command: ${line}\n`);
        return;
      }
      if (cmd.cmd === 'start' && stream === undefined) {
        const pool = cmd.memPool ? new MemoryPool(cmd.heapSize, cmd.heapSize, cmd.maxHeaps + cmd.ringHeaps + 2, cmd.maxHeaps + cmd.ringHeaps + 2) : undefined;
        const s = new Stream({ maxHeaps: cmd.maxHeaps, memoryAllocator: pool }, { heaps: cmd.ringHeaps });
        s.addUdpReader({ host: cmd.multicast ?? '', port: cmd.port }, { maxSize: cmd.packet + 64, bufferSize: 32 << 20 });
        stream = s;
        counting = (async () => {
          let n = 0;
          for await (const h of s) {
            n++;
            h.release();
          }
          return n;
        })();
        conn.write('ready\n');
      } else if (cmd.cmd === 'stop' && stream !== undefined) {
        stream.stop();
        const running = counting!;
        stream = undefined;
        void running.then((n) => conn.write(JSON.stringify({ received_heaps: n }) + '\n'));
      } else if (cmd.cmd === 'exit') conn.end();
    });
    conn.on('close', () => stream?.stop());
    conn.on('error', () => stream?.stop());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  process.stderr.write(`spead-bench agent listening on port ${port}\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  server.close();
  return 0;
}

async function master(host: string, port: number, cl: ReturnType<typeof parseCommandLine>): Promise<number> {
  const heapSize = parseCount('heap-size', str(cl, 'heap-size'), 4194304, 8);
  const packet = parseCount('packet', str(cl, 'packet'), 9000, 56);
  const maxHeaps = parseCount('max-heaps', str(cl, 'max-heaps'), 4, 1);
  const ringHeaps = parseCount('ring-heaps', str(cl, 'ring-heaps'), 4, 1);
  const heapsPerTrial = parseCount('heaps', str(cl, 'heaps'), Math.floor(1e9 / heapSize) + 2, 1);
  const multicast = str(cl, 'multicast');
  const quiet = flag(cl, 'quiet');
  const data = new Uint8Array(heapSize);
  const heaps = Array.from({ length: maxHeaps }, () => {
    const h = new Heap();
    h.addRaw(0x1000, data, false);
    return h;
  });

  const trial = async (rate: number): Promise<{ good: boolean; actualRate: number }> => {
    const control = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      control.once('connect', resolve);
      control.once('error', reject);
    });
    const lines = readline.createInterface({ input: control })[Symbol.asyncIterator]();
    const start: StartCommand = { cmd: 'start', port: port + 1, multicast, packet, heapSize, maxHeaps, ringHeaps, memPool: flag(cl, 'mem-pool') };
    control.write(JSON.stringify(start) + '\n');
    if ((await lines.next()).value !== 'ready') throw new Error('the agent did not answer "ready"');
    const tx = new UdpStream([{ host: multicast ?? host, port: port + 1 }], { maxPacketSize: packet, rate, maxHeaps }, { ttl: 1 });
    const t0 = process.hrtime.bigint();
    const pending: Array<Promise<number> | undefined> = new Array(maxHeaps).fill(undefined);
    let bytes = 0;
    for (let i = 0; i < heapsPerTrial; i++) {
      const slot = i % maxHeaps;
      if (pending[slot]) bytes += await pending[slot]!;
      pending[slot] = tx.sendHeap(heaps[slot]);
    }
    for (const p of pending) if (p) bytes += await p;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    tx.destroy();
    await new Promise((r) => setTimeout(r, 100));
    control.write(JSON.stringify({ cmd: 'stop' }) + '\n');
    const reply = JSON.parse(String((await lines.next()).value)) as { received_heaps: number };
    control.end();
    const good = reply.received_heaps >= heapsPerTrial;
    if (!quiet && rate > 0) process.stdout.write(`Rate: ${((rate * 8) / 1e9).toFixed(3)} Gbps (${((bytes * 8) / seconds / 1e9).toFixed(3)} actual): ${good ? 'GOOD' : 'BAD'}\n`);
    return { good, actualRate: bytes / seconds };
  };

  await trial(0); // warm-up, as spead2_bench
  const result = await searchSustainableRate(trial);
  const gbps = (result.rate * 8) / 1e9;
  if (quiet) process.stdout.write(`${gbps}\n`);
  else {
    if (result.senderLimited) process.stdout.write('Limited by send speed\n');
    process.stdout.write(`Sustainable rate: ${gbps.toFixed(3)} Gbps\n`);
  }
  return 0;
}

async function main(): Promise<number> {
  const cl = parseCommandLine(process.argv.slice(2), OPTIONS);
  if (flag(cl, 'help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [mode, ...rest] = cl.positionals;
  if (mode === 'agent' && rest.length === 1) return agent(parseEndpoint(rest[0]).port);
  if (mode === 'master' && rest.length === 2) return master(rest[0], parseEndpoint(rest[1]).port, cl);
  throw new UsageError('expected "agent <port>" or "master [options] <host> <port>"');
}

runTool(USAGE, main);
