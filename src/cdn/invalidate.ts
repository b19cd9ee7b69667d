// The purge run, whatever the provider: normalize, (collapse,) plan batches in waves, preview them for a
// dry run, or send them with retries (exponential backoff with jitter, Retry-After honoured), wait for
// completion where the provider is asynchronous, and account for every batch.
import { isPerfkitError } from '../cli/errors.js';
import { BatchError, TransientError, type Batch, type BatchResult, type CdnProvider, type PurgeItem, type RequestPreview } from './provider.js';

export interface InvalidateOptions {
  provider: CdnProvider;
  items: PurgeItem[];
  dryRun: boolean;
  collapse: boolean;
  wait: boolean;
  waitTimeoutMs: number;
  retries: number;
  concurrency: number;
  signal: AbortSignal;
  progress(text: string): void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface RequestRecord {
  provider: string;
  batch: number;
  wave: number;
  kind: string;
  items: number;
  /** The first few items, for the report. */
  sample: string[];
  status: 'planned' | 'ok' | 'failed' | 'not sent';
  providerId?: string;
  httpStatus?: number;
  providerStatus?: string;
  estimatedSeconds?: number;
  attempts: number;
  error?: string;
  ms?: number;
}

export interface InvalidateData {
  provider: string;
  dryRun: boolean;
  items: number;
  byKind: Record<string, number>;
  rejected: Array<{ item: PurgeItem; why: string }>;
  collapsed: Array<{ wildcard: string; covers: number }>;
  requests: RequestRecord[];
  previews: RequestPreview[][];
  waves: number;
  retries: number;
  cost: { billablePaths: number; estimatedCostUsd: number; note: string } | null;
  waited: boolean;
  /** From the first request to completion (with --wait on asynchronous providers), or to the last acknowledgement. */
  secondsToComplete: number | null;
  /** Set when --wait gave up (timeout) or failed: the purge was sent, completion is unknown. */
  waitError: string | null;
  interrupted: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Backoff for attempt n (1-based): 0.5 s doubling to 30 s, ±25 % jitter; Retry-After wins when longer. */
export function backoffMs(attempt: number, retryAfterMs?: number, rand: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** (attempt - 1));
  const jittered = base * (0.75 + rand() / 2);
  return Math.round(retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered * 0.25) : jittered);
}

export async function runInvalidation(o: InvalidateOptions): Promise<InvalidateData> {
  const sleep = o.sleep ?? defaultSleep;
  const now = o.now ?? Date.now;
  const p = o.provider;
  const norm = p.normalize(o.items);
  let items = norm.items;
  let collapsed: InvalidateData['collapsed'] = [];
  if (o.collapse && p.collapse) {
    const c = p.collapse(items);
    items = c.items;
    collapsed = c.replaced;
  }
  const batches = items.length ? p.plan(items) : [];
  const byKind: Record<string, number> = {};
  for (const it of items) byKind[it.kind] = (byKind[it.kind] ?? 0) + 1;
  const records: RequestRecord[] = batches.map((b, i) => ({
    provider: p.name,
    batch: i + 1,
    wave: b.wave,
    kind: b.kind,
    items: b.items.length,
    sample: b.items.slice(0, 5).map((x) => x.value),
    status: o.dryRun ? 'planned' : 'not sent',
    attempts: 0,
  }));
  const data: InvalidateData = {
    provider: p.name,
    dryRun: o.dryRun,
    items: items.length,
    byKind,
    rejected: norm.rejected,
    collapsed,
    requests: records,
    previews: o.dryRun ? batches.map((b) => p.preview(b)) : [],
    waves: new Set(batches.map((b) => b.wave)).size,
    retries: 0,
    cost: p.estimateCost ? p.estimateCost(items) : null,
    waited: false,
    secondsToComplete: null,
    waitError: null,
    interrupted: false,
  };
  if (o.dryRun || !batches.length) return data;

  const waitOpts = { signal: o.signal, timeoutMs: o.waitTimeoutMs, onProgress: o.progress, sleep };
  const started = now();
  const sent: Array<{ batch: Batch; result: BatchResult }> = [];
  const waves = [...new Set(batches.map((b) => b.wave))].sort((a, b) => a - b);
  let done = 0;
  for (const wave of waves) {
    if (o.signal.aborted) break;
    if (wave > 0 && p.beforeWave) {
      o.progress(`waiting for room for wave ${wave + 1} of ${waves.length}`);
      await p.beforeWave(wave, waitOpts);
    }
    const queue = batches.map((b, i) => ({ b, i })).filter((x) => x.b.wave === wave);
    const workers = Array.from({ length: Math.min(o.concurrency, queue.length) }, async () => {
      for (;;) {
        const next = queue.shift();
        if (!next || o.signal.aborted) return;
        const rec = records[next.i];
        const t0 = now();
        for (;;) {
          rec.attempts++;
          try {
            const result = await p.send(next.b, o.signal);
            Object.assign(rec, { status: 'ok', providerId: result.providerId, httpStatus: result.httpStatus, providerStatus: result.status, estimatedSeconds: result.estimatedSeconds });
            sent.push({ batch: next.b, result });
            break;
          } catch (e) {
            if (isPerfkitError(e)) throw e; // credentials or settings: the whole run stops
            const transient = e instanceof TransientError;
            const msg = (e as Error).message;
            if (!transient || rec.attempts > o.retries || o.signal.aborted) {
              Object.assign(rec, { status: 'failed', error: msg, httpStatus: (e as BatchError | TransientError).opts?.httpStatus });
              break;
            }
            data.retries++;
            const wait = backoffMs(rec.attempts, (e as TransientError).opts.retryAfterMs);
            o.progress(`batch ${rec.batch}: ${msg}; retrying in ${(wait / 1000).toFixed(1)} s (attempt ${rec.attempts + 1} of ${o.retries + 1})`);
            await sleep(wait);
          }
        }
        rec.ms = now() - t0;
        done++;
        o.progress(`sent ${done} of ${batches.length} requests to ${p.name}`);
      }
    });
    await Promise.all(workers);
  }
  data.interrupted = o.signal.aborted;
  if (o.wait && p.waitFor && sent.length && !o.signal.aborted) {
    o.progress(`waiting for ${p.name} to complete`);
    try {
      await p.waitFor(sent, waitOpts);
      data.waited = true;
      for (const s of sent) {
        const rec = records[batches.indexOf(s.batch)];
        if (rec) rec.providerStatus = 'Completed';
      }
    } catch (e) {
      // The purge went out; only its completion is unknown. The report still lists every request.
      if (!isPerfkitError(e) || e.kind === 'interrupted') throw e;
      data.waitError = `${e.message}${e.hint ? ` (${e.hint})` : ''}`;
    }
  }
  if (sent.length && (!p.waitFor || data.waited)) data.secondsToComplete = Math.round((now() - started) / 100) / 10;
  return data;
}
