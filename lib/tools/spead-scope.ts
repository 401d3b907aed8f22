#!/usr/bin/env node
/**
 * spead-scope: receives a SPEAD stream (the receiver options of spead-recv)
 * and serves a web page that shows it live: rates, loss by reason, the item
 * list with latest values, and plots of the item the page selects.
 */
import { serve } from '../scope/serve';
import { flag, parseCommandLine, parseCount, parseEndpoint, parseReal, runTool, str } from './cli';
import { createReceiver, RECEIVER_OPTIONS, RECEIVER_USAGE } from './receiver-options';

const USAGE = `Usage: spead-scope [options] [host]:<port> [[host]:<port> ...]
       spead-scope [options] --pcap FILE [--filter EXPR]
Receives one stream from every source given and serves a page that shows it.
  --http HOST:PORT         where to serve the page (127.0.0.1, a free port)
  --update-hz N            page updates per second (4)
  --max-points N           most points per line plot (2048)
${RECEIVER_USAGE}  -h, --help               this text
`;

const OPTIONS = {
  ...RECEIVER_OPTIONS,
  http: { type: 'string' },
  'update-hz': { type: 'string' },
  'max-points': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<number> {
  const cl = parseCommandLine(process.argv.slice(2), OPTIONS);
  if (flag(cl, 'help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const http = parseEndpoint(str(cl, 'http') ?? ':0', '127.0.0.1');
  const updateHz = parseReal('update-hz', str(cl, 'update-hz'), 4, 0.1);
  const maxPoints = parseCount('max-points', str(cl, 'max-points'), 2048, 16);
  const { stream, description, notes } = createReceiver(cl);
  stream.on('warning', (w: string) => process.stderr.write(`warning: ${w}\n`));
  for (const n of notes) process.stderr.write(`${n}\n`);
  let scope;
  try {
    scope = await serve(stream, { host: http.host, port: http.port, title: description, updateHz, maxPoints });
  } catch (e) {
    // The page cannot be served (a taken port): the open stream must not keep the tool running.
    stream.destroy();
    throw e;
  }
  process.stdout.write(`spead-scope: ${scope.url}\n`);
  let interrupt = (): void => undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => (interrupt = () => resolve('interrupted')));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    if ((await Promise.race([scope.finished, interrupted])) !== 'interrupted') {
      // A finished capture is still worth looking at: keep the page up.
      process.stdout.write('spead-scope: the stream has ended; serving the last data until interrupted\n');
      await interrupted;
    }
  } finally {
    await scope.close();
  }
  const c = scope.counters;
  process.stdout.write(`spead-scope: ${c.heaps} heaps observed, ${c.framesSent} frames sent, ${c.framesDropped} dropped\n`);
  return 0;
}

runTool(USAGE, main);
