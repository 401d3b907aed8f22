import { expect } from 'chai';
import { searchSustainableRate } from '../lib/tools/rate-search';

describe('sustainable-rate search', () => {
  it('converges on the highest rate that loses nothing', async () => {
    // A link that loses heaps above 3.7e9 B/s and can send 10e9 B/s flat out.
    const limit = 3.7e9;
    const result = await searchSustainableRate(async (rate) => {
      const actual = rate === 0 ? 10e9 : rate;
      return { good: actual <= limit, actualRate: actual };
    });
    expect(result.senderLimited).to.equal(false);
    expect(result.rate).to.be.at.most(limit);
    expect(result.rate).to.be.at.least(limit * 0.97);
  });

  it('reports a sender-limited link when flat-out sending loses nothing', async () => {
    const result = await searchSustainableRate(async () => ({ good: true, actualRate: 5e8 }));
    expect(result).to.include({ senderLimited: true, rate: 5e8 });
    expect(result.trials).to.have.length(1);
  });

  it('stops after maxTrials even when the bracket is still wide', async () => {
    const result = await searchSustainableRate(async (rate) => ({ good: false, actualRate: rate || 1e9 }), { maxTrials: 4 });
    expect(result.trials).to.have.length(4);
    expect(result.rate).to.equal(0);
  });
});
