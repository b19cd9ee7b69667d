// The Akamai provider through the CdnProvider interface, with the real akamai-edgegrid signer talking to a
// local fake of Fast Purge v3 that verifies every EdgeGrid signature: request shapes, invalidate/delete on
// production/staging, URL/CP code/tag, chunking under 50,000 bytes, 413, 429 with Retry-After and
// X-Ratelimit-*, 5xx, wrong credentials, HTTPS with the host from .edgerc, and waiting out estimatedSeconds.
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isPerfkitError, type PerfkitError } from '../../src/cli/errors.js';
import { runInvalidation } from '../../src/cdn/invalidate.js';
import { BatchError, TransientError, type BatchResult, type CdnProvider, type ProviderSettings, type PurgeItem } from '../../src/cdn/provider.js';
import { AKAMAI_MAX_BODY_BYTES, createProvider } from '../../src/connectors/cdn/akamai.js';
import { startFakeAkamai, type FakeAkamai } from '../helpers/fake-cdn/akamai.js';

let fake: FakeAkamai;
let edgerc: string;
beforeAll(async () => {
  fake = await startFakeAkamai({ estimatedSeconds: 5 });
  edgerc = fake.writeEdgerc();
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  fake.reset();
  fake.estimatedSeconds = 5;
});

function provider(options: ProviderSettings['options'] = {}, secrets: string[] = []): CdnProvider {
  return createProvider({ options: { edgerc, endpoint: fake.url, ...options }, env: {}, cwd: process.cwd(), timeoutMs: 5_000, secret: (v) => void (v && secrets.push(v)) });
}
const signal = () => new AbortController().signal;
const url = (value: string): PurgeItem => ({ kind: 'url', value });
const cpcode = (value: string): PurgeItem => ({ kind: 'cpcode', value });
const tag = (value: string): PurgeItem => ({ kind: 'tag', value });

async function sendAll(p: CdnProvider, items: PurgeItem[]) {
  const batches = p.plan(p.normalize(items).items);
  const sent: Array<{ batch: (typeof batches)[number]; result: BatchResult }> = [];
  for (const b of batches) sent.push({ batch: b, result: await p.send(b, signal()) });
  return sent;
}

describe('requests as Fast Purge v3 documents them, signed by akamai-edgegrid', () => {
  it('invalidate URLs on production: POST /ccu/v3/invalidate/url/production, signature verified by the fake', async () => {
    const p = provider();
    await p.checkCredentials();
    const [s] = await sendAll(p, [url('https://www.example.com/a?x=1'), url('https://www.example.com/b')]);
    const [r] = fake.requests;
    expect([r!.method, r!.path]).toEqual(['POST', '/ccu/v3/invalidate/url/production']);
    expect(r!.auth).toEqual({ ok: true });
    expect(r!.headers.authorization).toMatch(new RegExp(`^EG1-HMAC-SHA256 client_token=${fake.credentials.client_token};access_token=${fake.credentials.access_token};timestamp=\\d{8}T\\d\\d:\\d\\d:\\d\\d\\+0000;nonce=[0-9a-f-]{36};signature=[A-Za-z0-9+/]+=*$`));
    expect(r!.headers['content-type']).toBe('application/json');
    expect(r!.body).toBe('{"objects":["https://www.example.com/a?x=1","https://www.example.com/b"]}');
    expect(s!.result).toEqual({ providerId: fake.purges[0]!.purgeId, httpStatus: 201, estimatedSeconds: 5, status: 'Request accepted', note: expect.stringMatching(/^invalidate on production; supportId 17PY/) });
  });

  it('delete CP codes (as integers) and tags on staging, one object type per request', async () => {
    await sendAll(provider({ network: 'staging', delete: true }), [cpcode('123456'), tag('fall-sale'), cpcode('654321')]);
    expect(fake.requests.map((r) => [r.path, r.body, r.auth.ok])).toEqual([
      ['/ccu/v3/delete/cpcode/staging', '{"objects":[123456,654321]}', true],
      ['/ccu/v3/delete/tag/staging', '{"objects":["fall-sale"]}', true],
    ]);
    expect(fake.purges.map((x) => [x.action, x.type, x.network])).toEqual([
      ['delete', 'cpcode', 'staging'],
      ['delete', 'tag', 'staging'],
    ]);
  });

  it('the fake checks the signed body: a request signed for one body and sent with another is refused', async () => {
    const { default: EdgeGrid } = await import('akamai-edgegrid');
    const c = fake.credentials;
    const eg = new EdgeGrid(c.client_token, c.client_secret, c.access_token, fake.host) as unknown as { config: { host: string }; auth(r: object): { request: { url: string; headers: Record<string, string> } } };
    eg.config.host = fake.url;
    const signed = eg.auth({ path: '/ccu/v3/invalidate/url/production', method: 'POST', body: '{"objects":["https://e.com/a"]}' }).request;
    const res = await fetch(signed.url, { method: 'POST', headers: signed.headers, body: '{"objects":["https://e.com/EVIL"]}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ title: 'Not authorized', status: 401, detail: 'The signature does not match' });
    expect(fake.purges).toEqual([]);
  });

  it('every attempt is signed afresh: a new nonce each time (the fake refuses a replayed one)', async () => {
    const p = provider();
    const batch = p.plan([url('https://e.com/a')])[0]!;
    await p.send(batch, signal());
    await p.send(batch, signal());
    const nonces = fake.requests.map((r) => /nonce=([^;]+)/.exec(r.headers.authorization!)![1]);
    expect(new Set(nonces).size).toBe(2);
    expect(fake.requests.every((r) => r.auth.ok)).toBe(true);
  });

  it('long URL lists are chunked under 50,000 bytes and all accepted; one oversized body gets 413 → a failed batch', async () => {
    const urls = Array.from({ length: 800 }, (_, i) => url(`https://www.example.com/${String(i).padStart(3, '0')}/${'p'.repeat(200)}`));
    const sent = await sendAll(provider(), urls);
    expect(sent.length).toBeGreaterThan(3);
    expect(fake.requests.every((r) => r.auth.ok && Buffer.byteLength(r.body) <= AKAMAI_MAX_BODY_BYTES)).toBe(true);
    expect(fake.purges.flatMap((x) => x.objects)).toEqual(urls.map((u) => u.value));

    const e = await provider().send({ kind: 'url', items: urls, wave: 0 }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BatchError);
    expect((e as BatchError).opts.httpStatus).toBe(413);
    expect(fake.requests.at(-1)!.auth.ok).toBe(true);
  });
});

describe('failures', () => {
  it('429 with Retry-After → TransientError carrying retryAfterMs', async () => {
    fake.inject({ status: 429, retryAfter: 3 });
    const e = (await provider().send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, signal()).catch((x: unknown) => x)) as TransientError;
    expect(e).toBeInstanceOf(TransientError);
    expect(e.opts).toEqual({ httpStatus: 429, retryAfterMs: 3_000 });
    expect(e.message).toBe('Akamai rate limit (HTTP 429: Rate Limit exceeded)');
  });

  it('429 as documented (X-Ratelimit-* only): the 5 s the docs ask for, or longer when the object bucket is short', async () => {
    fake.inject({ status: 429 });
    const a = (await provider().send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, signal()).catch((x: unknown) => x)) as TransientError;
    expect(a.opts.retryAfterMs).toBe(5_000);
    fake.inject({ status: 429, limit: 'objects' });
    const many = Array.from({ length: 2_000 }, (_, i) => url(`https://e.com/${i}`));
    const b = (await provider().send({ kind: 'url', items: many, wave: 0 }, signal()).catch((x: unknown) => x)) as TransientError;
    expect(b.message).toMatch(/URL Rate Limit exceeded/);
    expect(b.opts.retryAfterMs).toBe(10_000); // 2,000 objects at 200 objects/s
  });

  it('5xx → TransientError', async () => {
    fake.inject({ status: 503 });
    const e = await provider().send({ kind: 'tag', items: [tag('t')], wave: 0 }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).opts.httpStatus).toBe(503);
  });

  it('a wrong client_secret → the fake finds the signature wrong → a connect error naming the .edgerc section, never the secret', async () => {
    const wrongSecret = 'd3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==';
    const file = fake.writeEdgerc({ credentials: { client_secret: wrongSecret } });
    const secrets: string[] = [];
    const e = (await provider({ edgerc: file }, secrets).send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, signal()).catch((x: unknown) => x)) as PerfkitError;
    expect(fake.requests[0]!.auth).toEqual({ ok: false, why: 'The signature does not match' });
    expect(isPerfkitError(e) && e.kind).toBe('connect');
    expect(e.message).toBe(`Akamai refused the credentials in section [ccu] of ${file} (HTTP 401: Not authorized: The signature does not match)`);
    expect(`${e.message} ${e.hint}`).not.toContain(wrongSecret);
    expect(secrets).toContain(wrongSecret);
  });

  it('an unknown client token → 401 → connect error', async () => {
    const file = fake.writeEdgerc({ credentials: { client_token: 'akab-not-a-client' } });
    const e = (await provider({ edgerc: file }).send({ kind: 'url', items: [url('https://e.com/a')], wave: 0 }, signal()).catch((x: unknown) => x)) as PerfkitError;
    expect(e.kind).toBe('connect');
    expect(e.message).toMatch(/Invalid authorization client token/);
    expect(e.message).not.toContain('akab-not-a-client');
  });

  it('a missing key in the section: checkCredentials names it without any request', async () => {
    const file = fake.writeEdgerc({ omit: ['access_token'] });
    const e = (await provider({ edgerc: file }).checkCredentials().catch((x: unknown) => x)) as PerfkitError;
    expect(e.kind).toBe('connect');
    expect(e.message).toBe(`Akamai credentials: section [ccu] of ${file} has no access_token`);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('HTTPS with the host from .edgerc (no --endpoint), as in production', () => {
  let tlsFake: FakeAkamai;
  let savedCa: unknown;
  beforeAll(async () => {
    tlsFake = await startFakeAkamai({ tls: true, estimatedSeconds: 2 });
    // The library uses Node's default https agent; trust the fake's self-signed certificate there.
    savedCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = [...rootCertificates, tlsFake.ca!];
  });
  afterAll(async () => {
    https.globalAgent.options.ca = savedCa as string[] | undefined;
    await tlsFake?.stop();
  });

  it('signs over https://<host>/… and the fake verifies it', async () => {
    const file = tlsFake.writeEdgerc({ host: `https://${tlsFake.host}/` });
    const p = createProvider({ options: { edgerc: file, network: 'staging' }, env: {}, cwd: process.cwd(), timeoutMs: 5_000, secret: () => {} });
    expect(p.preview(p.plan([tag('t1')])[0]!)[0]!.url).toBe(`https://${tlsFake.host}/ccu/v3/invalidate/tag/staging`);
    const r = await p.send(p.plan([tag('t1'), tag('t2')])[0]!, signal());
    expect(r).toMatchObject({ httpStatus: 201, estimatedSeconds: 2 });
    expect(tlsFake.requests.map((x) => [x.path, x.auth.ok, x.headers.host])).toEqual([['/ccu/v3/invalidate/tag/staging', true, tlsFake.host]]);
  });
});

describe('waitFor honours estimatedSeconds', () => {
  it('waits the largest estimate of what was sent, with a countdown, through an injected sleep', async () => {
    const p = provider();
    fake.estimatedSeconds = 3;
    const first = await sendAll(p, [url('https://e.com/a')]);
    fake.estimatedSeconds = 7;
    const second = await sendAll(p, [cpcode('123')]);
    const waits: number[] = [];
    const progress: string[] = [];
    await p.waitFor!([...first, ...second], { signal: signal(), timeoutMs: 60_000, onProgress: (t) => progress.push(t), sleep: async (ms) => void waits.push(ms) });
    expect(waits.reduce((a, b) => a + b, 0)).toBe(7_000);
    expect(progress[0]).toMatch(/^Akamai production: about 7 s/);
  });

  it('through the core: a 429 retried after Retry-After, then --wait waits the estimate', async () => {
    fake.estimatedSeconds = 4;
    fake.inject({ status: 429, retryAfter: 1 });
    const sleeps: number[] = [];
    const data = await runInvalidation({
      provider: provider({ network: 'staging' }),
      items: [url('https://e.com/a'), url('https://e.com/b'), cpcode('42'), tag('x')],
      dryRun: false,
      collapse: false,
      wait: true,
      waitTimeoutMs: 60_000,
      retries: 2,
      concurrency: 1,
      signal: signal(),
      progress: () => {},
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(data.requests.map((r) => [r.kind, r.items, r.status, r.attempts, r.estimatedSeconds])).toEqual([
      ['url', 2, 'ok', 2, 4],
      ['cpcode', 1, 'ok', 1, 4],
      ['tag', 1, 'ok', 1, 4],
    ]);
    expect(data.waited).toBe(true);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1_000); // the retry
    expect(sleeps.slice(1).reduce((a, b) => a + b, 0)).toBe(4_000); // the wait
    expect(fake.requests.every((r) => r.auth.ok)).toBe(true);
  });
});
