// What one warm or verification request came to, and the tallies built from many of them. Pure.
import { classifyResponse, type CacheClass, type Headers } from './classify.js';

export interface Outcome {
  /** HTTP status, or null when no answer came (network failure, timeout) */
  status: number | null;
  /** null when the request failed without an answer */
  cache: CacheClass | null;
  /** the header that decided the class, and its value */
  by: string | null;
  value: string | null;
  ms: number;
  bytes: number;
  attempts: number;
  /** why the request counts as failed (no answer, 4xx or 5xx after retries); null when it did not */
  error: string | null;
  /** the failure had no HTTP answer at all (refused, no such host, timeout, reset, TLS) */
  unreachable: boolean;
  age: number | null;
  cacheControl: string | null;
  vary: string | null;
  setCookie: boolean;
  location: string | null;
}

const one = (v: string | string[] | undefined): string | null => (v === undefined ? null : Array.isArray(v) ? v.join(', ') : v);

export function outcomeOf(res: { status: number; headers: Headers; ms: number; bytes: number }, attempts: number, note?: string): Outcome {
  const v = classifyResponse(res.headers);
  const age = one(res.headers.age);
  return {
    status: res.status,
    cache: v.cache,
    by: v.by,
    value: v.value,
    ms: round(res.ms),
    bytes: res.bytes,
    attempts,
    error: res.status >= 400 ? `HTTP ${res.status}${note ? ` (${note})` : ''}` : null,
    unreachable: false,
    age: age !== null && /^\d+$/.test(age.trim()) ? Number(age) : null,
    cacheControl: one(res.headers['cache-control']),
    vary: one(res.headers.vary),
    setCookie: res.headers['set-cookie'] !== undefined,
    location: res.status >= 300 && res.status < 400 ? one(res.headers.location) : null,
  };
}

export function failedOutcome(message: string, unreachable: boolean, ms: number, attempts: number): Outcome {
  return { status: null, cache: null, by: null, value: null, ms: round(ms), bytes: 0, attempts, error: message, unreachable, age: null, cacheControl: null, vary: null, setCookie: false, location: null };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export interface Tally {
  /** requests sent (not counting retries) */
  requests: number;
  /** requests that got an HTTP answer without error (2xx, 3xx) */
  ok: number;
  hit: number;
  miss: number;
  expired: number;
  stale: number;
  bypass: number;
  dynamic: number;
  unknown: number;
  errors: number;
  retries: number;
  bytes: number;
  /** HIT / responses classified (all classes but UNKNOWN) among the ok ones; null when none was classified */
  hitRatio: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

const KEY: Record<CacheClass, 'hit' | 'miss' | 'expired' | 'stale' | 'bypass' | 'dynamic' | 'unknown'> = {
  HIT: 'hit',
  MISS: 'miss',
  EXPIRED: 'expired',
  STALE: 'stale',
  BYPASS: 'bypass',
  DYNAMIC: 'dynamic',
  UNKNOWN: 'unknown',
};

/** Counts, hit ratio and latency percentiles (nearest rank) of the outcomes given; nulls are requests never sent. */
export function tally(outcomes: Iterable<Outcome | null>): Tally {
  const t: Tally = { requests: 0, ok: 0, hit: 0, miss: 0, expired: 0, stale: 0, bypass: 0, dynamic: 0, unknown: 0, errors: 0, retries: 0, bytes: 0, hitRatio: null, p50Ms: null, p95Ms: null };
  const ms: number[] = [];
  for (const o of outcomes) {
    if (!o) continue;
    t.requests++;
    t.retries += Math.max(0, o.attempts - 1);
    t.bytes += o.bytes;
    if (o.status !== null) ms.push(o.ms);
    if (o.error) {
      t.errors++;
      continue;
    }
    t.ok++;
    if (o.cache) t[KEY[o.cache]]++;
  }
  const classified = t.ok - t.unknown;
  t.hitRatio = classified > 0 ? t.hit / classified : null;
  ms.sort((a, b) => a - b);
  t.p50Ms = percentile(ms, 0.5);
  t.p95Ms = percentile(ms, 0.95);
  return t;
}

/** Nearest-rank percentile of sorted values; null when empty. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
