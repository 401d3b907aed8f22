import { expect } from 'chai';
import { execFile } from 'child_process';
import * as path from 'path';

const LIB = path.join(__dirname, '..', 'lib', 'index.js');

/** Runs a program in a child, so that an abort shows as its exit signal rather than ending mocha. */
function child(program: string, options: { ulimitKiB?: number } = {}): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const node = JSON.stringify(process.execPath);
  const cmd = options.ulimitKiB !== undefined ? `ulimit -v ${options.ulimitKiB} && exec ${node} -e "$PROGRAM"` : `exec ${node} -e "$PROGRAM"`;
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', cmd], { env: { ...process.env, PROGRAM: program }, timeout: 30000 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number; signal?: string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

// Packets whose HEAP_LENGTH claims `bytes` (each a new heap), carrying 8 bytes of payload.
const claims = (count: number, bytes: number): string => `
  const { encodePacket, recv } = require(${JSON.stringify(LIB)});
  const packets = [];
  for (let cnt = 1; cnt <= ${count}; cnt++) {
    packets.push(encodePacket({ heapAddressBits: 48, payload: new Uint8Array(8), pointers: [
      { immediate: true, id: 1, value: cnt }, { immediate: true, id: 2, value: ${bytes} },
      { immediate: true, id: 3, value: 0 }, { immediate: true, id: 4, value: 8 } ] }));
  }
  // One good heap after them: the stream goes on.
  packets.push(encodePacket({ heapAddressBits: 48, payload: new Uint8Array(8).fill(7), pointers: [
    { immediate: true, id: 1, value: 1000 }, { immediate: true, id: 2, value: 8 },
    { immediate: true, id: 3, value: 0 }, { immediate: true, id: 4, value: 8 }, { immediate: false, id: 0x1000, value: 0 } ] }));
  const s = new recv.Stream({ maxHeapSize: 2 ** 50, maxHeaps: 4 }, { contiguousOnly: false });
  s.addBufferReader(Buffer.concat(packets));
  (async () => {
    const cnts = [];
    for await (const h of s) { cnts.push(h.cnt); h.release(); }
    console.log(JSON.stringify({ noMemory: s.stats.get('rejected_no_memory'), cnts }));
  })();
`;

describe('allocation failure in heap assembly', function () {
  this.timeout(40000);

  it('a packet claiming 2^47 bytes is a counted reject (rejected_no_memory), not an abort', async () => {
    const r = await child(claims(1, 2 ** 47));
    expect(r.signal, r.stderr).to.equal(null);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { noMemory: number; cnts: number[] };
    expect(out.noMemory).to.equal(1);
    expect(out.cnts).to.include(1000);
  });

  it('16 fresh heaps of about 1 GiB each in a 4 GB address space: refused ones counted, the process lives', async function () {
    // AddressSanitizer's shadow memory alone is far more than 4 GB of address space.
    if ((process.env.LD_PRELOAD ?? '').includes('asan')) this.skip();
    const r = await child(claims(16, 2 ** 30), { ulimitKiB: 4000000 });
    expect(r.signal, r.stderr).to.equal(null);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { noMemory: number; cnts: number[] };
    expect(out.noMemory).to.be.greaterThan(0);
    expect(out.cnts).to.include(1000);
  });
});
