// The spead-scope page: one WebSocket to the server (messages as in
// lib/scope/protocol.ts), reconnecting when it drops; the state it draws is
// kept on window.__scope so that tests (and curious users) can read it.
import { bars, Chart, COLOURS, Waterfall } from './plots.js';

const WATERFALL_ROWS = 128;
const $ = (id) => document.getElementById(id);

const state = {
  connected: false,
  connections: 0,
  title: '',
  items: [],
  summaries: {},
  totals: {},
  ended: false,
  frames: 0,
  dropped: 0,
  paused: false,
  selected: null,
  complex: 'magphase',
  rates: { t: [], heapsPerSecond: [], gbps: [], loss: {} },
  view: null,
  histogramAccumulated: null,
  waterfallRows: 0,
};

function decode(b64, Type) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Type(bytes.buffer);
}

const ratePlot = new Chart($('rate-plot'), {
  xLabel: 's',
  height: 180,
  scales: { gbps: { auto: true } },
  axes: [{ label: 'heaps/s' }, { label: 'Gb/s', scale: 'gbps', side: 1, grid: { show: false } }],
  seriesOptions: (label) => (label === 'Gb/s' ? { scale: 'gbps' } : {}),
});
const lossPlot = new Chart($('loss-plot'), { xLabel: 's', height: 160, axes: [{ label: 'per s' }] });
const linePlot = new Chart($('line-plot'), {
  xLabel: 'channel',
  height: 260,
  scales: { phase: { auto: true } },
  axes: [{}, { scale: 'phase', side: 1, grid: { show: false }, label: 'phase (rad)' }],
  // A min/max pair of a decimated series shares its colour.
  seriesOptions: (label, _i, labels) => {
    const bases = [...new Set(labels.map((l) => l.replace(/ (max|min)$/, '')))];
    const base = label.replace(/ (max|min)$/, '');
    return { stroke: COLOURS[bases.indexOf(base) % COLOURS.length], ...(base === 'phase' ? { scale: 'phase' } : {}) };
  },
});
const histogramPlot = new Chart($('histogram-plot'), { xLabel: 'value', height: 220, seriesOptions: () => ({ paths: bars, fill: '#1f77b455', points: { show: false } }) });
const waterfall = new Waterfall($('waterfall'), $('waterfall-scale'), WATERFALL_ROWS);

// ---- rates and loss ----------------------------------------------------------

const HISTORY = 1200;

function addRate(s) {
  const r = state.rates;
  r.t.push(s.t);
  r.heapsPerSecond.push(s.heapsPerSecond);
  r.gbps.push(s.gbps);
  for (const name of Object.keys(s.loss)) if (!(name in r.loss)) r.loss[name] = new Array(r.t.length - 1).fill(0);
  for (const name of Object.keys(r.loss)) r.loss[name].push(s.loss[name] ?? 0);
  if (r.t.length > HISTORY) {
    const cut = r.t.length - HISTORY;
    for (const a of [r.t, r.heapsPerSecond, r.gbps, ...Object.values(r.loss)]) a.splice(0, cut);
  }
}

function drawRates() {
  const r = state.rates;
  ratePlot.update(['heaps/s', 'Gb/s'], [r.t, r.heapsPerSecond, r.gbps]);
  const names = Object.keys(r.loss).sort();
  lossPlot.update(names.length ? names : ['no loss'], [r.t, ...(names.length ? names.map((n) => r.loss[n]) : [r.t.map(() => 0)])]);
  // Heaps and bytes, then only the losses that occurred.
  const rows = Object.entries(state.totals)
    .filter(([k, v]) => k === 'heaps' || k === 'bytes' || v !== 0)
    .map(([k, v]) => `<tr data-stat="${k}"><td>${k}</td><td class="${k === 'heaps' || k === 'bytes' ? '' : 'loss'}">${v}</td></tr>`);
  if (rows.length === 2) rows.push('<tr><td>loss</td><td>none</td></tr>');
  $('totals').tBodies[0].innerHTML = rows.join('');
  $('counters').textContent = `frames ${state.frames}, dropped by server ${state.dropped}`;
}

// ---- item list ---------------------------------------------------------------

function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function drawItems() {
  const body = $('items').tBodies[0];
  body.innerHTML = state.items
    .map((it) => {
      const shape = `(${it.shape.map((d) => (d === null ? '?' : d)).join(', ')}${it.shape.length === 1 ? ',' : ''})`;
      const cls = [it.views.length ? 'plottable' : '', it.name === state.selected ? 'selected' : ''].join(' ');
      return (
        `<tr data-item="${escape(it.name)}" class="${cls}"><td>0x${it.id.toString(16)}</td><td>${escape(it.name)}</td>` +
        `<td>${escape(it.description)}</td><td>${shape}</td><td>${escape(it.dtype)}</td><td class="value"></td></tr>`
      );
    })
    .join('');
  drawSummaries();
}

function drawSummaries() {
  for (const tr of $('items').tBodies[0].rows) {
    const s = state.summaries[tr.dataset.item];
    const cell = tr.cells[5];
    if (s === undefined) continue;
    cell.textContent = s.error ? `${s.text} ⚠ ${s.error}` : s.text;
    cell.classList.toggle('error', Boolean(s.error));
  }
}

$('items').addEventListener('click', (e) => {
  const tr = e.target.closest('tr[data-item]');
  if (tr === null) return;
  const item = state.items.find((it) => it.name === tr.dataset.item);
  if (item !== undefined && item.views.length) select(item.name);
});

// ---- the selected item -------------------------------------------------------

function select(name, complex = state.complex) {
  state.selected = name;
  state.complex = complex;
  state.view = null;
  state.histogramAccumulated = null;
  state.waterfallRows = 0;
  waterfall.clear();
  $('complex').value = complex;
  send({ type: 'select', item: name, complex });
  drawItems();
  const info = state.items.find((it) => it.name === name);
  $('view-section').hidden = name === null;
  $('view-title').textContent = name ?? '';
  $('complex-choice').hidden = !(info && info.complex);
  for (const kind of ['line', 'waterfall', 'histogram']) $(`${kind}-box`).hidden = !(info && info.views.includes(kind));
}

$('complex').addEventListener('change', () => select(state.selected, $('complex').value));
$('accumulate').addEventListener('change', () => (state.histogramAccumulated = null));

function applyView(v) {
  if (v.item !== state.selected) return; // a frame from before the selection reached the server
  const view = { item: v.item, version: v.version, shape: v.shape, error: v.error };
  $('view-error').textContent = v.error ?? '';
  if (v.line) {
    const x = Array.from(decode(v.line.x, Float64Array));
    const series = v.line.series.map((s) => ({ label: s.label, y: Array.from(decode(s.y, Float64Array)) }));
    view.line = { x, series, decimated: v.line.decimated, length: v.line.length };
    linePlot.update(series.map((s) => s.label), [x, ...series.map((s) => s.y)]);
  }
  if (v.row) {
    const row = decode(v.row.values, Float32Array);
    waterfall.push(row);
    state.waterfallRows = waterfall.rows.length;
    $('waterfall-title').textContent = `Waterfall (${v.row.channels} channels → ${v.row.cols} columns, newest at the top)`;
  }
  if (v.image) {
    waterfall.show(decode(v.image.values, Float32Array), v.image.rows, v.image.cols);
    state.waterfallRows = v.image.rows;
    view.image = { rows: v.image.rows, cols: v.image.cols, shape: v.image.shape };
    $('waterfall-title').textContent = `Image (${v.image.shape[0]} × ${v.image.shape[1]} → ${v.image.rows} × ${v.image.cols})`;
  }
  if (waterfall.rows.length) view.waterfall = { rows: waterfall.rows.length, cols: waterfall.cols, latest: Array.from(waterfall.rows[0]), min: waterfall.min, max: waterfall.max };
  if (v.histogram) {
    const counts = Array.from(decode(v.histogram.counts, Float64Array));
    let h = { lo: v.histogram.lo, width: v.histogram.width, counts, total: v.histogram.total };
    if ($('accumulate').checked) h = accumulate(h);
    view.histogram = h;
    const x = h.counts.map((_, i) => h.lo + i * h.width);
    histogramPlot.update(['samples'], [x, h.counts]);
  }
  state.view = view;
}

/** Adds a histogram to the running sum (bins of one value each keep the arithmetic simple). */
function accumulate(h) {
  const acc = state.histogramAccumulated;
  if (acc === null || acc.width !== h.width || (h.lo - acc.lo) % h.width !== 0) return (state.histogramAccumulated = { ...h, counts: [...h.counts] });
  const lo = Math.min(acc.lo, h.lo);
  const hi = Math.max(acc.lo + acc.counts.length * acc.width, h.lo + h.counts.length * h.width);
  const counts = new Array((hi - lo) / h.width).fill(0);
  acc.counts.forEach((c, i) => (counts[(acc.lo - lo) / h.width + i] += c));
  h.counts.forEach((c, i) => (counts[(h.lo - lo) / h.width + i] += c));
  return (state.histogramAccumulated = { lo, width: h.width, counts, total: acc.total + h.total });
}

// ---- pause -------------------------------------------------------------------

function pause(on) {
  state.paused = on;
  $('pause').textContent = on ? 'Resume' : 'Pause';
}
$('pause').addEventListener('click', () => pause(!state.paused));

// ---- the connection ----------------------------------------------------------

let socket = null;
let retry = 0;

function send(message) {
  if (socket !== null && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function setStatus(text, cls) {
  const el = $('status');
  el.textContent = text;
  el.className = `status ${cls}`;
}

function onMessage(m) {
  if (m.type === 'hello') {
    retry = 0;
    state.title = m.title;
    document.title = `spead-scope: ${m.title}`;
    $('title').textContent = m.title;
    state.rates = { t: [], heapsPerSecond: [], gbps: [], loss: {} };
    for (const s of m.history) addRate(s);
    state.items = m.items;
    drawItems();
    // A restarted server knows nothing of this page's choice.
    if (state.selected !== null) select(state.selected);
    drawRates();
    return;
  }
  if (m.type === 'items') {
    state.items = m.items;
    drawItems();
    if (state.selected !== null) select(state.selected);
    return;
  }
  if (m.type !== 'frame') return;
  state.frames++;
  state.dropped = m.dropped;
  if (m.ended !== state.ended) setStatus(m.ended ? 'stream ended' : 'live', m.ended ? 'ended' : 'open');
  state.ended = m.ended;
  // Paused, the rate history still grows (drawn on resuming); the rest stands still.
  addRate(m.rate);
  if (state.paused) return;
  state.totals = m.totals;
  state.summaries = m.summaries;
  drawRates();
  drawSummaries();
  if (m.view) applyView(m.view);
}

function connect() {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocket(url);
  socket.onopen = () => {
    state.connected = true;
    state.connections++;
    setStatus('live', 'open');
  };
  socket.onmessage = (e) => onMessage(JSON.parse(e.data));
  socket.onclose = () => {
    state.connected = false;
    socket = null;
    const delay = Math.min(5000, 250 * 2 ** retry++);
    setStatus(`disconnected — retrying in ${(delay / 1000).toFixed(1)} s`, 'closed');
    setTimeout(connect, delay);
  };
}

window.__scope = { state, select, pause };
connect();
