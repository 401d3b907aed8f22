import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const TOOLS = path.join(__dirname, '..', 'lib', 'tools');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(tool: string, args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [path.join(TOOLS, `${tool}.js`), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const port = (): number => 20000 + Math.floor(Math.random() * 20000);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('command-line tools', function () {
  this.timeout(30000);

  it('spead-send --verify → spead-recv --verify: every heap arrives and checks out', async () => {
    const p = port();
    const rx = start('spead-recv', ['--verify', '--quiet', `127.0.0.1:${p}`]);
    await pause(500);
    const tx = await start('spead-send', ['--verify', '--heaps', '20', '--heap-size', '65536', '--items', '2', '--rate', '1', `127.0.0.1:${p}`]).done;
    expect(tx.code, tx.stderr).to.equal(0);
    expect(tx.stdout).to.match(/^Sent \d+ bytes in/);
    const r = await rx.done;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Received 20 heaps$/m);
    expect(r.stdout).to.match(/^packets: \d+$/m);
  });

  it('--tcp: spead-send --tcp --verify → spead-recv --tcp --verify', async () => {
    const p = port();
    const rx = start('spead-recv', ['--tcp', '--verify', '--quiet', `127.0.0.1:${p}`]);
    await pause(500);
    const tx = await start('spead-send', ['--tcp', '--verify', '--heaps', '10', '--heap-size', '50000', `127.0.0.1:${p}`]).done;
    expect(tx.code, tx.stderr).to.equal(0);
    const r = await rx.done;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Received 10 heaps$/m);
  });

  it('spead-send --tcp to a closed port is one clear line and exit 1, not a stack trace', async () => {
    const r = await start('spead-send', ['--tcp', '--heaps', '1', '127.0.0.1:1']).done;
    expect(r.code).to.equal(1);
    expect(r.stderr.trim()).to.match(/^error: connecting failed: .*\(ECONNREFUSED\)$/);
  });

  it('spead-recv --verify fails (exit 1) on a payload that is not the pattern', async () => {
    const p = port();
    const rx = start('spead-recv', ['--verify', '--quiet', `127.0.0.1:${p}`]);
    await pause(500);
    await start('spead-send', ['--heaps', '3', '--heap-size', '4096', `127.0.0.1:${p}`]).done; // zeros, not the pattern
    const r = await rx.done;
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/Verification mismatch in heap 1/);
  });

  it('spead-bench master finds a sustainable rate against a spead-bench agent', async () => {
    const p = port();
    const agent = start('spead-bench', ['agent', String(p)]);
    await pause(500);
    const master = await start('spead-bench', ['master', '--heap-size', '262144', '--heaps', '40', '127.0.0.1', String(p)]).done;
    agent.child.kill('SIGINT');
    await agent.done;
    expect(master.code, master.stderr).to.equal(0);
    expect(master.stdout).to.match(/^Sustainable rate: \d+\.\d{3} Gbps$/m);
  });

  it('spead-recv --pcap reads a capture (spead2 vector) to the end', async () => {
    const { testFilePath } = await import('./helpers/testdata');
    const r = await start('spead-recv', ['--pcap', testFilePath('basic_flavour_64_40.pcap'), '--json']).done;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Received 3 heaps$/m);
    expect(r.stdout).to.match(/"name":"hello spead"/);
  });

  it('bad options print the usage and exit 2', async () => {
    const a = await start('spead-recv', ['--no-such-option', '127.0.0.1:1']).done;
    expect(a.code).to.equal(2);
    expect(a.stderr).to.match(/Usage: spead-recv/);
    const b = await start('spead-send', ['--heaps', 'many', '127.0.0.1:1']).done;
    expect(b.code).to.equal(2);
    expect(b.stderr).to.match(/--heaps must be an integer/);
    const c = await start('spead-send', ['localhost:99999']).done;
    expect(c.code).to.equal(2);
  });

  it('--output captures heaps to a file and spead-send --input replays it', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spead-cli-')), 'capture.spead');
    const p1 = port();
    const capture = start('spead-recv', ['--quiet', '--output', file, `127.0.0.1:${p1}`]);
    await pause(500);
    await start('spead-send', ['--verify', '--heaps', '5', '--heap-size', '20000', '--rate', '1', `127.0.0.1:${p1}`]).done;
    expect((await capture.done).stdout).to.match(/^Received 5 heaps$/m);
    expect(fs.statSync(file).size).to.be.greaterThan(5 * 20000);
    const p2 = port();
    const replayRx = start('spead-recv', ['--verify', '--quiet', `127.0.0.1:${p2}`]);
    await pause(500);
    const replay = await start('spead-send', ['--input', file, '--rate', '1', `127.0.0.1:${p2}`]).done;
    expect(replay.code, replay.stderr).to.equal(0);
    // The capture holds no stop heap (spead-recv does not record it): stop the receiver.
    await pause(300);
    replayRx.child.kill('SIGINT');
    const r = await replayRx.done;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Received 5 heaps$/m);
  });

  it('--json prints one line per heap with decoded item values', async () => {
    const p = port();
    const rx = start('spead-recv', ['--json', `127.0.0.1:${p}`]);
    await pause(500);
    await start('spead-send', ['--verify', '--heaps', '2', '--heap-size', '16', `127.0.0.1:${p}`]).done;
    const r = await rx.done;
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { cnt: number; items: Record<string, number[]> });
    expect(lines.map((l) => l.cnt)).to.deep.equal([1, 2]);
    expect(lines[0].items['Test item 0']).to.deep.equal([48271, 182605794, 1291394886, 1914720637]);
  });
});
