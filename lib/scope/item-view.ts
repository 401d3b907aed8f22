/**
 * What the page is told about an item: its descriptor as a list row, its
 * latest value as one line of text, and — for the selected item — its
 * plots, decimated. Everything here runs at the scope's update rate on the
 * value the item holds at that moment, never once per heap.
 */
import type { Item } from '../item';
import {
  ComplexMode,
  complexParts,
  decimateImage,
  decimateLine,
  extent,
  histogram,
  magnitudes,
  NumericArray,
  numberAt,
  toFloat64,
} from './decimate';
import type { ItemInfo, ItemSummary, ViewData, ViewKind } from './protocol';

/** Bounds on what one view may hold. */
export interface ViewLimits {
  /** Points per line plot and bins per histogram. */
  maxPoints: number;
  /** Columns of a waterfall row or image. */
  waterfallColumns: number;
  /** Rows of a 2-D item's image. */
  imageRows: number;
}

/** Elements summarised exactly; longer arrays get their first elements only (the summary runs every update). */
const SUMMARY_MAX_ELEMENTS = 1 << 20;
/** Leading elements shown in a summary. */
const SUMMARY_HEAD = 4;
/** Longest summary text. */
const SUMMARY_MAX_CHARS = 120;

function isNumericKind(item: Item): boolean {
  return item.format === null && item.dtype !== null && 'iufcb'.includes(item.dtype.kind);
}

function isComplex(item: Item): boolean {
  return item.dtype?.kind === 'c';
}

/** The plots that suit an item's descriptor. */
export function viewsFor(item: Item): ViewKind[] {
  if (!isNumericKind(item) || item.shape.length === 0) return [];
  const views: ViewKind[] = item.shape.length === 1 ? ['line', 'waterfall'] : ['waterfall'];
  if ('iu'.includes(item.dtype!.kind)) views.push('histogram');
  return views;
}

/** An item's list row. */
export function itemInfo(item: Item): ItemInfo {
  const dtype = item.format !== null ? `format ${JSON.stringify(item.format)}` : item.dtype === null ? '?' : describeDescr(item.dtype.descr);
  return {
    id: item.id,
    name: item.name,
    description: item.description,
    shape: [...item.shape],
    dtype: item.order === 'F' ? `${dtype} (Fortran order)` : dtype,
    views: viewsFor(item),
    complex: isComplex(item),
  };
}

function describeDescr(descr: unknown): string {
  return typeof descr === 'string' ? descr : JSON.stringify(descr);
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Uint8Array) return Buffer.from(x).toString('latin1');
    if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<unknown>);
    return x;
  });
}

function clip(text: string): string {
  return text.length > SUMMARY_MAX_CHARS ? `${text.slice(0, SUMMARY_MAX_CHARS - 1)}…` : text;
}

/** The numeric elements of a value, or null when it is not a numeric array. */
function numericElements(value: unknown): NumericArray | null {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as unknown as NumericArray;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' || typeof v === 'bigint')) return value as NumericArray;
  return null;
}

/** An item's latest value as one line of text (with its range for numeric arrays). */
export function summarise(item: Item): ItemSummary {
  const shape = [...item.valueShape];
  const updates = item.version;
  let value: unknown;
  try {
    value = item.value;
  } catch (e) {
    return { text: '', shape, updates, error: (e as Error).message };
  }
  if (value === null) return { text: '—', shape, updates };
  const elements = shape.length > 0 ? numericElements(value) : null;
  if (elements === null) {
    if (typeof value === 'string') return { text: clip(JSON.stringify(value)), shape, updates };
    if (typeof value === 'number') return { text: formatNumber(value), shape, updates };
    if (typeof value === 'bigint' || typeof value === 'boolean') return { text: String(value), shape, updates };
    return { text: clip(jsonText(value)), shape, updates };
  }
  const complex = isComplex(item);
  const n = complex ? elements.length >> 1 : elements.length;
  const head: string[] = [];
  for (let i = 0; i < Math.min(SUMMARY_HEAD, n); i++) {
    head.push(complex ? `${formatNumber(numberAt(elements, 2 * i))}${signed(numberAt(elements, 2 * i + 1))}j` : formatNumber(numberAt(elements, i)));
  }
  const list = `[${head.join(', ')}${n > SUMMARY_HEAD ? ', …' : ''}]`;
  if (elements.length > SUMMARY_MAX_ELEMENTS) return { text: clip(`${list} (${n} elements)`), shape, updates };
  const { min, max, mean } = extent(complex ? magnitudes(elements as ArrayLike<number>) : elements);
  const what = complex ? '|·| ' : '';
  const text = `${list} ${what}min ${formatNumber(min)} max ${formatNumber(max)} mean ${formatNumber(mean)}`;
  return { text: clip(text), shape, updates, min, max, mean };
}

function signed(v: number): string {
  return v < 0 || Object.is(v, -0) ? formatNumber(v) : `+${formatNumber(v)}`;
}

function isBigIntArray(a: NumericArray): boolean {
  return a instanceof BigInt64Array || a instanceof BigUint64Array || (a.length > 0 && typeof a[0] === 'bigint');
}

function base64(a: Float64Array | Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** What a view is computed from: the selected item's value at one version. */
export interface ViewInput {
  item: Item;
  complex: ComplexMode;
  /** Include a waterfall row (the value changed since the last view of this selection). */
  withRow: boolean;
}

/**
 * The selected item's plots: a line and a waterfall row for 1-D items, an
 * image for 2-D ones, a histogram for integers — each within `limits`.
 */
export function buildView({ item, complex, withRow }: ViewInput, limits: ViewLimits): ViewData {
  const shape = [...item.valueShape];
  const view: ViewData = { item: item.name, version: item.version, shape };
  const views = viewsFor(item);
  if (views.length === 0) return { ...view, error: 'not a numeric array' };
  let value: unknown;
  try {
    value = item.value;
  } catch (e) {
    return { ...view, error: (e as Error).message };
  }
  const elements = numericElements(value);
  if (elements === null) return { ...view, error: 'no value yet' };
  const isC = isComplex(item);
  // Real series of the value: complex ones split by the page's choice, magnitudes for images.
  // Only 64-bit integers need converting (a copy); other TypedArrays are read in place.
  const real = isC ? null : isBigIntArray(elements) ? toFloat64(elements) : (elements as ArrayLike<number>);
  if (shape.length === 1) {
    const series = isC ? complexParts(elements as ArrayLike<number>, complex) : [{ label: item.name, y: real! }];
    const line = decimateLine(series, limits.maxPoints);
    view.line = { x: base64(line.x), series: line.series.map((s) => ({ label: s.label, y: base64(s.y) })), decimated: line.decimated, length: shape[0] };
    if (withRow) {
      const mags = isC ? magnitudes(elements as ArrayLike<number>) : real!;
      const row = decimateImage(mags, 1, mags.length, 1, limits.waterfallColumns);
      view.row = { values: base64(row.values), cols: row.cols, channels: mags.length };
    }
  } else if (shape.length >= 2) {
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const mags = isC ? magnitudes(elements as ArrayLike<number>) : real!;
    const image = decimateImage(mags, rows, cols, limits.imageRows, limits.waterfallColumns);
    view.image = { values: base64(image.values), rows: image.rows, cols: image.cols, shape: [rows, cols] };
  }
  if (views.includes('histogram')) {
    const h = histogram(elements, limits.maxPoints);
    view.histogram = { lo: h.lo, width: h.width, counts: base64(h.counts), total: h.total };
  }
  return view;
}
