// What a load run measures, whatever the engine: HDR histograms in microseconds (latency from the planned
// send time — corrected — and from the actual send), per request, per second (requests, errors,
// dropped, p99), status codes, errors by kind, bytes and failed checks. The snapshot is plain data
// with the histograms encoded, so shards and workers merge exactly (merge.ts).
import { decodeHistogram, encodeHistogram, newHistogram, type Histogram } from '../util/histogram.js';

export type ErrorKind = 'timeout' | 'reset' | 'refused' | 'other';

export interface Completion {
  /** Index into the request list; -1 when the engine cannot tell (a connection error). */
  request: number;
  /** Wall-clock ms when the response (or error) completed: decides the timeline second. */
  atMs: number;
  /** From the planned send (open model) or the actual send (closed model), in µs. */
  latencyUs: number;
  /** From the actual send, in µs (open model only). */
  uncorrectedUs?: number;
  status?: number;
  bytes: number;
  error?: ErrorKind;
  /** Names of the checks this response failed. */
  failedChecks?: string[];
}

export interface HistSummary {
  count: number;
  min: number;
  mean: number;
  stdev: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface EncodedHist extends HistSummary {
  /** hdr-histogram-js compressed base64, values in µs. */
  encoded: string;
}

export interface Counts {
  requests: number;
  completed: number;
  errors: number;
  non2xx: number;
  dropped: number;
  bytes: number;
  checksFailed: number;
  errorsByKind: Record<ErrorKind, number>;
}

export interface SecondRow {
  second: number;
  requests: number;
  errors: number;
  dropped: number;
  p99Ms: number | null;
  encoded: string | null;
}

export interface Snapshot {
  counts: Counts;
  statusCodes: Record<string, number>;
  latency: EncodedHist;
  uncorrected: EncodedHist | null;
  perRequest: Array<{ name: string; counts: Pick<Counts, 'requests' | 'errors' | 'non2xx'>; statusCodes: Record<string, number>; latency: EncodedHist }>;
  checks: Array<{ request: string; check: string; failures: number }>;
  timeline: SecondRow[];
  /** Seconds of measured time (after warmup). */
  seconds: number;
}

const zeroErrors = (): Record<ErrorKind, number> => ({ timeout: 0, reset: 0, refused: 0, other: 0 });

interface PerRequest {
  name: string;
  requests: number;
  errors: number;
  non2xx: number;
  status: Record<string, number>;
  hist: Histogram;
}

export class Recorder {
  private readonly latency = newHistogram('fast');
  private readonly uncorrected = newHistogram('fast');
  private hasUncorrected = false;
  private readonly per: PerRequest[];
  private readonly status: Record<string, number> = {};
  private readonly checks = new Map<string, number>();
  private readonly seconds = new Map<number, { requests: number; errors: number; dropped: number; hist: Histogram }>();
  private readonly counts: Counts = { requests: 0, completed: 0, errors: 0, non2xx: 0, dropped: 0, bytes: 0, checksFailed: 0, errorsByKind: zeroErrors() };
  /** Wall-clock ms where measurement starts (after warmup). */
  measureFromMs: number;
  measureToMs = 0;

  constructor(requestNames: string[], measureFromMs: number) {
    // One request: its histogram is the main one (no second recording per response).
    this.per = requestNames.map((name) => ({ name, requests: 0, errors: 0, non2xx: 0, status: {}, hist: requestNames.length === 1 ? this.latency : newHistogram('fast') }));
    this.measureFromMs = measureFromMs;
  }

  private lastSecond = -1;
  private lastRow: { requests: number; errors: number; dropped: number; hist: Histogram } | undefined;

  private second(atMs: number) {
    const s = Math.max(0, Math.floor((atMs - this.measureFromMs) / 1000));
    if (s === this.lastSecond && this.lastRow) return this.lastRow;
    let row = this.seconds.get(s);
    // 32-bit histograms: ~1 µs less per response than packed ones, for ~20 kB a second of run.
    if (!row) this.seconds.set(s, (row = { requests: 0, errors: 0, dropped: 0, hist: newHistogram('fast') }));
    this.lastSecond = s;
    this.lastRow = row;
    return row;
  }

  record(c: Completion): void {
    if (c.atMs < this.measureFromMs) return; // warmup
    this.measureToMs = Math.max(this.measureToMs, c.atMs);
    const us = Math.max(1, Math.round(c.latencyUs));
    const per: PerRequest | undefined = this.per[c.request];
    this.counts.requests++;
    if (per) per.requests++;
    const sec = this.second(c.atMs);
    sec.requests++;
    if (c.error) {
      this.counts.errors++;
      this.counts.errorsByKind[c.error]++;
      if (per) per.errors++;
      sec.errors++;
      return;
    }
    this.counts.completed++;
    this.counts.bytes += c.bytes;
    this.latency.recordValue(us);
    if (per && per.hist !== this.latency) per.hist.recordValue(us);
    sec.hist.recordValue(us);
    if (c.uncorrectedUs !== undefined) {
      this.hasUncorrected = true;
      this.uncorrected.recordValue(Math.max(1, Math.round(c.uncorrectedUs)));
    }
    const code = String(c.status ?? 0);
    this.status[code] = (this.status[code] ?? 0) + 1;
    if (per) per.status[code] = (per.status[code] ?? 0) + 1;
    if (!c.status || c.status < 200 || c.status >= 300) {
      this.counts.non2xx++;
      if (per) per.non2xx++;
    }
    if (c.failedChecks?.length) {
      this.counts.checksFailed++;
      for (const name of c.failedChecks) {
        const key = `${per?.name ?? '?'}\u0000${name}`;
        this.checks.set(key, (this.checks.get(key) ?? 0) + 1);
      }
    }
  }

  /** A request the generator could not send on time (open model). */
  dropped(atMs: number): void {
    if (atMs < this.measureFromMs) return;
    this.counts.dropped++;
    this.second(atMs).dropped++;
  }

  /** Running totals for --abort-on-fail. */
  peek(): { counts: Counts; latency: Histogram; elapsedSec: number } {
    return { counts: this.counts, latency: this.latency, elapsedSec: Math.max(0.001, (this.measureToMs - this.measureFromMs) / 1000) };
  }

  snapshot(measuredSeconds: number): Snapshot {
    const maxSecond = Math.max(-1, ...this.seconds.keys());
    const timeline: SecondRow[] = [];
    for (let s = 0; s <= maxSecond; s++) {
      const row = this.seconds.get(s);
      timeline.push(
        row
          ? { second: s, requests: row.requests, errors: row.errors, dropped: row.dropped, p99Ms: row.hist.totalCount ? row.hist.getValueAtPercentile(99) / 1000 : null, encoded: row.hist.totalCount ? encodeHistogram(row.hist) : null }
          : { second: s, requests: 0, errors: 0, dropped: 0, p99Ms: null, encoded: null },
      );
    }
    return {
      counts: structuredClone(this.counts),
      statusCodes: { ...this.status },
      latency: encoded(this.latency),
      uncorrected: this.hasUncorrected ? encoded(this.uncorrected) : null,
      perRequest: this.per.map((p) => ({ name: p.name, counts: { requests: p.requests, errors: p.errors, non2xx: p.non2xx }, statusCodes: { ...p.status }, latency: encoded(p.hist) })),
      checks: [...this.checks].map(([k, failures]) => {
        const [request, check] = k.split('\u0000');
        return { request, check, failures };
      }),
      timeline,
      seconds: measuredSeconds,
    };
  }
}

export function summarize(h: Histogram): HistSummary {
  if (!h.totalCount) return { count: 0, min: 0, mean: 0, stdev: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue),
    mean: ms(h.mean),
    stdev: ms(h.stdDeviation),
    p50: ms(h.getValueAtPercentile(50)),
    p75: ms(h.getValueAtPercentile(75)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    // From the buckets, like every percentile, so a merged histogram reports the same max as one that saw every sample.
    max: ms(h.getValueAtPercentile(100)),
  };
}

export function encoded(h: Histogram): EncodedHist {
  return { ...summarize(h), encoded: encodeHistogram(h) };
}

export function decode(e: EncodedHist | { encoded: string }): Histogram {
  return decodeHistogram(e.encoded, 'fast');
}
