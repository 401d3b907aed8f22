import { expect } from 'chai';
import { buildInfo } from '../lib/index';

describe('native addon', () => {
  it('loads and reports its build', () => {
    expect(buildInfo.compiler).to.be.a('string').and.not.equal('');
    expect(buildInfo.maxHeapAddressBits).to.equal(56);
  });
});
