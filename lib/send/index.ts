/**
 * Sending: heaps, streams, configuration.
 * @module send
 */
export { Heap } from './heap';
export type { HeapEntry, ItemSource, DescriptorSource, WireBytes } from './heap';
export { StreamConfig, RateMethod, DEFAULT_MAX_PACKET_SIZE, DEFAULT_BURST_SIZE, DEFAULT_MAX_HEAPS, DEFAULT_BURST_RATE_RATIO } from './config';
export type { StreamConfigInit } from './config';
export { GroupMode, HeapReference, HeapReferenceList } from './heap-reference';
export type { HeapOptions } from './heap-reference';
export { SendStream } from './stream';
export type { SendChunk } from './stream';
export { UdpStream, TcpStream, UdpIbvStream, UdpXdpStream } from './network-streams';
export type { UdpXdpStreamOptions } from '../xdp';
export type { Endpoint, UdpStreamOptions, UdpIbvStreamOptions } from './network-streams';
export { BytesStream, InprocStream, PcapFileStream } from './memory-streams';
export type { PcapEndpoint } from './memory-streams';
export { HeapGenerator, SendItemGroup as ItemGroup } from './heap-generator';
export type { Selection } from './heap-generator';
