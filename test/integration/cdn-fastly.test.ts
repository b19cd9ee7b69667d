// The Fastly provider through the CdnProvider interface, with the real fastly-js client talking to a local
// fake of the purge API: request shapes and the Fastly-Key header, batches at the 256-key limit, soft purge,
// purge-all, 429 with Retry-After / Fastly-RateLimit-Reset, 5xx, wrong credentials, and the core's retries.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isPerfkitError, type PerfkitError } from '../../src/cli/errors.js';
import { runInvalidation } from '../../src/cdn/invalidate.js';
import { BatchError, TransientError, type CdnProvider, type ProviderSettings, type PurgeItem } from '../../src/cdn/provider.js';
import { createProvider } from '../../src/connectors/cdn/fastly.js';
import { startFakeFastly, type FakeFastly } from '../helpers/fake-cdn/fastly.js';

let fake: FakeFastly;
beforeAll(async () => {
  fake = await startFakeFastly({ services: ['SVC1'] });
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  fake.reset();
});

function provider(options: ProviderSettings['options'] = {}, token = fake.token, timeoutMs = 5_000): CdnProvider {
  return createProvider({ options: { endpoint: fake.url, serviceId: 'SVC1', ...options }, env: token ? { FASTLY_API_TOKEN: token } : {}, cwd: process.cwd(), timeoutMs, secret: () => {} });
}
const signal = () => new AbortController().signal;
const url = (value: string): PurgeItem => ({ kind: 'url', value });
const keys = (n: number): PurgeItem[] => Array.from({ length: n }, (_, i) => ({ kind: 'tag', value: `product-${i}` }));

async function sendAll(p: CdnProvider, items: PurgeItem[]) {
  const batches = p.plan(p.normalize(items).items);
  const results = [];
  for (const b of batches) results.push(await p.send(b, signal()));
  return { batches, results };
}

describe('requests as Fastly documents them, sent by fastly-js', () => {
  it('URL purge: POST /purge/<host/path?query> with Fastly-Key, one request per URL', async () => {
    const p = provider();
    const { results } = await sendAll(p, [url('https://www.example.com/a/b?x=1'), url('http://www.example.com/c')]);
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/purge/www.example.com/a/b?x=1'],
      ['POST', '/purge/www.example.com/c'],
    ]);
    for (const r of fake.requests) {
      expect(r.headers['fastly-key']).toBe(fake.token);
      expect(r.headers['user-agent']).toMatch(/^fastly-js\//);
      expect(r.headers['fastly-soft-purge']).toBeUndefined();
    }
    expect(results.map((r) => r.providerId)).toEqual(fake.purges.map((x) => x.id));
    expect(results[0]).toMatchObject({ httpStatus: 200, status: 'ok' });
  });

  it('257 surrogate keys: two requests of 256 and 1 to /service/{id}/purge, as {"surrogate_keys": […]}', async () => {
    const { batches, results } = await sendAll(provider(), keys(257));
    expect(batches.map((b) => b.items.length)).toEqual([256, 1]);
    expect(fake.requests.map((r) => [r.path, r.headers['content-type'], (JSON.parse(r.body) as { surrogate_keys: string[] }).surrogate_keys.length])).toEqual([
      ['/service/SVC1/purge', 'application/json', 256],
      ['/service/SVC1/purge', 'application/json', 1],
    ]);
    expect(fake.purges.map((x) => x.value)).toEqual(keys(257).map((k) => k.value));
    expect(results[0]!.providerId).toMatch(/\(\+255 more\)$/);
    expect(results[0]!.note).toBeUndefined();
  });

  it('the fake refuses 257 keys in one request (so the limit above is real): a failed batch, not a retry', async () => {
    const e = await provider().send({ kind: 'tag', items: keys(257), wave: 0 }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BatchError);
    expect((e as BatchError).message).toMatch(/HTTP 400: Bad request \(Too many keys: 257/);
  });

  it('--soft sends Fastly-Soft-Purge: 1 on URL and key purges', async () => {
    const { results } = await sendAll(provider({ soft: true }), [url('https://e.com/a'), ...keys(2)]);
    expect(fake.requests.every((r) => r.headers['fastly-soft-purge'] === '1')).toBe(true);
    expect(fake.purges.every((x) => x.soft)).toBe(true);
    expect(results.every((r) => /soft purge/.test(r.note ?? ''))).toBe(true);
  });

  it('--all: POST /service/{id}/purge_all, and refused with --soft before anything is sent', async () => {
    const r = await sendAll(provider(), [{ kind: 'all', value: '*' }]);
    expect(fake.requests.map((x) => [x.path, x.headers['fastly-soft-purge']])).toEqual([['/service/SVC1/purge_all', undefined]]);
    expect(r.results[0]).toMatchObject({ status: 'ok', httpStatus: 200 });
    const soft = provider({ soft: true }).normalize([{ kind: 'all', value: '*' }]);
    expect(soft.items).toEqual([]);
    expect(soft.rejected[0]!.why).toMatch(/cannot soft-purge everything/);
    expect(fake.requests).toHaveLength(1);
  });

  it('an unknown service fails the batch with Fastly’s words', async () => {
    const e = await provider({ serviceId: 'NOPE' }).send({ kind: 'tag', items: keys(1), wave: 0 }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BatchError);
    expect((e as BatchError).message).toBe("Fastly rejected the purge of 1 surrogate keys (HTTP 404: Record not found (Cannot find service 'NOPE'))");
  });
});

describe('failures', () => {
  it('429 with Retry-After → TransientError carrying retryAfterMs', async () => {
    fake.inject({ status: 429, retryAfter: 7 });
    const e = (await provider().send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, signal()).catch((x: unknown) => x)) as TransientError;
    expect(e).toBeInstanceOf(TransientError);
    expect(e.opts).toEqual({ httpStatus: 429, retryAfterMs: 7_000 });
  });

  it('429 with only Fastly-RateLimit-Reset → the wait until that time', async () => {
    fake.inject({ status: 429, resetIn: 4 });
    const e = (await provider().send({ kind: 'all', items: [{ kind: 'all', value: '*' }], wave: 0 }, signal()).catch((x: unknown) => x)) as TransientError;
    expect(e).toBeInstanceOf(TransientError);
    expect(e.opts.retryAfterMs).toBeGreaterThan(2_000);
    expect(e.opts.retryAfterMs).toBeLessThanOrEqual(4_000);
  });

  it('5xx → TransientError', async () => {
    fake.inject({ status: 503 });
    const e = await provider().send({ kind: 'tag', items: keys(3), wave: 0 }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).opts.httpStatus).toBe(503);
  });

  it('a wrong token → a connect error naming FASTLY_API_TOKEN, never the token', async () => {
    const wrong = 'wrong-token-abcdef';
    const e = (await provider({}, wrong).send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, signal()).catch((x: unknown) => x)) as PerfkitError;
    expect(fake.requests[0]!.headers['fastly-key']).toBe(wrong);
    expect(isPerfkitError(e) && e.kind).toBe('connect');
    expect(e.message).toBe('Fastly refused the API token in FASTLY_API_TOKEN (HTTP 401: Provided credentials are missing or invalid)');
    expect(`${e.message} ${e.hint}`).not.toContain(wrong);
  });

  it('no token: checkCredentials fails without sending anything', async () => {
    const e = (await provider({}, '').checkCredentials().catch((x: unknown) => x)) as PerfkitError;
    expect(e.kind).toBe('connect');
    expect(e.message).toContain('FASTLY_API_TOKEN');
    expect(fake.requests).toHaveLength(0);
  });

  it('nothing listening → a connect error naming the endpoint', async () => {
    const dead = await startFakeFastly();
    const endpoint = dead.url;
    await dead.stop();
    const e = (await provider({ endpoint }).send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, signal()).catch((x: unknown) => x)) as PerfkitError;
    expect(e.kind).toBe('connect');
    expect(e.message).toContain(endpoint);
  });

  it('an answer slower than the per-request timeout → TransientError', async () => {
    fake.inject({ delayMs: 1_500 });
    const e = await provider({}, fake.token, 200).send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).message).toMatch(/did not answer within 200 ms/);
  });

  it('an abort rejects the send at once, before or during the request', async () => {
    const before = new AbortController();
    before.abort(new Error('interrupted'));
    await expect(provider().send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, before.signal)).rejects.toThrow('interrupted');

    fake.inject({ delayMs: 5_000 });
    const during = new AbortController();
    const t0 = Date.now();
    const sending = provider().send({ kind: 'tag', items: keys(2), wave: 0 }, during.signal);
    setTimeout(() => during.abort(new Error('SIGINT')), 100);
    await expect(sending).rejects.toThrow('SIGINT');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});

describe('through the core (runInvalidation): retried after 429, all batches accounted for', () => {
  it('a 429 then success: the batch is retried after Retry-After and reported ok', async () => {
    fake.inject({ status: 429, retryAfter: 2, match: (r) => r.path.endsWith('/purge') });
    const sleeps: number[] = [];
    const data = await runInvalidation({
      provider: provider(),
      items: [url('https://e.com/a'), ...keys(300)],
      dryRun: false,
      collapse: false,
      wait: false,
      waitTimeoutMs: 60_000,
      retries: 3,
      concurrency: 1,
      signal: signal(),
      progress: () => {},
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(data.requests.map((r) => [r.kind, r.items, r.status, r.attempts])).toEqual([
      ['url', 1, 'ok', 1],
      ['tag', 256, 'ok', 2],
      ['tag', 44, 'ok', 1],
    ]);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2_000);
    expect(fake.purges.filter((x) => x.kind === 'key')).toHaveLength(300);
  });
});
