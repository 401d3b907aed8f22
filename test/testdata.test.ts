import { expect } from 'chai';
import { binCases, loadManifest, readTestFile } from './helpers/testdata';

describe('spead2 test vectors', () => {
  it('are present, each .bin with a manifest that spead2 verified', () => {
    const cases = binCases();
    expect(cases.length).to.be.greaterThan(5);
    for (const c of cases) {
      const m = loadManifest(c);
      expect(m.verification.ok, c).to.equal(true);
      expect(readTestFile(m.file).length, c).to.equal(m['file_size']);
    }
  });
});
