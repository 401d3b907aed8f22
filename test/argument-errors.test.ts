import { expect } from 'chai';
import { decodePacket, ItemGroup, send } from '../lib/index';

/** The error `fn` throws (or its promise rejects with). */
async function errorOf(fn: () => unknown): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  return expect.fail('no error');
}

describe('arguments of the wrong type', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['decodePacket(undefined)', () => decodePacket(undefined as unknown as Uint8Array), /"data" argument must be a Buffer or Uint8Array. Received undefined/],
    ['sendHeaps(undefined)', () => new send.BytesStream().sendHeaps(undefined as unknown as send.Heap[]), /"heaps" argument must be an array/],
    ['new HeapReferenceList(undefined)', () => new send.HeapReferenceList(undefined as unknown as send.HeapReference[]), /"references" argument must be an iterable/],
    ['ItemGroup.addItem(undefined)', () => new ItemGroup().addItem(undefined as unknown as { name: string }), /"options" argument must be an object/],
    ['ItemGroup.update({})', () => new ItemGroup().update({} as never), /"heap" argument must be a received heap.*Received an instance of Object/],
  ];
  for (const [what, fn, message] of cases) {
    it(`${what} is a TypeError with code ERR_INVALID_ARG_TYPE naming the argument`, async () => {
      const e = await errorOf(fn);
      expect(e).to.be.instanceOf(TypeError);
      expect(e.code).to.equal('ERR_INVALID_ARG_TYPE');
      expect(e.message).to.match(message);
    });
  }
});
