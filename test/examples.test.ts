import { expect } from 'chai';
import { execFile } from 'child_process';
import * as path from 'path';
import { xdpAvailable } from '../lib/index';

const EXAMPLES = path.join(__dirname, '..', 'examples');

function run(name: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(EXAMPLES, `${name}.js`), ...args], { timeout: 60000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('examples run to completion', function () {
  this.timeout(90000);

  it('demo (loopback send/receive with statistics)', async () => {
    const r = await run('demo', ['--seconds', '1']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Received \d+ heaps/m);
  });

  it('tut-send-recv', async () => {
    const r = await run('tut-send-recv', ['--heaps', '5']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/received 5 heaps/);
    expect(r.stdout).to.match(/heap 3: timestamp 2097152, mean 2/);
  });

  it('tut-memory-pool', async () => {
    const r = await run('tut-memory-pool', ['--heaps', '3', '--size', String(8 << 20)]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/received 3 heaps/);
    expect(r.stdout).not.to.match(/pool warning/);
  });

  it('tut-batching', async () => {
    const r = await run('tut-batching', ['--heaps', '2000']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/HeapReferenceList\s+\d+ heaps\/s/);
  });

  it('tut-send-perf (with two packet sizes)', async () => {
    for (const p of ['1472', '8972']) {
      const r = await run('tut-send-perf', ['-n', '50', '-p', p]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`packet size ${p}: 50 heaps, \\d+ MB/s`));
    }
  });

  it('tut-send-pipeline', async () => {
    const r = await run('tut-send-pipeline', ['-n', '20', '-H', '65536']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/sent 20 heaps/);
  });

  it('tut-recv-power', async () => {
    const r = await run('tut-recv-power', ['-n', '5']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.have.length(5);
    expect(r.stdout).to.match(/^timestamp 0: power \d+\.\d$/m);
  });

  it('relay', async () => {
    const r = await run('relay', ['-n', '4']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/relayed heap \d+: scaled\[0\] = 6/);
    expect(r.stdout).to.match(/relayed 4 heaps/);
  });

  it('capture-replay', async () => {
    const r = await run('capture-replay');
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.map((l) => (JSON.parse(l) as { x: number }).x)).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('xdp-veth (AF_XDP over a veth pair it makes; needs root)', async function () {
    const { available, reason } = xdpAvailable();
    if (!available || process.getuid?.() !== 0) {
      console.log(`      (skipped: ${available ? 'not root' : reason})`);
      this.skip();
    }
    const r = await run('xdp-veth', ['--heaps', '20']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/AF_XDP reader on \S+: native XDP, copy mode/);
    expect(r.stdout).to.match(/received 20 heaps over AF_XDP, values intact/);
  });
});
