/**
 * Decimation: turning an item's value (any length) into what a browser can
 * draw a few times a second — at most a bounded number of points per plot.
 * Pure functions over flat numeric arrays; the scope calls them once per
 * update, never per heap.
 */

/** A flat array of numbers as item values come: a TypedArray (BigInt ones too) or an array. */
export type NumericArray = ArrayLike<number> | ArrayLike<bigint>;

/** How a complex value is drawn: magnitude and phase (radians), or real and imaginary parts. */
export type ComplexMode = 'magphase' | 'reim';

/** One named series of numbers. */
export interface Series {
  /** The series' name. */
  label: string;
  /** The values. */
  y: Float64Array;
}

/** A line plot's data: shared x positions (element indices) and one or more y series. */
export interface LineData {
  /** Element indices, ascending. */
  x: Float64Array;
  /** The series, each as long as `x`. */
  series: Series[];
  /** True when buckets of elements were reduced to their minimum and maximum. */
  decimated: boolean;
}

/** A histogram of integer samples: `counts[i]` samples lie in [lo + i·width, lo + (i+1)·width). */
export interface HistogramData {
  /** The lowest value of the first bin. */
  lo: number;
  /** Integer values per bin (1: one bin per value). */
  width: number;
  /** Samples per bin. */
  counts: Float64Array;
  /** Samples counted. */
  total: number;
}

/** A 2-D array reduced to at most `rows` × `cols` cells (each cell the maximum of its block). */
export interface ImageData2D {
  /** Rows of the reduced image. */
  rows: number;
  /** Columns of the reduced image. */
  cols: number;
  /** rows × cols values, row-major. */
  values: Float32Array;
}

/** The element at `i` as a number (a BigInt to the nearest double). */
export function numberAt(values: NumericArray, i: number): number {
  const v = values[i];
  return typeof v === 'bigint' ? Number(v) : v;
}

/** A copy as doubles: BigInts become the nearest double. */
export function toFloat64(values: NumericArray): Float64Array {
  if (values instanceof Float64Array) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberAt(values, i);
  return out;
}

/**
 * Derives the two real series of an interleaved complex array (re, im, re,
 * im, …): magnitude and phase, or the real and imaginary parts.
 */
export function complexParts(interleaved: ArrayLike<number>, mode: ComplexMode): Series[] {
  const n = interleaved.length >> 1;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const re = interleaved[2 * i];
    const im = interleaved[2 * i + 1];
    if (mode === 'magphase') {
      a[i] = Math.hypot(re, im);
      b[i] = Math.atan2(im, re);
    } else {
      a[i] = re;
      b[i] = im;
    }
  }
  return mode === 'magphase'
    ? [{ label: 'magnitude', y: a }, { label: 'phase', y: b }]
    : [{ label: 're', y: a }, { label: 'im', y: b }];
}

/** The magnitudes of an interleaved complex array. */
export function magnitudes(interleaved: ArrayLike<number>): Float64Array {
  return complexParts(interleaved, 'magphase')[0].y;
}

/**
 * Min/max decimation: series longer than `maxPoints` are cut into
 * `maxPoints / 2` buckets of consecutive elements, and each series becomes
 * two (its minimum and its maximum per bucket), so that a spike of one
 * channel still shows however far the plot is zoomed out. Shorter series
 * are returned as they are.
 *
 * @example
 * const line = decimateLine([{ label: 'power', y: spectrum }], 2048);
 */
export function decimateLine(series: Array<{ label: string; y: ArrayLike<number> }>, maxPoints: number): LineData {
  const n = series.length === 0 ? 0 : series[0].y.length;
  if (n <= maxPoints) {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = i;
    return { x, series: series.map((s) => ({ label: s.label, y: Float64Array.from(s.y) })), decimated: false };
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const x = new Float64Array(buckets);
  for (let b = 0; b < buckets; b++) x[b] = Math.floor((b * n) / buckets);
  const out: LineData['series'] = [];
  for (const s of series) {
    const lo = new Float64Array(buckets);
    const hi = new Float64Array(buckets);
    for (let b = 0; b < buckets; b++) {
      const start = x[b];
      const end = b + 1 < buckets ? x[b + 1] : n;
      let min = Infinity;
      let max = -Infinity;
      for (let i = start; i < end; i++) {
        const v = s.y[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      lo[b] = min;
      hi[b] = max;
    }
    out.push({ label: `${s.label} max`, y: hi }, { label: `${s.label} min`, y: lo });
  }
  return { x, series: out, decimated: true };
}

/**
 * Reduces a row-major `rows` × `cols` array to at most `maxRows` × `maxCols`
 * cells, each the maximum of the block of elements it covers (a waterfall
 * should not lose a narrow line by averaging it away).
 */
export function decimateImage(values: ArrayLike<number>, rows: number, cols: number, maxRows: number, maxCols: number): ImageData2D {
  const outRows = Math.max(0, Math.min(rows, maxRows));
  const outCols = Math.max(0, Math.min(cols, maxCols));
  const out = new Float32Array(outRows * outCols).fill(-Infinity);
  if (outRows === 0 || outCols === 0) return { rows: outRows, cols: outCols, values: out };
  for (let r = 0; r < rows; r++) {
    const orow = Math.floor((r * outRows) / rows) * outCols;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = values[base + c];
      const o = orow + Math.floor((c * outCols) / cols);
      if (v > out[o]) out[o] = v;
    }
  }
  return { rows: outRows, cols: outCols, values: out };
}

/**
 * Histogram of integer samples: one bin per value when the values span at
 * most `maxBins`, wider bins (a whole number of values each) otherwise; the
 * range follows the data.
 *
 * @example
 * histogram(new Int8Array([-1, -1, 3]), 2048); // { lo: -1, width: 1, counts: [2, 0, 0, 0, 1], total: 3 }
 */
export function histogram(values: NumericArray, maxBins: number): HistogramData {
  const n = values.length;
  if (n === 0) return { lo: 0, width: 1, counts: new Float64Array(0), total: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = numberAt(values, i);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min + 1;
  const width = Math.max(1, Math.ceil(span / Math.max(1, maxBins)));
  const counts = new Float64Array(Math.ceil(span / width));
  for (let i = 0; i < n; i++) counts[Math.floor((numberAt(values, i) - min) / width)]++;
  return { lo: min, width, counts, total: n };
}

/** Minimum, maximum and mean of the finite values (NaN for none). */
export function extent(values: NumericArray): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = numberAt(values, i);
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    count++;
  }
  return count === 0 ? { min: NaN, max: NaN, mean: NaN } : { min, max, mean: sum / count };
}
