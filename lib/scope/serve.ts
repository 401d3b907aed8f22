/**
 * `serve(stream)`: the scope as the owner of a stream — it reads every heap,
 * decodes items with its own ItemGroup and releases the heap. For a stream
 * you consume yourself, use `createScope()` and `scope.observe()` instead:
 * a Readable's heaps go to one consumer only.
 */
import { ItemGroup, ItemUpdates } from '../item-group';
import { Heap, IncompleteHeap } from '../recv/heap';
import type { Stream } from '../recv/stream';
import { createScope, Scope, ScopeOptions } from './scope';

/** A scope that consumes its stream (see `serve`). */
export interface ServedScope extends Scope {
  /** The ItemGroup the scope decodes heaps with (read it, do not update it). */
  readonly items: ItemGroup;
  /** Settles when the stream ends: resolves at its end, rejects with its error. */
  readonly finished: Promise<void>;
}

/**
 * Serves a page that shows `stream` live, and consumes the stream to do it:
 * do not read from the stream yourself (its heaps would be split between you
 * and the scope). `close()` stops serving and destroys the stream.
 *
 * @example
 * const stream = new recv.Stream();
 * stream.addUdpReader({ host: '127.0.0.1', port: 7148 });
 * const scope = await scope.serve(stream, { port: 8080 });
 * console.log(`open ${scope.url}`);
 * await scope.finished; // the stream ended; the page still shows the last data
 */
export async function serve(stream: Stream, options: ScopeOptions = {}): Promise<ServedScope> {
  const scope = await createScope(options);
  const items = new ItemGroup();
  scope.watch(stream);
  const finished = (async () => {
    try {
      for await (const h of stream) {
        const heap = h as Heap | IncompleteHeap;
        let updates: ItemUpdates | undefined;
        if (heap instanceof Heap) {
          try {
            updates = items.update(heap);
          } catch {
            // A heap the group cannot read still counts; its items keep their last values.
          }
        }
        scope.observe(heap, items, updates);
        heap.release();
      }
    } finally {
      scope.end();
    }
  })();
  // Whoever ignores `finished` must not get an unhandled rejection.
  finished.catch(() => undefined);
  const close = scope.close.bind(scope);
  return Object.assign(scope, {
    items,
    finished,
    close: async (): Promise<void> => {
      stream.destroy();
      await close();
    },
  });
}
