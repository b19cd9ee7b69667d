// Self-hosted purges (connectors/cdn/http-purge.ts with the varnish and nginx flavours): what they accept,
// the exact requests a dry run shows (method, --server with the Host kept, ban header, purge location), how
// answers map to ok / not cached / failed batch / retry; and the purge core (cdn/invalidate.ts) with an
// in-memory provider: retries with backoff and Retry-After, failed batches, a run-stopping error, waves,
// --wait, --dry-run, concurrency, interruption.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPerfkitError, usageError, type PerfkitError } from '../../../src/cli/errors.js';
import { backoffMs, runInvalidation, type InvalidateOptions } from '../../../src/cdn/invalidate.js';
import { BatchError, TransientError, type Batch, type BatchResult, type CdnProvider, type ProviderSettings, type PurgeItem, type WaitOptions } from '../../../src/cdn/provider.js';
import { createProvider as createNginx } from '../../../src/connectors/cdn/nginx.js';
import { createProvider as createVarnish } from '../../../src/connectors/cdn/varnish.js';

function settings(options: ProviderSettings['options'] = {}): ProviderSettings {
  return { options, env: {}, cwd: '/tmp', timeoutMs: 2_000, secret: () => {} };
}
const path = (value: string): PurgeItem => ({ kind: 'path', value });
const url = (value: string): PurgeItem => ({ kind: 'url', value });
const ban = (value: string): PurgeItem => ({ kind: 'ban', value });
const batch = (items: PurgeItem[]): Batch => ({ kind: items[0]!.kind, items, wave: 0 });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('varnish: request shapes (preview)', () => {
  const SERVER = 'http://127.0.0.1:6081';
  it('PURGE per path on --server', () => {
    const p = createVarnish(settings({ server: SERVER }));
    expect(p.name).toBe('varnish');
    expect(p.supports).toEqual(['url', 'path', 'ban']);
    expect(p.preview(batch([path('/a'), path('/b?x=1&y=%20')]))).toEqual([
      { method: 'PURGE', url: `${SERVER}/a`, headers: {} },
      { method: 'PURGE', url: `${SERVER}/b?x=1&y=%20`, headers: {} },
    ]);
  });

  it('a full URL goes to its own host without --server, and to --server with its Host (and port) kept', () => {
    expect(createVarnish(settings()).preview(batch([url('https://www.example.com/a?b=1')]))).toEqual([{ method: 'PURGE', url: 'https://www.example.com/a?b=1', headers: {} }]);
    expect(createVarnish(settings({ server: SERVER })).preview(batch([url('https://www.example.com/a?b=1'), url('http://shop.example.com:8080/c')]))).toEqual([
      { method: 'PURGE', url: `${SERVER}/a?b=1`, headers: { Host: 'www.example.com' } },
      { method: 'PURGE', url: `${SERVER}/c`, headers: { Host: 'shop.example.com:8080' } },
    ]);
  });

  it('BAN to / on --server with the regex in X-Ban-Url; --purge-method, --ban-method and --ban-header rename them', () => {
    expect(createVarnish(settings({ server: SERVER })).preview(batch([ban('^/products/')]))).toEqual([{ method: 'BAN', url: `${SERVER}/`, headers: { 'X-Ban-Url': '^/products/' } }]);
    const custom = createVarnish(settings({ server: SERVER, purgeMethod: 'XPURGE', banMethod: 'XBAN', banHeader: 'X-Ban-Regex' }));
    expect(custom.preview(batch([ban('\\.png$')]))).toEqual([{ method: 'XBAN', url: `${SERVER}/`, headers: { 'X-Ban-Regex': '\\.png$' } }]);
    expect(custom.preview(batch([path('/a')]))).toEqual([{ method: 'XPURGE', url: `${SERVER}/a`, headers: {} }]);
  });

  it('normalize: paths and bans need --server; a ban must be a regular expression; URLs pass', () => {
    const without = createVarnish(settings()).normalize([path('/a'), ban('^/x'), url('https://www.example.com/a')]);
    expect(without.items).toEqual([url('https://www.example.com/a')]);
    expect(without.rejected.map((r) => [r.item.value, r.why])).toEqual([
      ['/a', expect.stringMatching(/^a path needs a server to send it to: add --server http:\/\/host:port, or give full URLs$/)],
      ['^/x', expect.stringMatching(/^a ban needs --server/)],
    ]);
    const withServer = createVarnish(settings({ server: SERVER })).normalize([path('/a'), ban('^/x'), ban('(')]);
    expect(withServer.items).toEqual([path('/a'), ban('^/x')]);
    expect(withServer.rejected).toEqual([{ item: ban('('), why: expect.stringMatching(/^not a regular expression \(/) }]);
  });

  it('plan: one kind per batch, at most 50 requests per batch, all in wave 0', () => {
    const p = createVarnish(settings({ server: SERVER }));
    const items = [...Array.from({ length: 120 }, (_, i) => path(`/p${i}`)), ban('^/a'), url('https://www.example.com/u')];
    const batches = p.plan(items);
    expect(batches.map((b) => [b.kind, b.items.length, b.wave])).toEqual([
      ['path', 50, 0],
      ['path', 50, 0],
      ['path', 20, 0],
      ['ban', 1, 0],
      ['url', 1, 0],
    ]);
    expect(batches.flatMap((b) => b.items)).toHaveLength(122);
  });

  it('settings that are wrong are usage errors (exit 2), naming the flag', async () => {
    const bad: Array<[ProviderSettings['options'], RegExp]> = [
      [{ server: 'notaurl' }, /^--server 'notaurl': not a URL$/],
      [{ server: '' }, /^--server '': not a URL$/],
      [{ server: 'ftp://127.0.0.1/' }, /^--server 'ftp:\/\/127\.0\.0\.1\/': not an http\(s\) URL$/],
      [{ purgeMethod: 'PURGE ME' }, /^--purge-method 'PURGE ME': not an HTTP token$/],
      [{ banMethod: '' }, /^--ban-method '': not an HTTP token$/],
      [{ banHeader: 'X-Ban:Url' }, /^--ban-header 'X-Ban:Url': not an HTTP token$/],
    ];
    for (const [options, message] of bad) {
      const e = thrown(() => createVarnish(settings(options)));
      expect(isPerfkitError(e), String(e)).toBe(true);
      expect((e as PerfkitError).kind).toBe('usage');
      expect((e as PerfkitError).message).toMatch(message);
      expect((e as PerfkitError).hint).toBeTruthy();
    }
    await expect(createVarnish(settings({ server: SERVER })).checkCredentials()).resolves.toBeUndefined();
  });
});

describe('nginx: request shapes (preview)', () => {
  const SERVER = 'http://127.0.0.1:8080';
  it('without --purge-location: the purge method on the cached URL itself (same-location syntax)', () => {
    const p = createNginx(settings({ server: SERVER }));
    expect(p.name).toBe('nginx');
    expect(p.supports).toEqual(['url', 'path']);
    expect(p.preview(batch([path('/a?x=1')]))).toEqual([{ method: 'PURGE', url: `${SERVER}/a?x=1`, headers: {} }]);
    expect(createNginx(settings({ purgeMethod: 'DELETE' })).preview(batch([url('http://www.example.com/a')]))).toEqual([{ method: 'DELETE', url: 'http://www.example.com/a', headers: {} }]);
  });

  it('--purge-location /purge: GET /purge/<path>?<query> on --server, with the URL’s Host kept; a trailing slash is ignored', () => {
    for (const loc of ['/purge', '/purge/', '/purge//']) {
      const p = createNginx(settings({ server: SERVER, purgeLocation: loc }));
      expect(p.preview(batch([path('/a/b'), url('https://www.example.com/c?page=2')]))).toEqual([
        { method: 'GET', url: `${SERVER}/purge/a/b`, headers: {} },
        { method: 'GET', url: `${SERVER}/purge/c?page=2`, headers: { Host: 'www.example.com' } },
      ]);
    }
    // without --server: the purge location on the URL's own host
    expect(createNginx(settings({ purgeLocation: '/cache/purge' })).preview(batch([url('https://www.example.com/c')]))).toEqual([{ method: 'GET', url: 'https://www.example.com/cache/purge/c', headers: {} }]);
  });

  it('normalize: a path needs --server; nginx has no bans (the command refuses them before normalize)', () => {
    const n = createNginx(settings()).normalize([path('/a'), url('http://www.example.com/a')]);
    expect(n.items).toEqual([url('http://www.example.com/a')]);
    expect(n.rejected.map((r) => r.item.value)).toEqual(['/a']);
  });

  it('--purge-location must be a path', () => {
    for (const loc of ['purge', 'http://x/purge', '/pur ge', '/purge?x']) {
      const e = thrown(() => createNginx(settings({ purgeLocation: loc })));
      expect((e as PerfkitError).kind, loc).toBe('usage');
      expect((e as PerfkitError).message).toBe(`--purge-location '${loc}': not a path`);
    }
  });
});

describe('send: how answers map (a local HTTP server answering by path)', () => {
  // A raw TCP server: node:http's parser refuses methods it does not know (BAN → 400), a cache does not.
  let server: net.Server;
  let base: string;
  const seen: Array<{ method: string; url: string; host: string; ban?: string }> = [];
  beforeAll(async () => {
    server = net.createServer((sock) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d;
        if (!buf.includes('\r\n\r\n')) return;
        const [line, ...rest] = buf.split('\r\n\r\n')[0]!.split('\r\n');
        const [method, target] = line!.split(' ');
        const headers = Object.fromEntries(rest.map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
        seen.push({ method: method!, url: target!, host: headers.host!, ban: headers['x-ban-url'] });
        const status = Number(/\/s(\d{3})/.exec(target ?? '')?.[1] ?? 200);
        sock.end(`HTTP/1.1 ${status} X\r\nContent-Length: 0\r\nConnection: close\r\n${status === 429 ? 'Retry-After: 3\r\n' : ''}\r\n`);
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const signal = new AbortController().signal;

  it('2xx: ok; the requests carry method, path, Host and ban header', async () => {
    seen.length = 0;
    const p = createVarnish(settings({ server: base }));
    const res = await p.send(batch([path('/s200/a'), path('/s204/b')]), signal);
    expect(res).toEqual({ status: '2 purged', httpStatus: 200 });
    await p.send(batch([url('http://www.example.com/s200/c')]), signal);
    expect(await p.send(batch([ban('^/s200/')]), signal)).toEqual({ status: '1 ban added', httpStatus: 200 });
    expect(seen.map((s) => `${s.method} ${s.url} ${s.host} ${s.ban ?? ''}`.trim()).sort()).toEqual(
      [`PURGE /s200/a ${base.slice(7)}`, `PURGE /s204/b ${base.slice(7)}`, 'PURGE /s200/c www.example.com', `BAN / ${base.slice(7)} ^/s200/`].sort(),
    );
  });

  it('nginx: a 404 is "not cached" (nothing to purge), not a failure; for Varnish a 404 fails the batch', async () => {
    const ng = createNginx(settings({ server: base, purgeLocation: '/purge' }));
    expect(await ng.send(batch([path('/s200/a'), path('/s404/b')]), signal)).toEqual({ status: '1 purged, 1 not cached', httpStatus: 200 });
    const e = await createVarnish(settings({ server: base })).send(batch([path('/s404/b')]), signal).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BatchError);
  });

  it('403/405: a BatchError naming the request and hinting at the ACL; a refusal wins over a retryable answer in the same batch', async () => {
    const p = createVarnish(settings({ server: base }));
    const e = (await p.send(batch([path('/s200/a'), path('/s405/b'), path('/s503/c')]), signal).catch((x: unknown) => x)) as BatchError;
    expect(e).toBeInstanceOf(BatchError);
    expect(e.message).toBe(`1 of 3 refused: PURGE ${base}/s405/b → 405 (the VCL refused it: does its purge ACL allow this host, and does it handle this method?)`);
    const ng = (await createNginx(settings({ server: base, purgeLocation: '/purge' })).send(batch([path('/s403/a')]), signal).catch((x: unknown) => x)) as BatchError;
    expect(ng.message).toMatch(/GET .*\/purge\/s403\/a → 403 \(nginx refused it: is proxy_cache_purge configured/);
  });

  it('429, 5xx and an unreachable server: a TransientError (retried by the core)', async () => {
    const p = createVarnish(settings({ server: base }));
    for (const s of [429, 500, 503]) {
      const e = (await p.send(batch([path(`/s${s}/a`)]), signal).catch((x: unknown) => x)) as TransientError;
      expect(e, String(s)).toBeInstanceOf(TransientError);
      expect(e.opts.httpStatus).toBe(s);
    }
    const down = (await createVarnish(settings({ server: 'http://127.0.0.1:1' })).send(batch([path('/a')]), signal).catch((x: unknown) => x)) as TransientError;
    expect(down).toBeInstanceOf(TransientError);
    expect(down.message).toMatch(/^PURGE http:\/\/127\.0\.0\.1:1\/a: 127\.0\.0\.1:1: connection refused \(ECONNREFUSED\)$/);
    expect(down.opts.code).toBe('refused');
  });
});

// ---- the core, with an in-memory provider ---------------------------------------------------------------
type Outcome = BatchResult | Error;

interface Fake extends CdnProvider {
  events: string[];
  sends: Array<{ first: string; attempt: number }>;
  inFlight: number;
  maxInFlight: number;
}

/** A provider whose batches of `per` items answer, attempt after attempt, with `script(first item)`'s outcomes
 *  (the last one repeats); `waves` puts batch i in wave waves[i]. */
function fakeProvider(o: { script?: (first: string) => Outcome[]; per?: number; waves?: number[]; withWait?: boolean; withBeforeWave?: boolean; reject?: string[]; delayMs?: number } = {}): Fake {
  const attempts = new Map<string, number>();
  const f: Fake = {
    name: 'varnish',
    supports: ['path', 'url'],
    events: [],
    sends: [],
    inFlight: 0,
    maxInFlight: 0,
    normalize(items) {
      const rejected = items.filter((i) => o.reject?.includes(i.value)).map((item) => ({ item, why: 'rejected by the fake' }));
      return { items: items.filter((i) => !o.reject?.includes(i.value)), rejected };
    },
    plan(items) {
      const per = o.per ?? 1;
      const out: Batch[] = [];
      for (let i = 0; i < items.length; i += per) out.push({ kind: items[i]!.kind, items: items.slice(i, i + per), wave: o.waves?.[out.length] ?? 0 });
      return out;
    },
    preview: (b) => b.items.map((it) => ({ method: 'PURGE', url: `http://cache${it.value}`, headers: {} })),
    async checkCredentials() {},
    async send(b) {
      const first = b.items[0]!.value;
      const n = (attempts.get(first) ?? 0) + 1;
      attempts.set(first, n);
      f.sends.push({ first, attempt: n });
      f.events.push(`send ${first}`);
      f.inFlight++;
      f.maxInFlight = Math.max(f.maxInFlight, f.inFlight);
      await new Promise((r) => setTimeout(r, o.delayMs ?? 1));
      f.inFlight--;
      const outcomes = o.script?.(first) ?? [{ status: 'ok', providerId: `id-${first}`, httpStatus: 200 }];
      const r = outcomes[Math.min(n, outcomes.length) - 1]!;
      if (r instanceof Error) throw r;
      return r;
    },
  };
  if (o.withBeforeWave) {
    f.beforeWave = async (wave: number, w: WaitOptions) => {
      f.events.push(`beforeWave ${wave}`);
      await w.sleep(1_000 * wave);
    };
  }
  if (o.withWait) {
    f.waitFor = async (sent, w: WaitOptions) => {
      f.events.push(`waitFor ${sent.map((s) => `${s.batch.items[0]!.value}=${s.result.providerId}`).join(',')} timeout=${w.timeoutMs}`);
      w.onProgress('still in progress');
      await w.sleep(5_000);
    };
  }
  return f;
}

function options(provider: CdnProvider, items: PurgeItem[], extra: Partial<InvalidateOptions> = {}) {
  const waits: number[] = [];
  const progress: string[] = [];
  let clock = 1_000_000;
  const o: InvalidateOptions = {
    provider,
    items,
    dryRun: false,
    collapse: false,
    wait: false,
    waitTimeoutMs: 60_000,
    retries: 5,
    concurrency: 4,
    signal: new AbortController().signal,
    progress: (t) => progress.push(t),
    // Sleeping advances the fake clock instead of waiting.
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    now: () => clock,
    ...extra,
  };
  return { o, waits, progress, advance: (ms: number) => (clock += ms) };
}
const paths = (...v: string[]) => v.map(path);

describe('runInvalidation', () => {
  it('sends every batch once when all goes well, and accounts for it', async () => {
    const p = fakeProvider({ per: 2 });
    const { o, waits, progress } = options(p, paths('/a', '/b', '/c'));
    const d = await runInvalidation(o);
    expect(p.sends.map((s) => s.first).sort()).toEqual(['/a', '/c']);
    expect(waits).toEqual([]);
    expect(d).toMatchObject({ provider: 'varnish', dryRun: false, items: 3, byKind: { path: 3 }, rejected: [], waves: 1, retries: 0, waited: false, interrupted: false, cost: null, previews: [] });
    expect(d.requests).toEqual([
      { provider: 'varnish', batch: 1, wave: 0, kind: 'path', items: 2, sample: ['/a', '/b'], status: 'ok', providerId: 'id-/a', httpStatus: 200, providerStatus: 'ok', estimatedSeconds: undefined, attempts: 1, ms: expect.any(Number) },
      { provider: 'varnish', batch: 2, wave: 0, kind: 'path', items: 1, sample: ['/c'], status: 'ok', providerId: 'id-/c', httpStatus: 200, providerStatus: 'ok', estimatedSeconds: undefined, attempts: 1, ms: expect.any(Number) },
    ]);
    // no waitFor: complete when acknowledged
    expect(d.secondsToComplete).toBe(0);
    expect(progress).toContain('sent 2 of 2 requests to varnish');
  });

  it('retries a TransientError, honouring its retryAfterMs through the injected sleep', async () => {
    const p = fakeProvider({ script: () => [new TransientError('429 slow down', { retryAfterMs: 7_000, httpStatus: 429 }), new TransientError('503', { httpStatus: 503 }), { status: 'ok', httpStatus: 200 }] });
    const { o, waits, progress } = options(p, paths('/a'));
    const d = await runInvalidation(o);
    expect(d.requests[0]).toMatchObject({ status: 'ok', attempts: 3, httpStatus: 200 });
    expect(d.retries).toBe(2);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBe(7_000); // Retry-After wins over the 0.5 s backoff
    expect(waits[1]).toBeGreaterThanOrEqual(750); // attempt 2: 1 s ± 25 %
    expect(waits[1]).toBeLessThanOrEqual(1_250);
    expect(progress[0]).toBe('batch 1: 429 slow down; retrying in 7.0 s (attempt 2 of 6)');
    // the batch's time includes the waits
    expect(d.requests[0]!.ms).toBeGreaterThanOrEqual(7_750);
  });

  it('gives up after --retries: the batch fails with the last error and its HTTP status', async () => {
    const p = fakeProvider({ script: () => [new TransientError('503 unavailable', { httpStatus: 503 })] });
    const { o, waits } = options(p, paths('/a'), { retries: 2 });
    const d = await runInvalidation(o);
    expect(d.requests[0]).toMatchObject({ status: 'failed', attempts: 3, error: '503 unavailable', httpStatus: 503 });
    expect(d.retries).toBe(2);
    expect(waits).toHaveLength(2);
    const none = fakeProvider({ script: () => [new TransientError('503', { httpStatus: 503 })] });
    const zero = options(none, paths('/a'), { retries: 0 });
    expect((await runInvalidation(zero.o)).requests[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(zero.waits).toEqual([]);
  });

  it('a BatchError fails that batch at once (no retry); the other batches still go', async () => {
    const p = fakeProvider({ script: (first) => (first === '/bad' ? [new BatchError('400 invalid path', { httpStatus: 400 })] : [{ status: 'ok' }]) });
    const { o, waits } = options(p, paths('/a', '/bad', '/c'));
    const d = await runInvalidation(o);
    expect(d.requests.map((r) => [r.sample[0], r.status, r.attempts])).toEqual([
      ['/a', 'ok', 1],
      ['/bad', 'failed', 1],
      ['/c', 'ok', 1],
    ]);
    expect(d.requests[1]).toMatchObject({ error: '400 invalid path', httpStatus: 400 });
    expect(d.retries).toBe(0);
    expect(waits).toEqual([]);
    // a plain Error is not retried either
    const plain = fakeProvider({ script: () => [new Error('boom')] });
    expect((await runInvalidation(options(plain, paths('/a')).o)).requests[0]).toMatchObject({ status: 'failed', attempts: 1, error: 'boom' });
  });

  it('a PerfkitError (credentials, settings) stops the whole run', async () => {
    const err = usageError('bad token', 'fix it');
    const p = fakeProvider({ script: (first) => (first === '/b' ? [err] : [{ status: 'ok' }]), per: 1 });
    const { o } = options(p, paths('/a', '/b', '/c', '/d'), { concurrency: 1 });
    await expect(runInvalidation(o)).rejects.toBe(err);
    expect(p.sends.map((s) => s.first)).toEqual(['/a', '/b']);
  });

  it('waves: beforeWave is called before each wave after the first, in order, and its batches wait for it', async () => {
    const p = fakeProvider({ waves: [0, 0, 1, 2, 1], withBeforeWave: true });
    const { o, waits, progress } = options(p, paths('/a', '/b', '/c', '/d', '/e'), { concurrency: 1 });
    const d = await runInvalidation(o);
    expect(d.waves).toBe(3);
    expect(p.events).toEqual(['send /a', 'send /b', 'beforeWave 1', 'send /c', 'send /e', 'beforeWave 2', 'send /d']);
    expect(waits).toEqual([1_000, 2_000]);
    expect(progress).toContain('waiting for room for wave 2 of 3');
    expect(d.requests.map((r) => r.wave)).toEqual([0, 0, 1, 2, 1]);
  });

  it('--wait calls waitFor with what was sent, marks it Completed, and times completion from the first request', async () => {
    const p = fakeProvider({ withWait: true, per: 2 });
    const { o, progress } = options(p, paths('/a', '/b', '/c'), { wait: true, waitTimeoutMs: 123_000 });
    const d = await runInvalidation(o);
    expect(p.events.filter((e) => e.startsWith('waitFor'))).toEqual(['waitFor /a=id-/a,/c=id-/c timeout=123000']);
    expect(d.waited).toBe(true);
    expect(d.requests.map((r) => r.providerStatus)).toEqual(['Completed', 'Completed']);
    expect(d.secondsToComplete).toBe(5); // the fake waitFor slept 5 s on the fake clock
    expect(progress).toContain('waiting for varnish to complete');
    expect(progress).toContain('still in progress');

    // without --wait an asynchronous provider is not waited for, and completion is unknown
    const q = fakeProvider({ withWait: true });
    const nw = await runInvalidation(options(q, paths('/a')).o);
    expect(q.events.some((e) => e.startsWith('waitFor'))).toBe(false);
    expect(nw).toMatchObject({ waited: false, secondsToComplete: null });

    // nothing was sent (every batch failed): nothing to wait for
    const r = fakeProvider({ withWait: true, script: () => [new BatchError('no')] });
    const nf = await runInvalidation(options(r, paths('/a'), { wait: true }).o);
    expect(r.events.some((e) => e.startsWith('waitFor'))).toBe(false);
    expect(nf.waited).toBe(false);
  });

  it('--dry-run sends nothing and returns the previews, every batch planned', async () => {
    const p = fakeProvider({ per: 2, withWait: true });
    const { o } = options(p, paths('/a', '/b', '/c'), { dryRun: true, wait: true });
    const d = await runInvalidation(o);
    expect(p.sends).toEqual([]);
    expect(p.events).toEqual([]);
    expect(d.dryRun).toBe(true);
    expect(d.requests.map((r) => [r.status, r.attempts])).toEqual([
      ['planned', 0],
      ['planned', 0],
    ]);
    expect(d.previews).toEqual([
      [
        { method: 'PURGE', url: 'http://cache/a', headers: {} },
        { method: 'PURGE', url: 'http://cache/b', headers: {} },
      ],
      [{ method: 'PURGE', url: 'http://cache/c', headers: {} }],
    ]);
    expect(d.secondsToComplete).toBeNull();
  });

  it('rejected items are reported and not planned; all rejected: no batch at all', async () => {
    const p = fakeProvider({ reject: ['/x'] });
    const d = await runInvalidation(options(p, paths('/a', '/x')).o);
    expect(d.rejected).toEqual([{ item: path('/x'), why: 'rejected by the fake' }]);
    expect(d.items).toBe(1);
    expect(d.requests).toHaveLength(1);
    const all = fakeProvider({ reject: ['/x'] });
    const none = await runInvalidation(options(all, paths('/x')).o);
    expect(none).toMatchObject({ items: 0, requests: [], waves: 0, secondsToComplete: null });
    expect(all.sends).toEqual([]);
  });

  it('keeps at most --concurrency batches in flight', async () => {
    const p = fakeProvider({ delayMs: 5 });
    const d = await runInvalidation(options(p, paths(...Array.from({ length: 12 }, (_, i) => `/p${i}`)), { concurrency: 3 }).o);
    expect(d.requests.every((r) => r.status === 'ok')).toBe(true);
    expect(p.maxInFlight).toBe(3);
  });

  it('an aborted signal: what was not sent stays "not sent" and the run is marked interrupted', async () => {
    const ac = new AbortController();
    const p = fakeProvider();
    const origSend = p.send.bind(p);
    p.send = async (b, s) => {
      const r = await origSend(b, s);
      ac.abort(); // Ctrl-C after the first answer
      return r;
    };
    const d = await runInvalidation(options(p, paths('/a', '/b', '/c'), { concurrency: 1, signal: ac.signal }).o);
    expect(d.requests.map((r) => r.status)).toEqual(['ok', 'not sent', 'not sent']);
    expect(d.interrupted).toBe(true);
  });

  it('--collapse uses the provider’s collapse; the cost estimate is reported', async () => {
    const p = fakeProvider();
    p.collapse = (items) => ({ items: [path('/img/*')], replaced: [{ wildcard: '/img/*', covers: items.length }] });
    p.estimateCost = (items) => ({ billablePaths: items.length, estimatedCostUsd: 0, note: 'free tier' });
    const d = await runInvalidation(options(p, paths('/img/1', '/img/2'), { collapse: true }).o);
    expect(d.collapsed).toEqual([{ wildcard: '/img/*', covers: 2 }]);
    expect(d.items).toBe(1);
    expect(d.cost).toEqual({ billablePaths: 1, estimatedCostUsd: 0, note: 'free tier' });
    const off = await runInvalidation(options(fakeProvider(), paths('/img/1', '/img/2')).o);
    expect(off.collapsed).toEqual([]);
  });
});

describe('backoffMs', () => {
  it('0.5 s doubling per attempt, capped at 30 s', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((a) => backoffMs(a, undefined, mid))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('±25 % jitter', () => {
    expect(backoffMs(1, undefined, () => 0)).toBe(375);
    expect(backoffMs(1, undefined, () => 1)).toBe(625);
    expect(backoffMs(3, undefined, () => 0)).toBe(1_500);
    expect(backoffMs(3, undefined, () => 1)).toBe(2_500);
    for (let i = 0; i < 200; i++) {
      const v = backoffMs(2);
      expect(v).toBeGreaterThanOrEqual(750);
      expect(v).toBeLessThanOrEqual(1_250);
    }
  });

  it('Retry-After wins when longer; a shorter one is raised to a quarter of the backoff', () => {
    expect(backoffMs(1, 10_000, () => 0.5)).toBe(10_000);
    expect(backoffMs(1, 0, () => 0.5)).toBe(125);
    expect(backoffMs(5, 1_000, () => 0.5)).toBe(2_000);
    expect(backoffMs(5, 3_000, () => 0.5)).toBe(3_000);
  });
});
