import { native, NativeThreadPool } from './native';

/**
 * Native worker threads that run readers and writers (never the JS thread).
 * Streams make a one-thread pool of their own unless given one to share.
 *
 * @example
 * const pool = new ThreadPool(2, [2, 3]); // two threads pinned to CPUs 2 and 3
 * const stream = new recv.Stream({ threadPool: pool });
 */
export class ThreadPool {
  /** @internal */
  readonly handle: NativeThreadPool;

  /**
   * @param threads number of threads (at least 1)
   * @param affinity CPU numbers, used cyclically for the threads (empty: no pinning)
   */
  constructor(threads = 1, affinity: number[] = []) {
    this.handle = new native.ThreadPool(threads, affinity);
  }

  /** Number of threads. */
  get size(): number {
    return this.handle.size;
  }

  /** Stops the threads; streams still using the pool stop making progress. */
  stop(): void {
    this.handle.stop();
  }
}
