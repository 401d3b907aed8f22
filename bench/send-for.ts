/** The benchmarks' sending loop: two groups of heaps, double-buffered, for a while. */
import { send } from '../lib/index';

/** Sends `groups[0]`, `groups[1]`, `groups[0]`… for `seconds`, one group in flight per slot. */
export async function sendFor(tx: send.SendStream, groups: send.Heap[][], seconds: number): Promise<{ sentHeaps: number; seconds: number }> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  const inFlight: Array<Promise<number> | undefined> = groups.map(() => undefined);
  let sentHeaps = 0;
  for (let turn = 0; process.hrtime.bigint() < deadline; turn++) {
    const slot = turn % groups.length;
    if (inFlight[slot]) await inFlight[slot];
    inFlight[slot] = tx.sendHeaps(groups[slot], send.GroupMode.SERIAL);
    sentHeaps += groups[slot].length;
  }
  await Promise.all(inFlight);
  return { sentHeaps, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
