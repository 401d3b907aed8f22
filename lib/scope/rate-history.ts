/**
 * Rates and loss over time: the scope's own heap and byte counts, plus the
 * loss statistics of the streams it watches, sampled once per update into a
 * bounded history.
 */
import type { StreamStats } from '../recv/stats';
import type { RateSample } from './protocol';

/**
 * The statistics that count loss, besides every `rejected_<reason>`: heaps
 * that never completed and packets dropped before assembly.
 */
export const LOSS_STATS: readonly string[] = Object.freeze([
  'incomplete_heaps_evicted',
  'incomplete_heaps_flushed',
  'kernel_dropped',
  'oversized_packets',
  'frames_rejected',
  'truncated_input',
]);

/** True for a statistic the loss plot shows. */
export function isLossStat(name: string): boolean {
  return name.startsWith('rejected_') || LOSS_STATS.includes(name);
}

/** What the scope counts itself, as heaps are observed. */
export interface ObservedCounts {
  /** Heaps observed, complete or not. */
  heaps: number;
  /** Payload bytes of the heaps observed. */
  bytes: number;
  /** Incomplete heaps observed (used when no stream's statistics are watched). */
  incomplete: number;
}

/** A source of statistics: a stream's `stats` getter. */
export type StatsSource = () => StreamStats | Iterable<readonly [string, number]>;

/** A bounded history of rate samples. */
export class RateHistory {
  private readonly samples: RateSample[] = [];
  private last: { t: number; heaps: number; bytes: number; loss: Map<string, number> } | null = null;
  private latestTotals: Record<string, number> = {};

  /** @param capacity samples kept (older ones are dropped) */
  constructor(private readonly capacity: number) {}

  /**
   * Takes a sample at `t` seconds: rates over the interval since the last
   * sample. Loss comes from the watched streams' statistics (summed), or,
   * without any, from the incomplete heaps the scope saw itself.
   */
  sample(t: number, counts: ObservedCounts, sources: readonly StatsSource[]): RateSample {
    const loss = new Map<string, number>();
    for (const source of sources) {
      for (const [name, value] of source()) if (isLossStat(name)) loss.set(name, (loss.get(name) ?? 0) + value);
    }
    if (sources.length === 0) loss.set('incomplete_heaps', counts.incomplete);
    const prev = this.last ?? { t, heaps: 0, bytes: 0, loss: new Map<string, number>() };
    const dt = t - prev.t;
    const perSecond = (now: number, before: number): number => (dt > 0 ? Math.max(0, now - before) / dt : 0);
    const lossRates: Record<string, number> = {};
    for (const [name, value] of loss) {
      const r = perSecond(value, prev.loss.get(name) ?? 0);
      if (r > 0) lossRates[name] = r;
    }
    const s: RateSample = {
      t,
      heapsPerSecond: perSecond(counts.heaps, prev.heaps),
      gbps: (perSecond(counts.bytes, prev.bytes) * 8) / 1e9,
      loss: lossRates,
    };
    this.last = { t, heaps: counts.heaps, bytes: counts.bytes, loss };
    const totals: Record<string, number> = { heaps: counts.heaps, bytes: counts.bytes };
    for (const [name, value] of loss) totals[name] = value;
    this.latestTotals = totals;
    // The first call only sets the baseline: it has no interval to report.
    if (dt > 0) {
      this.samples.push(s);
      if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
    }
    return s;
  }

  /** The samples kept, oldest first. */
  get history(): readonly RateSample[] {
    return this.samples;
  }

  /** Totals at the last sample: heaps, bytes and every loss statistic. */
  get totals(): Record<string, number> {
    return this.latestTotals;
  }
}
