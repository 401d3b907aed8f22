/**
 * Receiving: streams, heaps, configuration and statistics.
 * @module recv
 */
export { Stream } from './stream';
export { DEFAULT_IBV_RECV_BUFFER_SIZE, DEFAULT_IBV_MAX_SIZE, DEFAULT_IBV_MAX_POLL } from './stream';
export type { StreamOptions, UdpReaderOptions, UdpIbvReaderOptions } from './stream';
export type { UdpXdpReaderOptions, XdpInfo } from '../xdp';
export { StreamConfig, RingStreamConfig, DEFAULT_MAX_HEAPS, DEFAULT_RING_HEAPS, DEFAULT_MAX_HEAP_SIZE } from './config';
export type { StreamConfigInit, RingStreamConfigInit } from './config';
export { Heap, IncompleteHeap } from './heap';
export { StreamStats, StatIndex, STAT_NAMES } from './stats';
