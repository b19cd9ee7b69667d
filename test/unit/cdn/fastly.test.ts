// Fastly provider, pure parts: which items it takes (full URLs, surrogate keys within Fastly's limits, --all
// unless soft), batches at the 256-key limit, the exact requests a dry run shows (token redacted), and how
// Fastly's answers map to retry / failed batch / credentials error.
import { describe, expect, it } from 'vitest';
import { isPerfkitError, type PerfkitError } from '../../../src/cli/errors.js';
import { BatchError, TransientError, type Batch, type ProviderSettings, type PurgeItem } from '../../../src/cdn/provider.js';
import {
  FASTLY_API,
  FASTLY_MAX_KEY_BYTES,
  cachedUrlOf,
  createProvider,
  fastlyFailure,
  fastlyRequests,
  fastlyRetryAfterMs,
  fastlySettings,
  normalizeFastly,
  planFastly,
} from '../../../src/connectors/cdn/fastly.js';

const TOKEN = 'fst-secret-token-123456';

function settings(options: ProviderSettings['options'] = {}, env: ProviderSettings['env'] = { FASTLY_API_TOKEN: TOKEN }): ProviderSettings & { secrets: string[] } {
  const secrets: string[] = [];
  return { options, env, cwd: '/tmp', timeoutMs: 5_000, secret: (v) => void (v && secrets.push(v)), secrets };
}

const url = (value: string): PurgeItem => ({ kind: 'url', value });
const tag = (value: string): PurgeItem => ({ kind: 'tag', value });
const keys = (n: number) => Array.from({ length: n }, (_, i) => tag(`key-${i}`));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('normalize', () => {
  it('keeps absolute http(s) URLs and drops their fragment', () => {
    const r = normalizeFastly([url('https://www.example.com/a?b=1#top'), url('http://example.com/x y')], { soft: false });
    expect(r.rejected).toEqual([]);
    expect(r.items.map((i) => i.value)).toEqual(['https://www.example.com/a?b=1', 'http://example.com/x%20y']);
  });

  it('rejects paths without a host, and other schemes, saying what to do', () => {
    const r = normalizeFastly([{ kind: 'path', value: '/a' }, url('/b'), url('ftp://example.com/c')], { soft: false });
    expect(r.items).toEqual([]);
    expect(r.rejected.map((x) => x.why)).toEqual(Array(3).fill('Fastly purges full URLs: give https://host/path or use --base-url'));
  });

  it('takes surrogate keys up to 1024 bytes without spaces', () => {
    const ok = 'k'.repeat(FASTLY_MAX_KEY_BYTES);
    const r = normalizeFastly([tag(ok), tag('k'.repeat(FASTLY_MAX_KEY_BYTES + 1)), tag('two words'), tag('é'.repeat(513))], { soft: false });
    expect(r.items).toEqual([tag(ok)]);
    expect(r.rejected[0]!.why).toMatch(/1025 bytes.*at most 1024/);
    expect(r.rejected[1]!.why).toMatch(/cannot contain spaces/);
    expect(r.rejected[2]!.why).toMatch(/1026 bytes/);
  });

  it('refuses a soft purge-all, with why and what to do instead', () => {
    const all: PurgeItem = { kind: 'all', value: '*' };
    expect(normalizeFastly([all], { soft: false }).items).toEqual([all]);
    const r = normalizeFastly([all], { soft: true });
    expect(r.items).toEqual([]);
    expect(r.rejected[0]!.why).toMatch(/cannot soft-purge everything.*surrogate key/);
  });

  it('rejects kinds Fastly has no API for', () => {
    const r = normalizeFastly([{ kind: 'cpcode', value: '123' }, { kind: 'prefix', value: 'example.com/a' }], { soft: false });
    expect(r.rejected.map((x) => x.why)).toEqual([expect.stringMatching(/not CP codes$/), expect.stringMatching(/not prefixes$/)]);
  });

  it('asks for a service ID (exit 2) when keys or --all are given without one; URLs need none', () => {
    const p = createProvider(settings());
    expect(p.normalize([url('https://a.example/x')]).items).toHaveLength(1);
    const e = thrown(() => p.normalize([tag('k1')])) as PerfkitError;
    expect(isPerfkitError(e) && e.kind).toBe('usage');
    expect(`${e.message} ${e.hint}`).toMatch(/service ID.*--service-id/);
    expect(createProvider(settings({ serviceId: 'SVC' })).normalize([tag('k1')]).items).toHaveLength(1);
    expect(createProvider(settings({}, { FASTLY_API_TOKEN: TOKEN, FASTLY_SERVICE_ID: 'ENV' })).normalize([tag('k1')]).items).toHaveLength(1);
  });
});

describe('plan', () => {
  it('puts up to 256 keys in a request: 256 → 1, 257 → 2 (256 + 1), 513 → 3', () => {
    expect(planFastly(keys(256)).map((b) => b.items.length)).toEqual([256]);
    expect(planFastly(keys(257)).map((b) => b.items.length)).toEqual([256, 1]);
    expect(planFastly(keys(513)).map((b) => b.items.length)).toEqual([256, 256, 1]);
    const b = planFastly(keys(257));
    expect(b.flatMap((x) => x.items)).toEqual(keys(257));
  });

  it('sends one URL per request, one kind per batch, all in wave 0', () => {
    const items = [url('https://e.com/1'), tag('a'), url('https://e.com/2'), tag('b')];
    const batches = planFastly(items);
    expect(batches.map((b) => [b.kind, b.items.map((i) => i.value)])).toEqual([
      ['url', ['https://e.com/1']],
      ['url', ['https://e.com/2']],
      ['tag', ['a', 'b']],
    ]);
    expect(batches.every((b) => b.wave === 0)).toBe(true);
    expect(planFastly([{ kind: 'all', value: '*' }])).toEqual([{ kind: 'all', items: [{ kind: 'all', value: '*' }], wave: 0 }]);
  });
});

describe('preview (the exact requests of a dry run)', () => {
  const s = (o: ProviderSettings['options'] = {}) => fastlySettings(settings({ serviceId: 'SU1Z0isxPaozGVKXdv0eY', ...o }));

  it('URL purge: POST /purge/<host/path?query> with Fastly-Key redacted', () => {
    expect(cachedUrlOf('https://www.example.com/a/b?x=1')).toBe('www.example.com/a/b?x=1');
    expect(fastlyRequests({ kind: 'url', items: [url('https://www.example.com/a/b?x=1')], wave: 0 }, s())).toEqual([
      { method: 'POST', url: 'https://api.fastly.com/purge/www.example.com/a/b?x=1', headers: { 'Fastly-Key': '***', Accept: 'application/json' } },
    ]);
  });

  it('key purge: POST /service/{id}/purge with {"surrogate_keys": […]}, soft header when --soft', () => {
    const [r] = fastlyRequests({ kind: 'tag', items: [tag('k1'), tag('k2')], wave: 0 }, s({ soft: true }));
    expect(r).toEqual({
      method: 'POST',
      url: 'https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY/purge',
      headers: { 'Fastly-Key': '***', Accept: 'application/json', 'fastly-soft-purge': '1', 'Content-Type': 'application/json' },
      body: '{"surrogate_keys":["k1","k2"]}',
    });
  });

  it('purge-all: POST /service/{id}/purge_all, never soft; --endpoint replaces the base', () => {
    expect(fastlyRequests({ kind: 'all', items: [{ kind: 'all', value: '*' }], wave: 0 }, s({ soft: true, endpoint: 'http://127.0.0.1:9/fastly/' }))).toEqual([
      { method: 'POST', url: 'http://127.0.0.1:9/fastly/service/SU1Z0isxPaozGVKXdv0eY/purge_all', headers: { 'Fastly-Key': '***', Accept: 'application/json' } },
    ]);
  });

  it('never shows the token, and registers it as a secret', () => {
    const st = settings({ serviceId: 'S', soft: true });
    const p = createProvider(st);
    const text = JSON.stringify(p.plan(p.normalize([url('https://e.com/a'), ...keys(300)]).items).map((b) => p.preview(b)));
    expect(text).not.toContain(TOKEN);
    expect(text).toContain('"Fastly-Key":"***"');
    expect(st.secrets).toEqual([TOKEN]);
  });
});

describe('settings and credentials', () => {
  it('defaults to api.fastly.com and rejects an --endpoint that is not an http(s) URL (exit 2)', () => {
    expect(fastlySettings(settings()).endpoint).toBe(FASTLY_API);
    for (const bad of ['not a url', 'ftp://x']) {
      const e = thrown(() => fastlySettings(settings({ endpoint: bad }))) as PerfkitError;
      expect(e.kind).toBe('usage');
      expect(e.message).toContain('--endpoint');
    }
  });

  it('checkCredentials fails (connect, exit 3) without FASTLY_API_TOKEN, naming it; FASTLY_KEY is accepted', async () => {
    const e = (await createProvider(settings({}, {})).checkCredentials().catch((x: unknown) => x)) as PerfkitError;
    expect(e.kind).toBe('connect');
    expect(e.message).toContain('FASTLY_API_TOKEN');
    await expect(createProvider(settings({}, { FASTLY_KEY: 'k-123456' })).checkCredentials()).resolves.toBeUndefined();
    expect(fastlySettings(settings({}, { FASTLY_KEY: 'k-123456' })).tokenVar).toBe('FASTLY_KEY');
  });
});

describe('error mapping', () => {
  const s = fastlySettings(settings({ serviceId: 'S' }));
  const batch: Batch = { kind: 'tag', items: [tag('a')], wave: 0 };
  const now = Date.parse('2026-03-01T12:00:00Z');
  const fail = (status: number, headers: Record<string, string> = {}, body: unknown = {}) => fastlyFailure({ status, body, response: { headers } }, s, batch, now);

  it('reads Retry-After (seconds or date) and Fastly-RateLimit-Reset (a Unix time)', () => {
    expect(fastlyRetryAfterMs({ 'retry-after': '7' }, now)).toBe(7_000);
    expect(fastlyRetryAfterMs({ 'retry-after': new Date(now + 3_000).toUTCString() }, now)).toBe(3_000);
    expect(fastlyRetryAfterMs({ 'fastly-ratelimit-reset': String(now / 1000 + 42) }, now)).toBe(42_000);
    expect(fastlyRetryAfterMs({ 'retry-after': '2', 'fastly-ratelimit-reset': String(now / 1000 + 42) }, now)).toBe(2_000);
    expect(fastlyRetryAfterMs({}, now)).toBeUndefined();
  });

  it('429 → TransientError with retryAfterMs; a reset more than 5 min away → a failed batch naming when', () => {
    const t = fail(429, { 'retry-after': '3' });
    expect(t).toBeInstanceOf(TransientError);
    expect((t as TransientError).opts).toEqual({ httpStatus: 429, retryAfterMs: 3_000 });
    const far = fail(429, { 'fastly-ratelimit-reset': String(now / 1000 + 40 * 60) });
    expect(far).toBeInstanceOf(BatchError);
    expect(far.message).toMatch(/resets in 40 min, at 2026-03-01T12:40:00/);
  });

  it('5xx → TransientError; other 4xx → BatchError with Fastly’s msg and detail', () => {
    expect(fail(503)).toBeInstanceOf(TransientError);
    const b = fail(400, {}, { msg: 'Bad request', detail: 'Too many keys' });
    expect(b).toBeInstanceOf(BatchError);
    expect(b.message).toBe('Fastly rejected the purge of 1 surrogate keys (HTTP 400: Bad request (Too many keys))');
  });

  it('401/403 → a connect error naming FASTLY_API_TOKEN, never the token', () => {
    for (const status of [401, 403]) {
      const e = fail(status, {}, { msg: `Provided credentials are missing or invalid: ${TOKEN}` }) as PerfkitError;
      expect(isPerfkitError(e) && e.kind).toBe('connect');
      expect(e.message).toContain('FASTLY_API_TOKEN');
      expect(`${e.message} ${e.hint}`).not.toContain(TOKEN);
      expect(e.hint).toMatch(/purge_select/);
    }
  });

  it('transport errors: refused or unknown host → connect error; timeouts and resets → TransientError', () => {
    const refused = fastlyFailure({ error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' } }, s, batch) as PerfkitError;
    expect(refused.kind).toBe('connect');
    expect(refused.message).toContain(FASTLY_API);
    expect(fastlyFailure({ error: { code: 'ECONNABORTED', timeout: 5000, message: 'Timeout of 5000ms exceeded' } }, s, batch)).toBeInstanceOf(TransientError);
    expect(fastlyFailure({ error: { code: 'ECONNRESET', message: 'socket hang up' } }, s, batch)).toBeInstanceOf(TransientError);
  });
});
