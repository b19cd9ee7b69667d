// `perfkit cache warm` for HTTP, end to end: the built CLI against a real varnishd in front of a local
// origin (test/helpers/varnish.ts). Fixtures in fixtures/web/sitemaps use the placeholder origin
// https://www.example.com; --base-url moves every URL onto the test's Varnish, under a path of its own
// per test (/t-…) so that tests sharing the Varnish never share a cached object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, fixture, parseReport, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/redis-server.js';
import { startOrigin, startVarnish, type Origin, type Varnish } from '../helpers/varnish.js';

const URLS = fixture('web/sitemaps/urls.txt');
const INDEX = fixture('web/sitemaps/sitemap-index.xml');
const LIST_PATHS = ['/', '/about', '/pricing', '/blog/2024/cold-caches', '/search?q=cache&page=2'];

let origin: Origin;
let varnish: Varnish;

beforeAll(async () => {
  origin = await startOrigin();
  varnish = await startVarnish({ backendPort: origin.port });
}, 60_000);
afterAll(async () => {
  await varnish?.stop();
  await origin?.stop();
});

const warm = (args: string[], opts: { input?: string } = {}) => runCli(['cache', 'warm', ...args], opts);
const json = async (args: string[], expectCode = 0, opts: { input?: string } = {}) => {
  const r = await warm([...args, '--format', 'json'], opts);
  if (r.code !== expectCode) throw new Error(`exit ${r.code}, expected ${expectCode}\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return parseReport(r.stdout);
};
const originHits = (prefix: string) => origin.requests.filter((q) => q.url.startsWith(prefix));

describe('cache warm through Varnish', () => {
  it('fills every URL × variant: MISS on the warm pass, HIT on verification; a second run starts at HIT', async () => {
    const variants = ['--variant', 'gzip', '--variant', 'br', '--variant', 'identity', '--variant', 'Accept-Encoding: gzip; Accept-Language: de'];
    const args = ['--from', URLS, '--base-url', `${varnish.url}/t-list`, ...variants];
    const rep = await json(args);
    expect(rep.command).toBe('cache warm');
    expect(rep.status).toBe('pass');
    expect(rep.summary).toMatchObject({ urls: 5, variants: 4, requests: 40, errors: 0, hitRatioBefore: 0, hitRatioAfter: 1, notHitAfter: 0 });
    expect(rep.target.origins).toEqual([varnish.url]);
    expect(rep.data.results.map((r: any) => new URL(r.url).pathname + new URL(r.url).search)).toEqual(LIST_PATHS.flatMap((p) => Array(4).fill(`/t-list${p}`)));
    for (const r of rep.data.results) {
      expect(r.warm).toMatchObject({ status: 200, cache: 'MISS', by: 'x-cache', value: 'MISS', error: null });
      expect(r.verify).toMatchObject({ status: 200, cache: 'HIT', by: 'x-cache', value: 'HIT', error: null });
    }
    for (const v of rep.data.variants) {
      expect(v.warm).toMatchObject({ requests: 5, miss: 5, hit: 0, hitRatio: 0 });
      expect(v.verify).toMatchObject({ requests: 5, hit: 5, hitRatio: 1 });
    }
    expect(rep.data.variants.map((v: any) => v.label)).toEqual(['gzip', 'br', 'identity', 'Accept-Encoding: gzip; Accept-Language: de']);
    // one origin fetch per cached object, and the variant's headers reached it
    const fetched = originHits('/t-list');
    expect(fetched).toHaveLength(20);
    expect(new Set(fetched.map((q) => `${q.url} ${q.headers['accept-encoding']} ${q.headers['accept-language'] ?? ''}`)).size).toBe(20);
    expect(fetched.every((q) => /^perfkit\//.test(String(q.headers['user-agent'])))).toBe(true);

    const again = await json(args);
    expect(again.summary).toMatchObject({ hitRatioBefore: 1, hitRatioAfter: 1, errors: 0 });
    expect(originHits('/t-list')).toHaveLength(20);
  });

  it('prints the per-variant table and the findings on a terminal-style run', async () => {
    const r = await warm(['--from', URLS, '--base-url', `${varnish.url}/t-table`, '--variant', 'gzip', '--variant', 'br']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Hit ratio by variant/);
    expect(r.stdout).toMatch(/│ gzip\s+│\s+10 │\s+0\.0% \(0\/5\) │\s+100\.0% \(5\/5\) │\s+0 │/);
    expect(r.stdout).toMatch(/hitRatioAfter\s+│\s+1 │/);
  });

  it('warms a sitemap index with a gzipped child, newest first, and reports the documents read', async () => {
    const rep = await json(['--from', INDEX, '--base-url', `${varnish.url}/t-index`]);
    expect(rep.summary).toMatchObject({ urls: 7, sitemaps: 3, hitRatioBefore: 0, hitRatioAfter: 1, errors: 0 });
    expect(rep.data.source.sitemaps.map((s: any) => [s.location.split('/').pop(), s.kind, s.urls, s.gzip])).toEqual([
      ['sitemap-index.xml', 'index', 0, false],
      ['sitemap-posts.xml.gz', 'urlset', 4, true],
      ['sitemap-pages.xml', 'urlset', 3, false],
    ]);
    const paths = [...new Set(rep.data.results.map((r: any) => new URL(r.url).pathname))];
    expect(paths).toEqual(['/t-index/blog/2024/cold-caches', '/t-index/blog/2024/variants', '/t-index/pricing', '/t-index/', '/t-index/about', '/t-index/blog/2023/origin-shield', '/t-index/blog/2022/hello']);
    const limited = await json(['--from', INDEX, '--base-url', `${varnish.url}/t-index`, '--order', 'priority', '--limit', '2']);
    expect(limited.data.results.map((r: any) => new URL(r.url).pathname)).toEqual(['/t-index/', '/t-index/pricing']);
    expect(limited.summary.hitRatioBefore).toBe(1);
  });

  it('fetches a sitemap index over HTTP and its children from their <loc>, moved to --base-url', async () => {
    const rep = await json(['--from', `${origin.url}/sitemap-index.xml`, '--base-url', `${varnish.url}/t-remote`]);
    expect(rep.summary).toMatchObject({ urls: 7, sitemaps: 3, hitRatioAfter: 1 });
    expect(rep.data.source.sitemaps.map((s: any) => s.location)).toEqual([`${origin.url}/sitemap-index.xml`, `${varnish.url}/t-remote/sitemap-posts.xml.gz`, `${varnish.url}/t-remote/sitemap-pages.xml`]);
    expect(rep.data.source.sitemaps[1].gzip).toBe(true);
  });

  it('warms with HEAD: Varnish fetches the object with GET on the miss, and the verification hits', async () => {
    const rep = await json(['--from', URLS, '--base-url', `${varnish.url}/t-head`, '--method', 'HEAD']);
    expect(rep.summary).toMatchObject({ requests: 10, hitRatioBefore: 0, hitRatioAfter: 1, bytes: 0 });
    expect(rep.target.method).toBe('HEAD');
    expect(originHits('/t-head').map((q) => q.method)).toEqual(Array(5).fill('GET'));
  });

  it('--dry-run reads and validates the source, lists the requests, and sends nothing', async () => {
    const before = origin.requests.length;
    const rep = await json(['--from', URLS, '--base-url', `${varnish.url}/t-dry`, '--variant', 'gzip', '--variant', 'br', '--dry-run']);
    expect(origin.requests.length).toBe(before);
    expect(rep.summary).toMatchObject({ urls: 5, variants: 2, requests: 0, errors: 0 });
    expect(rep.summary.hitRatioBefore).toBeUndefined();
    expect(rep.data.dryRun).toBe(true);
    expect(rep.data.results).toHaveLength(10);
    expect(rep.data.results[0]).toMatchObject({ url: `${varnish.url}/t-dry/`, variant: 'gzip', warm: null, verify: null });
    const table = await warm(['--from', URLS, '--base-url', `${varnish.url}/t-dry`, '--dry-run']);
    expect(table.stdout).toMatch(/Would request \(5 URL×variant pairs\)/);
    expect(origin.requests.length).toBe(before);
  });

  it('explains URLs the cache does not keep, with their Cache-Control as evidence', async () => {
    const list = ['/private/a', '/private/b', '/cookie/c', '/fine'].join('\n');
    const rep = await json(['--from', '-', '--input-format', 'urls', '--base-url', `${varnish.url}/t-nostore`], 0, { input: list });
    expect(rep.status).toBe('warn');
    expect(rep.summary).toMatchObject({ urls: 4, hitRatioBefore: 0, hitRatioAfter: 0.25, notHitAfter: 3 });
    const stored = rep.findings.filter((f: any) => f.rule === 'warm-http-not-stored');
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ severity: 'warn', evidence: { targets: 2, cacheControl: 'private, max-age=300', 'x-cache': 'MISS' } });
    expect(stored[0].message).toMatch(/private forbids shared caches/);
    expect(stored[1]).toMatchObject({ evidence: { targets: 1, setCookie: true } });
    const strict = await warm(['--from', '-', '--input-format', 'urls', '--base-url', `${varnish.url}/t-nostore`, '--fail-on', 'warn'], { input: list });
    expect(strict.code).toBe(1);
  });

  it('classifies by Age when the cache adds nothing else', async () => {
    const args = ['--from', '-', '--input-format', 'urls', '--base-url', `${varnish.url}/age/t`];
    const first = await json([...args, '--no-verify'], 0, { input: '/a\n/b\n' });
    expect(first.data.results.map((r: any) => [r.warm.cache, r.warm.by, r.warm.value])).toEqual([['UNKNOWN', 'age', '0'], ['UNKNOWN', 'age', '0']]);
    expect(first.summary.hitRatioBefore).toBeUndefined();
    expect(first.summary.hitRatioAfter).toBeUndefined();
    expect(first.findings.map((f: any) => f.rule)).toContain('warm-http-no-cache-status');
    await new Promise((r) => setTimeout(r, 1_100));
    const later = await json([...args, '--no-verify'], 0, { input: '/a\n/b\n' });
    expect(later.data.results.map((r: any) => [r.warm.cache, r.warm.by])).toEqual([['HIT', 'age'], ['HIT', 'age']]);
    expect(later.summary.hitRatioBefore).toBe(1);
  });

  it('notices variants that Varnish serves from one object when it handles gzip itself', async () => {
    const folding = await startVarnish({ backendPort: origin.port, gzipSupport: true });
    try {
      const rep = await json(['--from', URLS, '--base-url', `${folding.url}/t-fold`, '--variant', 'gzip', '--variant', 'br', '--variant', 'identity', '--limit', '3']);
      const byVariant = Object.fromEntries(rep.data.variants.map((v: any) => [v.label, v.warm]));
      // http_gzip_support: one gzipped object per URL serves every Accept-Encoding (gunzipped on delivery)
      expect(byVariant.gzip).toMatchObject({ miss: 3, hit: 0 });
      expect(byVariant.br).toMatchObject({ miss: 0, hit: 3 });
      expect(byVariant.identity).toMatchObject({ miss: 0, hit: 3 });
      const shared = rep.findings.filter((f: any) => f.rule === 'warm-http-variants-shared');
      expect(shared.map((f: any) => f.evidence)).toEqual([
        { first: 'gzip', then: 'br', urls: 3, of: 3 },
        { first: 'gzip', then: 'identity', urls: 3, of: 3 },
      ]);
      expect(shared[0].severity).toBe('info');
      expect(rep.summary.hitRatioAfter).toBe(1);
    } finally {
      await folding.stop();
    }
  });
});

describe('cache warm: retries and failures', () => {
  it('retries a 429 after its Retry-After, straight from the origin, and succeeds', async () => {
    const t0 = Date.now();
    const rep = await json(['--from', '-', '--input-format', 'urls', '--base-url', `${origin.url}/flaky/one`], 0, { input: '/\n' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    expect(rep.summary).toMatchObject({ urls: 1, errors: 0, retries: 1 });
    expect(rep.data.results[0].warm).toMatchObject({ status: 200, attempts: 2, error: null });
    expect(originHits('/flaky/one').length).toBe(3);
  });

  it('counts an unreachable URL as an error with a finding, and fails the run (exit 1)', async () => {
    const closed = await freePort();
    const list = `${varnish.url}/t-err/a\n${varnish.url}/t-err/b\nhttp://127.0.0.1:${closed}/gone\n`;
    const r = await warm(['--from', '-', '--input-format', 'urls', '--retries', '1', '--format', 'json'], { input: list });
    expect(r.code).toBe(1);
    const rep = parseReport(r.stdout);
    expect(rep.status).toBe('fail');
    expect(rep.summary).toMatchObject({ urls: 3, errors: 1, hitRatioBefore: 0, hitRatioAfter: 1 });
    const f = rep.findings.find((x: any) => x.rule === 'warm-http-error');
    expect(f).toMatchObject({ severity: 'error', location: `http://127.0.0.1:${closed}/gone`, evidence: { requests: 2, targets: 1, attempts: 2 } });
    expect(f.message).toMatch(/connection refused \(ECONNREFUSED\)/);
    expect(rep.data.results[2].warm).toMatchObject({ status: null, cache: null, unreachable: true, attempts: 2 });
  });

  it('stops with exit 3 when nothing answers at all', async () => {
    const closed = await freePort();
    const r = await warm(['--from', '-', '--input-format', 'urls', '--retries', '0'], { input: `http://127.0.0.1:${closed}/a\nhttp://127.0.0.1:${closed}/b\n` });
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(new RegExp(`^perfkit: cannot reach 127\\.0\\.0\\.1:${closed}: all 2 requests failed .*connection refused.*\\. Fix: check that the server is up`));
  });

  it('counts a 404 as a failed request', async () => {
    const rep = await json(['--from', '-', '--input-format', 'urls', '--base-url', `${varnish.url}/missing/t`], 1, { input: '/x\n' });
    expect(rep.summary.errors).toBe(1);
    expect(rep.findings.find((f: any) => f.rule === 'warm-http-error')).toMatchObject({ title: 'Requests failed: HTTP 404' });
  });
});

describe('cache warm: bad input', () => {
  it('a sitemap that is not XML: exit 2, one line naming the file', async () => {
    const r = await warm(['--from', fixture('web/sitemaps/not-xml.xml'), '--base-url', varnish.url]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/^perfkit: --from .*not-xml\.xml: not XML \(it starts with 'This file is named \.xml but.*'\)\. Fix: give a sitemap/);
  });

  it('an HTML page given as the sitemap URL: exit 2', async () => {
    const r = await warm(['--from', `${origin.url}/page.xml`, '--base-url', varnish.url]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/page\.xml: is an HTML page, not a sitemap\. Fix: /);
  });

  it('an unreachable sitemap URL: exit 3', async () => {
    const closed = await freePort();
    const r = await warm(['--from', `http://127.0.0.1:${closed}/sitemap.xml`]);
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(/cannot fetch the sitemap .*connection refused/);
  });

  it('bad --variant syntax, --concurrency, --timeout: exit 2', async () => {
    const bad = [
      [['--variant', 'Accept-Encoding gzip'], /--variant 'Accept-Encoding gzip': not a header set/],
      [['--variant', 'X Y: 1'], /not a valid header name/],
      [['--concurrency', '0'], /--concurrency '0': not a positive whole number/],
      [['--concurrency', 'many'], /--concurrency 'many'/],
      [['--timeout', 'forever'], /--timeout 'forever': not a duration/],
      [['--header', 'NoColon'], /--header 'NoColon': not a header/],
    ] as const;
    for (const [flags, msg] of bad) {
      const r = await warm(['--from', URLS, '--base-url', varnish.url, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(expectOneLineError(r)).toMatch(msg);
    }
  });

  it('a relative line without --base-url: exit 2 naming the line', async () => {
    const r = await warm(['--from', URLS]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/urls\.txt line 4: '\/' is a relative URL and no --base-url was given\. Fix: add --base-url/);
  });

  it('bad lines: skipped with a warning by default, exit 2 with --on-error stop', async () => {
    const list = `${varnish.url}/t-bad/a\nftp://files.example.com/x\n${varnish.url}/t-bad/b\n`;
    const rep = await json(['--from', '-', '--input-format', 'urls'], 0, { input: list });
    expect(rep.summary.urls).toBe(2);
    expect(rep.findings.find((f: any) => f.rule === 'warm-http-skipped-input')).toMatchObject({ severity: 'warn', location: 'line 2' });
    const r = await warm(['--from', '-', '--input-format', 'urls', '--on-error', 'stop'], { input: list });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/--from stdin line 2: 'ftp:\/\/files\.example\.com\/x' is a ftp: URL, not http\(s\)/);
  });

  it('a missing file and an empty list: exit 2', async () => {
    const r = await warm(['--from', 'no/such/urls.txt']);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/no\/such\/urls\.txt: cannot read it \(no such file\)/);
    const e = await warm(['--from', '-', '--input-format', 'urls'], { input: '# only a comment\n\n' });
    expect(e.code).toBe(2);
    expect(expectOneLineError(e)).toMatch(/--from stdin: no URL to warm/);
  });
});
