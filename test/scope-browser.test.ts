import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { Browser, chromiumAvailable, CHROMIUM, Page } from './helpers/chromium';
import { adc, ADC_SAMPLES, ADC_SHIFT, adcHistogram, DESCRIPTORS, IMAGE_SHAPE, ScopeSender, spectrum, VIS_CHANNELS } from './helpers/scope-sender';

const TOOL = path.join(__dirname, '..', 'lib', 'tools', 'spead-scope.js');
/** Where the screenshot goes (the README's docs/spead-scope.png is a copy of it). */
export const SCREENSHOT = path.join(__dirname, '..', 'test-output', 'spead-scope.png');

interface Tool {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts spead-scope and waits for the URL it prints. */
async function startTool(args: string[]): Promise<Tool> {
  const child = spawn(process.execPath, [TOOL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`spead-scope printed no URL: ${out} ${err}`)), 10000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /^spead-scope: (http:\/\/\S+)$/m.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => reject(new Error(`spead-scope exited (${code}): ${err}`)));
  });
  return { child, url, exited };
}

async function stopTool(tool: Tool): Promise<void> {
  if (tool.child.exitCode === null) tool.child.kill('SIGINT');
  await tool.exited;
}

const udpPort = (): number => 30000 + Math.floor(Math.random() * 20000);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const S = 'window.__scope.state';

/** Selects an item by clicking its row, and waits for its plots. */
async function clickItem(page: Page, name: string): Promise<void> {
  await page.evaluate(`document.querySelector('#items tr[data-item="${name}"]').click()`);
  await page.waitFor(`${S}.view && ${S}.view.item === '${name}'`, 10000, `the plots of ${name}`);
}

describe('spead-scope in headless Chromium', function () {
  this.timeout(120000);
  let browser: Browser | undefined;
  let tool: Tool | undefined;
  let sender: ScopeSender | undefined;

  before(function () {
    if (!chromiumAvailable()) {
      console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium, or set CHROMIUM)`);
      this.skip();
    }
  });

  afterEach(async () => {
    await sender?.stop();
    await browser?.close();
    if (tool !== undefined) await stopTool(tool);
    sender = undefined;
    browser = undefined;
    tool = undefined;
  });

  it('shows the item list, the plotted values, the injected loss, and reconnects after a restart', async () => {
    const port = udpPort();
    tool = await startTool([`127.0.0.1:${port}`, '--update-hz', '5']);
    expect(tool.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    sender = new ScopeSender(port, 30);
    sender.start();
    browser = await Browser.launch();
    const page = await browser.open(tool.url);

    // The item list, from the DOM, matches the descriptors.
    await page.waitFor(`document.querySelectorAll('#items tbody tr').length === ${DESCRIPTORS.length}`, 10000, 'the item list');
    const rows = await page.evaluate<string[][]>(`[...document.querySelectorAll('#items tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent))`);
    expect(rows.map((r) => r.slice(1, 5))).to.deep.equal(
      DESCRIPTORS.map((d) => [d.name, d.description, `(${d.shape.join(', ')}${d.shape.length === 1 ? ',' : ''})`, d.dtype]),
    );
    expect(rows.map((r) => r[0])).to.deep.equal(DESCRIPTORS.map((_, i) => `0x${(0x1000 + i).toString(16)}`));
    await page.waitFor(`${S}.summaries.spectrum && ${S}.summaries.counter`, 10000, 'value summaries');
    const summary = await page.evaluate<string>(`document.querySelector('#items tr[data-item="spectrum"]').cells[5].textContent`);
    expect(summary).to.match(/min 5 max 15 mean 10/);

    // A sine spectrum of 1024 channels: plotted as sent, not decimated.
    await clickItem(page, 'spectrum');
    const line = await page.evaluate<{ x: number[]; series: Array<{ label: string; y: number[] }>; decimated: boolean }>(`${S}.view.line`);
    expect(line.decimated).to.equal(false);
    expect(line.series.map((s) => s.label)).to.deep.equal(['spectrum']);
    expect(line.series[0].y).to.deep.equal(Array.from(spectrum()));
    // Successive heaps make waterfall rows.
    await page.waitFor(`${S}.view.waterfall && ${S}.view.waterfall.rows >= 3`, 10000, 'waterfall rows');
    const wf = await page.evaluate<{ cols: number; latest: number[]; min: number; max: number }>(`${S}.view.waterfall`);
    expect(wf.cols).to.equal(1024);
    expect(wf.latest).to.deep.equal(Array.from(spectrum()));
    expect([wf.min, wf.max]).to.deep.equal([5, 15]);

    // Complex visibilities: magnitude and phase, then re and im.
    await clickItem(page, 'vis');
    let vis = await page.evaluate<{ series: Array<{ label: string; y: number[] }> }>(`${S}.view.line`);
    expect(vis.series.map((s) => s.label)).to.deep.equal(['magnitude', 'phase']);
    vis.series[0].y.forEach((m, i) => expect(m).to.be.closeTo(1 + i / VIS_CHANNELS, 1e-5));
    vis.series[1].y.forEach((p, i) => expect(Math.cos(p - (2 * Math.PI * i) / 64)).to.be.closeTo(1, 1e-6));
    await page.evaluate(`(() => { const s = document.getElementById('complex'); s.value = 'reim'; s.dispatchEvent(new Event('change')); })()`);
    await page.waitFor(`${S}.view && ${S}.view.line && ${S}.view.line.series[0].label === 're'`, 10000, 're/im series');
    vis = await page.evaluate(`${S}.view.line`);
    vis.series[0].y.forEach((re, i) => expect(re).to.be.closeTo((1 + i / VIS_CHANNELS) * Math.cos((2 * Math.PI * i) / 64), 1e-5));

    // A 2-D item is an image (within the column bound, so whole).
    await clickItem(page, 'image');
    await page.waitFor(`${S}.view.image`, 10000, 'the image');
    const img = await page.evaluate<{ rows: number; cols: number; shape: number[] }>(`${S}.view.image`);
    expect(img).to.deep.equal({ rows: IMAGE_SHAPE[0], cols: IMAGE_SHAPE[1], shape: IMAGE_SHAPE });
    expect(await page.evaluate(`${S}.view.waterfall.latest.slice(0, 3)`)).to.deep.equal([0, 1 / 256, 2 / 256]);

    // An int8 ADC stream: its histogram is the samples' own.
    await clickItem(page, 'adc');
    await page.waitFor(`${S}.view.histogram`, 10000, 'the histogram');
    const hist = await page.evaluate<{ lo: number; width: number; counts: number[]; total: number }>(`${S}.view.histogram`);
    const expected = adcHistogram();
    expect(hist.width).to.equal(1);
    expect(hist.total).to.equal(adc().length);
    expect(hist.lo).to.equal(Math.min(...expected.keys()));
    hist.counts.forEach((c, i) => expect(c, `bin ${hist.lo + i}`).to.equal(expected.get(hist.lo + i) ?? 0));
    // 8192 samples → 1024 buckets of 8: min and max of each.
    const adcLine = await page.evaluate<{ decimated: boolean; series: Array<{ label: string; y: number[] }> }>(`${S}.view.line`);
    expect(adcLine.decimated).to.equal(true);
    expect(adcLine.series[0].y.length).to.equal(1024);
    // The sine moves from heap to heap: one of its rotations is the one plotted.
    const buckets = (k: number): number[][] => {
      const samples = adc(k);
      return [0, 1].map((m) => Array.from({ length: 1024 }, (_, b) => (m === 0 ? Math.max : Math.min)(...samples.subarray(8 * b, 8 * b + 8))));
    };
    const rotation = [...Array(ADC_SAMPLES / ADC_SHIFT).keys()].find((k) => JSON.stringify(buckets(k)) === JSON.stringify(adcLine.series.map((s) => s.y)));
    expect(rotation, 'the plotted min/max buckets are those of a sent heap').to.not.equal(undefined);

    // Pause: frames still arrive, the plots stand still.
    await page.evaluate(`document.getElementById('pause').click()`);
    const before = await page.evaluate<{ version: number; frames: number }>(`({ version: ${S}.view.version, frames: ${S}.frames })`);
    await pause(1000);
    const during = await page.evaluate<{ version: number; frames: number; paused: boolean }>(`({ version: ${S}.view.version, frames: ${S}.frames, paused: ${S}.paused })`);
    expect(during.paused).to.equal(true);
    expect(during.frames).to.be.greaterThan(before.frames);
    expect(during.version).to.equal(before.version);
    await page.evaluate(`document.getElementById('pause').click()`);
    await page.waitFor(`${S}.view.version > ${before.version}`, 10000, 'updates after resuming');

    // Loss: heaps with a packet missing, and datagrams that are not SPEAD.
    await sender.injectLoss(3, 5);
    await page.waitFor(`${S}.totals.incomplete_heaps_evicted >= 3 && ${S}.totals.rejected_bad_magic >= 5`, 15000, 'the injected loss in the totals');
    const loss = await page.evaluate<Record<string, number[]>>(`${S}.rates.loss`);
    expect(Math.max(...loss.incomplete_heaps_evicted)).to.be.greaterThan(0);
    expect(Math.max(...loss.rejected_bad_magic)).to.be.greaterThan(0);
    expect(await page.evaluate(`document.querySelector('#totals tr[data-stat="rejected_bad_magic"]').cells[1].textContent`)).to.equal('5');
    const rates = await page.evaluate<{ heapsPerSecond: number[] }>(`${S}.rates`);
    const sorted = [...rates.heapsPerSecond].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)], 'the median heap rate (30 heaps/s sent)').to.be.within(20, 40);
    await pause(4000); // a few more rows for the picture
    await page.screenshot(SCREENSHOT);

    // The server restarts on the same address: the page reconnects by itself.
    const httpPort = new URL(tool.url).port;
    await stopTool(tool);
    await page.waitFor(`!${S}.connected`, 10000, 'the page to notice the server went');
    tool = await startTool([`127.0.0.1:${port}`, '--http', `127.0.0.1:${httpPort}`]);
    await page.waitFor(`${S}.connected && ${S}.connections >= 2`, 15000, 'the page to reconnect');
    await page.waitFor(`${S}.view && ${S}.view.item === 'adc' && ${S}.view.histogram`, 15000, 'the selection to come back after reconnecting');
  });
});
