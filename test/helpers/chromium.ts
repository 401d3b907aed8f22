/**
 * Headless Chromium driven over the DevTools protocol (with `ws`), for the
 * tests that load a page: open a URL, evaluate JavaScript in it, wait for a
 * condition, take a screenshot. Every wait has a timeout, and close() kills
 * the browser.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WebSocket } from 'ws';

/** Where Debian's chromium package puts the browser (CHROMIUM overrides). */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser can be run here. */
export function chromiumAvailable(): boolean {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface Pending {
  resolve: (v: any) => void;
  reject: (e: Error) => void;
}

/** One page's DevTools session. */
export class Page {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Console messages and exceptions of the page, for failure messages. */
  readonly log: string[] = [];

  constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.id !== undefined) {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error) p?.reject(new Error(`${m.error.message} ${m.error.data ?? ''}`));
        else p?.resolve(m.result);
      } else if (m.method === 'Runtime.consoleAPICalled') {
        this.log.push(`console.${m.params.type}: ${m.params.args.map((a: any) => a.value ?? a.description).join(' ')}`);
      } else if (m.method === 'Runtime.exceptionThrown') {
        this.log.push(`exception: ${m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text}`);
      }
    });
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('DevTools connection closed'));
      this.pending.clear();
    });
  }

  /** Sends a DevTools command and waits for its result. */
  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates an expression in the page (promises awaited) and returns its value. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Waits until `expression` is truthy in the page; its value. */
  async waitFor<T = unknown>(expression: string, timeoutMs = 10000, what = expression): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let value: T | undefined;
      try {
        value = await this.evaluate<T>(expression);
      } catch {
        value = undefined; // the page may be between loads
      }
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\npage log:\n${this.log.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Navigates and waits for the load event. */
  async goto(url: string): Promise<void> {
    await this.send('Page.navigate', { url });
    await this.waitFor('document.readyState === "complete"', 10000, `${url} to load`);
  }

  /** Saves a PNG of the whole page. */
  async screenshot(file: string): Promise<void> {
    const { cssContentSize } = await this.send('Page.getLayoutMetrics');
    const r = await this.send('Page.captureScreenshot', {
      format: 'png',
      captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: Math.ceil(cssContentSize.width), height: Math.ceil(cssContentSize.height), scale: 1 },
    });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
  }
}

/** A headless Chromium process. */
export class Browser {
  private constructor(
    private readonly child: ChildProcess,
    private readonly port: number,
    private readonly profile: string,
  ) {}

  /** Starts the browser; rejects after `timeoutMs` if DevTools does not come up. */
  static async launch(timeoutMs = 20000): Promise<Browser> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'spead-scope-chromium-'));
    const child = spawn(
      CHROMIUM,
      [
        '--headless=new',
        '--remote-debugging-port=0',
        '--remote-debugging-address=127.0.0.1',
        `--user-data-dir=${profile}`,
        '--no-sandbox', // root in CI containers
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-extensions',
        '--disable-background-networking',
        '--window-size=1400,1000',
        'about:blank',
      ],
      // Its own process group, so that close() ends the renderers and helpers too.
      // Without a sanitizer runtime preloaded for the addon (scripts/asan-test.sh).
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, LD_PRELOAD: '' } },
    );
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chromium did not start in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d;
        const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(stderr);
        if (m !== null) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`chromium exited (${code}):\n${stderr}`));
      });
    });
    child.stderr!.removeAllListeners('data');
    child.stderr!.resume();
    return new Browser(child, port, profile);
  }

  /** A new tab at `url`, with its console recorded. */
  async open(url: string): Promise<Page> {
    const res = await fetch(`http://127.0.0.1:${this.port}/json/new?about:blank`, { method: 'PUT' });
    const target = (await res.json()) as { webSocketDebuggerUrl: string };
    const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 256 << 20 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const page = new Page(ws);
    await page.send('Runtime.enable');
    await page.send('Page.enable');
    await page.goto(url);
    return page;
  }

  /** Kills the browser and removes its profile. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
      await exited;
    }
    // A helper process may still be writing into the profile for a moment.
    fs.rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
