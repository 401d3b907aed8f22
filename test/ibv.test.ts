import { expect } from 'chai';
import { spawn } from 'child_process';
import * as path from 'path';
import { ibvAvailable, recv, send } from '../lib/index';
import { collect, endHeap, item, patternHeap } from './helpers/heaps';

const TOOLS = path.join(__dirname, '..', 'lib', 'tools');
const GROUP = { host: '239.255.13.7', port: 7148 };
const IFACE = '127.0.0.1';
const avail = ibvAvailable();

/** Calls fn, expecting it to throw; returns what it threw. */
function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  return expect.fail('expected an error') as never;
}

function runTool(tool: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(TOOLS, `${tool}.js`), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

async function bufferRoundTrip(stream: recv.Stream): Promise<void> {
  const { heap, data } = patternHeap(5000, 3);
  const bytes = new send.BytesStream();
  await bytes.sendHeap(heap);
  await bytes.sendHeap(endHeap());
  stream.addBufferReader(bytes.getValue());
  const heaps = await collect(stream);
  expect(heaps).to.have.length(1);
  expect(item(heaps[0]).equals(Buffer.from(data))).to.equal(true);
}

describe('ibverbs', function () {
  this.timeout(20000);

  it('ibvAvailable() says whether ibverbs can be used, and why not', () => {
    expect(avail.available).to.be.a('boolean');
    expect(avail.reason).to.be.a('string');
    if (avail.available) expect(avail.reason).to.equal('');
    else expect(avail.reason).to.match(/ibverbs|RDMA|libibverbs|librdmacm/);
  });

  describe('recv.Stream.addUdpIbvReader', () => {
    const cases: Array<[string, Partial<recv.UdpIbvReaderOptions>, RegExp]> = [
      ['no endpoints', { endpoints: [] }, /needs at least one endpoint/],
      ['an IPv6 endpoint', { endpoints: [{ host: 'ff02::1', port: 7148 }] }, /endpoint 'ff02::1' is IPv6; ibverbs supports IPv4 only/],
      ['no interface address', { interfaceAddress: '' }, /needs an interface address/],
      ['an IPv6 interface address', { interfaceAddress: '::1' }, /interface address '::1' is IPv6/],
      ['an unresolvable interface address', { interfaceAddress: 'no-such-host.invalid' }, /'no-such-host.invalid' cannot be resolved to an IPv4 address/],
      ['maxSize 0', { maxSize: 0 }, /maxSize must be at least 1/],
      ['maxPoll 0', { maxPoll: 0 }, /maxPoll must be at least 1/],
      ['a negative maxPoll', { maxPoll: -3 }, /maxPoll must be at least 1/],
    ];
    for (const [what, change, message] of cases) {
      it(`refuses ${what} (RangeError, before any device is touched)`, () => {
        const stream = new recv.Stream();
        try {
          const e = thrown(() => stream.addUdpIbvReader({ endpoints: [GROUP], interfaceAddress: IFACE, ...change }));
          expect(e).to.be.instanceOf(RangeError);
          expect(e.message).to.match(message);
        } finally {
          stream.destroy();
        }
      });
    }

    it('refuses a malformed endpoint in TypeScript', () => {
      const stream = new recv.Stream();
      expect(() => stream.addUdpIbvReader({ endpoints: [{ host: '239.1.1.1', port: 70000 }], interfaceAddress: IFACE })).to.throw(
        RangeError,
        /port from 0 to 65535/,
      );
      stream.destroy();
    });

    it('fails with code ENODEV when there is no ibverbs library or device, and the stream still works', async function () {
      if (avail.available) this.skip(); // this machine has an RDMA device: the failure cannot be provoked
      const stream = new recv.Stream();
      const e = thrown(() => stream.addUdpIbvReader({ endpoints: [GROUP], interfaceAddress: IFACE, commVector: -1, bufferSize: 0 }));
      expect(e.code).to.equal('ENODEV');
      expect(e.message).to.match(/ibverbs is not available|no RDMA \(ibverbs\) device/);
      // Nothing of the failed reader is left: another reader delivers as usual.
      await bufferRoundTrip(stream);
    });

    it('the stream keeps working after a refused configuration', async () => {
      const stream = new recv.Stream();
      expect(() => stream.addUdpIbvReader({ endpoints: [], interfaceAddress: IFACE })).to.throw(RangeError);
      await bufferRoundTrip(stream);
    });
  });

  describe('SPEAD2_IBV_INTERFACE overrides IPv4 UDP readers', () => {
    const saved = { iface: process.env.SPEAD2_IBV_INTERFACE, vector: process.env.SPEAD2_IBV_COMP_VECTOR };
    afterEach(() => {
      for (const [name, value] of [['SPEAD2_IBV_INTERFACE', saved.iface], ['SPEAD2_IBV_COMP_VECTOR', saved.vector]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('addUdpReader goes to ibverbs (here: fails ENODEV) and says so', function () {
      if (avail.available) this.skip(); // with a device the override would really open it
      process.env.SPEAD2_IBV_INTERFACE = IFACE;
      process.env.SPEAD2_IBV_COMP_VECTOR = '-1';
      const stream = new recv.Stream();
      const warnings: string[] = [];
      stream.on('warning', (w: string) => warnings.push(w));
      const e = thrown(() => stream.addUdpReader({ host: '127.0.0.1', port: 0 }));
      expect(e.code).to.equal('ENODEV');
      expect(warnings.join('\n')).to.match(/Overriding reader for 127\.0\.0\.1:0 to use ibverbs on 127\.0\.0\.1/);
      stream.destroy();
    });

    it('the override uses the interface from the environment (validated like addUdpIbvReader)', () => {
      process.env.SPEAD2_IBV_INTERFACE = '::1';
      const stream = new recv.Stream();
      expect(() => stream.addUdpReader(0)).to.throw(RangeError, /interface address '::1' is IPv6/);
      stream.destroy();
    });

    it('refuses a SPEAD2_IBV_COMP_VECTOR that is not an integer', () => {
      process.env.SPEAD2_IBV_INTERFACE = IFACE;
      process.env.SPEAD2_IBV_COMP_VECTOR = 'x';
      const stream = new recv.Stream();
      expect(() => stream.addUdpReader(0)).to.throw(RangeError, /SPEAD2_IBV_COMP_VECTOR/);
      stream.destroy();
    });

    it('leaves IPv6 readers on UDP', function () {
      process.env.SPEAD2_IBV_INTERFACE = IFACE;
      const stream = new recv.Stream();
      try {
        stream.addUdpReader({ host: '::1', port: 0 });
      } catch (e) {
        // A machine without IPv6 refuses the bind itself — but never with ENODEV from ibverbs.
        expect((e as { code?: string }).code).to.not.equal('ENODEV');
      } finally {
        stream.destroy();
      }
    });

    it('leaves readers alone when unset', () => {
      delete process.env.SPEAD2_IBV_INTERFACE;
      const stream = new recv.Stream();
      expect(stream.addUdpReader({ host: '127.0.0.1', port: 0 })).to.be.above(0);
      stream.destroy();
    });
  });

  describe('send.UdpIbvStream', () => {
    const region = Buffer.alloc(4096);
    const cases: Array<[string, send.Endpoint[], Partial<send.UdpIbvStreamOptions>, RegExp]> = [
      ['a unicast endpoint', [{ host: '127.0.0.1', port: 7148 }], {}, /127\.0\.0\.1:7148 is not a multicast address; the ibverbs sender supports IPv4 multicast only/],
      ['an IPv6 endpoint', [{ host: 'ff02::1', port: 7148 }], {}, /endpoint 'ff02::1' is IPv6/],
      ['no interface address', [GROUP], { interfaceAddress: '' }, /needs an interface address/],
      ['an IPv6 interface address', [GROUP], { interfaceAddress: 'fe80::1' }, /interface address 'fe80::1' is IPv6/],
      ['an unresolvable interface address', [GROUP], { interfaceAddress: 'no-such-host.invalid' }, /cannot be resolved/],
      ['maxPoll 0', [GROUP], { maxPoll: 0 }, /maxPoll must be at least 1/],
      ['a TTL over 255', [GROUP], { ttl: 256 }, /ttl must be from 0 to 255/],
      ['an empty memory region', [GROUP], { memoryRegions: [region, Buffer.alloc(0)] }, /memory region 1 is empty/],
      ['overlapping memory regions', [GROUP], { memoryRegions: [region.subarray(0, 100), region.subarray(50, 150)] }, /memory regions overlap/],
      ['a bad stream config', [GROUP], {}, /maxHeaps/],
    ];
    for (const [what, endpoints, change, message] of cases) {
      it(`refuses ${what} (RangeError)`, () => {
        const config = what === 'a bad stream config' ? { maxHeaps: 0 } : {};
        const e = thrown(() => new send.UdpIbvStream(endpoints, config, { interfaceAddress: IFACE, ...change }));
        expect(e).to.be.instanceOf(RangeError);
        expect(e.message).to.match(message);
      });
    }

    it('refuses no endpoints and memory regions that are not buffers', () => {
      expect(() => new send.UdpIbvStream([], {}, { interfaceAddress: IFACE })).to.throw(RangeError, /at least one endpoint/);
      const bad = [42] as unknown as ArrayBuffer[];
      expect(() => new send.UdpIbvStream([GROUP], {}, { interfaceAddress: IFACE, memoryRegions: bad })).to.throw(TypeError, /memory region 0/);
    });

    it('accepts adjacent (not overlapping) regions as far as validation goes, then fails with ENODEV', function () {
      if (avail.available) this.skip(); // with a device the stream would be made for real
      const e = thrown(
        () =>
          new send.UdpIbvStream([GROUP, { host: '239.255.13.8', port: 7149 }], {}, {
            interfaceAddress: IFACE,
            commVector: -1,
            memoryRegions: [region.subarray(0, 100), region.subarray(100, 200), new ArrayBuffer(64)],
          }),
      );
      expect(e.code).to.equal('ENODEV');
      expect(e.message).to.match(/ibverbs is not available|no RDMA \(ibverbs\) device/);
    });
  });

  describe('command-line tools', () => {
    it('spead-recv --ibv needs --bind and refuses --tcp', async () => {
      let r = await runTool('spead-recv', ['--ibv', ':7148']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/--ibv requires --bind/);
      r = await runTool('spead-recv', ['--ibv', '--tcp', '--bind', IFACE, ':7148']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/cannot be combined/);
    });

    it('spead-send --ibv needs --bind and refuses --tcp', async () => {
      let r = await runTool('spead-send', ['--ibv', '239.255.13.7:7148']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/--ibv requires --bind/);
      r = await runTool('spead-send', ['--ibv', '--tcp', '--bind', IFACE, '239.255.13.7:7148']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/incompatible/);
    });

    it('spead-recv and spead-send --ibv report ENODEV without a device', async function () {
      if (avail.available) this.skip(); // with a device they would run for real
      for (const [tool, args] of [
        ['spead-recv', ['--ibv', '--bind', IFACE, '--ibv-vector=-1', '--ibv-max-poll', '5', '239.255.13.7:7148']],
        ['spead-send', ['--ibv', '--bind', IFACE, '--heaps', '1', '239.255.13.7:7148']],
      ] as const) {
        const r = await runTool(tool, [...args]);
        expect(r.code, r.stderr).to.equal(1);
        expect(r.stderr).to.match(/ENODEV/);
      }
    });
  });
});
