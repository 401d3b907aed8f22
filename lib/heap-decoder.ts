/**
 * HeapDecoder: a Transform from SPEAD packet bytes (a capture file, a TCP
 * byte stream) to heaps — the same heap assembly as a receive stream, run
 * synchronously as bytes arrive, so backpressure is the Transform's own.
 */
import type { Transform as NodeTransform, TransformCallback } from 'stream';
import * as rs from 'readable-stream';
import { native, NativeDecoded, NativeRecvStream } from './native';
import { RingStreamConfig, RingStreamConfigInit, StreamConfig, StreamConfigInit } from './recv/config';
import { Heap, HeapWrapper, IncompleteHeap } from './recv/heap';
import { nativeConfig } from './recv/stream';

const TransformBase = rs.Transform as unknown as typeof NodeTransform;

/**
 * Bytes in (packets back to back, split anywhere), heaps out.
 *
 * @example
 * await pipeline(fs.createReadStream('capture.spead'), new HeapDecoder(), async function* (heaps) {
 *   for await (const heap of heaps) items.update(heap);
 * });
 */
export class HeapDecoder extends TransformBase {
  private readonly handle: NativeRecvStream;
  private readonly wrapper: HeapWrapper;
  private pending: Buffer = Buffer.alloc(0);

  constructor(config: StreamConfig | StreamConfigInit = {}, ringConfig: RingStreamConfig | RingStreamConfigInit = {}) {
    super({ writableObjectMode: false, readableObjectMode: true });
    const c = config instanceof StreamConfig ? config : new StreamConfig(config);
    const r = ringConfig instanceof RingStreamConfig ? ringConfig : new RingStreamConfig(ringConfig);
    // Room for every heap a slice of packets can finish plus a flush.
    const n = nativeConfig(c, r);
    n.ringHeaps = 256 + c.maxHeaps * c.substreams;
    this.handle = new native.RecvStream(n, () => undefined, c.threadPool?.handle, c.memoryAllocator?.handle);
    this.handle.unref();
    this.wrapper = new HeapWrapper(c.bugCompat);
  }

  private pushAll(decoded: NativeDecoded): void {
    for (const heap of this.wrapper.wrap(decoded.figures, decoded.batch)) this.push(heap as Heap | IncompleteHeap);
  }

/** @internal Node stream implementation. */
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const result = this.handle.feed(bytes);
    this.pushAll(result);
    this.pending = bytes.subarray(result.consumed);
    callback(result.error !== undefined ? new Error(`HeapDecoder: ${result.error}`) : null);
  }

/** @internal Node stream implementation. */
  override _flush(callback: TransformCallback): void {
    const result = this.handle.finish();
    this.pushAll(result);
    this.handle.close();
    if (this.pending.length > 0) callback(new Error(`HeapDecoder: the input ends with ${this.pending.length} bytes of an incomplete packet`));
    else callback();
  }

/** @internal Node stream implementation. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close();
    callback(error);
  }
}
