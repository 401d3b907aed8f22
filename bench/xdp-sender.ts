/**
 * The sending side of the AF_XDP benchmark, run inside the bench's network
 * namespace, as fast as it goes, then end heaps. Prints {sentHeaps, seconds}.
 *   node xdp-sender.js stream <host> <port> <seconds> <heap size> <packet size>
 *     spead's UdpStream without GSO (every packet its own frame, as from a NIC)
 *   node xdp-sender.js xdp <host> <port> <seconds> <heap size> <packet size> <interface> <dest MAC>
 *     spead's UdpXdpStream (AF_XDP TX)
 *   node xdp-sender.js blast <host> <port> <seconds> <heap size> <packet size>
 *     64 heaps encoded once, their packets sent over and over by a C sendmmsg loop
 */
import { decodePacket, send } from '../lib/index';
import { native } from '../lib/native';
import { sendFor } from './send-for';

function heapOf(size: number): send.Heap {
  const heap = new send.Heap();
  heap.addRaw(0x1000, new Uint8Array(size), false);
  return heap;
}

async function blast(host: string, port: number, seconds: number, heapSize: number, packet: number): Promise<{ sentHeaps: number; seconds: number }> {
  const HEAPS = 64;
  const bytes = new send.BytesStream({ maxPacketSize: packet });
  for (let i = 1; i <= HEAPS; i++) await bytes.sendHeap(heapOf(heapSize), { cnt: i });
  const all = bytes.take();
  const sizes: number[] = [];
  for (let pos = 0; pos < all.length; pos += sizes[sizes.length - 1]) sizes.push(decodePacket(all.subarray(pos)).size);
  const r = native.benchUdpBlast(host, port, all, sizes, seconds);
  return { sentHeaps: (r.sent / sizes.length) * HEAPS, seconds: r.seconds };
}

async function main(): Promise<void> {
  const [mode, host, portText, secondsText, heapText, packetText, iface, destMac] = process.argv.slice(2);
  const heapSize = Number(heapText);
  const endpoints = [{ host, port: Number(portText) }];
  const batch = Math.max(1, Math.floor((512 * 1024) / heapSize));
  const config = { maxPacketSize: Number(packetText), maxHeaps: 2 * batch };
  const tx = mode === 'xdp' ? new send.UdpXdpStream(endpoints, config, { interface: iface, destMac }) : new send.UdpStream(endpoints, config, { gso: false });
  const result =
    mode === 'blast'
      ? await blast(host, Number(portText), Number(secondsText), heapSize, Number(packetText))
      : await sendFor(
          tx,
          [0, 1].map(() => Array.from({ length: batch }, () => heapOf(heapSize))),
          Number(secondsText),
        );
  const end = new send.Heap();
  end.addEnd();
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 3; i++) await tx.sendHeap(end, { cnt: 100000 + i });
  tx.destroy();
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
