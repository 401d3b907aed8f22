/**
 * AF_XDP receive against the kernel's UDP path (recvmmsg) on the same veth
 * pair, in the same run: a namespace made for the benchmark holds the sender.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { MemoryPool, recv, xdpAvailable } from '../lib/index';
import { deleteNamespaces, ip, runSteps, vethToNamespaceSteps } from '../test/helpers/netns';
import { BenchRow, BenchSection } from './table';

const tag = `spb${process.pid % 100000}`;
const NS = `${tag}n`;
const RX_IF = `${tag}r`;
const TX_IF = `${tag}s`;
const RX_ADDR = '10.215.9.1';
const TX_ADDR = '10.215.9.2';
const PORT = 17160;
const SENDER = path.join(__dirname, 'xdp-sender.js');

async function run(
  addReader: (rx: recv.Stream) => void,
  heapSize: number,
  packet: number,
  seconds: number,
  sender: VethSender,
  senderArgs: string[],
): Promise<{ gbps: number; heapsPerSecond: number; loss: number; cpuPerHeapUs: number }> {
  const ring = 16;
  const pool = new MemoryPool(heapSize, heapSize, 4 + ring + 4, 4 + ring + 4);
  const rx = new recv.Stream({ memoryAllocator: pool }, { heaps: ring });
  addReader(rx);
  let received = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const receiving = (async () => {
    for await (const h of rx) {
      if (h instanceof recv.Heap) {
        received++;
        bytes += h.payload.length;
      }
      h.release();
    }
  })();
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      'ip',
      ['netns', 'exec', NS, process.execPath, SENDER, sender, RX_ADDR, String(PORT), String(seconds), String(heapSize), String(packet), ...senderArgs],
      { timeout: 60000 },
      (e, stdout, stderr) => (e ? reject(new Error(`sender failed: ${stderr || e.message}`)) : resolve(stdout)),
    ),
  );
  const sent = JSON.parse(out) as { sentHeaps: number; seconds: number };
  await new Promise((r) => setTimeout(r, 100));
  rx.stop();
  await receiving;
  const cpu = process.cpuUsage(cpu0);
  return {
    gbps: (bytes * 8) / sent.seconds / 1e9,
    heapsPerSecond: received / sent.seconds,
    loss: 1 - received / sent.sentHeaps,
    cpuPerHeapUs: (cpu.user + cpu.system) / Math.max(1, received),
  };
}

export type VethSender = 'stream' | 'xdp' | 'blast';

const SENDER_NAMES: Record<VethSender, string> = {
  stream: 'a UdpStream without GSO',
  xdp: 'an AF_XDP sender (UdpXdpStream)',
  blast: 'a C sendmmsg loop replaying encoded packets',
};

/** The AF_XDP section of `npm run bench`. */
export async function xdpSection(seconds: number, sender: VethSender, heapSize = 65536, packet = 1472): Promise<BenchSection> {
  const from = SENDER_NAMES[sender];
  const title = `AF_XDP receive on a veth pair: ${heapSize} B heaps, ${packet} B packets, unlimited, from ${from}`;
  const baseline = 'UDP reader (recvmmsg)';
  const { available, reason } = xdpAvailable();
  if (!available) return { title, baseline, rows: [], note: `skipped: ${reason}` };
  const refused = runSteps(vethToNamespaceSteps(NS, RX_IF, TX_IF, RX_ADDR, TX_ADDR));
  if (refused !== undefined) {
    deleteNamespaces(NS);
    return { title, baseline, rows: [], note: `skipped: ${refused}` };
  }
  if (packet > 1472) {
    // Jumbo frames: the AF_XDP reader gathers them from chains of UMEM frames.
    ip('link', 'set', RX_IF, 'mtu', '9000');
    ip('-n', NS, 'link', 'set', TX_IF, 'mtu', '9000');
  }
  const rows: BenchRow[] = [];
  const rxMac = (JSON.parse(ip('-j', 'link', 'show', 'dev', RX_IF)) as Array<{ address: string }>)[0].address;
  const senderArgs = sender === 'xdp' ? [TX_IF, rxMac] : [];
  try {
    const cases: Array<[string, (rx: recv.Stream) => void]> = [
      [baseline, (rx) => rx.addUdpReader({ host: RX_ADDR, port: PORT }, { bufferSize: 16 << 20, maxSize: packet + 64 })],
      ['AF_XDP reader, native XDP', (rx) => rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ host: RX_ADDR, port: PORT }], mode: 'native' })],
      ['AF_XDP reader, generic XDP', (rx) => rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ host: RX_ADDR, port: PORT }], mode: 'generic' })],
    ];
    for (const [name, add] of cases) {
      const r = await run(add, heapSize, packet, seconds, sender, senderArgs);
      rows.push({ name, value: r.gbps, unit: 'Gb/s', extra: { 'heaps/s': r.heapsPerSecond, loss: r.loss, 'rx CPU µs/heap': r.cpuPerHeapUs } });
    }
  } catch (e) {
    return { title, baseline, rows, note: `stopped: ${(e as Error).message}` };
  } finally {
    deleteNamespaces(NS);
  }
  return { title, baseline, rows };
}
