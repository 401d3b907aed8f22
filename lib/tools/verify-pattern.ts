/**
 * The payload pattern of spead2's `--verify` option, so that our tools and
 * spead2's check each other: one `>u4` item per heap (ID 0x1000 upwards),
 * filled from C++'s `std::minstd_rand` with its default seed (x₀ = 1,
 * x ← 48271·x mod 2³¹−1), one value per element, heap cnt k holding the k-th
 * block of values (cnt 1 holds the first).
 */

const MODULUS = 2147483647;
const MULTIPLIER = 48271;

/** `std::minstd_rand`: the Lehmer generator with multiplier 48271. */
export class MinstdRand {
  private state: number;

  constructor(seed = 1) {
    this.state = seed % MODULUS || 1;
  }

  /** The next value, as `operator()` returns it. */
  next(): number {
    // 48271 · (2³¹ − 2) < 2⁵³, so the product is exact in a double.
    this.state = (this.state * MULTIPLIER) % MODULUS;
    return this.state;
  }

  /** Skips `n` values in O(log n), as `discard(n)` would. */
  discard(n: number): void {
    let factor = BigInt(MULTIPLIER);
    let x = BigInt(this.state);
    const m = BigInt(MODULUS);
    for (let z = BigInt(n); z > 0n; z >>= 1n) {
      if (z & 1n) x = (x * factor) % m;
      factor = (factor * factor) % m;
    }
    this.state = Number(x);
  }
}

/**
 * Fills `items` (one Uint8Array per item, each holding `elements` big-endian
 * u32) with the values of heap number `cnt` (1-based).
 */
export function fillVerifyHeap(items: Uint8Array[], cnt: number): void {
  if (items.length === 0) return;
  const elements = items[0].length / 4;
  const gen = new MinstdRand();
  gen.discard(elements * items.length * (cnt - 1));
  for (const item of items) {
    const view = new DataView(item.buffer, item.byteOffset, item.byteLength);
    for (let i = 0; i < elements; i++) view.setUint32(4 * i, gen.next());
  }
}

/** Where a received heap's payload differs from the pattern. */
export interface VerifyMismatch {
  readonly cnt: number;
  readonly itemId: number;
  readonly offset: number;
  readonly expected: number;
  readonly actual: number;
  readonly message: string;
}

/**
 * Checks the items of heap `cnt` (those with ID ≥ 0x1000, in order) against the
 * pattern; returns the first mismatch, or null when the heap is correct.
 */
export function checkVerifyHeap(cnt: number, items: ReadonlyArray<{ id: number; value: Uint8Array }>): VerifyMismatch | null {
  const verifiable = items.filter((it) => it.id >= 0x1000);
  if (verifiable.length === 0) return null;
  const elements = Math.floor(verifiable[0].value.length / 4);
  const gen = new MinstdRand();
  gen.discard(elements * verifiable.length * (cnt - 1));
  for (const item of verifiable) {
    if (item.value.length !== elements * 4) {
      return { cnt, itemId: item.id, offset: 0, expected: elements * 4, actual: item.value.length, message: `Heap ${cnt}, item 0x${item.id.toString(16)} has an inconsistent length` };
    }
    const view = new DataView(item.value.buffer, item.value.byteOffset, item.value.byteLength);
    for (let i = 0; i < elements; i++) {
      const expected = gen.next();
      const actual = view.getUint32(4 * i);
      if (expected !== actual) {
        return {
          cnt,
          itemId: item.id,
          offset: i,
          expected,
          actual,
          message: `Verification mismatch in heap ${cnt}, item 0x${item.id.toString(16)} offset ${i}: expected 0x${expected.toString(16)}, actual 0x${actual.toString(16)}`,
        };
      }
    }
  }
  return null;
}
