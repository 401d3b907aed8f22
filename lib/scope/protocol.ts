/**
 * The messages between the scope's server and its page, as JSON over one
 * WebSocket. The page (lib/scope/page/scope.js) reads exactly these shapes;
 * numeric arrays travel as base64 of little-endian Float64 (lines,
 * histograms) or Float32 (waterfalls) so that a 2048-point plot is a few
 * tens of kilobytes, not a JSON list of numbers.
 */

/** What the page may draw for an item. */
export type ViewKind = 'line' | 'waterfall' | 'histogram';

/** An item as the item list shows it: its descriptor, and what can be plotted. */
export interface ItemInfo {
  /** The item ID. */
  id: number;
  /** The item's name. */
  name: string;
  /** The item's description. */
  description: string;
  /** The descriptor's shape; null for a variable dimension. */
  shape: Array<number | null>;
  /** The numpy dtype (`'<f4'`, or record fields as JSON), or the legacy format. */
  dtype: string;
  /** The plots the page offers for this item. */
  views: ViewKind[];
  /** True for complex items (drawn as magnitude/phase or re/im). */
  complex: boolean;
}

/** An item's latest value, summarised for the item list. */
export interface ItemSummary {
  /** One line of text: the value, or its first elements and its range. */
  text: string;
  /** The value's shape (variable dimensions resolved). */
  shape: number[];
  /** Numeric arrays: the smallest element (complex: of the magnitudes). */
  min?: number;
  /** Numeric arrays: the largest element. */
  max?: number;
  /** Numeric arrays: the mean. */
  mean?: number;
  /** The last error applying this item (a bad value or descriptor), if any. */
  error?: string;
  /** Values received for this item (the item's version). */
  updates: number;
}

/** One sample of the rate and loss history. */
export interface RateSample {
  /** Seconds since the scope started. */
  t: number;
  /** Heaps observed per second over the last interval. */
  heapsPerSecond: number;
  /** Payload gigabits per second over the last interval. */
  gbps: number;
  /** Loss events per second over the last interval, by statistic name (only those that occurred). */
  loss: Record<string, number>;
}

/** One series of a line plot (base64 Float64). */
export interface SeriesView {
  /** The series' name: the item's, or 'magnitude', 're', …; decimated series end in ' max' or ' min'. */
  label: string;
  /** The y values, one per x. */
  y: string;
}

/** A 1-D item's latest value as a line. */
export interface LineView {
  /** Element indices (base64 Float64): every element, or the first of each bucket. */
  x: string;
  /** The series drawn against x. */
  series: SeriesView[];
  /** True when buckets of elements were reduced to their minimum and maximum. */
  decimated: boolean;
  /** Elements in the value. */
  length: number;
}

/** A new waterfall row of a 1-D item (magnitudes for complex items). */
export interface RowView {
  /** The row (base64 Float32), each column the maximum of its channels. */
  values: string;
  /** Columns in the row. */
  cols: number;
  /** Channels in the value. */
  channels: number;
}

/** A 2-D item as an image (higher dimensions: all but the last flattened into rows). */
export interface ImageView {
  /** rows × cols values (base64 Float32, row-major), each the maximum of its block. */
  values: string;
  /** Rows of the image. */
  rows: number;
  /** Columns of the image. */
  cols: number;
  /** The value's rows and columns before reduction. */
  shape: [number, number];
}

/** A histogram of an integer item's samples: `counts[i]` samples in [lo + i·width, lo + (i+1)·width). */
export interface HistogramView {
  /** The lowest value of the first bin. */
  lo: number;
  /** Integer values per bin. */
  width: number;
  /** Samples per bin (base64 Float64). */
  counts: string;
  /** Samples counted. */
  total: number;
}

/** The plotted data of the selected item (arrays base64-encoded, see the module comment). */
export interface ViewData {
  /** The item's name. */
  item: string;
  /** The item's version the data was computed from. */
  version: number;
  /** The value's shape. */
  shape: number[];
  /** 1-D items: the latest value, min/max-decimated. */
  line?: LineView;
  /** 1-D items: a new waterfall row (absent when the value did not change). */
  row?: RowView;
  /** 2-D items: the whole value as an image. */
  image?: ImageView;
  /** Integer items: a histogram of the latest value's samples. */
  histogram?: HistogramView;
  /** The reason no data could be drawn, if so. */
  error?: string;
}

/** The first message on a connection. */
export interface HelloMessage {
  /** The message's kind. */
  type: 'hello';
  /** The page title (the source). */
  title: string;
  /** Frames per second the server sends. */
  updateHz: number;
  /** The most points a line plot gets. */
  maxPoints: number;
  /** The rate and loss history so far. */
  history: RateSample[];
  /** Every item known so far. */
  items: ItemInfo[];
}

/** The item list, sent again when descriptors change. */
export interface ItemsMessage {
  /** The message's kind. */
  type: 'items';
  /** Every item. */
  items: ItemInfo[];
}

/** A periodic update. */
export interface FrameMessage {
  /** The message's kind. */
  type: 'frame';
  /** Frames the server dropped for this connection because it was not keeping up. */
  dropped: number;
  /** The newest rate sample. */
  rate: RateSample;
  /** Totals since the scope started: heaps, bytes and every loss statistic. */
  totals: Record<string, number>;
  /** True once the observed stream has ended. */
  ended: boolean;
  /** Latest values by item name. */
  summaries: Record<string, ItemSummary>;
  /** The selected item's plots, if an item is selected. */
  view?: ViewData;
}

/** Any message from the server. */
export type ServerMessage = HelloMessage | ItemsMessage | FrameMessage;

/** The page's choice of item to plot (null: none). */
export interface SelectMessage {
  /** The message's kind. */
  type: 'select';
  /** The item's name, or null. */
  item: string | null;
  /** How complex values are drawn. Default 'magphase'. */
  complex?: 'magphase' | 'reim';
}
