/**
 * spead: SPEAD streaming for Node.js, byte-compatible with spead2.
 * @packageDocumentation
 */
import { native } from './native';

export * from './constants';
export { Flavour } from './flavour';
export type { RawItem, RawDescriptor, HeapLike } from './raw';
export { decodePacket, encodePacket, PacketError } from './packet';
export type { DecodedPacket, ItemPointer, PacketSpec } from './packet';
export { decodeRawDescriptors, encodeRawDescriptor } from './descriptor-codec';
export type { RawDescriptorInput } from './descriptor-codec';
export { Descriptor } from './descriptor';
export type { DescriptorInit, Shape } from './descriptor';
export { Item } from './item';
export type { ItemInit, ItemValue } from './item';
export { ItemGroup } from './item-group';
export { ItemUpdates } from './item-group';
export type { AddItemOptions, ItemUpdateError } from './item-group';
export { DType, DTypeError } from './dtype';
export type { Complex, ScalarValue, ArrayValue, RecordValue, Descr, DescrField, DTypeField, DTypeKind } from './dtype';
export type { Format, FieldValue } from './legacy-format';
export { parseNumpyHeader, formatNumpyHeader, NumpyHeaderError } from './numpy-header';
export type { NumpyHeader } from './numpy-header';
export { ThreadPool } from './thread-pool';
export { MemoryAllocator, MmapAllocator, MemoryPool } from './memory';
export type { Allocator, MemoryPoolStats } from './memory';
export { InprocQueue } from './inproc';
export { ibvAvailable } from './ibv';
export type { IbvAvailability } from './ibv';
export * as recv from './recv';
export * as send from './send';
export * as scope from './scope';
export { HeapEncoder } from './heap-encoder';
export { HeapDecoder } from './heap-decoder';
export { xdpAvailable } from './xdp';
export type { XdpMode, XdpInfo, UdpXdpReaderOptions, UdpXdpStreamOptions } from './xdp';

/** Facts about the native build (compiler, limits). */
export const buildInfo: {
  /** The C++ compiler's version string. */
  readonly compiler: string;
  /** The widest heap address supported (bits). */
  readonly maxHeapAddressBits: number;
} = native.buildInfo;
