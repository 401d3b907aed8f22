/**
 * One table for every benchmark: each section names its baseline row, and
 * every row is shown with its ratio to that baseline measured in the same run.
 */

/** One measured case. `value` is the figure compared (e.g. MB/s); `extra` are shown as they are. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  extra?: Record<string, string | number>;
  /** The row this one's ratio is taken against, instead of the section's baseline. */
  against?: string;
  /** A target for that ratio (shown as met or not; benchmarks never fail). */
  goal?: number;
}

/** A group of rows compared against one of them. */
export interface BenchSection {
  title: string;
  /** The name of the row the others are divided by (the ceiling or reference). */
  baseline: string;
  rows: BenchRow[];
  /** Why the section is empty or partial (a transport this machine lacks, say). */
  note?: string;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** A row's ratio to its reference row (its own `against`, else the section's baseline); undefined if that row is missing. */
export function rowRatio(s: BenchSection, r: BenchRow): number | undefined {
  const base = s.rows.find((x) => x.name === (r.against ?? s.baseline))?.value;
  return base !== undefined && base > 0 ? r.value / base : undefined;
}

/** Renders the sections as a plain-text table. */
export function renderTable(sections: BenchSection[]): string {
  const lines: string[] = [];
  for (const s of sections) {
    lines.push('', `## ${s.title}  (ratio against: ${s.baseline})`);
    if (s.note !== undefined) lines.push(`   ${s.note}`);
    const nameWidth = Math.max(10, ...s.rows.map((r) => r.name.length));
    for (const r of s.rows) {
      const ratio = rowRatio(s, r);
      const shown = ratio !== undefined ? ratio.toFixed(2) : '—';
      const notes = Object.entries(r.extra ?? {}).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`);
      if (r.against !== undefined) notes.unshift(`ratio vs '${r.against}'`);
      if (r.goal !== undefined) notes.unshift(`goal ≥ ${r.goal.toFixed(2)}: ${ratio === undefined ? 'not measured' : ratio >= r.goal ? 'met' : 'NOT met'}`);
      lines.push(`  ${r.name.padEnd(nameWidth)}  ${fmt(r.value).padStart(9)} ${r.unit.padEnd(8)} ×${shown.padStart(5)}  ${notes.join(', ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Runs `fn` repeatedly for about `seconds`, returning iterations per second and total iterations. */
export async function timeLoop(seconds: number, fn: () => unknown | Promise<unknown>): Promise<{ perSecond: number; iterations: number; elapsed: number }> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let iterations = 0;
  let now = start;
  while (now < deadline) {
    await fn();
    iterations++;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  return { perSecond: iterations / elapsed, iterations, elapsed };
}

/**
 * The best rate of each of `cases` over `rounds` interleaved rounds of about
 * `seconds` each (after one untimed call of each): on a shared machine the
 * best round is the least disturbed one. Each case returns the units it did
 * (heaps, bytes); the result is units per second.
 */
export async function bestRates(rounds: number, seconds: number, cases: Array<() => Promise<number>>): Promise<number[]> {
  for (const c of cases) await c();
  const best = cases.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of cases.entries()) {
      let units = 0;
      const t = await timeLoop(seconds, async () => {
        units += await c();
      });
      best[i] = Math.max(best[i], units / t.elapsed);
    }
  }
  return best;
}
