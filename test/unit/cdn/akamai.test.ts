// Akamai Fast Purge provider, pure parts: .edgerc reading (errors name the file, section or key, never a
// value), which items it takes, chunking under the 50,000-byte body limit and the object buckets, the exact
// requests of a dry run (Authorization redacted), 429/5xx/401 mapping, and waiting out estimatedSeconds.
import { describe, expect, it } from 'vitest';
import { isPerfkitError, type PerfkitError } from '../../../src/cli/errors.js';
import { BatchError, TransientError, type Batch, type BatchResult, type ProviderSettings, type PurgeItem, type WaitOptions } from '../../../src/cdn/provider.js';
import {
  AKAMAI_MAX_BODY_BYTES,
  AKAMAI_MAX_OBJECTS,
  akamaiBody,
  akamaiFailure,
  akamaiRetryAfterMs,
  akamaiSettings,
  createProvider,
  loadEdgerc,
  normalizeAkamai,
  parseEdgerc,
  planAkamai,
  waitForEstimates,
} from '../../../src/connectors/cdn/akamai.js';

const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=';
const EDGERC = `; Akamai credentials
[default]
client_secret = other-secret
host = akab-default.luna.akamaiapis.net
access_token = akab-acc-default
client_token = akab-cli-default

[ccu]
client_secret = "${SECRET}" ; inline comment
host = https://akab-abc123.luna.akamaiapis.net/
access_token = akab-acc-0001
client_token = akab-cli-0001
max-body = 131072
`;

function settings(options: ProviderSettings['options'] = {}, env: ProviderSettings['env'] = {}): ProviderSettings & { secrets: string[] } {
  const secrets: string[] = [];
  return { options, env: { HOME: '/home/u', ...env }, cwd: '/work', timeoutMs: 5_000, secret: (v) => void (v && secrets.push(v)), secrets };
}

const url = (value: string): PurgeItem => ({ kind: 'url', value });
const cpcode = (value: string): PurgeItem => ({ kind: 'cpcode', value });
const tag = (value: string): PurgeItem => ({ kind: 'tag', value });
const bytesOf = (b: Batch) => Buffer.byteLength(akamaiBody(b.kind, b.items.map((i) => i.value)));

function thrown(fn: () => unknown): PerfkitError {
  try {
    fn();
  } catch (e) {
    return e as PerfkitError;
  }
  throw new Error('expected a throw');
}

describe('.edgerc', () => {
  it('reads one section as akamai-edgegrid does: quotes, inline comments, max-body', () => {
    expect(parseEdgerc(EDGERC, 'ccu')).toEqual({ client_secret: SECRET, host: 'https://akab-abc123.luna.akamaiapis.net/', access_token: 'akab-acc-0001', client_token: 'akab-cli-0001', max_body: '131072' });
    expect(parseEdgerc(EDGERC, 'default')?.client_token).toBe('akab-cli-default');
    expect(parseEdgerc(EDGERC, 'papi')).toBeUndefined();
  });

  it('defaults to ~/.edgerc [ccu], or AKAMAI_EDGERC / AKAMAI_EDGERC_SECTION; --edgerc resolves against the cwd', () => {
    expect(akamaiSettings(settings())).toMatchObject({ edgercPath: '/home/u/.edgerc', section: 'ccu', network: 'production', action: 'invalidate' });
    expect(akamaiSettings(settings({}, { AKAMAI_EDGERC: '/etc/akamai.rc', AKAMAI_EDGERC_SECTION: 'purge' }))).toMatchObject({ edgercPath: '/etc/akamai.rc', section: 'purge' });
    expect(akamaiSettings(settings({ edgerc: 'conf/edgerc', section: 's', network: 'staging', delete: true }))).toMatchObject({ edgercPath: '/work/conf/edgerc', section: 's', network: 'staging', action: 'delete' });
    expect(thrown(() => akamaiSettings(settings({ network: 'prod' }))).kind).toBe('usage');
  });

  it('loads the credentials; the host loses its scheme and trailing slash', () => {
    const c = loadEdgerc(akamaiSettings(settings()), {}, () => EDGERC);
    expect(c).toEqual({ client_token: 'akab-cli-0001', client_secret: SECRET, access_token: 'akab-acc-0001', host: 'akab-abc123.luna.akamaiapis.net', where: 'section [ccu] of ~/.edgerc' });
  });

  it('takes AKAMAI_<SECTION>_* variables when all four are set', () => {
    const env = { AKAMAI_CCU_HOST: 'akab-env.luna.akamaiapis.net', AKAMAI_CCU_CLIENT_TOKEN: 'ct', AKAMAI_CCU_CLIENT_SECRET: 'cs', AKAMAI_CCU_ACCESS_TOKEN: 'at' };
    const c = loadEdgerc(akamaiSettings(settings()), env, () => {
      throw new Error('the file should not be read');
    });
    expect(c).toMatchObject({ host: 'akab-env.luna.akamaiapis.net', where: 'environment variables AKAMAI_CCU_*' });
  });

  it('names a missing file, section or key — never a value (connect error, exit 3)', () => {
    const s = akamaiSettings(settings());
    const missing = thrown(() =>
      loadEdgerc(s, {}, () => {
        throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      }),
    );
    expect(missing.kind).toBe('connect');
    expect(missing.message).toBe('Akamai credentials: cannot read ~/.edgerc (no such file)');
    expect(missing.hint).toMatch(/CCU APIs.*\[ccu\].*--edgerc/);

    const noSection = thrown(() => loadEdgerc(akamaiSettings(settings({ section: 'purge' })), {}, () => EDGERC));
    expect(noSection.message).toBe('Akamai credentials: ~/.edgerc has no [purge] section (it has [default], [ccu])');

    const noKeys = thrown(() => loadEdgerc(s, {}, () => EDGERC.replace(`client_secret = "${SECRET}" ; inline comment`, '').replace(/^host = https.*$/m, '')));
    expect(noKeys.message).toBe('Akamai credentials: section [ccu] of ~/.edgerc has no client_secret, host');
    for (const e of [missing, noSection, noKeys]) expect(`${e.message} ${e.hint}`).not.toMatch(/akab-cli-0001|akab-acc-0001|c2VjcmV0/);
  });

  it('checkCredentials registers the three secrets', async () => {
    const st = settings({ edgerc: '/nonexistent/perfkit-edgerc' });
    const e = (await createProvider(st).checkCredentials().catch((x: unknown) => x)) as PerfkitError;
    expect(isPerfkitError(e) && e.kind).toBe('connect');
    expect(e.message).toContain('/nonexistent/perfkit-edgerc');
    expect(st.secrets).toEqual([]);
  });
});

describe('normalize', () => {
  it('keeps absolute URLs (fragment dropped), rejects paths with what to do', () => {
    const r = normalizeAkamai([url('https://www.example.com/a?x=1#f'), { kind: 'path', value: '/a' }, url('www.example.com/a')]);
    expect(r.items).toEqual([url('https://www.example.com/a?x=1')]);
    expect(r.rejected.map((x) => x.why)).toEqual(Array(2).fill('Akamai purges full URLs: give https://host/path or use --base-url'));
  });

  it('CP codes are positive whole numbers (leading zeros dropped)', () => {
    const r = normalizeAkamai([cpcode('00123'), cpcode('12a'), cpcode('0'), cpcode('99999999999999999999')]);
    expect(r.items).toEqual([cpcode('123')]);
    expect(r.rejected).toHaveLength(3);
    expect(r.rejected[0]!.why).toMatch(/not a CP code/);
  });

  it('cache tags: at most 128 characters, RFC 7230 token characters without *', () => {
    const ok = `${'t'.repeat(120)}&'^-$!\`#`;
    const r = normalizeAkamai([tag(ok), tag('x'.repeat(129)), tag('fall sale'), tag('a,b'), tag('a/b'), tag('a*'), tag("k.+~_|%")]);
    expect(r.items.map((i) => i.value)).toEqual([ok, "k.+~_|%"]);
    expect(r.rejected.map((x) => x.why)).toEqual([
      expect.stringMatching(/129 characters.*at most 128.*silently purges nothing/),
      expect.stringMatching(/^'space' is not allowed/),
      expect.stringMatching(/^',' is not allowed/),
      expect.stringMatching(/^'\/' is not allowed/),
      expect.stringMatching(/^'\*' is not allowed/),
    ]);
  });

  it('refuses --all (no such API) and kinds of other CDNs', () => {
    const r = normalizeAkamai([{ kind: 'all', value: '*' }, { kind: 'prefix', value: 'example.com/a' }]);
    expect(r.rejected.map((x) => x.why)).toEqual([expect.stringMatching(/not everything \(--all\): purge its CP codes/), expect.stringMatching(/not prefixes$/)]);
  });

  it('rejects a URL that alone would not fit in one request body', () => {
    const long = url(`https://e.com/${'a'.repeat(AKAMAI_MAX_BODY_BYTES)}`);
    expect(normalizeAkamai([long]).rejected[0]!.why).toMatch(/50000-byte body limit/);
  });
});

describe('plan', () => {
  it('chunks long URLs so that every body stays within 50,000 bytes, packed tight, order kept', () => {
    const urls = Array.from({ length: 1_000 }, (_, i) => url(`https://www.example.com/catalogue/${String(i).padStart(4, '0')}/${'x'.repeat(180)}`));
    const batches = planAkamai(urls);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(bytesOf(b)).toBeLessThanOrEqual(AKAMAI_MAX_BODY_BYTES);
    // Tight: the first item of the next batch would not have fitted.
    for (let i = 0; i < batches.length - 1; i++) {
      const withNext = { ...batches[i]!, items: [...batches[i]!.items, batches[i + 1]!.items[0]!] };
      expect(bytesOf(withNext)).toBeGreaterThan(AKAMAI_MAX_BODY_BYTES);
    }
    expect(batches.flatMap((b) => b.items)).toEqual(urls);
  });

  it('a body of exactly 50,000 bytes is one request; one byte more is two', () => {
    // {"objects":["…","…"]}: 14 bytes of frame, each URL in quotes, one comma between.
    const frame = Buffer.byteLength('{"objects":[]}');
    const n = 10;
    const each = Math.floor((AKAMAI_MAX_BODY_BYTES - frame - (n - 1)) / n) - 2;
    const base = `https://e.com/`;
    const make = (extra: number) => Array.from({ length: n }, (_, i) => url(`${base}${i}${'y'.repeat(each - base.length - 1 + (i === 0 ? extra : 0))}`));
    const fill = AKAMAI_MAX_BODY_BYTES - bytesOf({ kind: 'url', items: make(0), wave: 0 });
    const exact = make(fill);
    expect(bytesOf({ kind: 'url', items: exact, wave: 0 })).toBe(AKAMAI_MAX_BODY_BYTES);
    expect(planAkamai(exact)).toHaveLength(1);
    expect(planAkamai(make(fill + 1)).map((b) => b.items.length)).toEqual([9, 1]);
  });

  it('keeps within the object buckets: 300 CP codes → 1 request, 301 → 2; CP codes as integers', () => {
    const codes = (n: number) => Array.from({ length: n }, (_, i) => cpcode(String(100_000 + i)));
    expect(planAkamai(codes(AKAMAI_MAX_OBJECTS.cpcode)).map((b) => b.items.length)).toEqual([300]);
    expect(planAkamai(codes(301)).map((b) => b.items.length)).toEqual([300, 1]);
    expect(akamaiBody('cpcode', ['123', '456'])).toBe('{"objects":[123,456]}');
    const tags = Array.from({ length: 5_001 }, (_, i) => tag(`t${i}`));
    expect(planAkamai(tags).map((b) => b.items.length)).toEqual([5_000, 1]);
  });

  it('one object type per request', () => {
    const batches = planAkamai([url('https://e.com/a'), cpcode('1'), tag('t'), url('https://e.com/b'), cpcode('2')]);
    expect(batches.map((b) => [b.kind, b.items.length])).toEqual([
      ['url', 2],
      ['cpcode', 2],
      ['tag', 1],
    ]);
  });
});

describe('preview (the exact request of a dry run)', () => {
  it('POST https://<host>/ccu/v3/{invalidate|delete}/{type}/{network} with the body, Authorization redacted', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(`${os.tmpdir()}/perfkit-edgerc-`);
    try {
      writeFileSync(`${dir}/edgerc`, EDGERC);
      const st = settings({ edgerc: `${dir}/edgerc`, network: 'staging', delete: true });
      const p = createProvider(st);
      const [b] = p.plan(p.normalize([cpcode('123'), cpcode('456')]).items);
      const preview = p.preview(b!);
      expect(preview).toEqual([
        {
          method: 'POST',
          url: 'https://akab-abc123.luna.akamaiapis.net/ccu/v3/delete/cpcode/staging',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: '***' },
          body: '{"objects":[123,456]}',
        },
      ]);
      expect(JSON.stringify(preview)).not.toMatch(/akab-cli-0001|akab-acc-0001|c2VjcmV0/);
      expect(st.secrets.sort()).toEqual(['akab-acc-0001', 'akab-cli-0001', SECRET].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still previews without credentials (a dry run needs none), and honours --endpoint', () => {
    const p = createProvider(settings({ edgerc: '/nonexistent/edgerc' }));
    expect(p.preview({ kind: 'tag', items: [tag('a')], wave: 0 })[0]!.url).toBe('https://<host from [ccu] of /nonexistent/edgerc>/ccu/v3/invalidate/tag/production');
    const q = createProvider(settings({ edgerc: '/nonexistent/edgerc', endpoint: 'http://127.0.0.1:9/' }));
    expect(q.preview({ kind: 'url', items: [url('https://e.com/a')], wave: 0 })[0]).toMatchObject({ url: 'http://127.0.0.1:9/ccu/v3/invalidate/url/production', body: '{"objects":["https://e.com/a"]}' });
  });
});

describe('error mapping', () => {
  const batch: Batch = { kind: 'url', items: Array.from({ length: 1_000 }, (_, i) => url(`https://e.com/${i}`)), wave: 0 };
  const ctx = { batch, creds: { where: 'section [ccu] of ~/.edgerc' }, secrets: [SECRET, 'akab-cli-0001'], base: 'https://akab-abc123.luna.akamaiapis.net' };

  it('429: Retry-After when given; else enough for the object bucket to refill, at least the documented 5 s', () => {
    expect(akamaiRetryAfterMs({ 'retry-after': '2' }, 10)).toBe(2_000);
    expect(akamaiRetryAfterMs({ 'x-ratelimit-remaining': '0', 'x-ratelimit-remaining-objects': '9904', 'x-ratelimit-limit-per-second-objects': '200.00' }, 10)).toBe(5_000);
    expect(akamaiRetryAfterMs({ 'x-ratelimit-remaining-objects': '0', 'x-ratelimit-limit-per-second-objects': '200.00' }, 2_000)).toBe(10_000);
    const t = akamaiFailure(429, { 'retry-after': '3' }, { title: 'Rate Limit exceeded', httpStatus: 429 }, ctx);
    expect(t).toBeInstanceOf(TransientError);
    expect((t as TransientError).opts).toEqual({ httpStatus: 429, retryAfterMs: 3_000 });
  });

  it('5xx, 507 and 408 are retried; 400 and 413 fail the batch with Akamai’s words', () => {
    for (const s of [500, 503, 504, 507, 408]) expect(akamaiFailure(s, {}, {}, ctx)).toBeInstanceOf(TransientError);
    const big = akamaiFailure(413, {}, { title: 'Request Entity Too Large', detail: 'too big', supportId: 'S1' }, ctx);
    expect(big).toBeInstanceOf(BatchError);
    expect(big.message).toBe('Akamai rejected the purge of 1000 url objects (HTTP 413: Request Entity Too Large: too big) (the body is over 50000 bytes) (supportId S1)');
    expect(akamaiFailure(400, {}, { title: 'Bad request', detail: 'invalid URL' }, ctx)).toBeInstanceOf(BatchError);
  });

  it('401/403 → a connect error naming the .edgerc section, never a secret', () => {
    for (const status of [401, 403]) {
      const e = akamaiFailure(status, {}, { title: 'Not authorized', detail: `The signature does not match for akab-cli-0001 ${SECRET}` }, ctx) as PerfkitError;
      expect(e.kind).toBe('connect');
      expect(e.message).toContain('section [ccu] of ~/.edgerc');
      expect(`${e.message} ${e.hint}`).not.toMatch(/akab-cli-0001|c2VjcmV0/);
    }
  });

  it('transport: refused or unknown host → connect error; timeouts and resets → retried', () => {
    expect((akamaiFailure(undefined, {}, undefined, { ...ctx, code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND akab' }) as PerfkitError).kind).toBe('connect');
    expect(akamaiFailure(undefined, {}, undefined, { ...ctx, code: 'ECONNABORTED', message: 'timeout of 5000ms exceeded' })).toBeInstanceOf(TransientError);
    expect(akamaiFailure(undefined, {}, undefined, { ...ctx, code: 'ECONNRESET', message: 'socket hang up' })).toBeInstanceOf(TransientError);
  });
});

describe('waitFor: Fast Purge v3 has no status, so the largest estimatedSeconds is waited out', () => {
  const sent = (...secs: Array<number | undefined>) => secs.map((estimatedSeconds) => ({ batch: { kind: 'url' as const, items: [], wave: 0 }, result: { estimatedSeconds } as BatchResult }));
  const opts = (timeoutMs = 60_000, signal = new AbortController().signal) => {
    const waits: number[] = [];
    const progress: string[] = [];
    const o: WaitOptions = { signal, timeoutMs, onProgress: (t) => void progress.push(t), sleep: async (ms) => void waits.push(ms) };
    return { waits, progress, o };
  };

  it('counts down the largest estimate, a second at a time', async () => {
    const { waits, progress, o } = opts();
    await waitForEstimates(sent(3, 7, 5), o, 'staging');
    expect(waits.reduce((a, b) => a + b, 0)).toBe(7_000);
    expect(waits.every((w) => w <= 1_000)).toBe(true);
    expect(progress[0]).toBe("Akamai staging: about 7 s until the purge completes (the API's estimate; v3 has no status to poll)");
    expect(progress.at(-1)).toMatch(/about 1 s/);
  });

  it('assumes the documented 5 s when the API gave no estimate', async () => {
    const { waits, o } = opts();
    await waitForEstimates(sent(undefined), o, 'production');
    expect(waits.reduce((a, b) => a + b, 0)).toBe(5_000);
  });

  it('fails at once (runtime, exit 3) when the estimate is longer than the wait timeout', async () => {
    const { waits, o } = opts(10_000);
    const e = (await waitForEstimates(sent(240), o, 'production').catch((x: unknown) => x)) as PerfkitError;
    expect(e.kind).toBe('runtime');
    expect(e.message).toMatch(/estimates 240 s.*longer than the wait timeout \(10 s\)/);
    expect(waits).toEqual([]);
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    const { o } = opts(60_000, ac.signal);
    o.sleep = async () => {
      ac.abort(new Error('SIGINT'));
    };
    await expect(waitForEstimates(sent(5), o, 'production')).rejects.toThrow('SIGINT');
  });
});
