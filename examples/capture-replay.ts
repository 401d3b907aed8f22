/**
 * Composition with pipeline(): capture a receive stream to a file with
 * HeapEncoder, replay the file into a send stream with HeapDecoder, and
 * write the items of each heap as NDJSON.   node .build/examples/capture-replay.js
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { HeapDecoder, HeapEncoder, InprocQueue, ItemGroup, recv, send } from '../lib/index';
import { resendable } from '../lib/heap-encoder';

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spead-example-'));
  const capture = path.join(dir, 'capture.spead');

  // 1. Some heaps, through an in-process queue, captured to a file.
  const queue = new InprocQueue();
  const rx = new recv.Stream();
  rx.addInprocReader(queue);
  const items = new send.ItemGroup();
  const x = items.addItem({ name: 'x', description: 'a counter', shape: [], dtype: '<u4' });
  const tx = new send.InprocStream(queue);
  for (let i = 0; i < 5; i++) {
    x.value = i;
    await tx.sendHeap(items.getHeap());
  }
  await tx.sendHeap(items.getEnd());
  await pipeline(rx, new HeapEncoder(), fs.createWriteStream(capture));
  console.log(`captured ${fs.statSync(capture).size} bytes to ${capture}`);

  // 2. Replay the capture into another process's stream (here: another queue), and print NDJSON.
  const replayQueue = new InprocQueue();
  const replayRx = new recv.Stream();
  replayRx.addInprocReader(replayQueue);
  const replayTx = new send.InprocStream(replayQueue);
  const toRefs = new Transform({ objectMode: true, transform: (heap: recv.Heap, _e, cb) => cb(null, resendable(heap)) });
  await pipeline(fs.createReadStream(capture), new HeapDecoder(), toRefs, replayTx);
  replayQueue.stop();
  const group = new ItemGroup();
  for await (const heap of replayRx) {
    const changed = group.update(heap as recv.Heap);
    console.log(JSON.stringify({ cnt: heap.cnt, ...Object.fromEntries([...changed].map(([k, v]) => [k, v.value])) }));
    heap.release();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
