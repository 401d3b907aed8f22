/**
 * Access to the packet streams spead2 wrote (test/fixtures/spead2, a copy of
 * ../shared/testdata/spead2 kept in the repository so that a clone with
 * nothing beside it tests the same) and their manifests. Tests read expected
 * values from here, never by hand.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The folder of spead2's golden vectors (SPEAD_TESTDATA overrides it). */
export const TESTDATA_DIR = (() => {
  const candidates = [
    process.env.SPEAD_TESTDATA,
    path.resolve(__dirname, '../../../test/fixtures/spead2'), // from .build/test/helpers
    path.resolve(__dirname, '../fixtures/spead2'), // from test/helpers
  ].filter((p): p is string => typeof p === 'string');
  const found = candidates.find((p) => fs.existsSync(path.join(p, 'README.md')));
  if (found === undefined) throw new Error(`spead2 test vectors not found; looked in ${candidates.join(', ')}`);
  return found;
})();

/** A value as the manifests record it. */
export type ManifestValue =
  | { kind: 'ndarray'; dtype: string | unknown[]; shape: number[]; json?: unknown }
  | { kind: 'scalar'; python_type: string; json: unknown }
  | { kind: 'str'; json: string };

export interface ManifestDescriptor {
  id: number;
  name: string;
  description: string;
  shape: Array<number | null>;
  order?: string;
  dtype?: string | unknown[] | null;
  numpy_header: string | null;
  format: Array<[string, number]> | null;
}

export interface ManifestRawItem {
  id: number;
  special?: string;
  name?: string;
  is_immediate: boolean;
  immediate_value?: number | null;
  raw_length: number;
  raw_base64?: string;
  raw_sha256: string;
}

export interface ManifestItem {
  id: number;
  name: string;
  value: ManifestValue;
  roundtrip_ok: boolean;
  is_immediate_on_wire: boolean;
  wire_raw_length: number;
  wire_raw_base64?: string;
  wire_raw_sha256: string;
  value_generator?: unknown;
}

export interface ManifestHeap {
  cnt: number;
  kind: 'start' | 'data' | 'end';
  substream_index: number;
  packet_indices: number[];
  n_packets: number;
  heap_length: number;
  sent_descriptors: ManifestDescriptor[];
  delivered_by_spead2: boolean;
  is_start_of_stream: boolean;
  received_descriptors?: ManifestDescriptor[];
  raw_items?: ManifestRawItem[];
  items?: ManifestItem[];
  items_sent_but_not_delivered?: unknown[];
}

export interface Manifest {
  case: string;
  description: string;
  file: string;
  flavour: { version: number; item_pointer_bits: number; heap_address_bits: number; bug_compat: number };
  max_packet_size: number;
  packet_fields?: string[];
  packets?: number[][];
  heaps: ManifestHeap[];
  verification: { ok: boolean; heaps_delivered: number[]; stats?: Record<string, number>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Names of the cases that come as a plain concatenation of packets (NAME.bin + NAME.json). */
export function binCases(): string[] {
  return fs
    .readdirSync(TESTDATA_DIR)
    .filter((f) => f.endsWith('.bin') && !f.includes('.lenprefixed'))
    .map((f) => f.slice(0, -4))
    .filter((c) => fs.existsSync(path.join(TESTDATA_DIR, `${c}.json`)))
    .sort();
}

export function loadManifest(name: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(TESTDATA_DIR, `${name}.json`), 'utf8')) as Manifest;
}

export function readTestFile(file: string): Buffer {
  return fs.readFileSync(path.join(TESTDATA_DIR, file));
}

export function testFilePath(file: string): string {
  return path.join(TESTDATA_DIR, file);
}

/** The datagrams of broken_packets.lenprefixed.bin (u32 big-endian length + bytes each). */
export function readLengthPrefixed(file: string): Buffer[] {
  const data = readTestFile(file);
  const out: Buffer[] = [];
  for (let pos = 0; pos + 4 <= data.length; ) {
    const len = data.readUInt32BE(pos);
    out.push(data.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return out;
}
