import { expect } from 'chai';
import * as net from 'net';
import { recv, send } from '../lib/index';
import { collect, item, patternHeap } from './helpers/heaps';



async function bytesOf(heaps: send.Heap[]): Promise<Buffer> {
  const b = new send.BytesStream();
  for (const h of heaps) await b.sendHeap(h);
  return b.getValue();
}

describe('TCP', () => {
  it('TcpStream → addTcpReader: every heap arrives; the peer closing ends the stream', async () => {
    const rx = new recv.Stream();
    const port = rx.addTcpReader({ host: '127.0.0.1', port: 0 });
    const tx = await send.TcpStream.connect({ host: '127.0.0.1', port });
    const sent = [0, 1, 2, 3, 4, 5].map((i) => patternHeap(50000 + i, i));
    await tx.sendHeaps(sent.slice(0, 3).map((s) => s.heap), send.GroupMode.ROUND_ROBIN);
    for (const s of sent.slice(3)) await tx.sendHeap(s.heap);
    tx.destroy(); // closes the connection: the receiver ends
    const heaps = await collect(rx);
    expect(heaps.map((h) => h.cnt)).to.have.members([1, 2, 3, 4, 5, 6]);
    for (const h of heaps) expect(item(h).equals(Buffer.from(sent[h.cnt - 1].data))).to.equal(true);
  });

  it('connect() rejects clearly when the peer refuses', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    let error: NodeJS.ErrnoException | undefined;
    await send.TcpStream.connect({ host: '127.0.0.1', port }).catch((e: NodeJS.ErrnoException) => (error = e));
    expect(error?.code).to.equal('ECONNREFUSED');
    expect(error?.message).to.match(/connecting failed/);
  });

  it('cuts packets from a byte stream split anywhere, skips garbage and oversized packets, and discards a partial packet at the end', async () => {
    const rx = new recv.Stream({}, { contiguousOnly: false });
    const port = rx.addTcpReader({ host: '127.0.0.1', port: 0 }, { maxSize: 20000 });
    const good = await bytesOf([patternHeap(3000, 1).heap, patternHeap(3000, 2).heap]);
    const oversized = await (async () => {
      const b = new send.BytesStream({ maxPacketSize: 60000 });
      await b.sendHeap(patternHeap(40000, 9).heap, { cnt: 50 });
      return b.getValue();
    })();
    const garbage = Buffer.alloc(16, 0xee);
    const stream = Buffer.concat([good, garbage, oversized, await bytesOf([patternHeap(100, 3).heap]), Buffer.from(good.subarray(0, 30))]);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.on('connect', r));
    // Awkward boundaries: 1 byte, then pieces of 777 bytes.
    socket.write(stream.subarray(0, 1));
    for (let pos = 1; pos < stream.length; pos += 777) {
      socket.write(stream.subarray(pos, pos + 777));
      await new Promise((r) => setImmediate(r));
    }
    socket.end();
    const heaps = await collect(rx);
    expect(heaps.map((h) => h.cnt)).to.deep.equal([1, 2, 1]);
    expect(rx.stats.get('oversized_packets')).to.equal(1);
    expect(rx.stats.get('truncated_input')).to.equal(1);
  });
});
