/**
 * The scope: watches heaps go by and, a few times a second, tells every
 * connected page what changed — rates, loss, the item list, and the plots
 * of the item that page selected. Observing a heap costs a few counter
 * updates; all decoding and decimation happens on the update timer, and a
 * page that does not keep up loses frames (counted) instead of slowing the
 * receiver or growing its memory.
 */
import type { Item } from '../item';
import type { ItemGroup, ItemUpdates } from '../item-group';
import { Heap, IncompleteHeap } from '../recv/heap';
import type { StreamStats } from '../recv/stats';
import type { ComplexMode } from './decimate';
import { buildView, itemInfo, summarise, ViewLimits } from './item-view';
import { PageServer, PageSocket } from './page-server';
import type { FrameMessage, HelloMessage, ItemInfo, ItemSummary, ItemsMessage, SelectMessage, ViewData } from './protocol';
import { ObservedCounts, RateHistory, StatsSource } from './rate-history';

/** Default `host` of the page's server: loopback only. */
export const DEFAULT_SCOPE_HOST = '127.0.0.1';
/** Default frames per second sent to each page. */
export const DEFAULT_UPDATE_HZ = 4;
/** Default bound on the points of a line plot (and the bins of a histogram). */
export const DEFAULT_MAX_POINTS = 2048;
/** Default bound on the columns of a waterfall. */
export const DEFAULT_WATERFALL_COLUMNS = 1024;
/** Default bound on the rows of a 2-D item's image. */
export const DEFAULT_IMAGE_ROWS = 256;
/** Default length of the rate and loss history, seconds. */
export const DEFAULT_HISTORY_SECONDS = 300;
/** Default bytes a page's socket may have queued before its frames are dropped. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1 << 20;

/** Options of `createScope` and `serve`. */
export interface ScopeOptions {
  /** Address the page is served on. Default `'127.0.0.1'`. */
  host?: string;
  /** Port the page is served on; 0 picks a free one. Default 0. */
  port?: number;
  /** The page's title (e.g. the source). Default `'spead-scope'`. */
  title?: string;
  /** Frames per second sent to each page. Default 4. */
  updateHz?: number;
  /** Most points in a line plot, bins in a histogram. Default 2048. */
  maxPoints?: number;
  /** Most columns in a waterfall. Default 1024. */
  waterfallColumns?: number;
  /** Most rows in a 2-D item's image. Default 256. */
  imageRows?: number;
  /** Seconds of rate and loss history kept. Default 300. */
  historySeconds?: number;
  /** Bytes a page may have queued on its socket before its frames are dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
}

/** What the scope has done so far. */
export interface ScopeCounters {
  /** Pages connected now. */
  clients: number;
  /** Heaps observed. */
  heaps: number;
  /** Frames sent to pages. */
  framesSent: number;
  /** Frames not sent because a page's socket still had `maxBufferedBytes` queued. */
  framesDropped: number;
  /** Bytes queued on the pages' sockets now (bounded by about `maxBufferedBytes` + one frame each). */
  queuedBytes: number;
}

/** Something with receive statistics: a `recv.Stream`. */
export interface StatsLike {
  /** A snapshot of the statistics. */
  readonly stats: StreamStats;
}

/** Items whose last decode error is remembered for the item list. */
const MAX_ERRORS_KEPT = 1024;

interface Client {
  ws: PageSocket;
  item: string | null;
  complex: ComplexMode;
  dropped: number;
  itemsVersion: number;
}

/**
 * Elements summarised per update at most; items beyond the budget keep
 * their last summary until a later update. Bounds the work of a tick when
 * a stream carries many large items.
 */
const SUMMARY_BUDGET = 1 << 21;
/**
 * Share of the update interval the selected plots may take: a selection
 * that costs more is recomputed on fewer updates (the page keeps its last
 * plots in between), so the event loop stays free for the heaps.
 */
const VIEW_DUTY = 0.25;

/** What one selection showed last, and when it may be recomputed. */
interface SelectionState {
  /** The item's version the view was computed from. */
  version: number;
  /** The view without its waterfall row (rows are sent once). */
  view: ViewData;
  /** The first tick on which it may be recomputed. */
  due: number;
}

function positive(name: string, value: number | undefined, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
    throw new RangeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, not ${value}`);
  }
  return value;
}

function parseSelect(text: string): SelectMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null || (m as SelectMessage).type !== 'select') return null;
  const { item, complex } = m as SelectMessage;
  if (item !== null && typeof item !== 'string') return null;
  if (complex !== undefined && complex !== 'magphase' && complex !== 'reim') return null;
  return { type: 'select', item, complex };
}

/**
 * A live view of heaps, served as a web page. Feed it with `observe()`
 * wherever you consume heaps; it never holds a heap, only the `ItemGroup`
 * you pass, whose items it reads a few times a second.
 *
 * @example
 * const scope = await createScope({ title: 'my stream' });
 * scope.watch(stream); // loss statistics
 * console.log(scope.url);
 * const items = new ItemGroup();
 * for await (const heap of stream) {
 *   const changed = items.update(heap);
 *   scope.observe(heap, items, changed);
 *   // ... your own processing ...
 *   heap.release();
 * }
 */
export class Scope {
  /** The page's URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  private readonly server: PageServer;
  private readonly clients = new Set<Client>();
  private readonly history: RateHistory;
  private readonly sources: StatsSource[] = [];
  private readonly counts: ObservedCounts = { heaps: 0, bytes: 0, incomplete: 0 };
  private readonly limits: ViewLimits;
  private readonly title: string;
  private readonly updateHz: number;
  private readonly maxBufferedBytes: number;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private group: ItemGroup | null = null;
  private knownItems: Item[] = [];
  private infos: ItemInfo[] = [];
  private itemsVersion = 0;
  private readonly summaries = new Map<Item, ItemSummary>();
  private readonly errors = new Map<string, string>();
  private readonly selections = new Map<string, SelectionState>();
  private summaryCursor = 0;
  private ticks = 0;
  private ended = false;
  private closed = false;
  private framesSent = 0;
  private framesDropped = 0;

  /** @internal Use `createScope` (it listens first). */
  constructor(server: PageServer, options: ScopeOptions) {
    this.server = server;
    this.url = server.url;
    this.title = options.title ?? 'spead-scope';
    this.updateHz = positive('updateHz', options.updateHz, DEFAULT_UPDATE_HZ, false);
    this.limits = {
      maxPoints: positive('maxPoints', options.maxPoints, DEFAULT_MAX_POINTS),
      waterfallColumns: positive('waterfallColumns', options.waterfallColumns, DEFAULT_WATERFALL_COLUMNS),
      imageRows: positive('imageRows', options.imageRows, DEFAULT_IMAGE_ROWS),
    };
    this.maxBufferedBytes = positive('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES);
    const historySeconds = positive('historySeconds', options.historySeconds, DEFAULT_HISTORY_SECONDS, false);
    this.history = new RateHistory(Math.ceil(historySeconds * this.updateHz));
    this.history.sample(0, this.counts, this.sources);
    this.timer = setInterval(() => this.tick(), 1000 / this.updateHz);
    // The server keeps the process alive (see unref()); the timer need not.
    this.timer.unref();
  }

  /**
   * Counts a heap and remembers `items` (the group you updated with it) for
   * the item list and plots. Call it before `heap.release()`; it keeps no
   * reference to the heap. `updates` (what `items.update(heap)` returned)
   * lets the page show items that failed to apply.
   */
  observe(heap: Heap | IncompleteHeap, items?: ItemGroup, updates?: ItemUpdates): void {
    this.counts.heaps++;
    if (heap instanceof IncompleteHeap) {
      this.counts.incomplete++;
      this.counts.bytes += heap.receivedLength;
    } else if (!heap.isReleased) this.counts.bytes += heap.payload.length;
    if (items !== undefined) this.group = items;
    if (updates === undefined) return;
    for (const e of updates.errors) {
      // Bounded: a stream of ever-new bad names must not grow the scope.
      if (this.errors.size >= MAX_ERRORS_KEPT && !this.errors.has(e.name ?? '')) break;
      this.errors.set(e.name ?? `0x${e.id.toString(16)}`, e.error.message);
    }
  }

  /** Adds a stream's statistics (loss by reason) to the rate and loss plots. */
  watch(stream: StatsLike): void {
    this.sources.push(() => stream.stats);
  }

  /** Tells the pages that the stream has ended (they keep showing the last data). */
  end(): void {
    this.ended = true;
  }

  /** What the scope has done so far. */
  get counters(): ScopeCounters {
    let queuedBytes = 0;
    for (const c of this.clients) queuedBytes += c.ws.bufferedAmount;
    return { clients: this.clients.size, heaps: this.counts.heaps, framesSent: this.framesSent, framesDropped: this.framesDropped, queuedBytes };
  }

  /** @internal A new page. */
  connect(ws: PageSocket): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    const client: Client = { ws, item: null, complex: 'magphase', dropped: 0, itemsVersion: this.itemsVersion };
    this.clients.add(client);
    ws.onMessage((text) => {
      const m = parseSelect(text);
      if (m === null) return;
      client.item = m.item;
      client.complex = m.complex ?? 'magphase';
    });
    ws.onClose(() => this.clients.delete(client));
    this.refreshItems();
    const hello: HelloMessage = {
      type: 'hello',
      title: this.title,
      updateHz: this.updateHz,
      maxPoints: this.limits.maxPoints,
      history: [...this.history.history],
      items: this.infos,
    };
    client.itemsVersion = this.itemsVersion;
    ws.send(JSON.stringify(hello));
  }

  /** Re-reads the item list; bumps its version when items were added or replaced. */
  private refreshItems(): void {
    const now = this.group?.values() ?? [];
    if (now.length === this.knownItems.length && now.every((item, i) => item === this.knownItems[i])) return;
    this.knownItems = now;
    this.infos = now.map(itemInfo);
    this.itemsVersion++;
    for (const item of this.summaries.keys()) if (!now.includes(item)) this.summaries.delete(item);
  }

  /** The latest summaries, refreshing changed items within SUMMARY_BUDGET, round robin. */
  private refreshSummaries(): Record<string, ItemSummary> {
    const items = this.knownItems;
    let budget = SUMMARY_BUDGET;
    for (let k = 0; k < items.length; k++) {
      const at = (this.summaryCursor + k) % items.length;
      const item = items[at];
      const s = this.summaries.get(item);
      if (s !== undefined && s.updates === item.version) continue;
      if (budget <= 0) {
        this.summaryCursor = at; // the next update starts with the items skipped now
        break;
      }
      budget -= Math.max(1, item.valueShape.reduce((a, b) => a * b, 1));
      this.summaries.set(item, summarise(item));
    }
    const out: Record<string, ItemSummary> = {};
    for (const item of items) {
      const s = this.summaries.get(item) ?? { text: '…', shape: [...item.valueShape], updates: 0 };
      const error = this.errors.get(item.name);
      out[item.name] = error === undefined ? s : { ...s, error };
    }
    return out;
  }

  private tick(): void {
    this.ticks++;
    const rate = this.history.sample((performance.now() - this.started) / 1000, this.counts, this.sources);
    if (this.clients.size === 0) return;
    this.refreshItems();
    const summaries = this.refreshSummaries();
    const base = { rate, totals: this.history.totals, ended: this.ended, summaries };
    // One frame body per selection, shared by the pages that chose it.
    const bodies = new Map<string, string>();
    const itemsMessage = JSON.stringify({ type: 'items', items: this.infos } satisfies ItemsMessage);
    for (const client of this.clients) {
      const ws = client.ws;
      if (!ws.isOpen) continue;
      if (ws.bufferedAmount > this.maxBufferedBytes) {
        client.dropped++;
        this.framesDropped++;
        continue;
      }
      if (client.itemsVersion !== this.itemsVersion) {
        ws.send(itemsMessage);
        client.itemsVersion = this.itemsVersion;
      }
      const key = client.item === null ? '' : `${client.complex}:${client.item}`;
      let body = bodies.get(key);
      if (body === undefined) {
        body = JSON.stringify({ ...base, view: this.view(client.item, client.complex, key) } satisfies Omit<FrameMessage, 'type' | 'dropped'>);
        bodies.set(key, body);
      }
      ws.send(`{"type":"frame","dropped":${client.dropped},${body.slice(1)}`);
      this.framesSent++;
    }
    for (const key of this.selections.keys()) if (!bodies.has(key)) this.selections.delete(key);
  }

  private view(name: string | null, complex: ComplexMode, key: string): FrameMessage['view'] {
    if (name === null || this.group === null || !this.group.has(name)) return undefined;
    const item = this.group.get(name);
    const state = this.selections.get(key);
    if (state !== undefined && (state.version === item.version || this.ticks < state.due)) return state.view;
    const t0 = performance.now();
    const view = buildView({ item, complex, withRow: true }, this.limits);
    const cost = performance.now() - t0;
    const intervalMs = 1000 / this.updateHz;
    this.selections.set(key, { version: item.version, view: { ...view, row: undefined }, due: this.ticks + Math.max(1, Math.ceil(cost / (VIEW_DUTY * intervalMs))) });
    return view;
  }

  /** Let the process exit even though the page is being served (like `dgram.Socket.unref()`). */
  unref(): this {
    this.server.unref();
    return this;
  }

  /** Keep the process alive while the page is served (the default). */
  ref(): this {
    this.server.ref();
    return this;
  }

  /** Disconnects every page and stops serving. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.server.close();
  }

  /** `await using scope = await createScope()` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Serves a scope page that you feed yourself with `scope.observe(heap,
 * items)`: for programs that consume their heaps and want to look at them too.
 *
 * @example
 * const scope = await createScope({ port: 8080 });
 * console.log(`open ${scope.url}`);
 */
export async function createScope(options: ScopeOptions = {}): Promise<Scope> {
  let scope: Scope | undefined;
  const pending: PageSocket[] = [];
  const server = await PageServer.listen(options.host ?? DEFAULT_SCOPE_HOST, options.port ?? 0, (ws) => {
    if (scope === undefined) pending.push(ws);
    else scope.connect(ws);
  });
  try {
    scope = new Scope(server, options);
  } catch (e) {
    await server.close();
    throw e;
  }
  for (const ws of pending) scope.connect(ws);
  return scope;
}
