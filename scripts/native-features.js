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
// SPEAD_DISABLE_FEATURES=all (or a comma list such as SPEAD_HAVE_XDP) builds
// without them, as on a machine that lacks the headers.
const disabled = (process.env.SPEAD_DISABLE_FEATURES ?? '').split(',').map((s) => s.trim());
const out = [];
for (const [define, headers] of features) {
  if (disabled.includes('all') || disabled.includes(define)) continue;
  if (process.platform === 'linux' && hasHeaders(headers)) out.push(define);
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
