/**
 * A sender of known items for the spead-scope tests: a sine spectrum, a
 * ramp, an int8 ADC stream with a known histogram, complex visibilities, a
 * 2-D image, a counter and a string. Run in-process (ScopeSender) or as a
 * child process: `node scope-sender.js PORT HEAPS_PER_S SECONDS`.
 */
import * as dgram from 'dgram';
import { send } from '../../lib/index';
import { heapPackets } from './heap-packets';

export const SPECTRUM_CHANNELS = 1024;
export const RAMP_LENGTH = 4096;
export const ADC_SAMPLES = 8192;
export const VIS_CHANNELS = 512;
export const IMAGE_SHAPE: [number, number] = [64, 256];

/** The sine spectrum: 10 + 5·sin(2πi/128), the same in every heap. */
export function spectrum(): Float32Array {
  return Float32Array.from({ length: SPECTRUM_CHANNELS }, (_, i) => 10 + 5 * Math.sin((2 * Math.PI * i) / 128));
}

export function ramp(): Uint32Array {
  return Uint32Array.from({ length: RAMP_LENGTH }, (_, i) => i);
}

/** Samples the ADC's sine moves by from one heap to the next (a rotation: the histogram stays the same). */
export const ADC_SHIFT = 64;

/**
 * ADC samples of heap k: a sine of amplitude 60 plus a fixed pattern of
 * ±3, rotated by k·ADC_SHIFT samples; their histogram is `adcHistogram()`.
 */
export function adc(k = 0): Int8Array {
  const at = (i: number): number => Math.round(60 * Math.sin((2 * Math.PI * 3 * i) / ADC_SAMPLES)) + (((i * 5) % 7) - 3);
  return Int8Array.from({ length: ADC_SAMPLES }, (_, i) => at((i + k * ADC_SHIFT) % ADC_SAMPLES));
}

/** The histogram of `adc()`: value → count. */
export function adcHistogram(): Map<number, number> {
  const h = new Map<number, number>();
  for (const v of adc()) h.set(v, (h.get(v) ?? 0) + 1);
  return h;
}

/** Complex visibilities, interleaved: magnitude 1 + i/512, phase 2πi/64. */
export function visibilities(): Float32Array {
  const out = new Float32Array(2 * VIS_CHANNELS);
  for (let i = 0; i < VIS_CHANNELS; i++) {
    const m = 1 + i / VIS_CHANNELS;
    out[2 * i] = m * Math.cos((2 * Math.PI * i) / 64);
    out[2 * i + 1] = m * Math.sin((2 * Math.PI * i) / 64);
  }
  return out;
}

export function image(): Float32Array {
  const [rows, cols] = IMAGE_SHAPE;
  return Float32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols) + (i % cols) / cols);
}

/** The descriptors the sender sends, as the page should list them. */
export const DESCRIPTORS = [
  { name: 'spectrum', description: 'a sine spectrum', shape: [SPECTRUM_CHANNELS], dtype: '<f4' },
  { name: 'ramp', description: 'a ramp', shape: [RAMP_LENGTH], dtype: '>u4' },
  { name: 'adc', description: 'ADC samples', shape: [ADC_SAMPLES], dtype: '|i1' },
  { name: 'vis', description: 'complex visibilities', shape: [VIS_CHANNELS], dtype: '<c8' },
  { name: 'image', description: 'a 2-D image', shape: IMAGE_SHAPE, dtype: '<f4' },
  { name: 'counter', description: 'heaps sent', shape: [], dtype: '<u4' },
] as const;

const VALUES: Record<string, () => unknown> = { spectrum, ramp, adc, vis: visibilities, image };

/** Sends the items, every heap with all values, descriptors every 5 heaps. */
export class ScopeSender {
  private readonly items = new send.ItemGroup({ descriptorFrequency: 5 });
  private readonly stream: send.UdpStream;
  private readonly raw = dgram.createSocket('udp4');
  private running = false;
  private done: Promise<void> = Promise.resolve();
  /** Heaps sent. */
  sent = 0;

  constructor(
    private readonly port: number,
    private readonly heapsPerSecond: number,
  ) {
    for (const d of DESCRIPTORS) {
      this.items.addItem({ name: d.name, description: d.description, shape: [...d.shape], dtype: d.dtype, value: d.name === 'counter' ? 0 : (VALUES[d.name]() as never) });
    }
    this.stream = new send.UdpStream([{ host: '127.0.0.1', port }], { rate: 0, maxPacketSize: 8972 });
  }

  /** Sends until stop(), `heapsPerSecond` heaps a second. */
  start(): void {
    this.running = true;
    this.done = (async () => {
      const t0 = performance.now();
      while (this.running) {
        this.items.get('counter').value = this.sent;
        this.items.get('adc').value = adc(this.sent);
        await this.stream.sendHeap(this.items.getHeap({ data: 'all' }));
        this.sent++;
        const ahead = (this.sent / this.heapsPerSecond) * 1000 - (performance.now() - t0);
        if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
      }
    })();
  }

  /**
   * Loss the scope must show: `heaps` heaps with one packet of three
   * missing (they are evicted incomplete as later heaps arrive), and
   * `junk` datagrams that are not SPEAD (rejected for bad magic).
   */
  async injectLoss(heaps: number, junk: number): Promise<void> {
    for (let h = 0; h < heaps; h++) {
      const packets = heapPackets(1_000_000 + h, 3000, 3);
      for (const p of [packets[0], packets[2]]) await this.datagram(p);
    }
    for (let j = 0; j < junk; j++) await this.datagram(Buffer.from('this is not a SPEAD packet'));
  }

  private datagram(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.raw.send(bytes, this.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    this.stream.destroy();
    this.raw.close();
  }
}

if (require.main === module) {
  const [port, rate, seconds] = process.argv.slice(2).map(Number);
  const s = new ScopeSender(port, rate);
  s.start();
  setTimeout(() => {
    void s.stop().then(() => process.stdout.write(`sent ${s.sent}\n`));
  }, seconds * 1000);
}
