import { expect } from 'chai';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as ts from 'typescript';
import { WebSocket } from 'ws';
import { ItemGroup, recv, scope, send } from '../lib/index';
import { RateHistory } from '../lib/scope/rate-history';
import { DESCRIPTORS, ramp, ScopeSender, spectrum } from './helpers/scope-sender';

/** Collects a page's messages over a plain WebSocket (what the page reads). */
class Listener {
  readonly messages: any[] = [];
  readonly ws: WebSocket;
  constructor(url: string) {
    this.ws = new WebSocket(new URL('ws', url));
    this.ws.on('message', (d) => this.messages.push(JSON.parse(d.toString())));
  }
  async until<T>(pick: (m: any) => T | undefined, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const m of this.messages) {
        const v = pick(m);
        if (v !== undefined) return v;
      }
      if (Date.now() > deadline) throw new Error(`timed out; last message: ${JSON.stringify(this.messages.at(-1))?.slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  close(): void {
    this.ws.terminate();
  }
}

const f64 = (b64: string): number[] => Array.from(new Float64Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer));

describe('scope: decimation', () => {
  it('keeps a series of at most maxPoints as it is', () => {
    const line = scope.decimateLine([{ label: 'a', y: [3, 1, 2] }], 2048);
    expect(line.decimated).to.equal(false);
    expect(Array.from(line.x)).to.deep.equal([0, 1, 2]);
    expect(Array.from(line.series[0].y)).to.deep.equal([3, 1, 2]);
  });

  it('reduces a long series to min/max per bucket within maxPoints, keeping a one-channel spike', () => {
    const y = new Float64Array(100000);
    y[54321] = 7;
    y[12345] = -2;
    const line = scope.decimateLine([{ label: 'p', y }], 2048);
    expect(line.decimated).to.equal(true);
    expect(line.x.length * line.series.length).to.be.at.most(2048 * 2);
    expect(line.x.length).to.be.at.most(1024);
    const [max, min] = line.series;
    expect(max.label).to.equal('p max');
    expect(Math.max(...max.y)).to.equal(7);
    expect(Math.min(...min.y)).to.equal(-2);
    const b = line.x.findIndex((x, i) => x <= 54321 && (i + 1 === line.x.length || line.x[i + 1] > 54321));
    expect(max.y[b]).to.equal(7);
  });

  it('histograms integer samples one bin per value, with the range following the data', () => {
    const h = scope.histogram(new Int8Array([-1, -1, 3, 0]), 2048);
    expect(h.lo).to.equal(-1);
    expect(h.width).to.equal(1);
    expect(Array.from(h.counts)).to.deep.equal([2, 1, 0, 0, 1]);
    expect(h.total).to.equal(4);
  });

  it('widens histogram bins when the values span more than maxBins', () => {
    const h = scope.histogram(Int32Array.from({ length: 10000 }, (_, i) => i * 10), 100);
    expect(h.counts.length).to.be.at.most(100);
    expect(h.counts.reduce((a, b) => a + b, 0)).to.equal(10000);
  });

  it('reduces an image to at most maxRows × maxCols, each cell the maximum of its block', () => {
    const img = scope.decimateImage(Float64Array.from({ length: 8 * 8 }, (_, i) => i), 8, 8, 2, 4);
    expect([img.rows, img.cols]).to.deep.equal([2, 4]);
    expect(Array.from(img.values)).to.deep.equal([25, 27, 29, 31, 57, 59, 61, 63]);
  });
});

describe('scope: rate and loss history', () => {
  it('turns counters into per-second rates and keeps loss by statistic name', () => {
    let evicted = 0;
    const source = (): Array<[string, number]> => [['incomplete_heaps_evicted', evicted], ['rejected_bad_magic', 0], ['packets', 99]];
    const h = new RateHistory(3);
    h.sample(0, { heaps: 0, bytes: 0, incomplete: 0 }, [source]);
    evicted = 5;
    const s = h.sample(0.5, { heaps: 100, bytes: 125e6, incomplete: 0 }, [source]);
    expect(s.heapsPerSecond).to.equal(200);
    expect(s.gbps).to.equal(2);
    expect(s.loss).to.deep.equal({ incomplete_heaps_evicted: 10 });
    expect(h.totals).to.include({ heaps: 100, incomplete_heaps_evicted: 5, rejected_bad_magic: 0 });
    expect(h.totals).to.not.have.property('packets');
    for (let t = 1; t < 5; t++) h.sample(t, { heaps: 100, bytes: 125e6, incomplete: 0 }, [source]);
    expect(h.history.length).to.equal(3);
  });
});

describe('scope over a plain WebSocket', function () {
  this.timeout(20000);

  it('sends the item list from the descriptors and the selected item decimated', async () => {
    const stream = new recv.Stream({}, { heaps: 16, contiguousOnly: false });
    const port = stream.addUdpReader({ host: '127.0.0.1', port: 0 });
    const served = await scope.serve(stream, { updateHz: 10 });
    const sender = new ScopeSender(port, 50);
    sender.start();
    const page = new Listener(served.url);
    try {
      expect(served.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const items = await page.until((m) => (m.type === 'items' || m.type === 'hello') && m.items.length === DESCRIPTORS.length ? m.items : undefined);
      expect(items.map((i: any) => [i.name, i.description, i.shape, i.dtype])).to.deep.equal(DESCRIPTORS.map((d) => [d.name, d.description, [...d.shape], d.dtype]));
      expect(items.find((i: any) => i.name === 'adc').views).to.deep.equal(['line', 'waterfall', 'histogram']);
      expect(items.find((i: any) => i.name === 'counter').views).to.deep.equal([]);
      page.ws.send(JSON.stringify({ type: 'select', item: 'ramp' }));
      const view = await page.until((m) => (m.type === 'frame' && m.view?.item === 'ramp' ? m.view : undefined));
      // 4096 elements → 1024 buckets of 4 elements, min and max each.
      expect(view.line.decimated).to.equal(true);
      const x = f64(view.line.x);
      expect(x.length).to.equal(1024);
      expect(f64(view.line.series[0].y)).to.deep.equal(x.map((v) => v + 3));
      expect(f64(view.line.series[1].y)).to.deep.equal(x);
      page.ws.send(JSON.stringify({ type: 'select', item: 'spectrum' }));
      const sv = await page.until((m) => (m.type === 'frame' && m.view?.item === 'spectrum' ? m.view : undefined));
      expect(f64(sv.line.series[0].y)).to.deep.equal(Array.from(spectrum()));
      const frame = await page.until((m) => (m.type === 'frame' && m.summaries.ramp ? m : undefined));
      expect(frame.summaries.ramp).to.include({ min: 0, max: ramp().length - 1 });
      expect(frame.totals.heaps).to.be.greaterThan(0);
    } finally {
      page.close();
      await sender.stop();
      await served.close();
    }
  });

  it('createScope + observe: a program that consumes its heaps shows them without giving them up', async () => {
    const s = await scope.createScope();
    const page = new Listener(s.url);
    try {
      const out = new send.ItemGroup();
      out.addItem({ name: 'x', description: 'an x', shape: [3], dtype: '<i2', value: new Int16Array([1, -2, 3]) });
      const bytes = new send.BytesStream();
      await bytes.sendHeap(out.getHeap());
      await bytes.sendHeap(out.getEnd());
      const stream = new recv.Stream();
      stream.addBufferReader(bytes.getValue());
      s.watch(stream);
      const items = new ItemGroup();
      const mine: number[][] = [];
      for await (const heap of stream) {
        if (!(heap instanceof recv.Heap)) {
          heap.release();
          continue;
        }
        const changed = items.update(heap);
        s.observe(heap, items, changed);
        if (changed.has('x')) mine.push(Array.from(items.get('x').value as Int16Array));
        heap.release();
      }
      s.end();
      expect(mine).to.deep.equal([[1, -2, 3]]);
      const frame = await page.until((m) => (m.type === 'frame' && m.summaries.x && m.ended ? m : undefined));
      expect(frame.summaries.x).to.include({ min: -2, max: 3 });
      expect(s.counters.heaps).to.equal(1);
    } finally {
      page.close();
      await s.close();
    }
  });

  it('keeps the event loop free with many large items: summaries within a budget per update, round robin', async () => {
    // One real heap for observe(); the 32 items of 512 Ki floats then change every 50 ms, as if heaps came.
    const bytes = new send.BytesStream();
    const one = new send.ItemGroup();
    one.addItem({ name: 'one', shape: [], dtype: '<u2', value: 1 });
    await bytes.sendHeap(one.getHeap());
    await bytes.sendHeap(one.getEnd());
    const stream = new recv.Stream();
    stream.addBufferReader(bytes.getValue());
    const [heap] = await stream.toArray();
    const s = await scope.createScope({ updateHz: 10 });
    const group = new ItemGroup();
    const values = Array.from({ length: 32 }, (_, i) => Float32Array.from({ length: 1 << 19 }, (_, j) => Math.sin(j * 0.001 * (i + 1)) + i));
    values.forEach((value, i) => group.addItem({ id: 0x1000 + i, name: `big${i}`, shape: [1 << 19], dtype: '<f4', value }));
    s.observe(heap, group);
    const bump = setInterval(() => values.forEach((v, i) => (group.get(`big${i}`).value = v)), 50);
    const page = new Listener(s.url);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    try {
      await page.until((m) => (m.type === 'hello' ? m : undefined));
      page.ws.send(JSON.stringify({ type: 'select', item: 'big3' }));
      delay.enable();
      await new Promise((r) => setTimeout(r, 3000));
      delay.disable();
      // Unbounded, every update would scan 16 M elements (~85 ms of a 100 ms interval here); bounded, ~8 ms.
      expect(delay.mean / 1e6, 'mean event-loop delay, ms').to.be.below(30);
      const frames = page.messages.filter((m) => m.type === 'frame');
      expect(frames.length).to.be.at.least(20);
      // Round robin: every item's summary was computed at some update.
      for (let i = 0; i < 32; i++) expect(frames.some((f) => f.summaries[`big${i}`].min !== undefined), `big${i}`).to.equal(true);
      expect(frames.at(-1).view.item).to.equal('big3');
    } finally {
      clearInterval(bump);
      page.close();
      await s.close();
    }
  });

  it('unref(): a program whose scope is the only thing left exits by itself', async () => {
    const dist = JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'index.js'));
    const program = `require(${dist}).scope.createScope().then((s) => { s.unref(); console.log(s.url); });`;
    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, ['-e', program], { timeout: 10000 }, (error, stdout) => resolve({ code: error ? 1 : 0, stdout })),
    );
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^http:\/\/127\.0\.0\.1:\d+\/\n$/);
  });

  it('refuses a WebSocket from another origin', async () => {
    const s = await scope.createScope();
    try {
      const ws = new WebSocket(new URL('ws', s.url), { origin: 'http://evil.example' });
      const err = await new Promise<Error>((resolve) => ws.on('error', resolve));
      expect(err.message).to.match(/403/);
    } finally {
      await s.close();
    }
  });
});

describe('README: the spead-scope section', function () {
  this.timeout(30000);

  it('its snippet runs: serve() and createScope() + observe() serve a page and close', async () => {
    const root = path.join(__dirname, '..', '..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## spead-scope\n');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const [code] = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const program = `(async () => {\n${js.replace(/require\("spead"\)/g, `require(${JSON.stringify(path.join(root, 'dist', 'index.js'))})`)}\n})().catch((e) => { console.error(e); process.exit(1); });`;
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ['-e', program], { timeout: 20000 }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr })),
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^serve: http:\/\/127\.0\.0\.1:\d+\/\ncreateScope: http:\/\/127\.0\.0\.1:\d+\/ saw 1 heap\(s\)\n$/);
  });
});
