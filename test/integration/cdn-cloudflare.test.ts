// The Cloudflare provider through the real `cloudflare` SDK against a local purge_cache endpoint: request
// shapes and auth headers, one kind per request at the per-request limit, 429 with Retry-After, 5xx, wrong
// credentials, an unknown zone, a dead endpoint.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PerfkitError } from '../../src/cli/errors.js';
import { BatchError, TransientError, type Batch, type CdnProvider, type PurgeItem } from '../../src/cdn/provider.js';
import { createProvider } from '../../src/connectors/cdn/cloudflare.js';
import { startFakeCloudflare, type FakeCloudflare } from '../helpers/fake-cdn/cloudflare.js';

const TOKEN = 'cf-test-token-0123456789abcdef';
const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const EMAIL = 'ops@example.com';
const KEY = 'legacy-global-key-0123456789';

let fake: FakeCloudflare;
beforeAll(async () => {
  fake = await startFakeCloudflare({ tokens: [TOKEN], keys: { [EMAIL]: KEY }, zones: [ZONE] });
});
afterAll(() => fake.stop());
afterEach(() => {
  fake.requests.length = 0;
  fake.purges.length = 0;
});

function provider(over: { env?: Record<string, string | undefined>; options?: Record<string, string | boolean | undefined> } = {}) {
  const secrets: string[] = [];
  const p = createProvider({
    options: { zone: ZONE, endpoint: fake.url, ...over.options },
    env: { CLOUDFLARE_API_TOKEN: TOKEN, ...over.env },
    cwd: process.cwd(),
    secret: (s) => void (s && secrets.push(s)),
    timeoutMs: 5_000,
  });
  return { p, secrets };
}

const signal = () => new AbortController().signal;
const planned = (p: CdnProvider, items: PurgeItem[]) => {
  const n = p.normalize(items);
  expect(n.rejected).toEqual([]);
  return p.plan(n.items);
};
const urls = (n: number): PurgeItem[] => Array.from({ length: n }, (_, i) => ({ kind: 'url', value: `https://www.example.com/p/${i}.html` }));

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('Cloudflare purge_cache through the SDK', () => {
  it('one request per kind, each exactly as the dry run previews it, with the Bearer token', async () => {
    const { p, secrets } = provider();
    const batches = planned(p, [
      { kind: 'url', value: 'https://www.example.com/a.css' },
      { kind: 'url', value: 'https://www.example.com/b.css|CF-Device-Type: mobile|Accept-Language: zh-CN' },
      { kind: 'tag', value: 'product-42' },
      { kind: 'host', value: 'images.example.com' },
      { kind: 'prefix', value: 'www.example.com/blog/' },
    ]);
    expect(batches.map((b) => b.kind)).toEqual(['url', 'url', 'tag', 'host', 'prefix']);
    for (const b of batches) {
      const r = await p.send(b, signal());
      expect(r).toMatchObject({ providerId: ZONE, httpStatus: 200, status: 'ok' });
      expect(r.note).toMatch(/^cf-ray [0-9a-f]+-FRA$/);
    }
    expect(fake.requests).toHaveLength(5);
    for (const [i, req] of fake.requests.entries()) {
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`/client/v4/zones/${ZONE}/purge_cache`);
      expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(req.headers['x-auth-key']).toBeUndefined();
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['x-stainless-retry-count']).toBe('0');
      const [preview] = p.preview(batches[i]!);
      expect(preview!.url).toBe(`${fake.url}/zones/${ZONE}/purge_cache`);
      expect(preview!.headers.Authorization).toBe('Bearer ***');
      expect(req.json).toEqual(JSON.parse(preview!.body!));
    }
    expect(fake.purges.map((x) => x.body)).toEqual([
      { files: ['https://www.example.com/a.css'] },
      { files: [{ url: 'https://www.example.com/b.css', headers: { 'CF-Device-Type': 'mobile', 'Accept-Language': 'zh-CN' } }] },
      { tags: ['product-42'] },
      { hosts: ['images.example.com'] },
      { prefixes: ['www.example.com/blog/'] },
    ]);
    expect(secrets).toEqual([TOKEN]);
    expect(JSON.stringify(batches.map((b) => p.preview(b)))).not.toContain(TOKEN);
  });

  it('purge everything is a request of its own', async () => {
    const { p } = provider();
    const [b] = planned(p, [{ kind: 'all', value: '*' }]);
    await p.send(b!, signal());
    expect(fake.purges[0]!.body).toEqual({ purge_everything: true });
  });

  it('250 URLs → 3 requests within the 100-per-request limit, all accepted', async () => {
    const { p } = provider();
    const batches = planned(p, urls(250));
    expect(batches.map((b) => b.items.length)).toEqual([100, 100, 50]);
    for (const b of batches) await p.send(b, signal());
    expect(fake.purges.map((x) => (x.body.files as string[]).length)).toEqual([100, 100, 50]);
    expect(new Set(fake.purges.flatMap((x) => x.body.files as string[])).size).toBe(250);
  });

  it('a request over the limit is refused by the API → BatchError with Cloudflare’s message', async () => {
    const { p } = provider();
    const tooBig: Batch = { kind: 'url', wave: 0, items: urls(101) };
    const e = await rejection(p.send(tooBig, signal()));
    expect(e).toBeInstanceOf(BatchError);
    expect(e.message).toBe('400 Too many files in one request: at most 100 allowed (code 1019)');
    expect((e as BatchError).opts).toEqual({ httpStatus: 400, code: '1019' });
  });

  it('maxPerRequest 500 (Enterprise): 250 URLs in one request; tags stay at 100', async () => {
    const ent = await startFakeCloudflare({ tokens: [TOKEN], zones: [ZONE], maxFiles: 500 });
    try {
      const { p } = provider({ options: { endpoint: ent.url, maxPerRequest: '500' } });
      const batches = planned(p, [...urls(250), ...Array.from({ length: 150 }, (_, i): PurgeItem => ({ kind: 'tag', value: `t${i}` }))]);
      expect(batches.map((b) => [b.kind, b.items.length])).toEqual([
        ['url', 250],
        ['tag', 100],
        ['tag', 50],
      ]);
      for (const b of batches) await p.send(b, signal());
      expect(ent.purges).toHaveLength(3);
    } finally {
      await ent.stop();
    }
  });

  it('the legacy API key sends X-Auth-Email and X-Auth-Key, and no Authorization', async () => {
    const { p, secrets } = provider({ env: { CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_API_KEY: KEY, CLOUDFLARE_EMAIL: EMAIL } });
    await p.checkCredentials();
    const [b] = planned(p, [{ kind: 'tag', value: 'x' }]);
    await p.send(b!, signal());
    const req = fake.requests[0]!;
    expect(req.headers['x-auth-email']).toBe(EMAIL);
    expect(req.headers['x-auth-key']).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(p.preview(b!)[0]!.headers).toEqual({ 'Content-Type': 'application/json', 'X-Auth-Email': EMAIL, 'X-Auth-Key': '***' });
    expect(secrets).toEqual([KEY]);
  });

  it('ignores CLOUDFLARE_* in process.env: only settings.env counts', async () => {
    const saved = process.env.CLOUDFLARE_API_TOKEN;
    process.env.CLOUDFLARE_API_TOKEN = 'process-env-token-should-not-be-used';
    try {
      const { p } = provider();
      await p.send(planned(p, [{ kind: 'tag', value: 'x' }])[0]!, signal());
      expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    } finally {
      if (saved === undefined) delete process.env.CLOUDFLARE_API_TOKEN;
      else process.env.CLOUDFLARE_API_TOKEN = saved;
    }
  });
});

describe('Cloudflare errors', () => {
  it('429 with Retry-After → TransientError carrying retryAfterMs; the SDK does not retry on its own', async () => {
    const { p } = provider();
    fake.inject({ status: 429, retryAfter: '7' });
    const [b] = planned(p, urls(3));
    const e = await rejection(p.send(b!, signal()));
    expect(e).toBeInstanceOf(TransientError);
    expect(e.message).toBe('429 Please wait and consider throttling your request speed (code 971)');
    expect((e as TransientError).opts).toEqual({ retryAfterMs: 7_000, httpStatus: 429, code: '971' });
    expect(fake.requests).toHaveLength(1);
    await expect(p.send(b!, signal())).resolves.toMatchObject({ httpStatus: 200 });
  });

  it('429 with an HTTP-date Retry-After', async () => {
    const { p } = provider();
    fake.inject({ status: 429, retryAfter: new Date(Date.now() + 20_000).toUTCString() });
    const e = await rejection(p.send(planned(p, urls(1))[0]!, signal()));
    expect((e as TransientError).opts.retryAfterMs).toBeGreaterThan(15_000);
    expect((e as TransientError).opts.retryAfterMs).toBeLessThanOrEqual(20_000);
  });

  it('5xx → TransientError', async () => {
    const { p } = provider();
    fake.inject({ status: 502, code: 10001, message: 'Bad gateway' });
    const e = await rejection(p.send(planned(p, urls(1))[0]!, signal()));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).opts).toMatchObject({ httpStatus: 502, retryAfterMs: undefined });
  });

  it('a wrong token → connect error naming CLOUDFLARE_API_TOKEN, never its value', async () => {
    const { p } = provider({ env: { CLOUDFLARE_API_TOKEN: 'wrong-token-abcdef' } });
    const e = await rejection(p.send(planned(p, urls(1))[0]!, signal()));
    expect(e).toBeInstanceOf(PerfkitError);
    expect((e as PerfkitError).kind).toBe('connect');
    expect(e.message).toBe('Cloudflare refused CLOUDFLARE_API_TOKEN (403 Authentication error (code 10000))');
    expect((e as PerfkitError).hint).toContain('Zone → Cache Purge → Purge');
    expect(`${e.message} ${(e as PerfkitError).hint}`).not.toContain('wrong-token');
  });

  it('a wrong legacy key → connect error naming CLOUDFLARE_API_KEY/CLOUDFLARE_EMAIL', async () => {
    const { p } = provider({ env: { CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_API_KEY: 'nope-nope-nope', CLOUDFLARE_EMAIL: EMAIL } });
    const e = await rejection(p.send(planned(p, urls(1))[0]!, signal()));
    expect((e as PerfkitError).kind).toBe('connect');
    expect(e.message).toMatch(/^Cloudflare refused CLOUDFLARE_API_KEY\/CLOUDFLARE_EMAIL \(403/);
  });

  it('an unknown zone → BatchError naming the zone', async () => {
    const { p } = provider({ options: { zone: 'ffffffffffffffffffffffffffffffff' } });
    const e = await rejection(p.send(planned(p, urls(1))[0]!, signal()));
    expect(e).toBeInstanceOf(BatchError);
    expect(e.message).toMatch(/^zone 'ffffffffffffffffffffffffffffffff' not found \(400 Could not route/);
  });

  it('nothing listening → TransientError', async () => {
    const gone = await startFakeCloudflare();
    await gone.stop();
    const { p } = provider({ options: { endpoint: gone.url } });
    const e = await rejection(p.send(planned(p, urls(1))[0]!, signal()));
    expect(e).toBeInstanceOf(TransientError);
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('an aborted signal → interrupted', async () => {
    const { p } = provider();
    const ac = new AbortController();
    ac.abort();
    const e = await rejection(p.send(planned(p, urls(1))[0]!, ac.signal));
    expect((e as PerfkitError).kind).toBe('interrupted');
  });
});
