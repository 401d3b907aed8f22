/**
 * HeapEncoder: a Transform from heaps to SPEAD packet bytes — exactly the
 * bytes spead2's BytesStream writes — for capture files and byte streams.
 * It takes heaps to send (`send.Heap`) and received heaps (`recv.Heap`, which
 * are re-encoded with their own cnt), so `pipeline(recvStream, new
 * HeapEncoder(), fs.createWriteStream(file))` captures a stream.
 */
import type { Transform as NodeTransform, TransformCallback } from 'stream';
import * as rs from 'readable-stream';
import { Heap as RecvHeap } from './recv/heap';
import { StreamConfig, StreamConfigInit } from './send/config';
import { Heap as SendHeap } from './send/heap';
import { HeapReference } from './send/heap-reference';
import { BytesStream } from './send/memory-streams';

const TransformBase = rs.Transform as unknown as typeof NodeTransform;

/** Rebuilds a received heap as a heap to send: same items, same cnt. */
export function resendable(heap: RecvHeap): HeapReference {
  const out = new SendHeap(heap.flavour);
  for (const item of heap.getItems(true)) {
    out.addRaw(item.id, item.isImmediate ? item.value.slice() : item.value, item.isImmediate);
  }
  return new HeapReference(out, { cnt: heap.cnt });
}

/**
 * Heaps in, bytes out.
 *
 * @example
 * await pipeline(recvStream, new HeapEncoder(), fs.createWriteStream('capture.spead'));
 */
export class HeapEncoder extends TransformBase {
  private readonly bytes: BytesStream;

  constructor(config: StreamConfig | StreamConfigInit = {}) {
    super({ writableObjectMode: true, readableObjectMode: false });
    this.bytes = new BytesStream(config);
  }

/** @internal Node stream implementation. */
  override _transform(chunk: SendHeap | HeapReference | RecvHeap, _encoding: BufferEncoding, callback: TransformCallback): void {
    let ref: SendHeap | HeapReference;
    if (chunk instanceof RecvHeap) ref = resendable(chunk);
    else if (chunk instanceof SendHeap || chunk instanceof HeapReference) ref = chunk;
    else {
      callback(new TypeError('HeapEncoder takes send.Heap, HeapReference or recv.Heap objects'));
      return;
    }
    // BytesStream encodes synchronously: once sendHeaps returns, a received
    // heap's memory is no longer needed.
    const sent = this.bytes.sendHeaps([ref]);
    if (chunk instanceof RecvHeap) chunk.release();
    sent.then(
      () => callback(null, this.bytes.take()),
      (err: Error) => callback(err),
    );
  }
}
