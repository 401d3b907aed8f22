import { expect } from 'chai';
import { execFileSync, spawn } from 'child_process';
import * as path from 'path';
import { recv, send } from '../lib/index';
import { endHeap, patternHeap } from './helpers/heaps';
import { deleteNamespaces, runSteps } from './helpers/netns';

const CHILD = path.join(__dirname, 'helpers', 'mc-child.js');
const tag = `spd${process.pid % 100000}`;
const NS_A = `${tag}a`;
const NS_B = `${tag}b`;
// A subnet that exists only on the veth pair between the test's own namespaces.
const ADDR_A = '10.213.7.1';
const ADDR_B = '10.213.7.2';

describe('multicast over a veth pair between network namespaces the test creates', function () {
  this.timeout(30000);
  let ready = false;

  before(function () {
    const steps: Array<[string, string[]]> = [
      ['create namespace A', ['netns', 'add', NS_A]],
      ['create namespace B', ['netns', 'add', NS_B]],
      ['create the veth pair', ['link', 'add', `${tag}x`, 'netns', NS_A, 'type', 'veth', 'peer', 'name', `${tag}y`, 'netns', NS_B]],
      ['address A', ['-n', NS_A, 'addr', 'add', `${ADDR_A}/24`, 'dev', `${tag}x`]],
      ['address B', ['-n', NS_B, 'addr', 'add', `${ADDR_B}/24`, 'dev', `${tag}y`]],
      ['IPv6 address A', ['-n', NS_A, 'addr', 'add', 'fd00:213:7::1/64', 'dev', `${tag}x`, 'nodad']],
      ['IPv6 address B', ['-n', NS_B, 'addr', 'add', 'fd00:213:7::2/64', 'dev', `${tag}y`, 'nodad']],
      ['link A up', ['-n', NS_A, 'link', 'set', `${tag}x`, 'up']],
      ['link B up', ['-n', NS_B, 'link', 'set', `${tag}y`, 'up']],
    ];
    const refused = runSteps(steps);
    if (refused !== undefined) {
      console.log(`      (skipped: ${refused})`);
      this.skip();
    }
    ready = true;
  });

  after(() => deleteNamespaces(NS_A, NS_B));

  async function exchange(group: string, ifaceA: string, ifaceB: string): Promise<{ cnts: number[]; ok: boolean }> {
    const port = '17149';
    const rx = spawn('ip', ['netns', 'exec', NS_A, process.execPath, CHILD, 'recv', group, port, ifaceA], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    rx.stdout.on('data', (d: Buffer) => (out += d));
    rx.stderr.on('data', (d: Buffer) => (err += d));
    const done = new Promise<number | null>((resolve) => rx.on('close', resolve));
    for (let i = 0; i < 100 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out, err).to.include('ready');
    execFileSync('ip', ['netns', 'exec', NS_B, process.execPath, CHILD, 'send', group, port, ifaceB, '10'], { stdio: 'pipe' });
    expect(await done, err).to.equal(0);
    return JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as { cnts: number[]; ok: boolean };
  }

  it('IPv6: a group joined by interface index gets every heap sent to it from the other namespace', async () => {
    expect(ready).to.equal(true);
    const index = (ns: string, dev: string): string =>
      String((JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev]).toString()) as Array<{ ifindex: number }>)[0].ifindex);
    const result = await exchange('ff15::213:7', index(NS_A, `${tag}x`), index(NS_B, `${tag}y`));
    expect(result.cnts).to.deep.equal([...Array(10).keys()].map((i) => i + 1));
    expect(result.ok).to.equal(true);
  });

  it('IPv4: a receiver joined on its interface gets every heap a sender in the other namespace sends to the group', async () => {
    expect(ready).to.equal(true);
    const result = await exchange('239.31.7.9', ADDR_A, ADDR_B);
    expect(result.cnts).to.deep.equal([...Array(10).keys()].map((i) => i + 1));
    expect(result.ok).to.equal(true);
  });
});

describe('send rate limiting', () => {
  it('takes at least volume / (rate × burstRateRatio), less one burst', async () => {
    const rx = new recv.Stream({}, { heaps: 64 });
    const port = rx.addUdpReader({ host: '127.0.0.1', port: 0 });
    const rate = 20e6;
    const tx = new send.UdpStream([{ host: '127.0.0.1', port }], { rate, burstSize: 65536, maxHeaps: 8 });
    const heaps = Array.from({ length: 8 }, (_, i) => patternHeap(250000, i).heap);
    const start = process.hrtime.bigint();
    const bytes = await tx.sendHeaps(heaps, send.GroupMode.SERIAL);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    expect(bytes).to.be.greaterThan(2e6);
    expect(seconds).to.be.at.least((bytes - 65536) / (rate * 1.05));
    await tx.sendHeap(endHeap());
    let n = 0;
    for await (const h of rx) {
      n++;
      h.release();
    }
    expect(n).to.equal(8);
    tx.destroy();
  });
});
