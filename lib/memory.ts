/**
 * Where heap payloads come from: spead2's allocators and memory pool.
 */
import { EventEmitter } from 'events';
import { native, NativeAllocator } from './native';
import type { ThreadPool } from './thread-pool';

/** Anything a stream can take as `memoryAllocator`. */
export interface Allocator {
  /** @internal */
  readonly handle: NativeAllocator;
}

/** The default allocator: plain heap memory. */
export class MemoryAllocator implements Allocator {
  /** @internal */
  readonly handle: NativeAllocator = new native.Allocator('memory');
}

/**
 * Memory straight from mmap, optionally pre-faulted, optionally with
 * transparent huge pages.
 */
export class MmapAllocator implements Allocator {
  /** @internal */
  readonly handle: NativeAllocator;

  constructor(options: { prefault?: boolean; preferHuge?: boolean } = {}) {
    this.handle = new native.Allocator('mmap', options);
  }
}

/** Figures a MemoryPool keeps. */
export interface MemoryPoolStats {
  /** Buffers waiting in the pool. */
  free: number;
  /** Pool buffers in use (in live heaps, in the ring, or held by you). */
  lent: number;
  /** Allocations served from the pool. */
  fromPool: number;
  /** Allocations made while the pool was empty (each one warned about). */
  grown: number;
  /** Allocations outside [lower, upper], passed to the underlying allocator. */
  direct: number;
  /** Background refills completed. */
  refills: number;
}

/**
 * spead2's memory pool: buffers of `upper` bytes, pre-faulted at
 * construction, recycled for every allocation in [lower, upper]. Size it as
 * the tutorial says: `maxHeaps` (per substream) + ring heaps + heaps you hold
 * at once. When it runs dry it emits a `'warning'` event ("memory pool is
 * empty when allocating N bytes") — or, with no listener, a process warning.
 *
 * @example
 * const pool = new MemoryPool(16384, 64 << 20, 12, 8);
 * const stream = new recv.Stream({ memoryAllocator: pool });
 */
export class MemoryPool extends EventEmitter implements Allocator {
  /** @internal */
  readonly handle: NativeAllocator;
  private warnOnEmptyValue = true;

  /**
   * @param lower smallest allocation served from the pool
   * @param upper size of the pool's buffers (largest allocation served)
   * @param maxFree most buffers kept when returned
   * @param initial buffers made (and faulted in) now
   * @param lowWater refill in the background when fewer are free (needs threadPool)
   * @param threadPool where the refill runs
   * @param allocator where the pool's buffers come from (default MemoryAllocator)
   */
  constructor(
    lower: number,
    upper: number,
    maxFree: number,
    initial: number,
    lowWater = 0,
    threadPool?: ThreadPool,
    allocator?: MemoryAllocator | MmapAllocator,
  ) {
    super();
    this.handle = new native.Allocator('pool', {
      lower,
      upper,
      maxFree,
      initial,
      lowWater,
      threadPool: threadPool?.handle,
      allocator: allocator?.handle,
      onWarning: (message: string) => this.warn(message),
    });
  }

  private warn(message: string): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', message);
    else process.emitWarning(message, 'SpeadWarning');
  }

  /** Warn when an allocation finds the pool empty (default true, as spead2). */
  get warnOnEmpty(): boolean {
    return this.warnOnEmptyValue;
  }

  /** Turns the empty-pool warning on or off. */
  set warnOnEmpty(value: boolean) {
    this.warnOnEmptyValue = value;
    this.handle.setWarnOnEmpty(value);
  }

  /** A snapshot of the pool's figures. */
  stats(): MemoryPoolStats {
    const s = this.handle.stats();
    return {
      free: s.free ?? 0,
      lent: s.lent ?? 0,
      fromPool: s.fromPool ?? 0,
      grown: s.grown ?? 0,
      direct: s.direct ?? 0,
      refills: s.refills ?? 0,
    };
  }
}
