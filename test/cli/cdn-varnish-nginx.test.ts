// `perfkit cdn invalidate` for self-hosted caches, end to end: the built CLI against real varnishd and nginx
// (with Debian's ngx_cache_purge) in front of a local origin. Each test uses paths of its own (/t-…) so that
// tests sharing a cache never share a cached object. Varnish and nginx are started by the tests on free
// loopback ports (test/helpers/varnish.ts, test/helpers/nginx.ts); `bash scripts/setup-services.sh`
// installs them, and a missing one fails the run naming that script.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli, type CliResult } from '../helpers/cli.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { READY_PATH, startOrigin, startVarnish, type Origin, type Varnish } from '../helpers/varnish.js';

/** The VCL of users/purging.rst (research/cache_cdn.md §3.5): PURGE and BAN allowed from an ACL only,
 *  a lurker-friendly ban on obj.http.x-url with the regex from a header, X-Cache from obj.hits. Any other
 *  method but GET/HEAD gets a 405 (so an unexpected purge method is refused, not piped to the origin). */
function purgeVcl(o: { acl: string; purgeMethod: string; banMethod: string; banHeader: string }) {
  return (backendPort: number) => `vcl 4.1;
backend origin { .host = "127.0.0.1"; .port = "${backendPort}"; }
acl purgers { "${o.acl}"; }
sub vcl_recv {
  if (req.url == "${READY_PATH}") { return (synth(200, "ready")); }
  if (req.method == "${o.purgeMethod}") {
    if (!(client.ip ~ purgers)) { return (synth(405, "Not allowed.")); }
    return (purge);
  }
  if (req.method == "${o.banMethod}") {
    if (!(client.ip ~ purgers)) { return (synth(403, "Not allowed.")); }
    if (!req.http.${o.banHeader}) { return (synth(400, "${o.banHeader} missing")); }
    ban("obj.http.x-url ~ " + req.http.${o.banHeader});
    return (synth(200, "Ban added"));
  }
  if (req.method != "GET" && req.method != "HEAD") { return (synth(405, "Method not allowed")); }
}
sub vcl_backend_response { set beresp.http.x-url = bereq.url; }
sub vcl_deliver {
  unset resp.http.x-url;
  if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; }
}
`;
}

const DEFAULTS = { purgeMethod: 'PURGE', banMethod: 'BAN', banHeader: 'X-Ban-Url' };
/** What --then-warm sends (cache warm's default headers): the origin Varies on Accept-Encoding. */
const WARM_HEADERS = { Accept: '*/*', 'Accept-Encoding': 'gzip, deflate, br' };

let origin: Origin;
/** ACL 127.0.0.1, PURGE/BAN/X-Ban-Url */
let varnish: Varnish;
/** ACL 192.0.2.1 (TEST-NET): every PURGE and BAN from here is refused */
let refusing: Varnish;
/** ACL 127.0.0.1, XPURGE/XBAN/X-Ban-Regex: a plain PURGE gets a 405 */
let custom: Varnish;
/** purge location allowed from 127.0.0.1 */
let nginx: Nginx;
/** purge location allowed from 192.0.2.1 only; PURGE on location / (Debian's module crashes on it) */
let nginxStrict: Nginx;

beforeAll(async () => {
  origin = await startOrigin();
  [varnish, refusing, custom, nginx, nginxStrict] = await Promise.all([
    startVarnish({ backendPort: origin.port, vcl: purgeVcl({ acl: '127.0.0.1', ...DEFAULTS }) }),
    startVarnish({ backendPort: origin.port, vcl: purgeVcl({ acl: '192.0.2.1', ...DEFAULTS }) }),
    startVarnish({ backendPort: origin.port, vcl: purgeVcl({ acl: '127.0.0.1', purgeMethod: 'XPURGE', banMethod: 'XBAN', banHeader: 'X-Ban-Regex' }) }),
    startNginx({ backendPort: origin.port }),
    startNginx({ backendPort: origin.port, purgeAllow: ['192.0.2.1'], sameLocationMethod: 'PURGE' }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all([varnish?.stop(), refusing?.stop(), custom?.stop(), nginx?.stop(), nginxStrict?.stop()]);
  await origin?.stop();
});

const purge = (args: string[], opts: { input?: string } = {}) => runCli(['cdn', 'invalidate', ...args], { ...opts, timeoutMs: 60_000 });
const json = async (args: string[], expectCode = 0) => {
  const r = await purge([...args, '--format', 'json']);
  if (r.code !== expectCode) throw new Error(`exit ${r.code}, expected ${expectCode}\n${r.stderr}\n${r.stdout.slice(0, 3000)}`);
  return { rep: parseReport(r.stdout), r };
};

/** One GET through a cache, no keep-alive; the cache's verdict from X-Cache (Varnish VCL) or X-Cache-Status (nginx). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; cache: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cache: String(res.headers['x-cache'] ?? res.headers['x-cache-status'] ?? '') }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
  });
}
const cacheOf = async (url: string, headers: Record<string, string> = {}) => (await get(url, headers)).cache;
/** GET twice: the second must be a HIT (the object is cached). */
async function warm(url: string, headers: Record<string, string> = {}): Promise<void> {
  await get(url, headers);
  const second = await get(url, headers);
  if (second.status !== 200 || second.cache !== 'HIT') throw new Error(`could not warm ${url}: ${second.status} ${second.cache}`);
}
/** The house rule for a failure that still has a report: the report on stdout, one `perfkit: … Fix: …` line on stderr. */
function expectReportAndOneLine(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^perfkit: .+ Fix: .+/);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+\)?$/m);
  return lines[0]!;
}

describe('cdn invalidate --provider varnish (a real varnishd; the VCL allows PURGE and BAN from 127.0.0.1 only)', () => {
  it('purges paths sent to --server: the next GET is a MISS, a URL not purged stays a HIT', async () => {
    for (const p of ['a', 'b', 'c']) await warm(`${varnish.url}/t-purge/${p}`);
    const fetched = origin.count('/t-purge/a');
    const { rep, r } = await json(['--provider', 'varnish', '--server', varnish.url, '/t-purge/a', '/t-purge/b']);
    expect(r.stderr).toBe('');
    expect(rep.command).toBe('cdn invalidate');
    expect(rep.status).toBe('pass');
    expect(rep.target).toEqual({ provider: 'varnish', server: varnish.url });
    expect(rep.summary).toMatchObject({ items: 2, requests: 1, batches: 1, failed: 0, retries: 0, rejected: 0 });
    expect(rep.findings).toEqual([]);
    expect(rep.data.requests).toEqual([
      expect.objectContaining({ provider: 'varnish', batch: 1, wave: 0, kind: 'path', items: 2, sample: ['/t-purge/a', '/t-purge/b'], status: 'ok', httpStatus: 200, providerStatus: '2 purged', attempts: 1 }),
    ]);
    expect(rep.data.byKind).toEqual({ path: 2 });
    expect(typeof rep.data.secondsToComplete).toBe('number');

    expect(await cacheOf(`${varnish.url}/t-purge/a`)).toBe('MISS');
    expect(await cacheOf(`${varnish.url}/t-purge/b`)).toBe('MISS');
    expect(await cacheOf(`${varnish.url}/t-purge/c`)).toBe('HIT');
    expect(origin.count('/t-purge/a')).toBe(fetched + 1);
  });

  it('full URLs go to their own host; with --server they go there with the URL’s Host kept (Varnish hashes the Host)', async () => {
    await warm(`${varnish.url}/t-url/a`);
    const own = await json(['--provider', 'varnish', `${varnish.url}/t-url/a`]);
    expect(own.rep.summary).toMatchObject({ items: 1, requests: 1, failed: 0 });
    expect(own.rep.data.requests[0]).toMatchObject({ kind: 'url', status: 'ok', providerStatus: '1 purged' });
    expect(await cacheOf(`${varnish.url}/t-url/a`)).toBe('MISS');

    // The same path cached under two hosts: purging http://www.example.com/… removes only that host's object.
    const example = { Host: 'www.example.com' };
    await warm(`${varnish.url}/t-url/h`, example);
    await warm(`${varnish.url}/t-url/h`);
    const mapped = await json(['--provider', 'varnish', '--server', varnish.url, 'http://www.example.com/t-url/h']);
    expect(mapped.rep.data.requests[0]).toMatchObject({ kind: 'url', items: 1, status: 'ok', sample: ['http://www.example.com/t-url/h'] });
    expect(await cacheOf(`${varnish.url}/t-url/h`, example)).toBe('MISS');
    expect(await cacheOf(`${varnish.url}/t-url/h`)).toBe('HIT');
  });

  it('--ban bans by regex (lurker-friendly, on obj.http.x-url): matching objects MISS, the others stay HIT', async () => {
    const paths = ['/t-ban/products/1', '/t-ban/products/2?color=red', '/t-ban/productsx', '/t-ban/about'];
    for (const p of paths) await warm(`${varnish.url}${p}`);
    const { rep } = await json(['--provider', 'varnish', '--server', varnish.url, '--ban', '^/t-ban/products/']);
    expect(rep.summary).toMatchObject({ items: 1, requests: 1, batches: 1, failed: 0 });
    expect(rep.data.requests[0]).toMatchObject({ kind: 'ban', items: 1, sample: ['^/t-ban/products/'], status: 'ok', providerStatus: '1 ban added' });
    expect(await cacheOf(`${varnish.url}/t-ban/products/1`)).toBe('MISS');
    expect(await cacheOf(`${varnish.url}/t-ban/products/2?color=red`)).toBe('MISS');
    expect(await cacheOf(`${varnish.url}/t-ban/productsx`)).toBe('HIT');
    expect(await cacheOf(`${varnish.url}/t-ban/about`)).toBe('HIT');
  });

  it('paths and a ban in one run: one batch per kind, and a table on a terminal-style run', async () => {
    for (const p of ['/t-table/a', '/t-table/b', '/t-table/products/1', '/t-table/c']) await warm(`${varnish.url}${p}`);
    const r = await purge(['--provider', 'varnish', '--server', varnish.url, '/t-table/a', '/t-table/b', '--ban', '^/t-table/products/']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/varnish: 3 items in 2 requests/);
    expect(r.stdout).toMatch(/│\s+1 │\s+1 │ path\s+│\s+2 │ ok, 2 purged\s+│\s+1 │ –\s+│ \/t-table\/a \/t-table\/b\s+│/);
    expect(r.stdout).toMatch(/│\s+2 │\s+1 │ ban\s+│\s+1 │ ok, 1 ban added\s+│\s+1 │ –\s+│ \^\/t-table\/products\/\s+│/);
    expect(r.stdout).toMatch(/acknowledged [\d.]+ s after the first request/);
    for (const p of ['/t-table/a', '/t-table/b', '/t-table/products/1']) expect(await cacheOf(`${varnish.url}${p}`)).toBe('MISS');
    expect(await cacheOf(`${varnish.url}/t-table/c`)).toBe('HIT');
  });

  it('a PURGE the VCL refuses (its ACL does not hold 127.0.0.1: 405) is a failed batch in the report, exit 3, one line', async () => {
    await warm(`${refusing.url}/t-refused/a`);
    const r = await purge(['--provider', 'varnish', '--server', refusing.url, '/t-refused/a', '--format', 'json']);
    expect(r.code).toBe(3);
    const line = expectReportAndOneLine(r);
    expect(line).toMatch(/^perfkit: 1 of 1 varnish requests failed \(first, after 1 attempt: 1 of 1 refused: PURGE http:\/\/127\.0\.0\.1:\d+\/t-refused\/a → 405 \(the VCL refused it: does its purge ACL allow this host/);
    const rep = parseReport(r.stdout);
    expect(rep.status).toBe('fail');
    expect(rep.summary).toMatchObject({ items: 1, requests: 1, batches: 1, failed: 1, retries: 0 });
    // a 4xx is not retried
    expect(rep.data.requests[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/→ 405/) });
    expect(rep.findings).toEqual([expect.objectContaining({ rule: 'purge-batch-failed', severity: 'error', location: '/t-refused/a', title: 'Batch 1 (1 path items) failed after 1 attempt' })]);
    expect(await cacheOf(`${refusing.url}/t-refused/a`)).toBe('HIT');

    // A refused BAN (403) likewise.
    const ban = await purge(['--provider', 'varnish', '--server', refusing.url, '--ban', '^/t-refused/', '--format', 'json']);
    expect(ban.code).toBe(3);
    expect(expectReportAndOneLine(ban)).toMatch(/BAN http:\/\/127\.0\.0\.1:\d+\/ → 403/);
    expect(parseReport(ban.stdout).summary).toMatchObject({ failed: 1 });
    expect(await cacheOf(`${refusing.url}/t-refused/a`)).toBe('HIT');
  });

  it('--purge-method, --ban-method and --ban-header follow the VCL; the default PURGE is refused by a VCL expecting XPURGE', async () => {
    for (const p of ['/t-x/a', '/t-x/b', '/t-x/products/1', '/t-x/c']) await warm(`${custom.url}${p}`);
    const wrong = await purge(['--provider', 'varnish', '--server', custom.url, '/t-x/a', '--format', 'json']);
    expect(wrong.code).toBe(3);
    expect(expectReportAndOneLine(wrong)).toMatch(/PURGE http:\/\/127\.0\.0\.1:\d+\/t-x\/a → 405/);
    expect(await cacheOf(`${custom.url}/t-x/a`)).toBe('HIT');

    const { rep } = await json(['--provider', 'varnish', '--server', custom.url, '--purge-method', 'XPURGE', '--ban-method', 'XBAN', '--ban-header', 'X-Ban-Regex', '/t-x/a', '/t-x/b', '--ban', '^/t-x/products/']);
    expect(rep.summary).toMatchObject({ items: 3, requests: 2, failed: 0 });
    expect(rep.data.requests.map((q: any) => [q.kind, q.status, q.providerStatus])).toEqual([
      ['path', 'ok', '2 purged'],
      ['ban', 'ok', '1 ban added'],
    ]);
    for (const p of ['/t-x/a', '/t-x/b', '/t-x/products/1']) expect(await cacheOf(`${custom.url}${p}`)).toBe('MISS');
    expect(await cacheOf(`${custom.url}/t-x/c`)).toBe('HIT');
  });

  it('--dry-run sends nothing and lists the exact requests', async () => {
    await warm(`${varnish.url}/t-dry/a`);
    const before = origin.requests.length;
    const { rep, r } = await json(['--provider', 'varnish', '--server', varnish.url, '--dry-run', '/t-dry/a', 'http://www.example.com/t-dry/b?x=1', '--ban', '^/t-dry/']);
    expect(r.stderr).toBe('');
    expect(rep.data.dryRun).toBe(true);
    expect(rep.summary).toMatchObject({ items: 3, requests: 0, batches: 3, failed: 0 });
    expect(rep.data.requests.map((q: any) => [q.kind, q.status, q.attempts])).toEqual([
      ['path', 'planned', 0],
      ['url', 'planned', 0],
      ['ban', 'planned', 0],
    ]);
    expect(rep.data.previews).toEqual([
      [{ method: 'PURGE', url: `${varnish.url}/t-dry/a`, headers: {} }],
      [{ method: 'PURGE', url: `${varnish.url}/t-dry/b?x=1`, headers: { Host: 'www.example.com' } }],
      [{ method: 'BAN', url: `${varnish.url}/`, headers: { 'X-Ban-Url': '^/t-dry/' } }],
    ]);
    expect(await cacheOf(`${varnish.url}/t-dry/a`)).toBe('HIT');
    expect(origin.requests.length).toBe(before);

    const table = await purge(['--provider', 'varnish', '--server', varnish.url, '--dry-run', '/t-dry/a', '--ban', '^/t-dry/']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Dry run: 2 varnish requests would be sent for 2 items \(nothing was sent\)/);
    expect(table.stdout).toContain(`# batch 1\nPURGE ${varnish.url}/t-dry/a`);
    expect(table.stdout).toContain(`# batch 2\nBAN ${varnish.url}/\nX-Ban-Url: ^/t-dry/`);
    expect(await cacheOf(`${varnish.url}/t-dry/a`)).toBe('HIT');
  });

  it('--then-warm purges, then warms the purged URLs again (cache warm’s warmer): hit ratio 0 before, 1 after, HIT again', async () => {
    for (const p of ['/t-warm/a', '/t-warm/b']) await warm(`${varnish.url}${p}`, WARM_HEADERS);
    const fetched = origin.count('/t-warm/a');
    const { rep } = await json(['--provider', 'varnish', '--base-url', varnish.url, '/t-warm/a', '/t-warm/b', '--then-warm']);
    expect(rep.summary).toMatchObject({ items: 2, requests: 1, failed: 0, hitRatioBefore: 0, hitRatioAfter: 1 });
    expect(rep.data.requests[0]).toMatchObject({ kind: 'url', status: 'ok', sample: [`${varnish.url}/t-warm/a`, `${varnish.url}/t-warm/b`] });
    expect(rep.data.warm).toMatchObject({ urls: 2, summary: expect.objectContaining({ hitRatioBefore: 0, hitRatioAfter: 1 }) });
    // the warm pass fetched each purged URL once from the origin; the verification pass was a HIT
    expect(origin.count('/t-warm/a')).toBe(fetched + 1);
    expect(await cacheOf(`${varnish.url}/t-warm/a`, WARM_HEADERS)).toBe('HIT');
    expect(await cacheOf(`${varnish.url}/t-warm/b`, WARM_HEADERS)).toBe('HIT');
  });

  it('--then-warm without URLs (paths and no --base-url) purges and says there is nothing to warm', async () => {
    await warm(`${varnish.url}/t-warm-none/a`);
    const { rep } = await json(['--provider', 'varnish', '--server', varnish.url, '/t-warm-none/a', '--then-warm']);
    expect(rep.summary).toMatchObject({ items: 1, failed: 0 });
    expect(rep.summary.hitRatioAfter).toBeUndefined();
    expect(rep.data.warm).toMatchObject({ urls: 0, summary: null });
    expect(await cacheOf(`${varnish.url}/t-warm-none/a`)).toBe('MISS');
  });
});

describe('cdn invalidate --provider nginx (a real nginx with ngx_cache_purge 2.3, Debian’s libnginx-mod-http-cache-purge)', () => {
  it('--purge-location /purge: the next GET is a MISS; a path that was not cached is "not cached" (404), not a failure', async () => {
    for (const p of ['/t-ngx/a', '/t-ngx/c']) await warm(`${nginx.url}${p}`);
    const { rep, r } = await json(['--provider', 'nginx', '--server', nginx.url, '--purge-location', '/purge', '/t-ngx/a', '/t-ngx/never-cached']);
    expect(r.stderr).toBe('');
    expect(rep.status).toBe('pass');
    expect(rep.target).toEqual({ provider: 'nginx', server: nginx.url });
    expect(rep.summary).toMatchObject({ items: 2, requests: 1, batches: 1, failed: 0, retries: 0 });
    expect(rep.data.requests[0]).toMatchObject({ kind: 'path', items: 2, status: 'ok', httpStatus: 200, providerStatus: '1 purged, 1 not cached', attempts: 1 });
    expect(await cacheOf(`${nginx.url}/t-ngx/a`)).toBe('MISS');
    expect(await cacheOf(`${nginx.url}/t-ngx/c`)).toBe('HIT');

    // Everything already gone: all "not cached", still ok.
    const again = await json(['--provider', 'nginx', '--server', nginx.url, '--purge-location', '/purge/', '/t-ngx/never-cached']);
    expect(again.rep.data.requests[0]).toMatchObject({ status: 'ok', providerStatus: '0 purged, 1 not cached' });
  });

  it('full URLs with --server keep their Host (the cache key holds $host); query strings are part of the key', async () => {
    const example = { Host: 'www.example.com' };
    await warm(`${nginx.url}/t-ngx-url/h`, example);
    await warm(`${nginx.url}/t-ngx-url/h`);
    await warm(`${nginx.url}/t-ngx-url/q?page=2`);
    const { rep } = await json(['--provider', 'nginx', '--server', nginx.url, '--purge-location', '/purge', 'http://www.example.com/t-ngx-url/h', `${nginx.url}/t-ngx-url/q?page=2`]);
    expect(rep.data.requests[0]).toMatchObject({ kind: 'url', items: 2, status: 'ok', providerStatus: '2 purged' });
    expect(await cacheOf(`${nginx.url}/t-ngx-url/h`, example)).toBe('MISS');
    expect(await cacheOf(`${nginx.url}/t-ngx-url/h`)).toBe('HIT');
    expect(await cacheOf(`${nginx.url}/t-ngx-url/q?page=2`)).toBe('MISS');
  });

  it('a purge the location refuses (allow 192.0.2.1; deny all → 403) is a failed batch, exit 3, one line', async () => {
    await warm(`${nginxStrict.url}/t-ngx-deny/a`);
    const r = await purge(['--provider', 'nginx', '--server', nginxStrict.url, '--purge-location', '/purge', '/t-ngx-deny/a', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(expectReportAndOneLine(r)).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/purge\/t-ngx-deny\/a → 403 \(nginx refused it: is proxy_cache_purge configured for this location, and allowed from this host\?\)/);
    const rep = parseReport(r.stdout);
    expect(rep.summary).toMatchObject({ failed: 1, retries: 0 });
    expect(rep.data.requests[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await cacheOf(`${nginxStrict.url}/t-ngx-deny/a`)).toBe('HIT');
  });

  it('the same-location syntax (PURGE on the cached location) crashes the worker of Debian’s module 2.3: perfkit retries the reset, then fails the batch (exit 3)', async () => {
    // FRiCKLE/ngx_cache_purge#68 and nginx-modules/ngx_cache_purge#2: 2.3 dereferences a changed struct with
    // nginx ≥ 1.11.6. Users of this package need --purge-location; this test notices when that changes.
    await warm(`${nginxStrict.url}/t-ngx-same/a`);
    const r = await purge(['--provider', 'nginx', '--server', nginxStrict.url, '/t-ngx-same/a', '--retries', '1', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(expectReportAndOneLine(r)).toMatch(/PURGE http:\/\/127\.0\.0\.1:\d+\/t-ngx-same\/a: .*(reset|closed)/);
    const rep = parseReport(r.stdout);
    expect(rep.summary).toMatchObject({ failed: 1, retries: 1 });
    expect(rep.data.requests[0]).toMatchObject({ status: 'failed', attempts: 2 });
    expect(nginxStrict.errorLog()).toMatch(/worker process \d+ exited on signal 11/);
  });

  it('--dry-run shows the GET on the purge location (with the Host of a mapped URL) and sends nothing', async () => {
    await warm(`${nginx.url}/t-ngx-dry/a`);
    const { rep } = await json(['--provider', 'nginx', '--server', nginx.url, '--purge-location', '/purge', '--dry-run', '/t-ngx-dry/a', 'https://www.example.com/t-ngx-dry/b?x=1']);
    expect(rep.data.previews).toEqual([
      [{ method: 'GET', url: `${nginx.url}/purge/t-ngx-dry/a`, headers: {} }],
      [{ method: 'GET', url: `${nginx.url}/purge/t-ngx-dry/b?x=1`, headers: { Host: 'www.example.com' } }],
    ]);
    expect(await cacheOf(`${nginx.url}/t-ngx-dry/a`)).toBe('HIT');
  });
});

describe('cdn invalidate (varnish, nginx): bad input', () => {
  // A run where every item is rejected sends nothing and reports each rejected item as an error finding:
  // the report's status is fail, so the exit code is 1 (ExitCode.failed), with nothing on stderr.
  it('every item rejected (a path without --server, an invalid or server-less ban): exit 2, one line naming the first', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--provider', 'varnish', '/a'], /^perfkit: nothing left to purge: \/a: a path needs a server to send it to: add --server/],
      [['--provider', 'varnish', '--server', 'http://127.0.0.1:1', '--ban', '('], /^perfkit: nothing left to purge: \(: not a regular expression \(Invalid regular expression/],
      [['--provider', 'varnish', '--ban', '^/x'], /^perfkit: nothing left to purge: \^\/x: a ban needs --server/],
    ];
    for (const [args, re] of cases) {
      const r = await purge([...args, '--format', 'json']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(expectOneLineError(r), args.join(' ')).toMatch(re);
    }
  });

  it('a rejected item is an error finding; the valid items are still purged', async () => {
    // mixed: the good item is sent, the bad one reported
    await warm(`${varnish.url}/t-mixed/a`);
    const mixed = await json(['--provider', 'varnish', '--server', varnish.url, '/t-mixed/a', '--ban', '(('], 1);
    expect(mixed.rep.summary).toMatchObject({ items: 1, requests: 1, failed: 0, rejected: 1 });
    expect(mixed.rep.findings.map((f: any) => f.rule)).toEqual(['purge-item-rejected']);
    expect(await cacheOf(`${varnish.url}/t-mixed/a`)).toBe('MISS');
  });

  it.each([
    [['--provider', 'varnish', '--server', 'notaurl', '/a'], /^perfkit: --server 'notaurl': not a URL\. Fix: write e\.g\. --server http:\/\/127\.0\.0\.1:6081/],
    [['--provider', 'nginx', '--server', 'ftp://127.0.0.1/', '/a'], /^perfkit: --server 'ftp:\/\/127\.0\.0\.1\/': not an http\(s\) URL\. Fix: /],
    [['--provider', 'varnish', '--server', 'http://127.0.0.1:6081', '--purge-method', 'BAD METHOD', '/a'], /^perfkit: --purge-method 'BAD METHOD': not an HTTP token\. Fix: /],
    [['--provider', 'varnish', '--server', 'http://127.0.0.1:6081', '--ban-method', 'B@N', '--ban', 'x'], /^perfkit: --ban-method 'B@N': not an HTTP token\. Fix: /],
    [['--provider', 'varnish', '--server', 'http://127.0.0.1:6081', '--ban-header', 'X Ban', '--ban', 'x'], /^perfkit: --ban-header 'X Ban': not an HTTP token\. Fix: /],
    [['--provider', 'nginx', '--server', 'http://127.0.0.1:8080', '--purge-location', 'purge', '/a'], /^perfkit: --purge-location 'purge': not a path\. Fix: /],
    [['--provider', 'varnish', '--server', 'http://127.0.0.1:6081', '--all', '--yes'], /^perfkit: --provider varnish cannot purge everything \(--all\)\. Fix: varnish purges URLs, paths, ban expressions$/],
    [['--provider', 'nginx', '--server', 'http://127.0.0.1:8080', '--ban', '^/x'], /^perfkit: --provider nginx cannot purge ban expressions\. Fix: nginx purges URLs, paths$/],
    [['--provider', 'varnish', '--server', 'http://127.0.0.1:6081', '--tag', 'product-42'], /^perfkit: --provider varnish cannot purge tags\. Fix: /],
    [['--provider', 'nosuch', '/a'], /^perfkit: --provider 'nosuch': unknown\. Fix: use one of cloudfront, cloudflare, fastly, akamai, varnish, nginx$/],
    [['--server', 'http://127.0.0.1:6081', '/a'], /^perfkit: --provider is required\. Fix: /],
    [['--provider', 'varnish', '--server', 'http://127.0.0.1:6081'], /^perfkit: nothing to purge\. Fix: /],
  ])('exit 2 with one line: %j', async (args, message) => {
    const r = await purge(args);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
  });

  it('an empty list on stdin is "nothing to purge" (exit 2)', async () => {
    const r = await purge(['--provider', 'varnish', '--server', 'http://127.0.0.1:6081', '-'], { input: '\n# a comment\n\n' });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/nothing to purge/);
  });

  it('an unreachable --server (nothing listens on 127.0.0.1:1) is retried, then the batch fails: exit 3', async () => {
    const r = await purge(['--provider', 'varnish', '--server', 'http://127.0.0.1:1', '/a', '/b', '--retries', '2', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(expectReportAndOneLine(r)).toMatch(/^perfkit: 1 of 1 varnish requests failed \(first, after \d+ attempts: PURGE http:\/\/127\.0\.0\.1:1\/[ab]: 127\.0\.0\.1:1: connection refused \(ECONNREFUSED\)\)\. Fix: /);
    const rep = parseReport(r.stdout);
    expect(rep.summary).toMatchObject({ items: 2, requests: 1, failed: 1, retries: 2 });
    expect(rep.data.requests[0]).toMatchObject({ status: 'failed', attempts: 3 });
  });
});
