/**
 * The sending side of the AF_XDP benchmark, run inside the bench's network
 * namespace: heaps as fast as spead's UdpStream goes (no GSO, so every packet
 * is its own frame, as from a NIC), then end heaps. Prints {sentHeaps, seconds}.
 *   node xdp-sender.js <host> <port> <seconds> <heap size> <packet size> [<interface> <dest MAC>]
 * With an interface, the sender is a UdpXdpStream on it (AF_XDP TX), which
 * offers more packets per second than the kernel's UDP path.
 */
import { send } from '../lib/index';
import { sendFor } from './send-for';

async function main(): Promise<void> {
  const [host, portText, secondsText, heapText, packetText, iface, destMac] = process.argv.slice(2);
  const heapSize = Number(heapText);
  const batch = Math.max(1, Math.floor((512 * 1024) / heapSize));
  const endpoints = [{ host, port: Number(portText) }];
  const config = { maxPacketSize: Number(packetText), maxHeaps: 2 * batch };
  const tx = iface ? new send.UdpXdpStream(endpoints, config, { interface: iface, destMac }) : new send.UdpStream(endpoints, config, { gso: false });
  const groups = [0, 1].map(() =>
    Array.from({ length: batch }, () => {
      const heap = new send.Heap();
      heap.addRaw(0x1000, new Uint8Array(heapSize), false);
      return heap;
    }),
  );
  const { sentHeaps, seconds } = await sendFor(tx, groups, Number(secondsText));
  const end = new send.Heap();
  end.addEnd();
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 3; i++) await tx.sendHeap(end);
  tx.destroy();
  process.stdout.write(JSON.stringify({ sentHeaps, seconds }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
