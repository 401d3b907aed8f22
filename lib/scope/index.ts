/**
 * spead-scope as a library: a web page that shows a live SPEAD stream —
 * rates, loss by reason, the item list with each item's latest value, and
 * plots (line, waterfall, histogram) of the item the page selects.
 *
 * Two ways in: `serve(stream)` consumes a stream itself; `createScope()`
 * plus `scope.observe(heap, items)` fits a program that consumes its heaps.
 * @module scope
 */
export { createScope, Scope } from './scope';
export {
  DEFAULT_SCOPE_HOST,
  DEFAULT_UPDATE_HZ,
  DEFAULT_MAX_POINTS,
  DEFAULT_WATERFALL_COLUMNS,
  DEFAULT_IMAGE_ROWS,
  DEFAULT_HISTORY_SECONDS,
  DEFAULT_MAX_BUFFERED_BYTES,
} from './scope';
export type { ScopeOptions, ScopeCounters, StatsLike } from './scope';
export { serve } from './serve';
export type { ServedScope } from './serve';
export { decimateLine, decimateImage, histogram } from './decimate';
export type { LineData, Series, HistogramData, ImageData2D, ComplexMode, NumericArray } from './decimate';
export { LOSS_STATS } from './rate-history';
export type {
  ItemInfo,
  ItemSummary,
  RateSample,
  ViewData,
  ViewKind,
  LineView,
  SeriesView,
  RowView,
  ImageView,
  HistogramView,
  FrameMessage,
  HelloMessage,
  ItemsMessage,
  SelectMessage,
  ServerMessage,
} from './protocol';
