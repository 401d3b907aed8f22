import { native, NativeInprocQueue } from './native';

/**
 * A queue of packets inside one process: a `send.InprocStream` writes to it and
 * `recv.Stream.addInprocReader` reads from it. Lossless, like spead2's.
 */
export class InprocQueue {
  /** @internal */
  readonly handle: NativeInprocQueue = new native.InprocQueue();

  /** No more packets: the receiving stream ends after draining the queue. */
  stop(): void {
    this.handle.stop();
  }

  /** True once `stop()` has been called. */
  get stopped(): boolean {
    return this.handle.stopped;
  }
}
