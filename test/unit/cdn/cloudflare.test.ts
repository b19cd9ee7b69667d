// Cloudflare decisions without a network: item validation, the custom-cache-key URL syntax, chunking to the
// per-request limits with one kind per request, request bodies and previews, error mapping, credentials.
import { describe, expect, it } from 'vitest';
import { PerfkitError } from '../../../src/cli/errors.js';
import { BatchError, TransientError, type PurgeItem } from '../../../src/cdn/provider.js';
import { createProvider, describeCloudflareError, normalizeItems, parseFileTarget, planRequests, purgeBody } from '../../../src/connectors/cdn/cloudflare.js';

const u = (value: string): PurgeItem => ({ kind: 'url', value });
const urls = (n: number) => Array.from({ length: n }, (_, i) => u(`https://www.example.com/${i}`));
const make = (env: Record<string, string | undefined> = { CLOUDFLARE_API_TOKEN: 'tok-123456' }, options: Record<string, string | boolean | undefined> = { zone: 'z1' }) =>
  createProvider({ options, env, cwd: '.', secret: () => {}, timeoutMs: 1_000 });

describe('URLs with cache-key headers', () => {
  it('url|Name: value|… and the JSON form mean the same', () => {
    const want = { url: 'https://www.example.com/a.css', headers: { 'CF-Device-Type': 'mobile', 'Accept-Language': 'zh-CN' } };
    expect(parseFileTarget('https://www.example.com/a.css|CF-Device-Type: mobile|Accept-Language: zh-CN')).toEqual(want);
    expect(parseFileTarget(JSON.stringify(want))).toEqual(want);
    expect(parseFileTarget('https://www.example.com/a.css|Origin: https://app.example.com:8443')).toEqual({ url: 'https://www.example.com/a.css', headers: { Origin: 'https://app.example.com:8443' } });
  });

  it("a '|' not followed by a header name belongs to the URL; a fragment is dropped", () => {
    expect(parseFileTarget('https://x.example/a|b?c=1|d')).toEqual({ url: 'https://x.example/a|b?c=1|d' });
    expect(parseFileTarget('https://x.example/a#frag')).toEqual({ url: 'https://x.example/a' });
  });

  it('says what is wrong', () => {
    expect(parseFileTarget('{"url": 3}')).toEqual({ why: 'the JSON form needs a "url" string' });
    expect(parseFileTarget('{nope')).toMatchObject({ why: expect.stringContaining('not valid JSON') });
    expect(parseFileTarget('{"url":"https://x/a","headers":{"A":1}}')).toEqual({ why: '"headers" must map header names to string values' });
    expect(parseFileTarget('/just/a/path')).toEqual({ why: 'not a URL' });
    expect(parseFileTarget('ftp://x/a')).toEqual({ why: 'Cloudflare purges http(s) URLs, not ftp:' });
  });
});

describe('normalize', () => {
  it('keeps URLs, tags, hosts and prefixes in Cloudflare’s forms', () => {
    const r = normalizeItems([
      u(' https://www.example.com/a '),
      u('{"url":"https://www.example.com/b","headers":{"CF-IPCountry":"US"}}'),
      { kind: 'tag', value: '#Product-42' },
      { kind: 'host', value: 'https://IMAGES.example.com/' },
      { kind: 'prefix', value: 'https://WWW.example.com/Blog/' },
      { kind: 'all', value: '*' },
    ]);
    expect(r.rejected).toEqual([]);
    expect(r.items).toEqual([
      { kind: 'url', value: 'https://www.example.com/a' },
      { kind: 'url', value: 'https://www.example.com/b|CF-IPCountry: US' },
      { kind: 'tag', value: 'Product-42' },
      { kind: 'host', value: 'images.example.com' },
      { kind: 'prefix', value: 'www.example.com/Blog/' },
      { kind: 'all', value: '*' },
    ]);
  });

  it('rejects, saying why: bare paths, prefixes with a query, hosts with a path, bad tags, other kinds', () => {
    const r = normalizeItems([
      { kind: 'path', value: '/a' },
      { kind: 'prefix', value: 'www.example.com/a?x=1' },
      { kind: 'prefix', value: `x.com${'/a'.repeat(32)}` },
      { kind: 'host', value: 'https://x.com/a' },
      { kind: 'host', value: 'x.com:8080' },
      { kind: 'tag', value: 'a b' },
      { kind: 'tag', value: 'x'.repeat(1_025) },
      { kind: 'cpcode', value: '1' },
    ]);
    expect(r.items).toEqual([]);
    expect(r.rejected.map((x) => x.why)).toEqual([
      'Cloudflare purges full URLs: give https://<host>/path (or --base-url), or --prefix <host>/path',
      'a prefix takes no query string or fragment (it purges every query under the path)',
      "a prefix may have at most 31 '/' separators",
      'a host purge takes a hostname only; for a path use --prefix host/path',
      'not a hostname (write www.example.com, no scheme, port or path)',
      'cache tags are printable ASCII without spaces or commas',
      'cache tag is 1025 characters; Cloudflare takes at most 1024',
      'Cloudflare cannot purge by cpcode',
    ]);
  });

  it('drops duplicates (tags case-insensitively)', () => {
    expect(normalizeItems([{ kind: 'tag', value: 'A' }, { kind: 'tag', value: 'a' }, u('https://x/a'), u('https://x/a')]).items).toHaveLength(2);
  });
});

describe('plan', () => {
  it('250 URLs → 3 requests of 100, 100, 50 (not the old 30)', () => {
    expect(planRequests(urls(250)).map((b) => [b.kind, b.wave, b.items.length])).toEqual([
      ['url', 0, 100],
      ['url', 0, 100],
      ['url', 0, 50],
    ]);
  });

  it('one kind per request; URLs with headers apart from plain URLs; everything alone', () => {
    const items: PurgeItem[] = [
      ...urls(2),
      u('https://x/a|CF-Device-Type: mobile'),
      ...Array.from({ length: 150 }, (_, i): PurgeItem => ({ kind: 'tag', value: `t${i}` })),
      { kind: 'host', value: 'a.example' },
      { kind: 'prefix', value: 'a.example/x/' },
      { kind: 'all', value: '*' },
    ];
    const b = planRequests(items);
    expect(b.map((x) => [x.kind, x.items.length])).toEqual([
      ['url', 2],
      ['url', 1],
      ['tag', 100],
      ['tag', 50],
      ['host', 1],
      ['prefix', 1],
      ['all', 1],
    ]);
    for (const x of b) expect(new Set(x.items.map((i) => i.kind)).size).toBe(1);
  });

  it('maxPerRequest raises the URL chunk (Enterprise 500) but never the 100 tags/hosts/prefixes', () => {
    const tags = Array.from({ length: 250 }, (_, i): PurgeItem => ({ kind: 'tag', value: `t${i}` }));
    expect(planRequests([...urls(600), ...tags], 500).map((b) => [b.kind, b.items.length])).toEqual([
      ['url', 500],
      ['url', 100],
      ['tag', 100],
      ['tag', 100],
      ['tag', 50],
    ]);
    expect(planRequests(urls(60), 30).map((b) => b.items.length)).toEqual([30, 30]);
    expect(make(undefined, { zone: 'z', maxPerRequest: '500' }).plan(urls(600)).map((b) => b.items.length)).toEqual([500, 100]);
    expect(() => make(undefined, { zone: 'z', maxPerRequest: 'lots' })).toThrow(/not a positive integer/);
  });
});

describe('request bodies and previews', () => {
  it('each kind has its documented body', () => {
    expect(purgeBody({ kind: 'url', wave: 0, items: [u('https://x/a'), u('https://x/b')] })).toEqual({ files: ['https://x/a', 'https://x/b'] });
    expect(purgeBody({ kind: 'url', wave: 0, items: [u('https://x/a|Accept-Language: en')] })).toEqual({ files: [{ url: 'https://x/a', headers: { 'Accept-Language': 'en' } }] });
    expect(purgeBody({ kind: 'tag', wave: 0, items: [{ kind: 'tag', value: 't' }] })).toEqual({ tags: ['t'] });
    expect(purgeBody({ kind: 'host', wave: 0, items: [{ kind: 'host', value: 'h' }] })).toEqual({ hosts: ['h'] });
    expect(purgeBody({ kind: 'prefix', wave: 0, items: [{ kind: 'prefix', value: 'h/p' }] })).toEqual({ prefixes: ['h/p'] });
    expect(purgeBody({ kind: 'all', wave: 0, items: [{ kind: 'all', value: '*' }] })).toEqual({ purge_everything: true });
  });

  it('the preview names the endpoint and hides the token', () => {
    const p = make({ CLOUDFLARE_API_TOKEN: 'tok-123456' }, { zone: 'abc', endpoint: 'https://proxy.example/client/v4/' });
    expect(p.preview({ kind: 'tag', wave: 0, items: [{ kind: 'tag', value: 't' }] })).toEqual([
      { method: 'POST', url: 'https://proxy.example/client/v4/zones/abc/purge_cache', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ***' }, body: '{"tags":["t"]}' },
    ]);
    expect(make({}, { zone: 'abc' }).preview({ kind: 'all', wave: 0, items: [] })[0]!.url).toBe('https://api.cloudflare.com/client/v4/zones/abc/purge_cache');
  });
});

describe('credentials and settings', () => {
  it('no token → connect error naming the variables', async () => {
    await expect(make({}).checkCredentials()).rejects.toMatchObject({ kind: 'connect', message: 'no Cloudflare credentials: CLOUDFLARE_API_TOKEN is not set (nor CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL)' });
    await expect(make({ CLOUDFLARE_API_KEY: 'k-123456' }).checkCredentials()).rejects.toMatchObject({ kind: 'connect', message: 'CLOUDFLARE_EMAIL is not set (CLOUDFLARE_API_KEY needs it)' });
    await expect(make().checkCredentials()).resolves.toBeUndefined();
  });

  it('registers the token as a secret', () => {
    const secrets: string[] = [];
    createProvider({ options: { zone: 'z' }, env: { CLOUDFLARE_API_TOKEN: 'tok-abcdef' }, cwd: '.', secret: (s) => void (s && secrets.push(s)), timeoutMs: 1 });
    expect(secrets).toEqual(['tok-abcdef']);
  });

  it('a missing zone, or a domain name given as the zone, is a usage error', async () => {
    await expect(make(undefined, {}).checkCredentials()).rejects.toMatchObject({ kind: 'usage', message: 'Cloudflare needs a zone id' });
    await expect(make(undefined, { zone: 'example.com' }).checkCredentials()).rejects.toMatchObject({ kind: 'usage', message: "--zone 'example.com' looks like a domain name" });
  });
});

describe('error mapping', () => {
  const ctx = { zone: 'z', source: 'CLOUDFLARE_API_TOKEN', endpoint: 'https://api.cloudflare.com/client/v4', aborted: false };
  const api = (status: number, errors: Array<{ code: number; message: string }>, headers: Record<string, string> = {}) =>
    Object.assign(new Error(`${status}`), { status, errors, headers: new Headers(headers) });

  it('429 and 5xx → TransientError (Retry-After honoured)', () => {
    const e = describeCloudflareError(api(429, [{ code: 971, message: 'slow down' }], { 'retry-after': '12' }), ctx) as TransientError;
    expect(e).toBeInstanceOf(TransientError);
    expect(e.opts).toEqual({ retryAfterMs: 12_000, httpStatus: 429, code: '971' });
    expect(describeCloudflareError(api(500, []), ctx)).toBeInstanceOf(TransientError);
    expect(describeCloudflareError(api(503, []), ctx)).toBeInstanceOf(TransientError);
  });

  it('401/403 → connect error naming the credential source', () => {
    for (const status of [401, 403]) {
      const e = describeCloudflareError(api(status, [{ code: 10000, message: 'Authentication error' }]), ctx) as PerfkitError;
      expect(e.kind).toBe('connect');
      expect(e.message).toBe(`Cloudflare refused CLOUDFLARE_API_TOKEN (${status} Authentication error (code 10000))`);
    }
  });

  it('other 4xx → BatchError with Cloudflare’s messages', () => {
    const e = describeCloudflareError(api(400, [{ code: 1016, message: 'Invalid url' }]), ctx) as BatchError;
    expect(e).toBeInstanceOf(BatchError);
    expect(e.message).toBe('400 Invalid url (code 1016)');
    expect(describeCloudflareError(api(400, [{ code: 7003, message: 'Could not route' }]), ctx).message).toMatch(/^zone 'z' not found/);
  });

  it('a connection error → transient; an unknown host → connect error', () => {
    const conn = (code: string) => Object.assign(new Error('Connection error.'), { name: 'APIConnectionError', cause: Object.assign(new Error('fetch failed'), { cause: { code } }) });
    expect(describeCloudflareError(conn('ECONNRESET'), ctx)).toBeInstanceOf(TransientError);
    expect((describeCloudflareError(conn('ENOTFOUND'), ctx) as PerfkitError).kind).toBe('connect');
  });
});
