/**
 * spead2 (SARAO's C++/Python library) as a live peer for the benchmarks:
 * finding a build, running `spead2_send` / `spead2_recv` and small spead2
 * Python scripts. Nothing here is required: where spead2 is missing every
 * caller gets a reason to print ("spead2 not built: …") and skips its rows.
 *
 * Where spead2 is looked for, first match wins:
 *   1. SPEAD2_REF, if set (a spead2 source tree built by shared/tools/build-spead2.sh), else
 *   2. ../spead2-ref and ../../spead2-ref relative to the repository;
 *   3. whatever `spead2_recv` / `python3` the current PATH has (e.g. after
 *      `source shared/tools/spead2-env.sh`).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** What was found. A `…Missing` string is the reason that half is unavailable. */
export interface Spead2Peer {
  /** The environment to run spead2's tools and Python in. */
  env: NodeJS.ProcessEnv;
  /** Where the build is (or the PATH lookup that was tried). */
  where: string;
  /** Why `spead2_send` / `spead2_recv` cannot be run, or undefined when they can. */
  cppMissing?: string;
  /** Why `python3 -c 'import spead2'` fails, or undefined when it works. */
  pythonMissing?: string;
}

function prepend(env: NodeJS.ProcessEnv, name: string, dir: string): void {
  const cur = env[name];
  env[name] = cur !== undefined && cur !== '' ? `${dir}${path.delimiter}${cur}` : dir;
}

/** The environment spead2-env.sh would make for the build in `ref`, or undefined if `ref` has none. */
function envFor(ref: string): NodeJS.ProcessEnv | undefined {
  if (!fs.existsSync(path.join(ref, 'build-cpp', 'src', 'spead2_recv')) && !fs.existsSync(path.join(ref, 'venv'))) return undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, SPEAD2_REF: ref };
  const libDir = path.join(ref, 'venv', 'lib');
  const py = fs.existsSync(libDir) ? fs.readdirSync(libDir).find((d) => d.startsWith('python3')) : undefined;
  const sitePackages = py !== undefined ? path.join(libDir, py, 'site-packages') : undefined;
  prepend(env, 'PATH', path.join(ref, 'venv', 'bin'));
  prepend(env, 'PATH', path.join(ref, 'build-cpp', 'src'));
  if (sitePackages !== undefined && fs.existsSync(sitePackages)) prepend(env, 'PYTHONPATH', sitePackages);
  return env;
}

function firstLine(s: string): string {
  return s.trim().split('\n').pop()?.trim() ?? '';
}

let cached: Spead2Peer | undefined;

/** Finds spead2 (once per process). `repoRoot` is the root of this repository. */
export function findSpead2(repoRoot: string): Spead2Peer {
  if (cached !== undefined) return cached;
  // An explicit SPEAD2_REF is the only place looked (so SPEAD2_REF=/nonexistent tests the skipping).
  const explicit = process.env.SPEAD2_REF;
  const refs = explicit !== undefined && explicit !== '' ? [explicit] : [path.resolve(repoRoot, '..', 'spead2-ref'), path.resolve(repoRoot, '..', '..', 'spead2-ref')];
  let env: NodeJS.ProcessEnv = process.env;
  let where = `PATH; no build in ${refs.join(' or ')}`;
  for (const ref of refs) {
    const e = envFor(path.resolve(ref));
    if (e !== undefined) {
      env = e;
      where = path.resolve(ref);
      break;
    }
  }
  const peer: Spead2Peer = { env, where };
  const recv = spawnSync('spead2_recv', ['--help'], { env, encoding: 'utf8', timeout: 10_000 });
  const sendTool = spawnSync('spead2_send', ['--help'], { env, encoding: 'utf8', timeout: 10_000 });
  if (recv.error !== undefined || recv.status !== 0) peer.cppMissing = `spead2_recv not found (${where})`;
  else if (sendTool.error !== undefined || sendTool.status !== 0) peer.cppMissing = `spead2_send not found (${where})`;
  const py = spawnSync('python3', ['-c', 'import spead2, spead2.recv, numpy; print(spead2.__version__)'], { env, encoding: 'utf8', timeout: 30_000 });
  if (py.error !== undefined) peer.pythonMissing = `python3 not found (${where})`;
  else if (py.status !== 0) peer.pythonMissing = `python3 -c 'import spead2' failed (${where}): ${firstLine(py.stderr)}`;
  cached = peer;
  return peer;
}

/** The line a section prints in place of its spead2 rows. */
export function skipped(reason: string, what: string): string {
  return `spead2 not built: ${reason} — ${what} skipped`;
}

/** A UDP port free on 127.0.0.1 a moment ago (for a child process to bind). */
export async function freeUdpPort(): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started child and the promise of its end. */
export interface RunningChild {
  child: ChildProcess;
  done: Promise<ChildResult>;
}

/** Starts `cmd args` in the peer's environment, collecting its output. */
export function start(peer: Spead2Peer, cmd: string, args: string[]): RunningChild {
  const child = spawn(cmd, args, { env: peer.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Stops a child with SIGINT (spead2_recv prints its totals on it), then SIGKILL if it lingers. */
export async function interrupt(running: RunningChild, graceMs = 2000): Promise<ChildResult> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGINT');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), graceMs);
  try {
    return await running.done;
  } finally {
    clearTimeout(timer);
  }
}

/** What `spead2_send` reports: bytes on the wire and the seconds it took. */
export interface Spead2SendResult {
  bytes: number;
  seconds: number;
}

/**
 * Runs `spead2_send` to 127.0.0.1:`port`: `heaps` data heaps (the first with
 * its `>u4` descriptor) and an end-of-stream heap. `rateGbps` 0 is unlimited.
 */
export async function spead2Send(
  peer: Spead2Peer,
  port: number,
  { heapSize, packet, heaps, rateGbps = 0, maxHeaps = 4 }: { heapSize: number; packet: number; heaps: number; rateGbps?: number; maxHeaps?: number },
): Promise<Spead2SendResult> {
  const args = ['--heap-size', String(heapSize), '--packet', String(packet), '--heaps', String(heaps), '--max-heaps', String(maxHeaps)];
  args.push('--buffer', String(8 << 20), '--rate', String(rateGbps), `127.0.0.1:${port}`);
  const r = await start(peer, 'spead2_send', args).done;
  const m = /Sent (\d+) bytes in ([\d.eE+-]+) seconds/.exec(r.stdout);
  if (r.code !== 0 || m === null) throw new Error(`spead2_send ${args.join(' ')} failed (${r.code ?? r.signal}): ${firstLine(r.stderr || r.stdout)}`);
  return { bytes: Number(m[1]), seconds: Number(m[2]) };
}

/**
 * Starts `spead2_recv` in ring mode on 127.0.0.1:`port`. Its `done` resolves
 * when it stops (end-of-stream heap, or `interrupt`); parse it with `receivedHeaps`.
 */
export function spead2Recv(peer: Spead2Peer, port: number, { packet, ringHeaps = 16, bufferSize = 16 << 20 }: { packet: number; ringHeaps?: number; bufferSize?: number }): RunningChild {
  const args = ['--ring', '--quiet', '--ring-heaps', String(ringHeaps), '--buffer', String(bufferSize), '--packet', String(packet), `127.0.0.1:${port}`];
  return start(peer, 'spead2_recv', args);
}

/** The heap count spead2_recv printed on exit. */
export function receivedHeaps(r: ChildResult): number {
  const m = /Received (\d+) heaps/.exec(r.stdout);
  if (m === null) throw new Error(`spead2_recv printed no total (${r.code ?? r.signal}): ${firstLine(r.stderr || r.stdout)}`);
  return Number(m[1]);
}

/** One job of the spead2 Python receive benchmark. */
export interface PyJob {
  /** A file of SPEAD packets, as a buffer reader reads them. */
  file: string;
  /** 'pass': `for heap in stream: pass`; 'update': `ig.update(heap)` and read `ig[item].value` at both ends. */
  mode: 'pass' | 'update';
  /** The item read in 'update' mode. */
  item: string;
  /** Keeps decoding the file for about this long, per round. */
  seconds: number;
}

/** What one job measured: its best round. */
export interface PyResult {
  heapsPerSecond: number;
  bytesPerSecond: number;
  /** Heaps spead2 decoded from one pass over the file (a check that it read them all). */
  heapsPerPass: number;
  /** The length of the last value read ('update' mode; 0 otherwise). */
  valueLength: number;
}

/** A problem with what spead2 Python decoded, or undefined: every heap, and (in 'update' mode) values of the right length. */
export function checkPython(job: PyJob, r: PyResult, heaps: number, elements: number): string | undefined {
  if (r.heapsPerPass !== heaps) return `spead2 Python decoded ${r.heapsPerPass} heaps per pass of ${heaps}`;
  if (job.mode === 'update' && r.valueLength !== elements) return `spead2 Python read a value of ${r.valueLength} elements, not ${elements}`;
  return undefined;
}

// Each pass makes its stream as the issue words it: a thread pool, a default
// StreamConfig and a 16-heap ring, with the whole file as a buffer reader.
// Rounds interleave the jobs, as bestRates does ours.
const PY_SCRIPT = `
import json, sys, time
import spead2, spead2.recv

def run(job):
    with open(job['file'], 'rb') as f:
        data = f.read()
    name = job['item']
    update = job['mode'] == 'update'
    heaps = 0
    passes = 0
    length = 0
    start = time.perf_counter()
    while True:
        stream = spead2.recv.Stream(spead2.ThreadPool(), spead2.recv.StreamConfig(), spead2.recv.RingStreamConfig(heaps=16))
        stream.add_buffer_reader(data)
        if update:
            ig = spead2.ItemGroup()
            for heap in stream:
                ig.update(heap)
                v = ig[name].value
                v[0]
                v[-1]
                heaps += 1
            length = len(v)
        else:
            for heap in stream:
                heaps += 1
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= job['seconds']:
            break
    return heaps / elapsed, passes * len(data) / elapsed, heaps / passes, length

jobs = json.loads(sys.argv[1])
rounds = int(sys.argv[2])
for job in jobs:
    run(job)  # warm-up
best = [(0.0, 0.0, 0, 0) for _ in jobs]
for _ in range(rounds):
    for i, job in enumerate(jobs):
        r = run(job)
        if r[0] > best[i][0]:
            best[i] = r
print(json.dumps([{'heapsPerSecond': h, 'bytesPerSecond': b, 'heapsPerPass': p, 'valueLength': n} for h, b, p, n in best]))
`;

/** Runs the jobs in one spead2 Python process, `rounds` interleaved rounds, best of each (start-up is not timed). */
export async function spead2Python(peer: Spead2Peer, jobs: PyJob[], rounds: number): Promise<PyResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spead-bench-py-'));
  const script = path.join(dir, 'recv_bench.py');
  try {
    fs.writeFileSync(script, PY_SCRIPT);
    const r = await start(peer, 'python3', [script, JSON.stringify(jobs), String(rounds)]).done;
    if (r.code !== 0) throw new Error(`spead2 Python benchmark failed (${r.code ?? r.signal}): ${firstLine(r.stderr)}`);
    return JSON.parse(firstLine(r.stdout)) as PyResult[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `bytes` to a temporary file for spead2 Python; call the returned function to delete it. */
export function tempFile(bytes: Uint8Array, name: string): { file: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spead-bench-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
