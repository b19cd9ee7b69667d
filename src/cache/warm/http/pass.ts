// One pass over every URL × variant: `concurrency` workers, each taking the next URL and sending its
// variants one after another (so the cache sees variant 1 before variant 2 of the same URL, which is
// what lets the report notice variants that share one cached object); an optional rate cap with evenly
// spaced send times (no bursts); retries with backoff; the caller's abort signal stops new sends.
import { HttpFailure, type HttpClient } from '../../../connectors/http.js';
import { failedOutcome, outcomeOf, type Outcome } from './outcome.js';
import { retryAfterMs, sleep } from '../../../util/retry.js';
import { backoffMs, isRetryableStatus, MAX_RETRY_AFTER_MS } from './retry.js';
import type { HeaderList } from './variants.js';

export interface PassOptions {
  client: HttpClient;
  method: 'GET' | 'HEAD';
  concurrency: number;
  /** requests per second over the whole pass, retries included; undefined: no cap */
  ratePerSec: number | undefined;
  timeoutMs: number;
  retries: number;
  /** the headers of variant i */
  headers: HeaderList[];
  signal: AbortSignal;
  /** called after each request (done counts URL × variant pairs) */
  onProgress?: (done: number) => void;
}

export interface PassResult {
  /** outcome of URL u, variant v at u * variants + v; null when it was never sent (interrupted) */
  outcomes: Array<Outcome | null>;
  interrupted: boolean;
}

export async function runPass(urls: string[], o: PassOptions): Promise<PassResult> {
  const V = o.headers.length;
  const outcomes: Array<Outcome | null> = new Array(urls.length * V).fill(null);
  const slot = limiter(o.ratePerSec);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (!o.signal.aborted) {
      const u = next++;
      if (u >= urls.length) return;
      const url = new URL(urls[u]!);
      for (let v = 0; v < V && !o.signal.aborted; v++) {
        outcomes[u * V + v] = await requestWithRetries(url, o.headers[v]!, o, slot);
        done++;
        o.onProgress?.(done);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, urls.length) }, worker));
  return { outcomes, interrupted: o.signal.aborted && outcomes.some((x) => x === null) };
}

async function requestWithRetries(url: URL, headers: HeaderList, o: PassOptions, slot: (s: AbortSignal) => Promise<void>): Promise<Outcome | null> {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    await slot(o.signal);
    if (o.signal.aborted) return null;
    const canRetry = attempt <= o.retries;
    try {
      const res = await o.client.request(url, { method: o.method, headers, timeoutMs: o.timeoutMs, signal: o.signal });
      if (!isRetryableStatus(res.status) || !canRetry) return outcomeOf(res, attempt, isRetryableStatus(res.status) && o.retries > 0 ? `after ${attempt} attempts` : undefined);
      const asked = retryAfterMs(res.headers['retry-after'], Date.now());
      if (asked !== undefined && asked > MAX_RETRY_AFTER_MS) return outcomeOf(res, attempt, `Retry-After ${Math.round(asked / 1000)} s is longer than the ${MAX_RETRY_AFTER_MS / 1000} s perfkit waits`);
      await sleep(asked ?? backoffMs(attempt), o.signal);
    } catch (e) {
      if (o.signal.aborted) return null;
      const f = e instanceof HttpFailure ? e : new HttpFailure('other', `${url.host}: ${(e as Error).message}`, url.href);
      const transient = f.kind !== 'dns' || f.code === 'EAI_AGAIN';
      if (!canRetry || !transient || f.kind === 'tls' || f.kind === 'too-large') {
        return failedOutcome(`${f.message}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`, f.unreachable, performance.now() - started, attempt);
      }
      await sleep(backoffMs(attempt), o.signal);
    }
  }
}

/** Evenly spaced send slots at `rate` per second; a no-op without a rate. */
function limiter(rate: number | undefined): (signal: AbortSignal) => Promise<void> {
  if (!rate) return async () => {};
  const interval = 1000 / rate;
  let nextAt = 0;
  return async (signal) => {
    const now = performance.now();
    const at = Math.max(now, nextAt);
    nextAt = at + interval;
    if (at > now) await sleep(at - now, signal);
  };
}

