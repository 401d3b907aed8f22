'use strict';
// Prints the preprocessor defines for optional system libraries whose headers
// this machine has, one per line, for binding.gyp. The libraries themselves are
// loaded with dlopen at run time, so only the headers matter at build time:
// without them the transport is compiled out and reports so when used.
const { spawnSync } = require('child_process');

const cxx = process.env.CXX || 'c++';
function hasHeaders(headers) {
  const src = headers.map((h) => `#include <${h}>`).join('\n') + '\n';
  const r = spawnSync(cxx, ['-E', '-x', 'c++', '-'], { input: src, stdio: ['pipe', 'ignore', 'ignore'] });
  return r.status === 0;
}

const features = [
  ['SPEAD_HAVE_IBV', ['infiniband/verbs.h', 'rdma/rdma_cma.h']],
  ['SPEAD_HAVE_XDP', ['xdp/xsk.h', 'xdp/libxdp.h', 'bpf/libbpf.h', 'bpf/bpf.h']],
];
const out = [];
for (const [define, headers] of features) {
  if (process.platform === 'linux' && hasHeaders(headers)) out.push(define);
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
