import { expect } from 'chai';
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as net from 'net';
import * as path from 'path';
import { recv, scope } from '../lib/index';

const SENDER = path.join(__dirname, 'helpers', 'scope-sender.js');
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A masked WebSocket text frame (clients must mask), for a message under 126 bytes. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = crypto.randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/**
 * A page that never reads: it upgrades to a WebSocket, asks for the
 * biggest plot (the 2-D image), and then leaves everything in the kernel.
 */
async function neverReadingClient(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const key = crypto.randomBytes(16).toString('base64');
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve) => socket.once('data', () => resolve())); // the 101 (and maybe the hello)
  socket.write(textFrame(JSON.stringify({ type: 'select', item: 'image' })));
  socket.pause();
  return socket;
}

describe('spead-scope with a browser that does not keep up', function () {
  this.timeout(60000);

  it('a WebSocket client that never reads neither slows the receiver nor grows the server (frames dropped, counted)', async () => {
    const stream = new recv.Stream({}, { heaps: 16, contiguousOnly: false });
    const port = stream.addUdpReader({ host: '127.0.0.1', port: 0 }, { bufferSize: 16 << 20 });
    // A small socket allowance and a fast update rate make a stalled page show quickly.
    const served = await scope.serve(stream, { updateHz: 20, maxBufferedBytes: 256 << 10 });
    const rate = 400;
    const sender = spawn(process.execPath, [SENDER, String(port), String(rate), '12'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const senderDone = new Promise<void>((resolve) => sender.on('exit', () => resolve()));
    let slow: net.Socket | undefined;
    try {
      const window = async (ms: number): Promise<number> => {
        const h0 = served.counters.heaps;
        const t0 = performance.now();
        await pause(ms);
        return ((served.counters.heaps - h0) * 1000) / (performance.now() - t0);
      };
      await pause(1500); // the sender is up and the stream is flowing
      const alone = await window(3000);
      expect(alone, 'heaps/s without a client').to.be.greaterThan(rate * 0.5);

      slow = await neverReadingClient(served.url);
      await pause(1000); // let the kernel's buffers fill
      const heapBefore = process.memoryUsage();
      const withSlow = await window(3000);
      const heapAfter = process.memoryUsage();
      const c = served.counters;

      expect(c.clients).to.equal(1);
      expect(Math.abs(withSlow - alone) / alone, `heaps/s alone ${alone.toFixed(0)}, with a stalled page ${withSlow.toFixed(0)}`).to.be.below(0.1);
      expect(c.framesDropped, 'frames dropped for the stalled page').to.be.greaterThan(10);
      // What waits for the page is bounded by the allowance plus one frame (a 64 × 256 image is ~100 KB of JSON).
      expect(c.queuedBytes).to.be.below((256 << 10) + (512 << 10));
      const grown = heapAfter.heapUsed + heapAfter.external - heapBefore.heapUsed - heapBefore.external;
      expect(grown, 'memory grown while the page stalled').to.be.below(32 << 20);
    } finally {
      slow?.destroy();
      sender.kill();
      await senderDone;
      await served.close();
    }
  });
});
