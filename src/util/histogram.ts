// HDR histograms shared by db slow (latency, µs) and cache inspect (key sizes, bytes): integers, 3 significant digits, auto-resizing,
// serialized as compressed base64 so saved results merge exactly. Pure JS (no WASM): it needs no explicit
// freeing, and works the same in worker threads.
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** Packed histograms cost ~300 bytes when sparse but ~1 µs per record; 32-bit ones ~10–40 kB and ~0.17 µs.
 *  A query starts packed and is promoted once it is hot (see Aggregator), so memory stays flat with many
 *  distinct queries while the hot ones record fast. */
export type HistogramKind = 'packed' | 'fast';

export function newHistogram(kind: HistogramKind): Histogram {
  return build({
    bitBucketSize: kind === 'packed' ? 'packed' : 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string, kind: HistogramKind): Histogram {
  const h = decodeFromCompressedBase64(encoded, kind === 'packed' ? 'packed' : 32);
  h.autoResize = true;
  return h;
}

/** A 32-bit copy of a (packed) histogram. */
export function promote(h: Histogram): Histogram {
  const fast = newHistogram('fast');
  fast.add(h);
  return fast;
}

/** Microseconds from milliseconds, as the integer the histogram and the exact totals use. */
export const toUs = (ms: number): number => Math.max(0, Math.round(ms * 1000));

/** Milliseconds with microsecond precision from integer microseconds. */
export const usToMs = (us: number): number => us / 1000;

/** The value at a percentile, in ms; 0 for an empty histogram. */
export function percentileMs(h: Histogram, p: number): number {
  return h.totalCount === 0 ? 0 : usToMs(h.getValueAtPercentile(p));
}
