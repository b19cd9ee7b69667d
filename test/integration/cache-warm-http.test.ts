// The HTTP warmer in-process (warmHttp with a hand-made context) against a local origin: what the CLI
// cannot easily show — progress updates, an interrupt mid-pass returning partial results, the rate cap's
// even spacing, per-request timeouts, secrets registered for redaction, warmUrls for other commands —
// and the source reader on generated sitemaps: a broken child, gzip bombs and corrupt gzip, the URL cap.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { isPerfkitError } from '../../src/cli/errors.js';
import { createMemoryIo } from '../../src/cli/io.js';
import type { Settings } from '../../src/config/load.js';
import { warmHttp, warmUrls, type HttpWarmFlags } from '../../src/cache/warm/http/run.js';
import { loadSource, MAX_URLS } from '../../src/cache/warm/http/source.js';
import { createHttpClient } from '../../src/connectors/http.js';
import { root } from '../helpers/cli.js';
import { startOrigin, type Origin } from '../helpers/varnish.js';

let origin: Origin;
beforeAll(async () => {
  origin = await startOrigin();
});
afterAll(() => origin?.stop());

function context(stdin = '') {
  const controller = new AbortController();
  const updates: string[] = [];
  const notes: string[] = [];
  const secrets: string[] = [];
  const ctx: CommandContext = {
    io: createMemoryIo({ cwd: root, stdinStream: Readable.from([Buffer.from(stdin)]) }),
    settings: {} as Settings,
    options: {},
    args: [],
    thresholds: [],
    signal: controller.signal,
    progress: { start: (t) => updates.push(t), update: (t) => updates.push(t), stop: () => {} },
    note: (t) => notes.push(t),
    secret: (v) => void (v && secrets.push(v)),
  };
  return { ctx, controller, updates, notes, secrets };
}

const list = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${origin.url}${prefix}/${i}`).join('\n');
const run = (c: ReturnType<typeof context>, flags: Omit<HttpWarmFlags, 'from'> = {}) => warmHttp(c.ctx, { from: '-', ...flags });

describe('warmHttp in-process', () => {
  it('reports progress with done/total for both passes', async () => {
    const c = context(list('/p', 5));
    const out = await run(c);
    expect(out.result.summary).toMatchObject({ urls: 5, requests: 10, errors: 0 });
    expect(c.updates).toContain('warming: 5/5 (100%)');
    expect(c.updates).toContain('verifying: 5/5 (100%)');
    expect(c.updates[0]).toBe('reading URLs from stdin');
  });

  it('stops sending when interrupted and returns what it has', async () => {
    const c = context(list('/slow/int', 40));
    const before = origin.requests.length;
    setTimeout(() => c.controller.abort(), 400);
    const t0 = Date.now();
    const out = await run(c, { concurrency: '2' });
    expect(Date.now() - t0).toBeLessThan(1_500);
    const d = out.result.data;
    expect(d.interrupted).toBe(true);
    const sent = d.results.filter((r) => r.warm).length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(40);
    expect(d.results.every((r) => r.verify === null)).toBe(true);
    expect(d.results.filter((r) => r.warm).every((r) => r.warm!.error === null)).toBe(true);
    expect(out.result.findings.map((f) => f.rule)).toContain('warm-http-interrupted');
    expect(c.notes.join('\n')).toMatch(/interrupted: the report covers \d+ of 40/);
    await new Promise((r) => setTimeout(r, 300));
    expect(origin.requests.length - before).toBeLessThanOrEqual(sent + 2);
  });

  it('spaces requests evenly under --rate (no bursts)', async () => {
    const c = context(list('/rate', 10));
    await run(c, { rate: '20', concurrency: '8', verify: false });
    const at = origin.requests.filter((q) => q.url.startsWith('/rate/')).map((q) => q.at);
    expect(at).toHaveLength(10);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // The schedule is what is asserted: never faster than 20/s over the run; a request the machine
    // delayed may arrive close to the next one, so individual gaps are only checked for most of them.
    expect(at[9]! - at[0]!).toBeGreaterThan(9 * 45);
    expect(gaps.filter((g) => g > 35).length).toBeGreaterThanOrEqual(7);
  });

  it('times a slow request out; when every request does, it is a connection error', async () => {
    const c = context(list('/slow/timeout', 2));
    const err = await run(c, { timeout: '50ms', retries: '0' }).catch((e: unknown) => e);
    expect(isPerfkitError(err) && err.kind).toBe('connect');
    expect((err as Error).message).toMatch(/all 2 requests failed \(127\.0\.0\.1:\d+: no complete answer within 50 ms\)/);
  });

  it('registers secret header values and URL passwords for redaction', async () => {
    const c = context(list('/secret', 1));
    await run(c, { header: ['Authorization: Bearer s3cr3t-token', 'X-Team: web'], variant: ['Cookie: session=abc123'], baseUrl: `http://user:pa55word@127.0.0.1:${origin.port}`, verify: false });
    expect(c.secrets).toEqual(expect.arrayContaining(['Bearer s3cr3t-token', 'session=abc123', 'pa55word']));
    expect(c.secrets).not.toContain('web');
  });

  it('warmUrls: the same warm for URLs another command hands over', async () => {
    const c = context();
    const out = await warmUrls(c.ctx, [`${origin.url}/handed/a`, `${origin.url}/handed/b`], { variant: ['gzip'] });
    expect(out.result.command).toBe('cache warm');
    expect(out.result.summary).toMatchObject({ urls: 2, variants: 1, requests: 4, errors: 0 });
    expect(out.result.data.source.from).toBe('(2 URLs given)');
  });
});

describe('loadSource on generated sitemaps', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'perfkit-sitemaps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const client = createHttpClient({ maxSockets: 2 });
  afterAll(() => client.close());
  const load = (file: string, extra: { onError?: 'continue' | 'stop'; order?: 'lastmod' | 'priority' | 'none'; limit?: number } = {}) =>
    loadSource({ from: file, baseUrl: new URL(origin.url), order: extra.order, limit: extra.limit, onError: extra.onError ?? 'continue', timeoutMs: 5_000, io: createMemoryIo({ cwd: dir }), signal: new AbortController().signal, client: () => client });
  const urlset = (paths: string[]) => `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${paths.map((p) => `<url><loc>https://www.example.com${p}</loc></url>`).join('')}</urlset>`;
  const index = (locs: string[]) => `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${locs.map((l) => `<sitemap><loc>${l}</loc></sitemap>`).join('')}</sitemapindex>`;

  it('skips a broken child of an index (or stops on it with --on-error stop)', async () => {
    writeFileSync(path.join(dir, 'good.xml'), urlset(['/a', '/b', '/a']));
    writeFileSync(path.join(dir, 'bad.xml'), 'not xml at all');
    writeFileSync(path.join(dir, 'index.xml'), index(['https://www.example.com/good.xml', 'bad.xml', 'https://www.example.com/missing/gone.xml']));
    const s = await load('index.xml');
    expect(s.urls).toEqual([`${origin.url}/a`, `${origin.url}/b`]);
    expect(s.info).toMatchObject({ kind: 'sitemap', duplicates: 1, urlsFound: 2 });
    expect(s.info.failedSitemaps).toEqual([
      { location: 'bad.xml', error: "not XML (it starts with 'not xml at all')" },
      // gone.xml is not beside the index: fetched from its <loc> moved to --base-url, and the origin says 404
      { location: `${origin.url}/missing/gone.xml`, error: 'HTTP 404 fetching the sitemap' },
    ]);
    const err = await load('index.xml', { onError: 'stop' }).catch((e: unknown) => e);
    expect(isPerfkitError(err) && err.kind).toBe('input');
    expect((err as Error).message).toMatch(/^sitemap bad\.xml: not XML/);
  });

  it('refuses a gzip bomb and corrupt gzip with an input error', async () => {
    writeFileSync(path.join(dir, 'bomb.xml.gz'), gzipSync(Buffer.alloc(60 * 1024 * 1024, 0x20)));
    const bomb = await load('bomb.xml.gz').catch((e: unknown) => e);
    expect(isPerfkitError(bomb) && bomb.kind).toBe('input');
    expect((bomb as Error).message).toMatch(/more than 50 MiB after gunzip/);
    writeFileSync(path.join(dir, 'corrupt.xml.gz'), gzipSync(Buffer.from(urlset(['/a']))).subarray(0, 30));
    const corrupt = await load('corrupt.xml.gz').catch((e: unknown) => e);
    expect((corrupt as Error).message).toMatch(/starts like gzip but does not decompress/);
  });

  it(`keeps at most ${MAX_URLS.toLocaleString('en-US')} URLs and says so`, async () => {
    const paths = Array.from({ length: MAX_URLS + 5 }, (_, i) => `/p/${i}`);
    writeFileSync(path.join(dir, 'big.xml'), urlset(paths));
    const s = await load('big.xml', { order: 'none' });
    expect(s.urls).toHaveLength(MAX_URLS);
    expect(s.info.truncated).toBe(true);
    const limited = await load('big.xml', { order: 'none', limit: 10 });
    expect(limited.urls).toHaveLength(10);
    expect(limited.info.truncated).toBe(false);
  });

  it('reads a gzipped sitemap given without a telling name, and a URL list from a file of any name', async () => {
    writeFileSync(path.join(dir, 'export.bin'), gzipSync(Buffer.from(urlset(['/z']))));
    expect((await load('export.bin')).urls).toEqual([`${origin.url}/z`]);
    writeFileSync(path.join(dir, 'list'), '/one\n/two\n');
    expect(await load('list')).toMatchObject({ info: { kind: 'url-list' }, urls: [`${origin.url}/one`, `${origin.url}/two`] });
  });
});
