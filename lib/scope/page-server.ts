/**
 * The scope's HTTP server: the page's own files, uPlot from node_modules
 * (nothing from a CDN: the page works offline), and a WebSocket at /ws.
 * What travels on the WebSocket is the Scope's business; this file only
 * serves files and hands over connections, as PageSockets — `ws` stays
 * inside this file.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { WebSocket, WebSocketServer } from 'ws';

/** Largest message accepted from a page: a selection, never data. */
const MAX_CLIENT_MESSAGE = 4096;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The directory of the page's files. It is shipped as lib/scope/page/ (see
 * package.json "files") and found from wherever this module was compiled
 * to (dist/scope/, .build/lib/scope/): the package root is above both.
 */
export function pageDirectory(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'lib', 'scope', 'page');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`spead scope: cannot find lib/scope/page/ above ${__dirname}`);
  }
}

/** The files served, by URL path: the page's own and uPlot's. */
function routes(): Map<string, string> {
  const files = new Map<string, string>();
  const page = pageDirectory();
  for (const name of fs.readdirSync(page)) files.set(name === 'index.html' ? '/' : `/${name}`, path.join(page, name));
  const uplot = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');
  files.set('/vendor/uPlot.esm.js', path.join(uplot, 'uPlot.esm.js'));
  files.set('/vendor/uPlot.min.css', path.join(uplot, 'uPlot.min.css'));
  return files;
}

/**
 * A page can only be opened from the host it was served by: a WebSocket
 * from another origin (a site in the user's browser reaching for
 * 127.0.0.1) is refused.
 */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A page's connection, as the Scope uses it: text messages both ways. */
export interface PageSocket {
  /** Bytes queued to send and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** True while messages can be sent. */
  readonly isOpen: boolean;
  /** Sends a text message. */
  send(text: string): void;
  /** Drops the connection at once. */
  terminate(): void;
  /** Calls `listener` with each text message from the page. */
  onMessage(listener: (text: string) => void): void;
  /** Calls `listener` once when the connection closes or fails. */
  onClose(listener: () => void): void;
}

function pageSocket(ws: WebSocket): PageSocket {
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get isOpen() {
      return ws.readyState === ws.OPEN;
    },
    send: (text) => ws.send(text),
    terminate: () => ws.terminate(),
    onMessage: (listener) => ws.on('message', (data, isBinary) => (isBinary ? undefined : listener(data.toString()))),
    onClose: (listener) => {
      let called = false;
      const once = (): void => {
        if (!called) listener();
        called = true;
      };
      ws.on('close', once);
      ws.on('error', once);
    },
  };
}

/** The HTTP + WebSocket server of one scope. */
export class PageServer {
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly files = routes();

  /**
   * @param onConnection a new page's socket
   */
  private constructor(onConnection: (page: PageSocket) => void) {
    this.http = http.createServer((req, res) => this.serveFile(req, res));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE });
    this.http.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws' || !sameOrigin(req)) {
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => onConnection(pageSocket(ws)));
    });
  }

  /** Listens on host:port (port 0: any free port). */
  static async listen(host: string, port: number, onConnection: (page: PageSocket) => void): Promise<PageServer> {
    const server = new PageServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', reject);
      server.http.listen(port, host, () => {
        server.http.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  /** The page's URL. */
  get url(): string {
    const a = this.http.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}/`;
  }

  private serveFile(req: http.IncomingMessage, res: http.ServerResponse): void {
    const file = this.files.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(file === undefined ? 404 : 405, { 'Content-Type': 'text/plain' }).end(file === undefined ? 'not found\n' : 'method not allowed\n');
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err !== null) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }

  /** Lets the process exit while listening. */
  unref(): void {
    this.http.unref();
  }

  /** Keeps the process alive while listening (the default). */
  ref(): void {
    this.http.ref();
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
