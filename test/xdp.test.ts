import { expect } from 'chai';
import { execFile, spawn } from 'child_process';
import * as dgram from 'dgram';
import * as path from 'path';
import { decodePacket, recv, send, xdpAvailable } from '../lib/index';
import { native } from '../lib/native';
import { ethernet, ipv4Packet, PAYLOAD } from './helpers/frames';
import { collect, endHeap, item, patternHeap } from './helpers/heaps';
import { deleteNamespaces, ip, runSteps, vethToNamespaceSteps } from './helpers/netns';

// The receiver runs in this process, on a veth end in the current namespace;
// the senders run in a namespace the test creates, on the other end.
const CHILD = path.join(__dirname, 'helpers', 'xdp-child.js');
const tag = `spx${process.pid % 100000}`;
const NS = `${tag}n`;
const RX_IF = `${tag}r`;
const TX_IF = `${tag}s`;
// A subnet that exists only on the test's own veth pair.
const RX_ADDR = '10.214.9.1';
const TX_ADDR = '10.214.9.2';
const PORT = 17150;

/** Runs the sender child in the namespace; resolves when it is done. */
function sendFromNamespace(...args: Array<string | number>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', NS, process.execPath, CHILD, ...args.map(String)], { timeout: 20000 }, (e, _out, err) =>
      e ? reject(new Error(`sender failed: ${err || e.message}`)) : resolve(),
    );
  });
}

/** Starts a receiver child in the namespace; resolves with its result once its stream ends. */
async function receiveInNamespace(size: number, xdpInterface?: string): Promise<() => Promise<{ cnts: number[]; ok: boolean; packets: number }>> {
  const args = [CHILD, 'recv', TX_ADDR, String(PORT), String(size), ...(xdpInterface ? [xdpInterface] : [])];
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.on('exit', () => reject(new Error(`receiver exited early: ${err}`)));
  });
  const done = new Promise<{ cnts: number[]; ok: boolean; packets: number }>((resolve, reject) => {
    const timer = setTimeout(() => child.kill(), 15000);
    child.on('exit', () => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { cnts: number[]; ok: boolean; packets: number });
      else reject(new Error(`receiver gave no result: ${err}`));
    });
  });
  return () => done;
}

/** Has the kernel resolve `address` on the veth (one datagram to the discard port), then waits for the ARP entry. */
async function resolveNeighbour(address: string): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.send(Buffer.from('arp'), 9, address, (e) => (e ? reject(e) : resolve())));
  socket.close();
  for (let i = 0; i < 100; i++) {
    if (ip('neigh', 'show', address, 'dev', RX_IF).match(/lladdr/)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the kernel did not resolve ${address}`);
}

async function sendPatternHeaps(tx: send.SendStream, n: number, size: number): Promise<void> {
  for (let i = 1; i <= n; i++) await tx.sendHeap(patternHeap(size, i).heap, { cnt: i });
  for (let i = 0; i < 3; i++) await tx.sendHeap(endHeap(), { cnt: 1000 + i });
}

/** The packets spead's packetiser makes for heaps 1…n of `size` bytes and one end heap. */
async function expectedPackets(n: number, size: number): Promise<number> {
  const bytes = new send.BytesStream({ maxPacketSize: 1472 });
  for (let i = 1; i <= n; i++) await bytes.sendHeap(patternHeap(size, i).heap, { cnt: i });
  await bytes.sendHeap(endHeap(), { cnt: 1000 });
  const all = bytes.take();
  let count = 0;
  for (let pos = 0; pos < all.length; pos += decodePacket(all.subarray(pos)).size) count++;
  return count;
}

function xdpAttached(): boolean {
  const [link] = JSON.parse(ip('-j', 'link', 'show', 'dev', RX_IF)) as Array<{ xdp?: unknown }>;
  return link.xdp !== undefined;
}

function checkHeaps(heaps: recv.Heap[], n: number, size: number): void {
  expect(heaps.map((h) => h.cnt)).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
  for (const h of heaps) expect(item(h).equals(Buffer.from(patternHeap(size, h.cnt).data)), `heap ${h.cnt}`).to.equal(true);
}

describe('AF_XDP over a veth pair the test creates', function () {
  this.timeout(30000);

  before(function () {
    const { available, reason } = xdpAvailable();
    if (!available) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    const refused = runSteps(vethToNamespaceSteps(NS, RX_IF, TX_IF, RX_ADDR, TX_ADDR));
    if (refused !== undefined) {
      console.log(`      (skipped: ${refused})`);
      this.skip();
    }
    // Can this process attach XDP and open AF_XDP sockets at all?
    const probe = new recv.Stream();
    try {
      probe.addUdpXdpReader({ interface: RX_IF, endpoints: [{ port: PORT }], mode: 'generic' });
    } catch (e) {
      console.log(`      (skipped: the kernel refused AF_XDP: ${(e as Error).message})`);
      this.skip();
    } finally {
      probe.destroy();
    }
  });

  after(() => deleteNamespaces(NS)); // takes the veth pairs with it

  it('the XDP program redirects exactly the endpoint flows, tagged or not, and passes everything else to the kernel', () => {
    const XDP_PASS = 2;
    const XDP_REDIRECT = 4;
    const to = (dst: string, dstPort: number, o = {}) => ipv4Packet(PAYLOAD, { dst, dstPort, ...o });
    const cases: Array<[string, Buffer, number]> = [
      ['exact endpoint', ethernet(to('10.214.9.1', PORT)), XDP_REDIRECT],
      ['exact endpoint, 802.1Q tag', ethernet(to('10.214.9.1', PORT), 5), XDP_REDIRECT],
      ['any-address endpoint', ethernet(to('192.168.1.1', PORT + 1)), XDP_REDIRECT],
      ['multicast endpoint', ethernet(to('239.1.2.3', 7148)), XDP_REDIRECT],
      ['other port', ethernet(to('10.214.9.1', PORT + 2)), XDP_PASS],
      ['other address, exact-only port', ethernet(to('10.214.9.2', PORT)), XDP_PASS],
      ['TCP to the endpoint', ethernet(to('10.214.9.1', PORT, { protocol: 6 })), XDP_PASS],
      ['first fragment (MF)', ethernet(to('10.214.9.1', PORT, { flagsFrag: 0x2000 })), XDP_PASS],
      ['later fragment', ethernet(to('10.214.9.1', PORT, { flagsFrag: 0x0010 })), XDP_PASS],
      ['IP options', ethernet(to('10.214.9.1', PORT, { options: Buffer.alloc(4, 1) })), XDP_PASS],
      ['ARP', ethernet(to('10.214.9.1', PORT), undefined, 0x0806), XDP_PASS],
      ['IPv6 ethertype', ethernet(to('10.214.9.1', PORT), undefined, 0x86dd), XDP_PASS],
      ['tagged, not IPv4', ethernet(to('10.214.9.1', PORT), 5, 0x86dd), XDP_PASS],
      ['truncated in the UDP header', ethernet(to('10.214.9.1', PORT)).subarray(0, 14 + 20 + 4), XDP_PASS],
      ['truncated in the tag', ethernet(to('10.214.9.1', PORT), 5).subarray(0, 16), XDP_PASS],
    ];
    const actions = native.xdpClassifyFrames(
      RX_IF,
      0,
      [{ host: RX_ADDR, port: PORT }, { port: PORT + 1 }, { host: '239.1.2.3', port: 7148 }],
      cases.map(([, frame]) => frame),
    );
    expect(Object.fromEntries(cases.map(([name], i) => [name, actions[i]]))).to.deep.equal(Object.fromEntries(cases.map(([name, , want]) => [name, want])));
  });

  for (const mode of ['generic', 'native'] as const) {
    it(`${mode} XDP: every heap sent by spead's UdpStream arrives intact, and the statistics count every packet`, async () => {
      const rx = new recv.Stream();
      const info = rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ host: RX_ADDR, port: PORT }], mode });
      expect(info).to.include({ mode, zeroCopy: false }); // veth has no zero-copy AF_XDP
      const got = collect(rx);
      // Over veth, a GSO send reaches generic XDP as one frame larger than a
      // UMEM frame (from a NIC, frames arrive one by one): send without GSO.
      await sendFromNamespace(mode === 'generic' ? 'nogso' : 'stream', RX_ADDR, PORT, 200, 5000);
      checkHeaps(await got, 200, 5000);
      expect(rx.stats.get('packets')).to.equal(await expectedPackets(200, 5000));
      expect(rx.stats.get('heaps')).to.equal(200);
      expect(rx.stats.get('frames_rejected')).to.equal(0);
      expect(rx.stats.get('kernel_dropped')).to.equal(0);
    });
  }

  it('jumbo frames (MTU 9000, 8972-byte packets) arrive as multi-buffer chains, in native and generic XDP', async function () {
    const probe = new recv.Stream();
    const { multiBuffer } = probe.addUdpXdpReader({ interface: RX_IF, endpoints: [{ port: PORT }] });
    probe.destroy();
    if (!multiBuffer) {
      console.log('      (skipped: this kernel has no multi-buffer AF_XDP sockets (XDP_USE_SG, Linux 6.6))');
      this.skip();
    }
    ip('link', 'set', RX_IF, 'mtu', '9000');
    ip('-n', NS, 'link', 'set', TX_IF, 'mtu', '9000');
    try {
      for (const mode of ['native', 'generic'] as const) {
        const rx = new recv.Stream();
        expect(rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ port: PORT }], mode }).multiBuffer).to.equal(true);
        const got = collect(rx);
        await sendFromNamespace('jumbo', RX_ADDR, PORT, 50, 40000);
        checkHeaps(await got, 50, 40000);
        expect(rx.stats.get('oversized_packets')).to.equal(0);
      }
      // A small maxSize needs no chains: a jumbo frame is then dropped by the kernel, and counted.
      const rx = new recv.Stream();
      expect(rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ port: PORT }], maxSize: 1500, mode: 'native' }).multiBuffer).to.equal(false);
      await sendFromNamespace('jumbo', RX_ADDR, PORT, 5, 40000);
      await new Promise((r) => setTimeout(r, 200));
      expect(rx.stats.get('heaps')).to.equal(0);
      expect(rx.stats.get('kernel_dropped')).to.be.above(0);
      rx.destroy();
    } finally {
      ip('link', 'set', RX_IF, 'mtu', '1500');
      ip('-n', NS, 'link', 'set', TX_IF, 'mtu', '1500');
    }
  });

  it('heaps sent one datagram per packet from a plain socket arrive too (any-address endpoint)', async () => {
    const rx = new recv.Stream();
    rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ port: PORT }] });
    const got = collect(rx);
    await sendFromNamespace('plain', RX_ADDR, PORT, 50, 3000);
    checkHeaps(await got, 50, 3000);
    expect(rx.stats.get('packets')).to.equal(await expectedPackets(50, 3000));
  });

  it('other flows still reach the kernel while the program is attached, and it is detached when the stream goes', async () => {
    const rx = new recv.Stream();
    rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ host: RX_ADDR, port: PORT }], mode: 'native' });
    expect(xdpAttached()).to.equal(true);
    const kernel = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => kernel.bind(PORT + 1, RX_ADDR, resolve));
    const seen: string[] = [];
    kernel.on('message', (m) => seen.push(m.toString()));
    await sendFromNamespace('other', RX_ADDR, PORT + 1, 5);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).to.deep.equal(['hello 0', 'hello 1', 'hello 2', 'hello 3', 'hello 4']);
    expect(rx.stats.get('packets')).to.equal(0);
    kernel.close();

    rx.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(xdpAttached()).to.equal(false);
    // The SPEAD port is the kernel's again.
    const plain = new recv.Stream();
    plain.addUdpReader({ host: RX_ADDR, port: PORT });
    const got = collect(plain);
    await sendFromNamespace('stream', RX_ADDR, PORT, 5, 1000);
    checkHeaps(await got, 5, 1000);
  });

  it('readers on two queues of one interface share its program, which goes with the last of them', () => {
    // A second pair, with two queues, in the test's namespace (no traffic needed).
    const MQ = `${tag}q`;
    ip('link', 'add', MQ, 'numtxqueues', '2', 'numrxqueues', '2', 'type', 'veth', 'peer', 'name', `${tag}p`, 'netns', NS);
    ip('link', 'set', MQ, 'up');
    const attached = () => (JSON.parse(ip('-j', 'link', 'show', 'dev', MQ)) as Array<{ xdp?: unknown }>)[0].xdp !== undefined;
    const a = new recv.Stream();
    const b = new recv.Stream();
    try {
      a.addUdpXdpReader({ interface: MQ, queue: 0, endpoints: [{ port: PORT }], mode: 'native' });
      expect(() => b.addUdpXdpReader({ interface: MQ, queue: 1, endpoints: [{ port: PORT + 1 }], mode: 'generic' })).to.throw(
        /already attached in native mode/,
      );
      expect(b.addUdpXdpReader({ interface: MQ, queue: 1, endpoints: [{ port: PORT + 1 }] })).to.include({ mode: 'native', zeroCopy: false });
      a.destroy();
      expect(attached()).to.equal(true);
      // queue 'all' binds every queue, or none: with queue 1 taken it fails, and leaves queue 0 free.
      const c = new recv.Stream();
      expect(() => c.addUdpXdpReader({ interface: MQ, queue: 'all', endpoints: [{ port: PORT + 2 }] })).to.throw(/queue 1 of .* already has/);
      expect(c.addUdpXdpReader({ interface: MQ, queue: 0, endpoints: [{ port: PORT + 2 }] }).queues).to.deep.equal([0]);
      c.destroy();
      b.destroy();
      expect(attached()).to.equal(false);
      const d = new recv.Stream();
      expect(d.addUdpXdpReader({ interface: MQ, queue: 'all', endpoints: [{ port: PORT + 2 }] }).queues).to.deep.equal([0, 1]);
      d.destroy();
      expect(attached()).to.equal(false);
    } finally {
      a.destroy();
      b.destroy();
      ip('link', 'del', MQ);
    }
  });

  it("queue: 'all' receives a flow whichever queue it lands on", async () => {
    const rx = new recv.Stream();
    expect(rx.addUdpXdpReader({ interface: RX_IF, queue: 'all', endpoints: [{ port: PORT }] }).queues).to.deep.equal([0]);
    const got = collect(rx);
    await sendFromNamespace('nogso', RX_ADDR, PORT, 20, 3000);
    checkHeaps(await got, 20, 3000);
  });

  it('a process killed with its reader attached leaves no XDP program behind', async () => {
    const child = spawn(process.execPath, [CHILD, 'hold', RX_IF, String(PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', () => reject(new Error('the holder exited early')));
    });
    expect(xdpAttached()).to.equal(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    for (let i = 0; i < 50 && xdpAttached(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(xdpAttached()).to.equal(false);
    const rx = new recv.Stream();
    rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ port: PORT }] });
    rx.destroy();
  });

  it('refuses bad options with errors that name them, and the stream is undisturbed', async () => {
    const rx = new recv.Stream();
    const add = (o: Partial<recv.UdpXdpReaderOptions>) => () =>
      rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ port: PORT }], ...o } as recv.UdpXdpReaderOptions);
    expect(add({ interface: 'spead-no-such' })).to.throw(/no network interface named 'spead-no-such'/).with.property('code', 'ENODEV');
    expect(add({ endpoints: [] })).to.throw(TypeError, /endpoints/);
    expect(add({ endpoints: [{ port: 0 }] })).to.throw(/port/);
    expect(add({ endpoints: [{ host: '::1', port: PORT }] })).to.throw(/IPv4/);
    expect(add({ frameSize: 1000 })).to.throw(/frameSize must be 2048 or 4096/);
    expect(add({ frames: 1000 })).to.throw(/frames must be a power of two/);
    expect(add({ mode: 'fast' as 'auto' })).to.throw(/mode must be 'auto', 'native' or 'generic'/);
    expect(add({ queue: 7 })).to.throw(/queue 7/);
    expect(add({ queue: 'some' as 'all' })).to.throw(/queue must be a queue number or 'all'/);
    expect(add({ zeroCopy: true })).to.throw(/zero-copy/);
    expect(xdpAttached()).to.equal(false); // nothing left behind by the failures
    // The same stream still takes a reader and receives.
    rx.addUdpXdpReader({ interface: RX_IF, endpoints: [{ port: PORT }] });
    expect(add({})).to.throw(/queue 0 of .* already has an AF_XDP reader/).with.property('code', 'EBUSY');
    const got = collect(rx);
    await sendFromNamespace('stream', RX_ADDR, PORT, 20, 2000);
    checkHeaps(await got, 20, 2000);
  });

  it('spead-recv --xdp and spead-send --xdp: the command-line tools over AF_XDP', async () => {
    const TOOLS = path.join(__dirname, '..', 'lib', 'tools');
    const recvTool = spawn(process.execPath, [path.join(TOOLS, 'spead-recv.js'), '--quiet', '--xdp', RX_IF, '--xdp-mode', 'generic', `${RX_ADDR}:${PORT}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    recvTool.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ready = new Promise<void>((resolve) =>
      recvTool.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('AF_XDP on')) resolve();
      }),
    );
    const exited = new Promise<number | string | null>((resolve) => recvTool.on('close', (code, signal) => resolve(code ?? signal)));
    await Promise.race([ready, exited]);
    expect(err).to.include(`AF_XDP on ${RX_IF}: generic XDP, copy mode`);
    await sendFromNamespace('nogso', RX_ADDR, PORT, 30, 2000);
    expect(await exited, err).to.equal(0);
    expect(out).to.match(/^Received 30 heaps$/m);

    // And back: spead-send --xdp to a kernel reader in the namespace.
    const peerMac = (JSON.parse(ip('-n', NS, '-j', 'link', 'show', 'dev', TX_IF)) as Array<{ address: string }>)[0].address;
    const result = await receiveInNamespace(1024);
    const sendTool = spawn(
      process.execPath,
      [path.join(TOOLS, 'spead-send.js'), '--xdp', RX_IF, '--dest-mac', peerMac, '--heaps', '10', '--heap-size', '1024', '--packet', '1472', `${TX_ADDR}:${PORT}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let sendErr = '';
    sendTool.stderr.on('data', (d: Buffer) => (sendErr += d.toString()));
    expect(await new Promise((resolve) => sendTool.on('close', resolve)), sendErr).to.equal(0);
    const r = await result();
    expect(r.cnts.length).to.equal(10);
  });

  describe('send', () => {
    let peerMac = '';

    before(() => {
      peerMac = (JSON.parse(ip('-n', NS, '-j', 'link', 'show', 'dev', TX_IF)) as Array<{ address: string }>)[0].address;
    });

    it('UdpXdpStream → a kernel UDP reader: every heap arrives intact', async () => {
      const result = await receiveInNamespace(5000);
      const tx = new send.UdpXdpStream([{ host: TX_ADDR, port: PORT }], { maxPacketSize: 1472, rate: 500e6 }, { interface: RX_IF, destMac: peerMac });
      expect(tx.zeroCopy).to.equal(false);
      expect(tx.sourcePort).to.be.above(0);
      await sendPatternHeaps(tx, 200, 5000);
      tx.destroy();
      const r = await result();
      expect(r.cnts).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(r.ok).to.equal(true);
      expect(r.packets).to.equal(await expectedPackets(200, 5000));
    });

    it('UdpXdpStream → an AF_XDP reader: kernel bypass at both ends, the MAC taken from the neighbour table', async () => {
      await resolveNeighbour(TX_ADDR);
      const result = await receiveInNamespace(3000, TX_IF);
      const tx = new send.UdpXdpStream([{ host: TX_ADDR, port: PORT }], { maxPacketSize: 1472, rate: 500e6 }, { interface: RX_IF });
      await sendPatternHeaps(tx, 100, 3000);
      tx.destroy();
      const r = await result();
      expect(r.cnts).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(r.ok).to.equal(true);
    });

    it('jumbo frames go out as multi-buffer chains (MTU 9000, 8972-byte packets, 4096-byte UMEM frames)', async () => {
      ip('link', 'set', RX_IF, 'mtu', '9000');
      ip('-n', NS, 'link', 'set', TX_IF, 'mtu', '9000');
      try {
        const result = await receiveInNamespace(40000);
        const tx = new send.UdpXdpStream([{ host: TX_ADDR, port: PORT }], { maxPacketSize: 8972, rate: 500e6 }, { interface: RX_IF, destMac: peerMac });
        await sendPatternHeaps(tx, 30, 40000);
        tx.destroy();
        const r = await result();
        expect(r.cnts).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(r.ok).to.equal(true);
      } finally {
        ip('link', 'set', RX_IF, 'mtu', '1500');
        ip('-n', NS, 'link', 'set', TX_IF, 'mtu', '1500');
      }
    });

    it('a link that goes down fails the heaps with the kernel’s error instead of hanging, and sending resumes when it is up', async function () {
      this.timeout(20000);
      const tx = new send.UdpXdpStream([{ host: TX_ADDR, port: PORT }], { maxPacketSize: 1472 }, { interface: RX_IF, destMac: peerMac, frames: 64 });
      ip('link', 'set', RX_IF, 'down');
      try {
        let error: NodeJS.ErrnoException | undefined;
        // More packets than UMEM frames: without a bound the sender would wait for ever.
        await tx.sendHeap(patternHeap(200000, 1).heap).catch((e: NodeJS.ErrnoException) => (error = e));
        expect(error?.code).to.equal('ENETDOWN');
      } finally {
        ip('link', 'set', RX_IF, 'up');
      }
      tx.destroy();
      for (let i = 0; i < 100 && !/state UP/.test(ip('link', 'show', 'dev', RX_IF)); i++) await new Promise((r) => setTimeout(r, 20));
      const result = await receiveInNamespace(2000);
      const again = new send.UdpXdpStream([{ host: TX_ADDR, port: PORT }], { maxPacketSize: 1472 }, { interface: RX_IF, destMac: peerMac });
      await sendPatternHeaps(again, 5, 2000);
      again.destroy();
      expect((await result()).cnts).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it('refuses what it cannot send, clearly', async () => {
      const make = (o: Partial<send.UdpXdpStreamOptions>, host = TX_ADDR) => () =>
        new send.UdpXdpStream([{ host, port: PORT }], {}, { interface: RX_IF, destMac: peerMac, ...o } as send.UdpXdpStreamOptions);
      expect(make({ interface: 'spead-no-such' })).to.throw(/no network interface named 'spead-no-such'/).with.property('code', 'ENODEV');
      expect(make({ destMac: 'zz:00' })).to.throw(/not a MAC address/);
      expect(make({ frameSize: 3000 })).to.throw(/frameSize must be 2048 or 4096/);
      expect(make({ ttl: 0 })).to.throw(/ttl/);
      expect(make({ destMac: undefined }, '10.214.9.77')).to.throw(/no neighbour \(ARP\) entry for 10\.214\.9\.77/).with.property('code', 'EHOSTUNREACH');
      expect(make({ zeroCopy: true })).to.throw(/zero-copy/);
      // A packet longer than a chain of 16 frames fails its heap with EMSGSIZE; the stream goes on.
      const tx = new send.UdpXdpStream([{ host: TX_ADDR, port: PORT }], { maxPacketSize: 40000 }, { interface: RX_IF, destMac: peerMac, frameSize: 2048 });
      let error: NodeJS.ErrnoException | undefined;
      await tx.sendHeap(patternHeap(39000, 1).heap).catch((e: NodeJS.ErrnoException) => (error = e));
      expect(error?.code).to.equal('EMSGSIZE');
      await tx.sendHeap(patternHeap(100, 2).heap);
      tx.destroy();
    });
  });
});
