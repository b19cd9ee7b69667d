// CloudFront decisions without a network: path normalization, waves at the in-flight limits, CallerReference,
// cost, --collapse, error mapping, polling, and the offline credential check.
import { retryAfterMs } from '../../../src/util/retry.js';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PerfkitError } from '../../../src/cli/errors.js';
import { BatchError, TransientError, type PurgeItem, type WaitOptions } from '../../../src/cdn/provider.js';
import {
  callerReference,
  checkAwsCredentials,
  collapsePaths,
  createProvider,
  describeCloudFrontError,
  encodePath,
  estimateCloudFrontCost,
  invalidationBatchXml,
  normalizeItems,
  planWaves,
  pollUntil,
} from '../../../src/connectors/cdn/cloudfront.js';

const p = (value: string): PurgeItem => ({ kind: 'path', value });
const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => p(f(i)));
const values = (items: PurgeItem[]) => items.map((i) => i.value);

describe('normalize', () => {
  it('adds the leading slash, keeps the query string, turns URLs into paths and --all into /*', () => {
    const r = normalizeItems([
      p('index.html'),
      p('/search?q=shoes&page=2'),
      { kind: 'url', value: 'https://d111.cloudfront.net/img/a.png?v=3#top' },
      { kind: 'all', value: '*' },
    ]);
    expect(r.rejected).toEqual([]);
    expect(values(r.items)).toEqual(['/index.html', '/search?q=shoes&page=2', '/img/a.png?v=3', '/*']);
  });

  it('percent-encodes non-ASCII and RFC 1738 unsafe characters, but never an existing %XX or a final *', () => {
    expect(encodePath('/café/menu 1.html')).toBe('/caf%C3%A9/menu%201.html');
    expect(encodePath('/runtime~main.js')).toBe('/runtime%7Emain.js');
    expect(encodePath('/a%20b/<x>{y}|^`[z]"\\')).toBe('/a%20b/%3Cx%3E%7By%7D%7C%5E%60%5Bz%5D%22%5C');
    expect(encodePath('/100%/x')).toBe('/100%25/x');
    expect(encodePath('/日本/*')).toBe('/%E6%97%A5%E6%9C%AC/*');
    expect(encodePath('/a+b=c&d;e,f:g@h!$\'()')).toBe('/a+b=c&d;e,f:g@h!$\'()');
  });

  it('a URL is encoded once, not twice', () => {
    const r = normalizeItems([{ kind: 'url', value: 'https://x.example/caf%C3%A9 menu.html' }]);
    expect(values(r.items)).toEqual(['/caf%C3%A9%20menu.html']);
  });

  it("rejects '*' anywhere but last, paths over 4,000 characters, and what CloudFront cannot purge, saying why", () => {
    const r = normalizeItems([p('/a/*/b'), p(`/${'x'.repeat(4_000)}`), { kind: 'prefix', value: 'x/y' }, { kind: 'url', value: 'ftp://x/y' }, p('/ok/*')]);
    expect(values(r.items)).toEqual(['/ok/*']);
    expect(r.rejected.map((x) => x.why)).toEqual([
      "CloudFront allows '*' only as the last character of a path (e.g. /images/*)",
      'path is 4001 characters once encoded; CloudFront takes at most 4000',
      'CloudFront cannot purge by prefix: give paths, URLs, #tags or --all',
      'CloudFront paths come from http(s) URLs, not ftp:',
    ]);
  });

  it('a path that becomes longer than 4,000 characters once encoded is rejected', () => {
    const r = normalizeItems([p(`/${'é'.repeat(700)}`)]);
    expect(r.rejected[0]!.why).toBe('path is 4201 characters once encoded; CloudFront takes at most 4000');
  });

  it('cache tags: #tag or kind tag; visible ASCII without commas, ≤ 256, no wildcard; case-insensitive duplicates dropped', () => {
    const r = normalizeItems([
      { kind: 'tag', value: 'product:electronics' },
      p('#Product:Electronics'),
      { kind: 'tag', value: 'a,b' },
      { kind: 'tag', value: 'has space' },
      { kind: 'tag', value: 'x'.repeat(257) },
      { kind: 'tag', value: 'cat*' },
    ]);
    expect(r.items).toEqual([{ kind: 'tag', value: 'product:electronics' }]);
    expect(r.rejected.map((x) => x.why)).toEqual([
      'cache tags are visible ASCII (33–126) without commas or spaces',
      'cache tags are visible ASCII (33–126) without commas or spaces',
      'cache tag is 257 characters; CloudFront takes at most 256',
      "cache tags take no '*' wildcard on CloudFront",
    ]);
  });

  it('drops duplicates but keeps paths that differ only in case', () => {
    expect(values(normalizeItems([p('/A'), p('/a'), p('/a'), { kind: 'url', value: 'https://x/a' }]).items)).toEqual(['/A', '/a']);
  });
});

describe('plan: batches and waves within the limits', () => {
  it('3,000 paths: one request, one wave', () => {
    expect(planWaves(many(3_000, (i) => `/f${i}`)).map((b) => [b.wave, b.items.length])).toEqual([[0, 3_000]]);
  });

  it('3,001 paths: two waves', () => {
    expect(planWaves(many(3_001, (i) => `/f${i}`)).map((b) => [b.wave, b.items.length])).toEqual([
      [0, 3_000],
      [1, 1],
    ]);
  });

  it('15 wildcards fit one wave; 16 need two', () => {
    expect(planWaves(many(15, (i) => `/d${i}/*`)).map((b) => b.wave)).toEqual([0]);
    expect(planWaves(many(16, (i) => `/d${i}/*`)).map((b) => [b.wave, b.items.length])).toEqual([
      [0, 15],
      [1, 1],
    ]);
  });

  it('3,000 files and 15 wildcards share a wave (independent limits) but not a request (3,000 per request)', () => {
    const b = planWaves([...many(15, (i) => `/d${i}/*`), ...many(3_000, (i) => `/f${i}`)]);
    expect(b.map((x) => [x.wave, x.items.length])).toEqual([
      [0, 3_000],
      [0, 15],
    ]);
    expect(b[0]!.items.filter((i) => i.value.endsWith('*'))).toHaveLength(15);
  });

  it('40 wildcards and 100 files: three waves, the files in the first', () => {
    const b = planWaves([...many(40, (i) => `/d${i}/*`), ...many(100, (i) => `/f${i}`)]);
    expect(b.map((x) => [x.wave, x.items.length])).toEqual([
      [0, 115],
      [1, 15],
      [2, 10],
    ]);
  });

  it('tags go in their own request and count against the 3,000 paths in flight', () => {
    const b = planWaves([...many(2_999, (i) => `/f${i}`), { kind: 'tag', value: 'a' }, { kind: 'tag', value: 'b' }]);
    expect(b.map((x) => [x.wave, x.kind, x.items.length])).toEqual([
      [0, 'path', 2_999],
      [0, 'tag', 1],
      [1, 'tag', 1],
    ]);
  });
});

describe('CallerReference', () => {
  it('is stable for the same distribution, paths in any order and run', () => {
    const a = callerReference('E1', ['/a', '/b/*', '#t'], 'run1');
    expect(callerReference('E1', ['#t', '/b/*', '/a'], 'run1')).toBe(a);
    expect(a).toMatch(/^perfkit-run1-[0-9a-f]{32}$/);
  });

  it('differs for other paths, another distribution, another run', () => {
    const a = callerReference('E1', ['/a'], 'run1');
    expect(new Set([a, callerReference('E1', ['/a', '/b'], 'run1'), callerReference('E2', ['/a'], 'run1'), callerReference('E1', ['/a'], 'run2')]).size).toBe(4);
  });

  it('the preview carries the XML body the SDK would send, escaped', () => {
    expect(invalidationBatchXml('ref&1', ['/a&b', '#t'])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Paths><Quantity>2</Quantity><Items><Path>/a&amp;b</Path><Path>#t</Path></Items></Paths><CallerReference>ref&amp;1</CallerReference></InvalidationBatch>',
    );
    const prov = createProvider({ options: { distributionId: 'E1', runId: 'r' }, env: {}, cwd: '.', secret: () => {}, timeoutMs: 1_000 });
    const [b] = prov.plan(prov.normalize([p('/a')]).items);
    expect(prov.preview(b!)).toEqual([
      {
        method: 'POST',
        url: 'https://cloudfront.amazonaws.com/2020-05-31/distribution/E1/invalidation',
        headers: { 'Content-Type': 'application/xml', Authorization: '***' },
        body: invalidationBatchXml(callerReference('E1', ['/a'], 'r'), ['/a']),
      },
    ]);
  });
});

describe('cost', () => {
  it('the first 1,000 paths a month are free; then $0.005 a path; a wildcard or tag counts as one', () => {
    expect(estimateCloudFrontCost(many(1_000, (i) => `/f${i}`))).toMatchObject({ billablePaths: 0, estimatedCostUsd: 0 });
    expect(estimateCloudFrontCost([...many(1_000, (i) => `/f${i}`), p('/all/*')])).toMatchObject({ billablePaths: 1, estimatedCostUsd: 0.005 });
    const c = estimateCloudFrontCost([...many(2_499, (i) => `/f${i}`), { kind: 'tag', value: 't' }]);
    expect(c).toMatchObject({ billablePaths: 1_500, estimatedCostUsd: 7.5 });
    expect(c.note).toContain('free per AWS account across all distributions');
    expect(c.note).toContain('perfkit cannot see how many were already used this month: with none left this costs $12.500');
    expect(c.note).toContain('tag invalidation pricing is unverified');
  });
});

describe('--collapse', () => {
  it('replaces the paths of a directory by dir/* where that lowers the count, biggest first', () => {
    const r = collapsePaths([...many(40, (i) => `/assets/js/${i}.js`), ...many(3, (i) => `/img/${i}.png`), p('/docs/one.html'), p('/index.html'), p('/about.html'), { kind: 'tag', value: 't' }]);
    expect(r.replaced).toEqual([
      { wildcard: '/assets/js/*', covers: 40 },
      { wildcard: '/img/*', covers: 3 },
    ]);
    expect(values(r.items)).toEqual(['/assets/js/*', '/img/*', '/docs/one.html', '/index.html', '/about.html', 't']);
  });

  it('a parent directory wins when it covers more', () => {
    const r = collapsePaths([p('/a/x.html'), ...many(3, (i) => `/a/b/${i}`), ...many(2, (i) => `/a/c/${i}`)]);
    expect(r.replaced).toEqual([{ wildcard: '/a/*', covers: 6 }]);
    expect(values(r.items)).toEqual(['/a/*']);
  });

  it('never collapses the root (that would purge everything)', () => {
    const r = collapsePaths([p('/a.html'), p('/b.html'), p('/c.html')]);
    expect(r.replaced).toEqual([]);
    expect(r.items).toHaveLength(3);
  });

  it('drops paths a given wildcard already covers, and given wildcards a new one covers', () => {
    const r = collapsePaths([p('/x/*'), p('/x/1'), p('/x/2/3'), p('/y/z/*'), p('/y/1'), p('/y/2')]);
    expect(r.replaced).toEqual([
      { wildcard: '/x/*', covers: 2 },
      { wildcard: '/y/*', covers: 3 },
    ]);
    expect(values(r.items)).toEqual(['/x/*', '/y/*']);
  });

  it('stays within the 15 wildcards of one wave', () => {
    const items = Array.from({ length: 20 }, (_, d) => many(d + 2, (i) => `/d${d}/${i}`)).flat();
    const r = collapsePaths([...items, p('/given/*')]);
    expect(r.items.filter((i) => i.value.endsWith('*'))).toHaveLength(15);
    expect(r.replaced.map((x) => x.wildcard).slice(0, 2)).toEqual(['/d19/*', '/d18/*']); // biggest savings first
    expect(r.items.length).toBe(15 + [...Array(6).keys()].reduce((a, d) => a + d + 2, 0));
  });

  it('/* covers every path', () => {
    const r = collapsePaths([p('/*'), ...many(5, (i) => `/f${i}`)]);
    expect(values(r.items)).toEqual(['/*']);
    expect(r.replaced).toEqual([{ wildcard: '/*', covers: 5 }]);
  });
});

describe('error mapping', () => {
  const ctx = { op: 'CreateInvalidation', distributionId: 'E1', source: 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY', endpoint: 'https://cloudfront.amazonaws.com', aborted: false };
  const sdk = (name: string, status?: number, headers: Record<string, string> = {}, message = 'm') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $response: { headers } });

  it.each([
    ['Throttling', 400],
    ['ServiceUnavailable', 503],
    ['InternalError', 500],
    ['TooManyInvalidationsInProgress', 400],
    ['SomethingNew', 502],
    ['SlowDown', 429],
  ])('%s (%s) → TransientError', (name, status) => {
    expect(describeCloudFrontError(sdk(name, status), ctx)).toBeInstanceOf(TransientError);
  });

  it.each([
    ['InvalidArgument', 400],
    ['BatchTooLarge', 413],
    ['InconsistentQuantities', 400],
    ['InvalidationBatchAlreadyExists', 409],
    ['NoSuchDistribution', 404],
  ])('%s (%s) → BatchError', (name, status) => {
    expect(describeCloudFrontError(sdk(name, status), ctx)).toBeInstanceOf(BatchError);
  });

  it.each(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken', 'CredentialsProviderError'])('%s → connect error', (name) => {
    const e = describeCloudFrontError(sdk(name, 403), ctx) as PerfkitError;
    expect(e.kind).toBe('connect');
  });

  it('Retry-After is honoured; TooManyInvalidationsInProgress without it suggests 30 s', () => {
    expect((describeCloudFrontError(sdk('Throttling', 400, { 'retry-after': '2' }), ctx) as TransientError).opts.retryAfterMs).toBe(2_000);
    expect((describeCloudFrontError(sdk('TooManyInvalidationsInProgress', 400), ctx) as TransientError).opts.retryAfterMs).toBe(30_000);
    expect((describeCloudFrontError(sdk('Throttling', 400), ctx) as TransientError).opts.retryAfterMs).toBeUndefined();
  });

  it('network failures are transient, an unknown host is a connect error', () => {
    expect(describeCloudFrontError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), ctx)).toBeInstanceOf(TransientError);
    expect(describeCloudFrontError(Object.assign(new Error('timed out'), { name: 'TimeoutError' }), ctx)).toBeInstanceOf(TransientError);
    expect((describeCloudFrontError(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }), ctx) as PerfkitError).kind).toBe('connect');
  });

  it('Retry-After: seconds or an HTTP date (util/retry)', () => {
    const parseRetryAfter = retryAfterMs;
    expect(parseRetryAfter('1.5')).toBe(1_500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('pollUntil', () => {
  const opts = (over: Partial<WaitOptions> = {}) => {
    const slept: number[] = [];
    return { slept, o: { signal: new AbortController().signal, timeoutMs: 120_000, onProgress: () => {}, sleep: async (ms: number) => void slept.push(ms), ...over } as WaitOptions };
  };

  it('2 s doubling to 20 s', async () => {
    const w = opts();
    let n = 0;
    await pollUntil(w.o, async () => ({ done: ++n > 6, text: 'x' }), () => new Error('timeout'), () => 0.5);
    expect(w.slept).toEqual([2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
  });

  it('jitter stays within ±20 %', async () => {
    const lo = opts();
    const hi = opts();
    let n = 0;
    await pollUntil(lo.o, async () => ({ done: ++n > 1, text: 'x' }), () => new Error('t'), () => 0);
    n = 0;
    await pollUntil(hi.o, async () => ({ done: ++n > 1, text: 'x' }), () => new Error('t'), () => 0.999999);
    expect(lo.slept).toEqual([1_600]);
    expect(hi.slept).toEqual([2_400]);
  });

  it('stops at the timeout (never sleeping past it) and when aborted', async () => {
    const w = opts({ timeoutMs: 10_000 });
    await expect(pollUntil(w.o, async () => ({ done: false, text: 'x' }), () => new Error('timed out'), () => 0.5)).rejects.toThrow('timed out');
    expect(w.slept).toEqual([2_000, 4_000, 4_000]);
    const ac = new AbortController();
    ac.abort();
    await expect(pollUntil(opts({ signal: ac.signal }).o, async () => ({ done: false, text: 'x' }), () => new Error('t'))).rejects.toMatchObject({ kind: 'interrupted' });
  });
});

describe('checkCredentials (offline)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-aws-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = { HOME: path.join(dir, 'empty-home'), AWS_EC2_METADATA_DISABLED: 'true' };

  it('nothing configured → connect error naming what is missing', () => {
    try {
      checkAwsCredentials(base);
      throw new Error('no error');
    } catch (e) {
      expect((e as PerfkitError).kind).toBe('connect');
      expect((e as PerfkitError).message).toMatch(/^no AWS credentials: AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY and AWS_PROFILE are not set, and there is no .*\.aws\/credentials or .*\.aws\/config$/);
    }
  });

  it('half a key pair → names the missing half, never the present value', () => {
    expect(() => checkAwsCredentials({ ...base, AWS_ACCESS_KEY_ID: 'AKIDSECRETISH' })).toThrow('AWS_SECRET_ACCESS_KEY is not set (AWS_ACCESS_KEY_ID is)');
    expect(() => checkAwsCredentials({ ...base, AWS_SECRET_ACCESS_KEY: 's3cr3t' })).toThrow('AWS_ACCESS_KEY_ID is not set (AWS_SECRET_ACCESS_KEY is)');
  });

  it('keys, a web identity, a container role or ~/.aws files are enough', () => {
    expect(() => checkAwsCredentials({ ...base, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' })).not.toThrow();
    expect(() => checkAwsCredentials({ ...base, AWS_WEB_IDENTITY_TOKEN_FILE: '/t', AWS_ROLE_ARN: 'arn' })).not.toThrow();
    expect(() => checkAwsCredentials({ ...base, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/creds' })).not.toThrow();
    const home = path.join(dir, 'home');
    mkdirSync(path.join(home, '.aws'), { recursive: true });
    writeFileSync(path.join(home, '.aws', 'config'), '[default]\nregion = eu-west-1\n\n[profile deploy]\nsso_session = x\n');
    expect(() => checkAwsCredentials({ ...base, HOME: home })).not.toThrow();
    expect(() => checkAwsCredentials({ ...base, HOME: home, AWS_PROFILE: 'deploy' })).not.toThrow();
    expect(() => checkAwsCredentials({ ...base, HOME: home, AWS_PROFILE: 'prod' })).toThrow(/^AWS_PROFILE 'prod' is in neither /);
  });

  it('the provider also wants a distribution id (a usage error, exit 2)', async () => {
    const prov = createProvider({ options: {}, env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, cwd: '.', secret: () => {}, timeoutMs: 1_000 });
    await expect(prov.checkCredentials()).rejects.toMatchObject({ kind: 'usage', message: 'CloudFront needs a distribution id' });
    const bad = createProvider({ options: { distributionId: 'my-site.cloudfront.net' }, env: {}, cwd: '.', secret: () => {}, timeoutMs: 1_000 });
    await expect(bad.checkCredentials()).rejects.toMatchObject({ kind: 'usage' });
  });
});
