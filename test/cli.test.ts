import { expect } from 'chai';
import { parseCommandLine, parseCount, parseEndpoint, parseRangeList, UsageError } from '../lib/tools/cli';

describe('tool command lines', () => {
  it('parses endpoints as spead2 tools take them', () => {
    expect(parseEndpoint('127.0.0.1:8888')).to.deep.equal({ host: '127.0.0.1', port: 8888 });
    expect(parseEndpoint(':7148')).to.deep.equal({ host: '', port: 7148 });
    expect(parseEndpoint('7148', '0.0.0.0')).to.deep.equal({ host: '0.0.0.0', port: 7148 });
    expect(parseEndpoint('[::1]:9000')).to.deep.equal({ host: '::1', port: 9000 });
  });

  it('rejects a port outside 0–65535 with a usage error naming the endpoint', () => {
    expect(() => parseEndpoint('localhost:70000')).to.throw(UsageError, /localhost:70000/);
    expect(() => parseEndpoint('host:')).to.throw(UsageError);
  });

  it('rejects unknown options and non-numeric counts as usage errors', () => {
    expect(() => parseCommandLine(['--nope'], { heaps: { type: 'string' } })).to.throw(UsageError);
    expect(() => parseCount('heaps', 'ten', 0)).to.throw(UsageError, /--heaps/);
    expect(parseCount('heaps', '10', 0)).to.equal(10);
  });

  it('parses CPU lists like spead2', () => {
    expect(parseRangeList('affinity', '2,3-5')).to.deep.equal([2, 3, 4, 5]);
    expect(parseRangeList('affinity', '')).to.deep.equal([]);
    expect(() => parseRangeList('affinity', '2-')).to.throw(UsageError);
  });
});
