#!/usr/bin/env node
/**
 * spead-recv: receives SPEAD streams and reports them, like spead2_recv —
 * with --verify against spead2_send's payload pattern, --json item values,
 * --output to capture heaps to a file, and loss statistics by reason.
 */
import * as fs from 'fs';
import { pipeline } from 'stream/promises';
import { PassThrough } from 'stream';
import { HeapEncoder } from '../heap-encoder';
import { ItemGroup } from '../item-group';
import { Heap, IncompleteHeap } from '../recv/heap';
import { Stream } from '../recv/stream';
import { flag, parseCommandLine, runTool, str } from './cli';
import { ProgressLine, statsLines } from './progress';
import { planReceiver, RECEIVER_OPTIONS, RECEIVER_USAGE } from './receiver-options';
import { checkVerifyHeap } from './verify-pattern';

const USAGE = `Usage: spead-recv [options] [host]:<port> [[host]:<port> ...]
       spead-recv [options] --pcap FILE [--filter EXPR]
${RECEIVER_USAGE}  --joint                  all sources into one stream
  --quiet                  only the totals
  --descriptors            show descriptors
  --values                 show item values (decoded with an ItemGroup)
  --json                   one JSON line per heap with its item values
  --verify                 check spead2_send --verify's payload pattern
  --output FILE            also write the heaps to FILE as SPEAD packets
  -h, --help               this text
`;

const OPTIONS = {
  ...RECEIVER_OPTIONS,
  joint: { type: 'boolean' },
  quiet: { type: 'boolean' },
  descriptors: { type: 'boolean' },
  values: { type: 'boolean' },
  json: { type: 'boolean' },
  verify: { type: 'boolean' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array && v.constructor === Uint8Array) return Array.from(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, jsonValue);
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

async function main(): Promise<number> {
  const cl = parseCommandLine(process.argv.slice(2), OPTIONS);
  if (flag(cl, 'help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const plan = planReceiver(cl);
  const groups = plan.pcap ? [plan.endpoints] : flag(cl, 'joint') ? [plan.endpoints] : plan.endpoints.map((e) => [e]);
  const streams: Stream[] = [];
  try {
    for (const eps of groups) {
      const s = new Stream(plan.config, plan.ring);
      streams.push(s);
      s.on('warning', (w: string) => process.stderr.write(`warning: ${w}\n`));
      for (const note of plan.addReaders(s, eps)) process.stderr.write(`${note}\n`);
    }
  } catch (e) {
    // A reader that cannot be made ends the tool: the streams made so far must not keep it running.
    for (const s of streams) s.destroy();
    throw e;
  }
  process.once('SIGINT', () => streams.forEach((s) => s.stop()));

  const counters = { heaps: 0, bytes: 0, incomplete: 0, dropped: 0 };
  const progress = flag(cl, 'quiet') || !process.stderr.isTTY ? undefined : new ProgressLine(counters, 'received');
  const output = str(cl, 'output');
  const capture = output !== undefined ? new PassThrough({ objectMode: true }) : undefined;
  const captured = capture !== undefined ? pipeline(capture, new HeapEncoder(), fs.createWriteStream(output!)) : Promise.resolve();
  let failure: string | undefined;
  let complete = 0;
  const start = process.hrtime.bigint();

  await Promise.all(
    streams.map(async (stream) => {
      const items = new ItemGroup();
      for await (const h of stream) {
        const heap = h as Heap | IncompleteHeap;
        if (heap instanceof IncompleteHeap) {
          counters.incomplete++;
          if (!flag(cl, 'quiet')) process.stdout.write(`Discarding incomplete heap ${heap.cnt}\n`);
          heap.release();
          continue;
        }
        complete++;
        counters.heaps++;
        counters.bytes += heap.payload.length;
        counters.dropped = streams.reduce((n, s) => n + s.stats.get('kernel_dropped'), 0);
        if (!flag(cl, 'quiet') && !flag(cl, 'json')) {
          const t = Number(process.hrtime.bigint() - start) / 1e9;
          process.stdout.write(`Received heap ${heap.cnt} at ${t}\n`);
          if (flag(cl, 'descriptors')) {
            for (const d of heap.getDescriptors()) {
              process.stdout.write(
                `Descriptor for ${Buffer.from(d.name).toString('latin1')} (0x${d.id.toString(16)})\n  description: ${Buffer.from(d.description).toString('latin1')}\n` +
                  `  format:      [${d.format.map(([c, b]) => `(${c}, ${b})`).join(', ')}]\n  dtype:       ${d.numpyHeader}\n  shape:       (${d.shape.map((x) => (x === null ? '?' : x)).join(', ')})\n`,
              );
            }
          }
          for (const it of heap.getItems()) {
            process.stdout.write(`0x${it.id.toString(16)} = [${it.value.length} bytes]${it.isImmediate ? ` = 0x${it.immediateValue.toString(16)}` : ''}\n`);
          }
        }
        if (flag(cl, 'values') || flag(cl, 'json')) {
          let updated;
          try {
            updated = items.update(heap);
          } catch (e) {
            process.stderr.write(`heap ${heap.cnt}: ${(e as Error).message}\n`);
            updated = new Map();
          }
          if (flag(cl, 'json')) {
            const values = Object.fromEntries([...updated].map(([name, item]) => [name, jsonValue(item.value)]));
            process.stdout.write(JSON.stringify({ cnt: heap.cnt, items: values }) + '\n');
          } else for (const [name, item] of updated) process.stdout.write(`  ${name} = ${JSON.stringify(jsonValue(item.value))}\n`);
        }
        if (flag(cl, 'verify') && failure === undefined) {
          const mismatch = checkVerifyHeap(heap.cnt, heap.getItems());
          if (mismatch !== null) {
            failure = mismatch.message;
            streams.forEach((s) => s.stop());
          }
        }
        if (capture !== undefined) capture.write(heap);
        else heap.release();
      }
    }),
  );
  progress?.stop();
  capture?.end();
  await captured;
  if (failure !== undefined) {
    process.stderr.write(`${failure}\n`);
    return 1;
  }
  // spead2_recv's ending: the count, then every statistic summed over the streams.
  const totals = new Map<string, number>();
  for (const s of streams) for (const [name, value] of s.stats) totals.set(name, (totals.get(name) ?? 0) + value);
  process.stdout.write(`Received ${complete} heaps\n` + statsLines(totals));
  return 0;
}

runTool(USAGE, main);
