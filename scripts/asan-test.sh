#!/usr/bin/env bash
# Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer into
# build/ (replacing the normal build), runs the mocha suite under it, then
# restores the normal build. Usage: scripts/asan-test.sh [mocha args...]
# Node itself is not instrumented, so the ASan runtime is preloaded, and leak
# checking is off (V8 keeps memory until exit by design). Huge allocations
# return NULL rather than abort, so the allocation-failure tests test our handling.
set -euo pipefail
cd "$(dirname "$0")/.."
restore() { echo "[asan] restoring the normal build"; npx node-gyp rebuild >/dev/null; }
# The TypeScript first: its build loads the addon, which must not be the
# instrumented one without the preload (it would abort).
npm run build:ts >/dev/null
npm run build:test >/dev/null
trap restore EXIT
CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
CXXFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
LDFLAGS="-fsanitize=address,undefined" \
  npx node-gyp rebuild >/dev/null
asan=$(g++ -print-file-name=libasan.so)
ubsan=$(g++ -print-file-name=libubsan.so)
LD_PRELOAD="$asan:$ubsan" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  npx mocha "$@"
