import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { WebSocket } from 'ws';
import { send } from '../lib/index';

const TOOL = path.join(__dirname, '..', 'lib', 'tools', 'spead-scope.js');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [TOOL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, stdout: () => stdout, done };
}

async function until<T>(f: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Frames from the page's WebSocket until `pick` finds one. */
async function frameWhere(url: string, pick: (m: any) => boolean): Promise<any> {
  const ws = new WebSocket(new URL('ws', url));
  const seen: any[] = [];
  ws.on('message', (d) => seen.push(JSON.parse(d.toString())));
  try {
    return await until(() => seen.find(pick), 10000, 'a matching frame');
  } finally {
    ws.terminate();
  }
}

function itemGroup(): send.ItemGroup {
  const items = new send.ItemGroup();
  items.addItem({ name: 'power', description: 'a spectrum', shape: [256], dtype: '<f4', value: Float32Array.from({ length: 256 }, (_, i) => i / 2) });
  return items;
}

const port = (): number => 20000 + Math.floor(Math.random() * 20000);

describe('spead-scope command line', function () {
  this.timeout(30000);

  it('--help prints the usage with the receiver options and exits 0', async () => {
    const r = await run(['--help']).done;
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^Usage: spead-scope/);
    expect(r.stdout).to.include('--http HOST:PORT').and.include('--pcap FILE').and.include('--xdp IFACE');
  });

  it('no source is a usage error (exit 2)', async () => {
    const r = await run([]).done;
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^no source given\nUsage: spead-scope/);
  });

  it('a taken --http port is one error line and exit 1, not a hang', async () => {
    const taken = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    try {
      const r = await run([`127.0.0.1:${port()}`, '--http', `127.0.0.1:${(taken.address() as net.AddressInfo).port}`]).done;
      expect(r.code).to.equal(1);
      expect(r.stderr.trim()).to.match(/^error: listen EADDRINUSE.*$/);
    } finally {
      taken.close();
    }
  });

  it('--pcap: replays a capture, tells the page the stream ended, and keeps serving until SIGINT', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spead-scope-'));
    const file = path.join(dir, 'capture.pcap');
    const items = itemGroup();
    const pcap = new send.PcapFileStream(file, [{ address: '127.0.0.1', port: 7148 }]);
    for (let i = 0; i < 5; i++) await pcap.sendHeap(items.getHeap({ data: 'all' }));
    pcap.close();
    const tool = run(['--pcap', file]);
    try {
      const url = await until(() => /^spead-scope: (http:\S+)$/m.exec(tool.stdout())?.[1], 10000, 'the URL');
      const frame = await frameWhere(url, (m) => m.type === 'frame' && m.ended);
      expect(frame.totals.heaps).to.equal(5);
      expect(frame.summaries.power).to.include({ min: 0, max: 127.5 });
      expect(tool.stdout()).to.include('the stream has ended');
      tool.child.kill('SIGINT');
      const r = await tool.done;
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/spead-scope: 5 heaps observed, \d+ frames sent, 0 dropped\n$/);
    } finally {
      tool.child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--tcp --http: receives over TCP and serves on the address asked for', async () => {
    const p = port();
    const httpPort = port();
    const tool = run(['--tcp', `127.0.0.1:${p}`, '--http', `127.0.0.1:${httpPort}`]);
    try {
      const url = await until(() => /^spead-scope: (http:\S+)$/m.exec(tool.stdout())?.[1], 10000, 'the URL');
      expect(url).to.equal(`http://127.0.0.1:${httpPort}/`);
      const tx = await send.TcpStream.connect({ host: '127.0.0.1', port: p });
      const items = itemGroup();
      await tx.sendHeap(items.getHeap());
      const frame = await frameWhere(url, (m) => m.type === 'frame' && m.summaries.power !== undefined);
      expect(frame.summaries.power.shape).to.deep.equal([256]);
      tx.destroy();
      tool.child.kill('SIGINT');
      expect((await tool.done).code).to.equal(0);
    } finally {
      tool.child.kill('SIGKILL');
    }
  });
});
