/**
 * Kernel bypass with AF_XDP, on a veth pair this program makes (so it needs
 * root, or CAP_NET_ADMIN + CAP_BPF + CAP_NET_RAW). The receiver takes one UDP
 * flow off the veth end here with an XDP program and an AF_XDP socket. The
 * sender runs in a network namespace on the other end (this same file, run
 * with --send through `ip netns exec`) and uses AF_XDP too. On a real NIC you
 * pass its name as `interface` and skip the namespace.
 *   node .build/examples/xdp-veth.js [--heaps 100] [--mode native|generic]
 */
import { execFileSync, spawn } from 'child_process';
import { parseArgs } from 'util';
import { ItemGroup, recv, send, xdpAvailable } from '../lib/index';

const NS = `spead-xdp-demo-${process.pid}`;
const LOCAL = `sxd${process.pid % 10000}a`;
const REMOTE = `sxd${process.pid % 10000}b`;
const LOCAL_ADDR = '10.216.0.1';
const REMOTE_ADDR = '10.216.0.2';
const PORT = 7148;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { stdio: 'pipe' }).toString();
}

/** The sending side, inside the namespace: an ItemGroup over AF_XDP. */
async function sender(heaps: number, iface: string, destMac: string): Promise<void> {
  const tx = new send.UdpXdpStream([{ host: LOCAL_ADDR, port: PORT }], { rate: 1e9, maxPacketSize: 1472 }, { interface: iface, destMac });
  const items = new send.ItemGroup();
  const timestamp = items.addItem({ id: 0x1600, name: 'timestamp', description: 'Index of the first sample', shape: [], format: [['u', 40]] });
  const samples = items.addItem({ id: 0x3300, name: 'adc_samples', description: 'ADC converter output', shape: [16384], dtype: 'i1' });
  for (let i = 0; i < heaps; i++) {
    timestamp.value = i * 16384;
    samples.value = new Int8Array(16384).fill(i % 100);
    await tx.sendHeap(items.getHeap());
  }
  for (let i = 0; i < 3; i++) await tx.sendHeap(items.getEnd()); // UDP: say it thrice
  tx.destroy();
}

async function receiver(heaps: number, mode: 'native' | 'generic'): Promise<void> {
  ip('netns', 'add', NS);
  try {
    ip('link', 'add', LOCAL, 'type', 'veth', 'peer', 'name', REMOTE, 'netns', NS);
    ip('addr', 'add', `${LOCAL_ADDR}/24`, 'dev', LOCAL);
    ip('link', 'set', LOCAL, 'up');
    ip('-n', NS, 'addr', 'add', `${REMOTE_ADDR}/24`, 'dev', REMOTE);
    ip('-n', NS, 'link', 'set', REMOTE, 'up');
    const localMac = (JSON.parse(ip('-j', 'link', 'show', 'dev', LOCAL)) as Array<{ address: string }>)[0].address;

    const stream = new recv.Stream();
    const info = stream.addUdpXdpReader({ interface: LOCAL, endpoints: [{ host: LOCAL_ADDR, port: PORT }], mode });
    console.log(`AF_XDP reader on ${LOCAL}: ${info.mode} XDP, ${info.zeroCopy ? 'zero-copy' : 'copy mode'}`);
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, __filename, '--send', '--heaps', String(heaps), '--interface', REMOTE, '--dest-mac', localMac], {
      stdio: 'inherit',
    });
    // A sender that fails ends the receiver too, rather than leaving it waiting.
    const senderDone = new Promise<number | null>((resolve) => child.on('exit', resolve));
    void senderDone.then((code) => code !== 0 && stream.stop());

    const items = new ItemGroup();
    let n = 0;
    let good = true;
    for await (const heap of stream) {
      const changed = items.update(heap as recv.Heap);
      if (changed.has('adc_samples')) {
        const adc = changed.get('adc_samples')!.value as Int8Array;
        good = good && adc.every((v) => v === n % 100);
        n++;
      }
      heap.release();
    }
    if ((await senderDone) !== 0) throw new Error('the sender failed');
    console.log(`received ${n} heaps over AF_XDP, values ${good ? 'intact' : 'CORRUPT'}`);
    console.log(`packets ${stream.stats.get('packets')}, kernel drops ${stream.stats.get('kernel_dropped')}`);
    if (!good) process.exitCode = 1;
  } finally {
    ip('netns', 'del', NS); // takes the veth pair with it
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { heaps: { type: 'string', default: '100' }, mode: { type: 'string', default: 'native' }, send: { type: 'boolean' }, interface: { type: 'string' }, 'dest-mac': { type: 'string' } },
  });
  const heaps = Number(values.heaps);
  if (values.send) return sender(heaps, values.interface ?? '', values['dest-mac'] ?? '');
  const { available, reason } = xdpAvailable();
  if (!available) throw new Error(`AF_XDP is not available here: ${reason}`);
  await receiver(heaps, values.mode === 'generic' ? 'generic' : 'native');
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
