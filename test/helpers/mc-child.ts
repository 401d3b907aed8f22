/**
 * Run inside a network namespace by the multicast test:
 *   node mc-child.js recv <group> <port> <interface address>  → prints {"cnts": [...]}
 *   node mc-child.js send <group> <port> <interface address> <heaps>
 */
import { recv, send } from '../../lib/index';
import { endHeap, patternHeap, receivePatternHeaps } from './heaps';

async function main(): Promise<void> {
  const [mode, group, portText, iface, heapsText] = process.argv.slice(2);
  const port = Number(portText);
  if (mode === 'recv') {
    const stream = new recv.Stream();
    // IPv6 groups are joined by interface index, IPv4 ones by address.
    stream.addUdpReader({ host: group, port }, group.includes(':') ? { interfaceIndex: Number(iface) } : { interfaceAddress: iface });
    process.stdout.write('ready\n');
    const { cnts, ok } = await receivePatternHeaps(stream, 5000);
    process.stdout.write(JSON.stringify({ cnts, ok }) + '\n');
  } else {
    const stream = new send.UdpStream(
      [{ host: group, port }],
      // IPv6 headers are 20 bytes longer: 1472-byte packets would not fit a 1500-byte MTU.
      { rate: 50e6, maxPacketSize: group.includes(':') ? 1400 : 1472 },
      group.includes(':') ? { ttl: 2, interfaceIndex: Number(iface) } : { ttl: 2, interfaceAddress: iface },
    );
    for (let i = 1; i <= Number(heapsText); i++) await stream.sendHeap(patternHeap(5000, i).heap, { cnt: i });
    for (let i = 0; i < 3; i++) await stream.sendHeap(endHeap(), { cnt: 1000 + i }); // UDP: say it thrice
    stream.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
