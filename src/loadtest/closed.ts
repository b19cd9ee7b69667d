// The closed model on autocannon: N connections, each sending its next request when the last one
// answers (with --pipelining, that many at a time). autocannon's own latency histogram has millisecond
// resolution and its rate limiter and coordinated-omission correction are wrong (research §0.3), so
// perfkit never uses them: it records every response from autocannon's events into its own microsecond
// HDR histograms, and the open model (open.ts) is perfkit's own.
import type { Recorder } from './recorder.js';
import { errorKind } from './open.js';
import { failedChecks, type RequestSpec } from './requests.js';

export interface ClosedOptions {
  specs: RequestSpec[];
  /** The order each connection cycles through (indices into specs; a weighted mix is expanded into it). */
  sequence: number[];
  connections: number;
  pipelining: number;
  durationMs?: number;
  amount?: number;
  warmupMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  onTick?(elapsedMs: number): void;
}

export async function runClosed(o: ClosedOptions, rec: Recorder): Promise<void> {
  const { default: autocannon } = (await import('autocannon')) as unknown as { default: AutocannonFn };
  const origin = new URL(o.specs[0].url).origin;
  // onResponse runs right before autocannon's 'response' event for the same response: it says which
  // request answered and which checks failed.
  // With one request and no checks there is nothing to learn per response: no onResponse, which also
  // spares autocannon turning every body into a string.
  const tracked = o.specs.length > 1 || o.specs.some((s) => s.checks.length);
  let lastIdx = tracked ? -1 : 0;
  let lastFailed: string[] | undefined;
  const requests = o.sequence.map((i) => {
    const s = o.specs[i];
    const u = new URL(s.url);
    return {
      method: s.method,
      path: u.pathname + u.search,
      headers: s.headers,
      body: s.body,
      ...(tracked
        ? {
            onResponse: (status: number, body: string) => {
              lastIdx = i;
              lastFailed = s.checks.length ? failedChecks(s.checks, status, body) : undefined;
            },
          }
        : {}),
    };
  });
  const started = Date.now();
  rec.measureFromMs = started + o.warmupMs;
  await new Promise<void>((resolve, reject) => {
    let instance: AutocannonInstance;
    try {
      instance = autocannon(
        {
          url: origin,
          connections: o.connections,
          pipelining: o.pipelining,
          // autocannon refuses a duration key that is undefined: give one bound or the other.
          ...(o.amount === undefined ? { duration: Math.max(1, Math.ceil(((o.durationMs ?? 10_000) + o.warmupMs) / 1000)) } : { amount: o.amount }),
          timeout: Math.max(1, Math.ceil(o.timeoutMs / 1000)),
          requests,
          // Nothing from autocannon's own statistics is used; keep its work small.
          skipAggregateResult: true,
        },
        (err: Error | null) => (err ? reject(err) : resolve()),
      );
    } catch (e) {
      reject(e);
      return;
    }
    instance.on('response', (_client: unknown, statusCode: number, resBytes: number, responseTime: number) => {
      rec.record({ request: lastIdx, atMs: Date.now(), latencyUs: responseTime * 1000, status: statusCode, bytes: resBytes, failedChecks: lastFailed });
    });
    instance.on('reqError', (err: NodeJS.ErrnoException) => {
      rec.record({ request: -1, atMs: Date.now(), latencyUs: 0, bytes: 0, error: /timed out/.test(err?.message ?? '') ? 'timeout' : errorKind(err) });
    });
    const ticker = setInterval(() => o.onTick?.(Date.now() - started), 1000);
    instance.on('done', () => clearInterval(ticker));
    const stop = () => instance.stop();
    o.signal.addEventListener('abort', stop, { once: true });
  });
}

type AutocannonInstance = { on(event: string, fn: (...args: never[]) => void): void; stop(): void };
type AutocannonFn = (opts: Record<string, unknown>, cb: (err: Error | null, result: unknown) => void) => AutocannonInstance;

/** A weighted mix as an exact sequence: weights 3 and 1 → [0, 0, 0, 1] (reduced by their gcd, at most 100 long). */
export function sequenceOf(weights: number[], mode: 'sequence' | 'mix'): number[] {
  if (mode === 'sequence' || weights.length === 1) return weights.map((_, i) => i);
  const ints = weights.map((w) => Math.max(1, Math.round(w * 100)));
  const g = ints.reduce((a, b) => gcd(a, b));
  let counts = ints.map((w) => w / g);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > 100) counts = counts.map((c) => Math.max(1, Math.round((c / total) * 100)));
  // Interleave (smooth weighted round robin) so a short run still sees the mix.
  const out: number[] = [];
  const cur = counts.map(() => 0);
  const sum = counts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < sum; k++) {
    let best = 0;
    for (let i = 0; i < counts.length; i++) {
      cur[i] += counts[i];
      if (cur[i] > cur[best]) best = i;
    }
    cur[best] -= sum;
    out.push(best);
  }
  return out;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
