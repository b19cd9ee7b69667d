// cache warm (HTTP)'s pure parts: cache-status classification on realistic header sets of each provider,
// variant and header parsing, URL lists, sitemaps (fixtures, incl. an index and gzip), ordering, retry
// timing, tallies and findings.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isPerfkitError } from '../../../src/cli/errors.js';
import { classify, classifyResponse, parseCacheStatus } from '../../../src/cache/warm/http/classify.js';
import { storeBlockers, warmFindings } from '../../../src/cache/warm/http/findings.js';
import { planOf } from '../../../src/cache/warm/http/options.js';
import { outcomeOf, percentile, tally, type Outcome } from '../../../src/cache/warm/http/outcome.js';
import { backoffMs, isRetryableStatus } from '../../../src/cache/warm/http/retry.js';
import { retryAfterMs } from '../../../src/util/retry.js';
import { orderUrls, parseLastmod, parsePriority, parseSitemap } from '../../../src/cache/warm/http/sitemap.js';
import { parseUrlLine, rebase } from '../../../src/cache/warm/http/url-list.js';
import { mergeHeaders, parseHeader, parseVariant, parseVariants, PRESETS } from '../../../src/cache/warm/http/variants.js';
import { httpWarmView, type HttpWarmData, type TargetResult } from '../../../src/cache/warm/http/view.js';

const fx = (name: string) => readFileSync(new URL(`../../../fixtures/web/sitemaps/${name}`, import.meta.url));

/** The error a function throws, checked to be a PerfkitError of `kind`. */
function thrown(fn: () => unknown, kind: string): string {
  try {
    fn();
  } catch (e) {
    if (!isPerfkitError(e)) throw e;
    expect(e.kind).toBe(kind);
    expect(e.hint).toBeTruthy();
    return e.message;
  }
  throw new Error('expected an error');
}

describe('classify', () => {
  it('reads RFC 9211 Cache-Status by its last member (the cache closest to the client)', () => {
    expect(classify({ 'cache-status': 'ExampleCache; hit' })).toBe('HIT');
    expect(classify({ 'cache-status': 'ExampleCache; hit; ttl=376' })).toBe('HIT');
    expect(classify({ 'cache-status': 'ExampleCache; hit; ttl=-412' })).toBe('STALE');
    expect(classify({ 'cache-status': 'ExampleCache; fwd=uri-miss' })).toBe('MISS');
    expect(classify({ 'cache-status': 'ExampleCache; fwd=vary-miss; stored' })).toBe('MISS');
    expect(classify({ 'cache-status': 'ExampleCache; fwd=miss; collapsed=?0' })).toBe('MISS');
    expect(classify({ 'cache-status': 'ExampleCache; fwd=stale; fwd-status=304' })).toBe('EXPIRED');
    expect(classify({ 'cache-status': 'ExampleCache; fwd=bypass' })).toBe('BYPASS');
    expect(classify({ 'cache-status': 'ExampleCache; fwd=method' })).toBe('BYPASS');
    expect(classify({ 'cache-status': 'ExampleCache; fwd=request' })).toBe('BYPASS');
    // two layers: the origin's cache hit earlier, the CDN reused its own copy now
    expect(classify({ 'cache-status': 'OriginCache; hit; ttl=1100, "CDN Company Here"; hit; ttl=545' })).toBe('HIT');
    // the reverse proxy hit, the CDN in front of it missed: the CDN is what we warm
    expect(classify({ 'cache-status': 'ReverseProxyCache; hit, ForwardProxyCache; fwd=uri-miss; collapsed; stored' })).toBe('MISS');
    expect(classify({ 'cache-status': ['ReverseProxyCache; fwd=uri-miss', 'EdgeCache; hit'] })).toBe('HIT');
    expect(classify({ 'cache-status': 'ExampleCache; hit=?0; fwd=uri-miss' })).toBe('MISS');
    expect(classify({ 'cache-status': 'ExampleCache; detail=abc' })).toBe('UNKNOWN');
    // Cache-Status wins over the ad-hoc headers
    expect(classifyResponse({ 'cache-status': 'Edge; fwd=uri-miss', 'x-cache': 'HIT', age: '30' })).toEqual({ cache: 'MISS', by: 'cache-status', value: 'Edge; fwd=uri-miss' });
  });

  it('parses Cache-Status members and parameters, quoted names with commas included', () => {
    expect(parseCacheStatus('"Edge, Inc; EU"; hit; ttl=30; key="/a;b", Origin; fwd=stale; fwd-status=304')).toEqual([
      { cache: 'Edge, Inc; EU', params: { hit: true, ttl: 30, key: '/a;b' } },
      { cache: 'Origin', params: { fwd: 'stale', 'fwd-status': 304 } },
    ]);
  });

  it('reads Cloudflare CF-Cache-Status, REVALIDATED as HIT and UPDATING as STALE', () => {
    const cf = (v: string) => classify({ 'cf-cache-status': v, age: '12', server: 'cloudflare', 'cf-ray': '8a1b2c3d4e5f6a7b-AMS' });
    expect(cf('HIT')).toBe('HIT');
    expect(cf('MISS')).toBe('MISS');
    expect(cf('EXPIRED')).toBe('EXPIRED');
    expect(cf('STALE')).toBe('STALE');
    expect(cf('BYPASS')).toBe('BYPASS');
    expect(cf('DYNAMIC')).toBe('DYNAMIC');
    expect(cf('REVALIDATED')).toBe('HIT');
    expect(cf('UPDATING')).toBe('STALE');
    expect(cf('NONE')).toBe('DYNAMIC');
    expect(cf('hit')).toBe('HIT');
  });

  it('reads Fastly X-Cache by its last entry (the edge closest to the client when shielding)', () => {
    const fastly = (v: string) => classify({ 'x-cache': v, 'x-served-by': 'cache-sea1927-SEA, cache-ams4133-AMS', 'x-cache-hits': '3, 16', age: '96' });
    expect(fastly('HIT')).toBe('HIT');
    expect(fastly('MISS')).toBe('MISS');
    expect(fastly('MISS, HIT')).toBe('HIT');
    expect(fastly('HIT, MISS')).toBe('MISS');
    expect(fastly('MISS, MISS')).toBe('MISS');
    expect(fastly('MISS, HIT, HIT')).toBe('HIT');
  });

  it('reads CloudFront, Varnish, Akamai and nginx conventions', () => {
    const cf = (v: string) => classify({ 'x-cache': v, via: '1.1 0a1b2c.cloudfront.net (CloudFront)', 'x-amz-cf-pop': 'FRA56-P1' });
    expect(cf('Hit from cloudfront')).toBe('HIT');
    expect(cf('RefreshHit from cloudfront')).toBe('HIT');
    expect(cf('Miss from cloudfront')).toBe('MISS');
    expect(cf('Error from cloudfront')).toBe('UNKNOWN');
    expect(cf('Redirect from cloudfront')).toBe('DYNAMIC');
    expect(cf('LambdaGeneratedResponse from cloudfront')).toBe('DYNAMIC');
    expect(cf('FunctionGeneratedResponse from cloudfront')).toBe('DYNAMIC');
    expect(classify({ 'x-cache': 'HIT: 3', 'x-varnish': '32770 3' })).toBe('HIT');
    expect(classify({ 'x-cache': 'MISS', 'x-varnish': '32770', age: '0' })).toBe('MISS');
    expect(classify({ 'x-cache': 'TCP_MEM_HIT from a23-45-67-89.deploy.akamaitechnologies.com (AkamaiGHost/22.1.2-123) (-)' })).toBe('HIT');
    expect(classify({ 'x-cache': 'TCP_MISS from a23-45-67-89.deploy.akamaitechnologies.com (AkamaiGHost/22.1.2-123) (-)' })).toBe('MISS');
    expect(classify({ 'x-cache': 'TCP_REFRESH_MISS from a23-45-67-89.deploy.akamaitechnologies.com' })).toBe('EXPIRED');
    expect(classify({ 'x-cache': 'TCP_REFRESH_HIT from a23-45-67-89.deploy.akamaitechnologies.com' })).toBe('HIT');
    expect(classify({ 'x-cache-status': 'HIT' })).toBe('HIT');
    expect(classify({ 'x-cache-status': 'EXPIRED' })).toBe('EXPIRED');
    expect(classify({ 'x-cache-status': 'UPDATING' })).toBe('STALE');
    expect(classify({ 'x-cache-status': 'REVALIDATED' })).toBe('HIT');
    expect(classify({ 'x-cache-status': 'BYPASS' })).toBe('BYPASS');
  });

  it('falls back to X-Varnish, then Age', () => {
    expect(classifyResponse({ 'x-varnish': '98306 65541', age: '4', via: '1.1 varnish (Varnish/7.1)' })).toEqual({ cache: 'HIT', by: 'x-varnish', value: '98306 65541' });
    expect(classify({ 'x-varnish': '98309', age: '0' })).toBe('MISS');
    expect(classifyResponse({ age: '120' })).toEqual({ cache: 'HIT', by: 'age', value: '120' });
    expect(classify({ age: '0' })).toBe('UNKNOWN');
    expect(classifyResponse({ 'content-type': 'text/html' })).toEqual({ cache: 'UNKNOWN', by: null, value: null });
    expect(classify({ 'x-cache': '' , age: '5' })).toBe('HIT');
  });
});

describe('variants and headers', () => {
  it('parses header sets, presets, and keeps ;q= inside a value', () => {
    expect(parseVariant('Accept-Encoding: gzip')).toEqual({ label: 'Accept-Encoding: gzip', headers: [['Accept-Encoding', 'gzip']] });
    expect(parseVariant('Accept-Encoding: br; Accept-Language: de-DE,de;q=0.9,en;q=0.5')).toEqual({
      label: 'Accept-Encoding: br; Accept-Language: de-DE,de;q=0.9,en;q=0.5',
      headers: [['Accept-Encoding', 'br'], ['Accept-Language', 'de-DE,de;q=0.9,en;q=0.5']],
    });
    expect(parseVariant('  Accept:text/html;q=0.9 ;  X-Device : mobile ; ').headers).toEqual([['Accept', 'text/html;q=0.9'], ['X-Device', 'mobile']]);
    expect(parseVariant('mobile').headers[0]![0]).toBe('User-Agent');
    expect(parseVariant('BR')).toEqual({ label: 'br', headers: PRESETS.br });
    expect(parseVariants(undefined)).toEqual([{ label: 'default', headers: [] }]);
    expect(parseVariants(['gzip', 'br', 'identity']).map((v) => v.label)).toEqual(['gzip', 'br', 'identity']);
  });

  it('rejects bad variant syntax with a usage error naming the flag', () => {
    expect(thrown(() => parseVariant('gzip-ish'), 'usage')).toMatch(/--variant 'gzip-ish': not a header set/);
    expect(thrown(() => parseVariant(''), 'usage')).toMatch(/--variant '': empty/);
    expect(thrown(() => parseVariant(': gzip'), 'usage')).toMatch(/not a header/);
    expect(thrown(() => parseVariant('Accept Encoding: gzip'), 'usage')).toMatch(/not a valid header name/);
    expect(thrown(() => parseVariant('Accept-Encoding: gzip; accept-encoding: br'), 'usage')).toMatch(/given twice/);
    expect(thrown(() => parseVariant('X-A: 1\r\nX-Injected: 2'), 'usage')).toMatch(/control character/);
    expect(thrown(() => parseVariants(['Accept-Encoding: gzip', 'gzip']), 'usage')).toMatch(/same header set/);
    expect(thrown(() => parseHeader('Content-Length: 5', '--header'), 'usage')).toMatch(/perfkit sets this header itself/);
    expect(parseHeader('Host: www.example.com', '--header')).toEqual(['Host', 'www.example.com']);
  });

  it('merges defaults < --header < variant, by case-insensitive name', () => {
    expect(mergeHeaders([['User-Agent', 'perfkit'], ['Accept-Encoding', 'gzip, deflate, br']], [['accept-encoding', 'gzip'], ['X-Warm', '1']], [['Accept-Encoding', 'identity']])).toEqual([
      ['User-Agent', 'perfkit'],
      ['Accept-Encoding', 'identity'],
      ['X-Warm', '1'],
    ]);
  });

  it('checks every numeric and enumerated flag once', () => {
    expect(planOf({ from: 'urls.txt' })).toMatchObject({ method: 'GET', concurrency: 8, timeoutMs: 10_000, retries: 2, verify: true, onError: 'continue', dryRun: false });
    expect(planOf({ from: 'urls.txt', method: 'head', timeout: '2500ms', rate: '20', verify: false })).toMatchObject({ method: 'HEAD', timeoutMs: 2500, ratePerSec: 20, verify: false });
    expect(thrown(() => planOf({ from: 'u.txt', concurrency: '0' }), 'usage')).toMatch(/--concurrency '0'/);
    expect(thrown(() => planOf({ from: 'u.txt', concurrency: 'lots' }), 'usage')).toMatch(/--concurrency 'lots'/);
    expect(thrown(() => planOf({ from: 'u.txt', concurrency: '5000' }), 'usage')).toMatch(/at most 256/);
    expect(thrown(() => planOf({ from: 'u.txt', method: 'POST' }), 'usage')).toMatch(/GET or HEAD/);
    expect(thrown(() => planOf({ from: 'u.txt', timeout: 'soon' }), 'usage')).toMatch(/--timeout 'soon'/);
    expect(thrown(() => planOf({ from: 'u.txt', rate: '0' }), 'usage')).toMatch(/--rate/);
    expect(thrown(() => planOf({ from: 'u.txt', retries: '-1' }), 'usage')).toMatch(/--retries/);
    expect(thrown(() => planOf({ from: 'u.txt', baseUrl: 'ftp://x' }), 'usage')).toMatch(/--base-url/);
    expect(thrown(() => planOf({ from: 'u.txt', order: 'random' }), 'usage')).toMatch(/--order 'random'/);
    expect(thrown(() => planOf({ from: 'u.txt', limit: '0' }), 'usage')).toMatch(/--limit/);
    expect(thrown(() => planOf({ from: 'u.txt', onError: 'ignore' }), 'usage')).toMatch(/--on-error/);
  });
});

describe('URL lists', () => {
  const base = new URL('https://staging.example.com');
  it('skips comments and blanks, joins paths to --base-url, moves absolute URLs onto it', () => {
    expect(parseUrlLine('# comment', base)).toEqual({ kind: 'skip' });
    expect(parseUrlLine('   ', base)).toEqual({ kind: 'skip' });
    expect(parseUrlLine('\uFEFF/about', base)).toEqual({ kind: 'url', url: 'https://staging.example.com/about' });
    expect(parseUrlLine('/pricing   # a trailing comment', base)).toEqual({ kind: 'url', url: 'https://staging.example.com/pricing' });
    expect(parseUrlLine('blog/a?x=1#top', base)).toEqual({ kind: 'url', url: 'https://staging.example.com/blog/a?x=1' });
    expect(parseUrlLine('https://www.example.com/search?q=a&page=2', base)).toEqual({ kind: 'url', url: 'https://staging.example.com/search?q=a&page=2' });
    expect(parseUrlLine('https://www.example.com/search?q=a', undefined)).toEqual({ kind: 'url', url: 'https://www.example.com/search?q=a' });
    expect(parseUrlLine('/about', new URL('http://127.0.0.1:8080/shop'))).toEqual({ kind: 'url', url: 'http://127.0.0.1:8080/shop/about' });
    expect(rebase(new URL('https://www.example.com/shop/x'), new URL('http://127.0.0.1:1/shop')).href).toBe('http://127.0.0.1:1/shop/x');
  });

  it('reports relative lines without a base, and bad lines with a reason', () => {
    expect(parseUrlLine('/about', undefined)).toEqual({ kind: 'relative', text: '/about' });
    expect(parseUrlLine('ftp://files.example.com/a', base)).toMatchObject({ kind: 'bad', reason: 'is a ftp: URL, not http(s)' });
    expect(parseUrlLine('mailto:ops@example.com', base)).toMatchObject({ kind: 'bad' });
    expect(parseUrlLine('https://www.example.com/a b', base)).toMatchObject({ kind: 'bad', reason: expect.stringMatching(/space/) });
    expect(parseUrlLine('http://', base)).toMatchObject({ kind: 'bad' });
  });
});

describe('sitemaps', () => {
  it('parses a urlset with lastmod, priority, entities and an image extension', () => {
    const s = parseSitemap(fx('sitemap.xml').toString('utf8'), 'sitemap.xml');
    expect(s.kind).toBe('urlset');
    if (s.kind !== 'urlset') return;
    expect(s.urls.map((u) => u.loc)).toEqual([
      'https://www.example.com/',
      'https://www.example.com/about',
      'https://www.example.com/pricing',
      'https://www.example.com/search?q=cache&page=2',
      'https://www.example.com/blog/',
    ]);
    expect(s.urls[0]).toEqual({ loc: 'https://www.example.com/', lastmod: Date.UTC(2024, 4, 1), priority: 1 });
    expect(s.urls[1]!.lastmod).toBe(Date.UTC(2023, 10, 20, 8, 30));
    expect(s.urls[3]).toMatchObject({ lastmod: null, priority: 0.1 });
    expect(s.urls[4]).toMatchObject({ priority: null });
  });

  it('parses a sitemap index and its gzipped child', () => {
    const idx = parseSitemap(fx('sitemap-index.xml').toString('utf8'), 'sitemap-index.xml');
    expect(idx).toEqual({
      kind: 'index',
      sitemaps: [
        { loc: 'https://www.example.com/sitemap-pages.xml', lastmod: Date.UTC(2024, 5, 1) },
        { loc: 'https://www.example.com/sitemap-posts.xml.gz', lastmod: Date.UTC(2024, 5, 20) },
      ],
    });
    const gz = fx('sitemap-posts.xml.gz');
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const posts = parseSitemap(gunzipSync(gz).toString('utf8'), 'sitemap-posts.xml.gz');
    expect(posts.kind === 'urlset' && posts.urls.length).toBe(4);
  });

  it('says what it saw when the input is not a sitemap', () => {
    expect(thrown(() => parseSitemap(fx('not-xml.xml').toString('utf8'), '--from not-xml.xml'), 'input')).toMatch(/^--from not-xml.xml: not XML \(it starts with 'This file is named \.xml but/);
    expect(thrown(() => parseSitemap('<!DOCTYPE html><html><body><br></body></html>', 'x'), 'input')).toMatch(/HTML page, not a sitemap/);
    expect(thrown(() => parseSitemap('<?xml version="1.0"?><rss><channel/></rss>', 'feed.xml'), 'input')).toMatch(/root element <rss>/);
    expect(thrown(() => parseSitemap('<urlset><url><loc>x</loc></urlset>', 'broken.xml'), 'input')).toMatch(/not well-formed XML \(line 1, column \d+/);
  });

  it('keeps <url>s without <loc> out, and counts them', () => {
    const s = parseSitemap('<urlset><url><lastmod>2024-01-01</lastmod></url><url><loc> https://a.example/x </loc></url></urlset>', 'x');
    expect(s).toEqual({ kind: 'urlset', urls: [{ loc: 'https://a.example/x', lastmod: null, priority: null }], invalid: [{ loc: '', reason: '<url> without <loc>' }] });
  });

  it('reads W3C datetimes and priorities, null for what is not one', () => {
    expect(parseLastmod('2024')).toBe(Date.UTC(2024, 0, 1));
    expect(parseLastmod('2024-06')).toBe(Date.UTC(2024, 5, 1));
    expect(parseLastmod('2024-06-15T12:00+02:00')).toBe(Date.UTC(2024, 5, 15, 10, 0));
    expect(parseLastmod('2024-06-15T12:00:30.5Z')).toBe(Date.UTC(2024, 5, 15, 12, 0, 30, 500));
    expect(parseLastmod('yesterday')).toBeNull();
    expect(parseLastmod('15/06/2024')).toBeNull();
    expect(parsePriority('0.8')).toBe(0.8);
    expect(parsePriority('1.5')).toBeNull();
    expect(parsePriority('high')).toBeNull();
  });

  it('orders by lastmod (newest first, undated last), by priority (absent = 0.5), or not at all; stable', () => {
    const u = (loc: string, lastmod: number | null, priority: number | null) => ({ loc, lastmod, priority });
    const list = [u('a', null, 0.2), u('b', 100, null), u('c', 300, 0.9), u('d', null, null), u('e', 300, 0.5)];
    expect(orderUrls(list, 'lastmod').map((x) => x.loc)).toEqual(['c', 'e', 'b', 'a', 'd']);
    expect(orderUrls(list, 'priority').map((x) => x.loc)).toEqual(['c', 'e', 'b', 'd', 'a']);
    expect(orderUrls(list, 'none').map((x) => x.loc)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(list.map((x) => x.loc)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('retries', () => {
  it('retries 429 and most 5xx, not 4xx, 501 or 505', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 301, 404, 410, 501, 505].some(isRetryableStatus)).toBe(false);
  });
  it('backs off exponentially with equal jitter, capped', () => {
    expect(backoffMs(1, () => 0)).toBe(125);
    expect(backoffMs(1, () => 0.999999)).toBe(250);
    expect(backoffMs(3, () => 0)).toBe(500);
    expect(backoffMs(20, () => 0.999999)).toBe(8000);
  });
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2024, 0, 1, 12, 0, 0);
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(['120'], now)).toBe(120_000);
    expect(retryAfterMs('Mon, 01 Jan 2024 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Mon, 01 Jan 2024 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

// ---- tallies, findings and the view on hand-made results ------------------------------------------------
const resp = (status: number, headers: Record<string, string>, over: Partial<Outcome> = {}): Outcome => ({ ...outcomeOf({ status, headers, ms: 10, bytes: 100 }, 1), ...over });
const HIT = resp(200, { 'x-cache': 'HIT', 'cache-control': 'public, max-age=300' });
const MISS = resp(200, { 'x-cache': 'MISS', 'cache-control': 'public, max-age=300' });

function data(results: TargetResult[], variants = ['default'], verify = true): HttpWarmData {
  return {
    dryRun: false,
    interrupted: false,
    source: { kind: 'url-list', from: 'urls.txt', sitemaps: [], failedSitemaps: [], skipped: [], skippedCount: 0, duplicates: 0, urlsFound: new Set(results.map((r) => r.url)).size, truncated: false, cap: 100_000, order: 'list', limit: null },
    settings: { method: 'GET', concurrency: 8, ratePerSec: null, timeoutMs: 10_000, retries: 2, verify, baseUrl: null, headers: [] },
    variants: variants.map((label) => ({ label, headers: [], warm: tally(results.filter((r) => r.variant === label).map((r) => r.warm)), verify: tally(results.filter((r) => r.variant === label).map((r) => r.verify)) })),
    totals: { warm: tally(results.map((r) => r.warm)), verify: tally(results.map((r) => r.verify)) },
    results,
  };
}

describe('tallies', () => {
  it('counts classes; the hit ratio leaves out errors and UNKNOWN; percentiles by nearest rank', () => {
    const unknown = resp(200, { 'content-type': 'text/html' });
    const err = resp(503, { 'x-cache': 'MISS' }, { attempts: 3 });
    const t = tally([HIT, HIT, MISS, unknown, err, null, resp(200, { 'cf-cache-status': 'DYNAMIC' })]);
    expect(t).toMatchObject({ requests: 6, ok: 5, hit: 2, miss: 1, dynamic: 1, unknown: 1, errors: 1, retries: 2, bytes: 600 });
    expect(t.hitRatio).toBeCloseTo(2 / 4);
    expect(tally([unknown]).hitRatio).toBeNull();
    expect(tally([]).hitRatio).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('findings', () => {
  it('says why a response is not stored, from its own headers', () => {
    expect(storeBlockers({ cacheControl: 'private, max-age=300', setCookie: false, vary: null })).toEqual(['Cache-Control: private forbids shared caches to keep it']);
    expect(storeBlockers({ cacheControl: 'public, max-age=300', setCookie: true, vary: 'Accept-Encoding' })[0]).toMatch(/Set-Cookie/);
    expect(storeBlockers({ cacheControl: 'no-store', setCookie: false, vary: '*' })).toHaveLength(2);
    expect(storeBlockers({ cacheControl: 'public, max-age=0, s-maxage=600', setCookie: false, vary: null })).toEqual([]);
    expect(storeBlockers({ cacheControl: null, setCookie: false, vary: null })[0]).toMatch(/no Cache-Control/);
  });

  it('reports errors (error), URLs still missing after warming with the Cache-Control as evidence (warn), and UNKNOWN (info)', () => {
    const priv = resp(200, { 'x-cache': 'MISS', 'cache-control': 'private, max-age=300' });
    const refused = { ...MISS, status: null, cache: null, error: '127.0.0.1:9: connection refused (ECONNREFUSED) (after 3 attempts)', unreachable: true, attempts: 3 };
    const bare = resp(200, {});
    const f = warmFindings(
      data([
        { url: 'http://a/1', variant: 'default', warm: MISS, verify: HIT },
        { url: 'http://a/private', variant: 'default', warm: priv, verify: priv },
        { url: 'http://b/x', variant: 'default', warm: refused, verify: refused },
        { url: 'http://a/bare', variant: 'default', warm: bare, verify: bare },
      ]),
    );
    const by = Object.fromEntries(f.map((x) => [x.rule, x]));
    expect(by['warm-http-error']).toMatchObject({ severity: 'error', location: 'http://b/x', evidence: { requests: 2, targets: 1 } });
    expect(by['warm-http-error']!.title).toBe('Requests failed: 127.0.0.1:9: connection refused (ECONNREFUSED)');
    expect(by['warm-http-not-stored']).toMatchObject({ severity: 'warn', location: 'http://a/private', evidence: { cacheControl: 'private, max-age=300', 'x-cache': 'MISS' } });
    expect(by['warm-http-not-stored']!.message).toMatch(/private forbids shared caches/);
    expect(by['warm-http-no-cache-status']).toMatchObject({ severity: 'info' });
    expect(by['warm-http-no-cache-status']!.fix).toMatch(/Cache-Status/);
  });

  it('does not call a warm-pass MISS a problem without verification; flags BYPASS/DYNAMIC', () => {
    const dyn = resp(200, { 'cf-cache-status': 'DYNAMIC' });
    const f = warmFindings(data([{ url: 'http://a/1', variant: 'default', warm: MISS, verify: null }, { url: 'http://a/cart', variant: 'default', warm: dyn, verify: null }], ['default'], false));
    expect(f.map((x) => x.rule)).toEqual(['warm-http-bypassed']);
    expect(f[0]!.message).toMatch(/DYNAMIC \(cf-cache-status: DYNAMIC\)/);
  });

  it('notices variants that share one cached object', () => {
    const rows: TargetResult[] = ['/a', '/b'].flatMap((p) => [
      { url: `http://v${p}`, variant: 'gzip', warm: MISS, verify: HIT },
      { url: `http://v${p}`, variant: 'br', warm: MISS, verify: HIT },
      { url: `http://v${p}`, variant: 'identity', warm: HIT, verify: HIT },
    ]);
    const f = warmFindings(data(rows, ['gzip', 'br', 'identity'])).filter((x) => x.rule === 'warm-http-variants-shared');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: 'info', evidence: { first: 'br', then: 'identity', urls: 2, of: 2 } });
  });

  it('renders a per-variant table and the URLs not HIT after verification', () => {
    const rows: TargetResult[] = [
      { url: 'http://a/1', variant: 'gzip', warm: MISS, verify: HIT },
      { url: 'http://a/1', variant: 'br', warm: MISS, verify: MISS },
    ];
    const sections = httpWarmView(data(rows, ['gzip', 'br']));
    const table = sections.find((s) => s.kind === 'table' && s.title.startsWith('Hit ratio by variant'));
    expect(table && table.kind === 'table' && table.rows).toEqual([
      ['gzip', 2, '0.0% (0/1)', '100.0% (1/1)', 0, '10.0 ms', '10.0 ms'],
      ['br', 2, '0.0% (0/1)', '0.0% (0/1)', 0, '10.0 ms', '10.0 ms'],
      ['all', 4, '0.0% (0/2)', '50.0% (1/2)', 0, '10.0 ms', '10.0 ms'],
    ]);
    const notHit = sections.find((s) => s.title.startsWith('Not HIT after verification'));
    expect(notHit && notHit.kind === 'table' && notHit.rows).toEqual([['http://a/1', 'br', 'MISS', 'MISS', 200, 'public, max-age=300']]);
  });
});
