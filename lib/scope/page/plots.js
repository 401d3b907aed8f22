// The page's plots: uPlot charts that are rebuilt only when their series
// change (and otherwise just get new data), and a canvas waterfall.
import uPlot from './vendor/uPlot.esm.js';

export const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function widthOf(el) {
  return Math.max(300, el.clientWidth || el.parentElement.clientWidth || 600);
}

/**
 * A uPlot chart in `el` whose series may change: `update(labels, data)`
 * rebuilds the chart when `labels` differ from the last call.
 * `seriesOptions(label, i)` gives each series' uPlot options.
 */
export class Chart {
  constructor(el, { height = 200, xLabel, axes = [{}], seriesOptions = () => ({}), scales = {}, xTime = false }) {
    this.el = el;
    this.height = height;
    this.xLabel = xLabel;
    this.axes = axes;
    this.seriesOptions = seriesOptions;
    this.scales = scales;
    this.xTime = xTime;
    this.labels = null;
    this.plot = null;
    new ResizeObserver(() => this.plot?.setSize({ width: widthOf(this.el), height: this.height })).observe(el);
  }

  update(labels, data) {
    const key = labels.join('\u0000');
    if (this.plot === null || key !== this.labels) {
      this.plot?.destroy();
      this.labels = key;
      this.plot = new uPlot(
        {
          width: widthOf(this.el),
          height: this.height,
          scales: { x: { time: this.xTime }, ...this.scales },
          legend: { live: false },
          series: [{ label: this.xLabel }, ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], ...this.seriesOptions(label, i, labels) }))],
          axes: [{ label: this.xLabel }, ...this.axes],
        },
        data,
        this.el,
      );
    } else this.plot.setData(data);
  }
}

/** Bars for histograms. */
export const bars = uPlot.paths.bars({ size: [0.9, 64], align: 1 });

// A perceptual-ish colour map (dark blue → teal → yellow), interpolated.
const STOPS = [
  [0, [48, 18, 59]],
  [0.25, [50, 100, 200]],
  [0.5, [30, 180, 160]],
  [0.75, [170, 220, 60]],
  [1, [250, 250, 110]],
];

function colour(f) {
  const x = Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0));
  for (let i = 1; i < STOPS.length; i++) {
    const [p, c] = STOPS[i];
    if (x <= p) {
      const [q, d] = STOPS[i - 1];
      const t = (x - q) / (p - q);
      return [0, 1, 2].map((k) => Math.round(d[k] + t * (c[k] - d[k])));
    }
  }
  return STOPS[STOPS.length - 1][1];
}

/**
 * A waterfall on a canvas: rows of channels, newest at the top. `push(row)`
 * adds a row (1-D items over time); `show(image)` replaces the whole image
 * (2-D items). The colour range follows the data on screen.
 */
export class Waterfall {
  constructor(canvas, scale, maxRows) {
    this.canvas = canvas;
    this.scale = scale;
    this.maxRows = maxRows;
    this.clear();
  }

  clear() {
    this.image = false;
    this.rows = [];
    this.cols = 0;
    this.min = NaN;
    this.max = NaN;
    const ctx = this.canvas.getContext('2d');
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.scale.textContent = '';
  }

  push(row) {
    if (row.length !== this.cols || this.image) {
      this.image = false;
      this.rows = [];
      this.cols = row.length;
    }
    this.rows.unshift(row);
    if (this.rows.length > this.maxRows) this.rows.length = this.maxRows;
    this.draw();
  }

  show(values, rows, cols) {
    this.cols = cols;
    this.image = true;
    this.rows = [];
    for (let r = 0; r < rows; r++) this.rows.push(values.subarray(r * cols, (r + 1) * cols));
    this.draw();
  }

  draw() {
    const rows = this.rows.length;
    const cols = this.cols;
    if (rows === 0 || cols === 0) return;
    let min = Infinity;
    let max = -Infinity;
    for (const row of this.rows) {
      for (const v of row) {
        if (!Number.isFinite(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    this.min = min;
    this.max = max;
    const span = max > min ? max - min : 1;
    this.canvas.width = cols;
    this.canvas.height = this.image ? rows : this.maxRows;
    const ctx = this.canvas.getContext('2d');
    const img = ctx.createImageData(cols, rows);
    for (let r = 0; r < rows; r++) {
      const row = this.rows[r];
      for (let c = 0; c < cols; c++) {
        const [red, green, blue] = colour((row[c] - min) / span);
        const o = 4 * (r * cols + c);
        img.data[o] = red;
        img.data[o + 1] = green;
        img.data[o + 2] = blue;
        img.data[o + 3] = 255;
      }
    }
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.putImageData(img, 0, 0);
    this.scale.innerHTML = `<span>max ${fmt(max)}</span><span>min ${fmt(min)}</span>`;
  }
}

export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}
