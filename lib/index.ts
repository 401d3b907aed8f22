/**
 * spead: SPEAD streaming for Node.js, byte-compatible with spead2.
 * @packageDocumentation
 */
import { native } from './native';

/** Facts about the native build (compiler, limits). */
export const buildInfo: { readonly compiler: string; readonly maxHeapAddressBits: number } = native.buildInfo;
