/**
 * The search spead2_bench makes for the highest sustainable rate: first send
 * as fast as possible; if nothing is lost the sender is the limit; otherwise
 * binary-search between 0 and the achieved rate until the bracket is within
 * `tolerance` of its top, keeping the best rate that lost nothing.
 */

/** One trial at a target rate (bytes/s, 0 = unlimited). */
export interface RateTrial {
  /** True when every heap arrived. */
  good: boolean;
  /** The rate actually achieved, bytes/s. */
  actualRate: number;
}

export interface RateSearchResult {
  /** The best loss-free rate achieved (bytes/s). */
  rate: number;
  /** True when even unlimited sending lost nothing: the sender is the bottleneck. */
  senderLimited: boolean;
  /** Every trial made, in order. */
  trials: Array<{ target: number; good: boolean; actualRate: number }>;
}

/**
 * Finds the highest rate at which `measure` loses nothing. `measure(0)` means
 * unlimited. `tolerance` is the relative width at which the search stops;
 * `maxTrials` bounds the time it takes.
 */
export async function searchSustainableRate(
  measure: (rate: number) => Promise<RateTrial>,
  { tolerance = 0.02, maxTrials = 20 }: { tolerance?: number; maxTrials?: number } = {},
): Promise<RateSearchResult> {
  const trials: RateSearchResult['trials'] = [];
  const run = async (target: number): Promise<RateTrial> => {
    const t = await measure(target);
    trials.push({ target, good: t.good, actualRate: t.actualRate });
    return t;
  };
  const first = await run(0);
  if (first.good) return { rate: first.actualRate, senderLimited: true, trials };
  let low = 0;
  let high = first.actualRate;
  let best = 0;
  while (high - low > high * tolerance && trials.length < maxTrials) {
    const target = (low + high) / 2;
    const t = await run(target);
    if (t.good) {
      low = target;
      best = t.actualRate;
    } else {
      high = target;
    }
  }
  return { rate: best, senderLimited: false, trials };
}
