/**
 * Live progress for the tools: one line rewritten in place on a TTY (rates
 * over the last interval), nothing on a pipe, and a final statistics table.
 */

/** Counters the display reads; the tool updates them as it goes. */
export interface ProgressCounters {
  heaps: number;
  bytes: number;
  incomplete: number;
  dropped: number;
}

/** Formats a rate with an SI prefix: 1234567 → '1.23 M'. */
export function si(value: number): string {
  const units = ['', 'k', 'M', 'G', 'T'];
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 2)} ${units[i]}`;
}

/** Rewrites one status line on stderr every `intervalMs` while running. */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private last = { t: 0, heaps: 0, bytes: 0 };
  private readonly started = process.hrtime.bigint();

  constructor(
    private readonly counters: ProgressCounters,
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    intervalMs = 500,
  ) {
    if (!out.isTTY) return;
    this.last = { t: this.elapsed(), heaps: 0, bytes: 0 };
    this.timer = setInterval(() => this.draw(), intervalMs);
    this.timer.unref();
  }

  /** Seconds since the display started. */
  elapsed(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }

  private draw(): void {
    const t = this.elapsed();
    const dt = Math.max(t - this.last.t, 1e-9);
    const c = this.counters;
    const heapRate = (c.heaps - this.last.heaps) / dt;
    const byteRate = (c.bytes - this.last.bytes) / dt;
    this.last = { t, heaps: c.heaps, bytes: c.bytes };
    const line =
      `${this.label} ${c.heaps} heaps | ${si(heapRate)}heaps/s | ${si(byteRate)}B/s | ${si((byteRate * 8))}b/s` +
      ` | incomplete ${c.incomplete} | dropped ${c.dropped}`;
    this.out.write(`\r\x1b[2K${line}`);
  }

  /** Stops updating and clears the line. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.out.write('\r\x1b[2K');
  }
}

/** Renders `name: value` rows as spead2's tools print their statistics. */
export function statsLines(stats: Iterable<readonly [string, number | bigint]>): string {
  let out = '';
  for (const [name, value] of stats) out += `${name}: ${value}\n`;
  return out;
}
