/**
 * The one place that loads the native addon. Every other module reaches native
 * code through the types declared here, never through the addon directly.
 * @internal
 */
import * as fs from 'fs';
import * as path from 'path';

/** Must equal SPEAD_ABI_VERSION in native/addon/bindings.h. */
const EXPECTED_ABI_VERSION = 1;

/** What the addon exports, as TypeScript sees it. */
export interface NativeAddon {
  abiVersion: number;
  /** A queue of packets between a send.InprocStream and a recv inproc reader. */
  InprocQueue: new () => NativeInprocQueue;
  buildInfo: { compiler: string; maxHeapAddressBits: number };
}

/** native/addon/inproc_binding.cpp */
export interface NativeInprocQueue {
  stop(): void;
  readonly stopped: boolean;
}

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`spead: cannot find the package root above ${start}`);
    dir = parent;
  }
}

function load(): NativeAddon {
  const root = findPackageRoot(__dirname);
  const candidates = ['build/Release/spead_native.node', 'build/Debug/spead_native.node'].map((p) =>
    path.join(root, p),
  );
  const file = candidates.find((p) => fs.existsSync(p));
  if (file === undefined) {
    throw new Error(
      `spead: the native addon is not built (looked for ${candidates.join(', ')}); run \`npm install\` (or \`npm run build\`) in ${root}`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require(file) as NativeAddon;
  if (addon.abiVersion !== EXPECTED_ABI_VERSION) {
    throw new Error(
      `spead: the native addon at ${file} is stale (ABI ${addon.abiVersion}, expected ${EXPECTED_ABI_VERSION}); run \`npm run build\``,
    );
  }
  return addon;
}

/** The loaded addon. */
export const native: NativeAddon = load();
