/**
 * Sends SPEAD from inside a network namespace, for the AF_XDP tests:
 *   node xdp-child.js stream <host> <port> <heaps> <size>   spead's UdpStream (nogso: without UDP GSO;
 *                                                          jumbo: 8972-byte packets, no GSO)
 *   node xdp-child.js plain  <host> <port> <heaps> <size>   node:dgram, one datagram per packet
 *   node xdp-child.js other  <host> <port> <count>          non-SPEAD datagrams to another port
 *   node xdp-child.js recv   <host> <port> <size> [xdp-interface]
 *     receives (with a UDP reader, or an AF_XDP reader on the interface), prints
 *     "ready", then {"cnts": [...], "ok": bool, "packets": n} once the stream ends
 *   node xdp-child.js hold <interface> <port>
 *     attaches an AF_XDP reader, prints "ready" and waits to be killed
 * Heap i (1…heaps) is patternHeap(size, i) with cnt i; then three end heaps.
 */
import * as dgram from 'dgram';
import { decodePacket, recv, send } from '../../lib/index';
import { endHeap, patternHeap, receivePatternHeaps } from './heaps';

async function plain(host: string, port: number, heaps: number, size: number): Promise<void> {
  const bytes = new send.BytesStream({ maxPacketSize: 1472 });
  for (let i = 1; i <= heaps; i++) await bytes.sendHeap(patternHeap(size, i).heap, { cnt: i });
  for (let i = 0; i < 3; i++) await bytes.sendHeap(endHeap(), { cnt: 1000 + i });
  const all = bytes.take();
  const socket = dgram.createSocket('udp4');
  for (let pos = 0; pos < all.length; ) {
    const { size: n } = decodePacket(all.subarray(pos));
    await new Promise<void>((resolve, reject) => socket.send(all.subarray(pos, pos + n), port, host, (e) => (e ? reject(e) : resolve())));
    pos += n;
  }
  socket.close();
}

async function main(): Promise<void> {
  const [mode, host, portText, countText, sizeText] = process.argv.slice(2);
  const port = Number(portText);
  const count = Number(countText);
  if (mode === 'hold') {
    const stream = new recv.Stream();
    stream.addUdpXdpReader({ interface: host, endpoints: [{ port }] });
    process.stdout.write('ready\n');
    setInterval(() => undefined, 1000);
  } else if (mode === 'recv') {
    const [, , , size, iface] = process.argv.slice(2);
    const stream = new recv.Stream();
    if (iface) stream.addUdpXdpReader({ interface: iface, endpoints: [{ host, port }] });
    else stream.addUdpReader({ host, port });
    process.stdout.write('ready\n');
    const { cnts, ok } = await receivePatternHeaps(stream, Number(size));
    process.stdout.write(JSON.stringify({ cnts, ok, packets: stream.stats.get('packets') }) + '\n');
  } else if (mode === 'stream' || mode === 'nogso' || mode === 'jumbo') {
    const packet = mode === 'jumbo' ? 8972 : 1472;
    const stream = new send.UdpStream([{ host, port }], { rate: 200e6, maxPacketSize: packet }, { gso: mode === 'stream' });
    for (let i = 1; i <= count; i++) await stream.sendHeap(patternHeap(Number(sizeText), i).heap, { cnt: i });
    for (let i = 0; i < 3; i++) await stream.sendHeap(endHeap(), { cnt: 1000 + i }); // UDP: say it thrice
    stream.destroy();
  } else if (mode === 'plain') {
    await plain(host, port, count, Number(sizeText));
  } else {
    const socket = dgram.createSocket('udp4');
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) => socket.send(Buffer.from(`hello ${i}`), port, host, (e) => (e ? reject(e) : resolve())));
    }
    socket.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
