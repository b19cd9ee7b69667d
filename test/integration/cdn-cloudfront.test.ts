// The CloudFront provider through the real @aws-sdk/client-cloudfront against a local CloudFront API that
// verifies SigV4: request shapes, idempotent retries, the in-flight limits across waves, throttling and 5xx,
// wrong credentials, completion polling with an injected fast sleep.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PerfkitError } from '../../src/cli/errors.js';
import { BatchError, TransientError, type Batch, type CdnProvider, type PurgeItem, type WaitOptions } from '../../src/cdn/provider.js';
import { createProvider } from '../../src/connectors/cdn/cloudfront.js';
import { startFakeCloudFront, type FakeCloudFront } from '../helpers/fake-cdn/cloudfront.js';

const AKID = 'AKIDFAKE0000EXAMPLE';
const SECRET = 'fake-secret-key/EXAMPLEKEY';
const ENV = { AWS_ACCESS_KEY_ID: AKID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', HOME: '/nonexistent-perfkit-home' };

let fake: FakeCloudFront;
beforeAll(async () => {
  fake = await startFakeCloudFront({ keys: { [AKID]: SECRET }, distributions: ['E1'], completeAfterPolls: 3 });
});
afterAll(() => fake.stop());
afterEach(() => {
  fake.complete(); // nothing stays in flight between tests
  fake.requests.length = 0;
});

function provider(over: { env?: Record<string, string | undefined>; options?: Record<string, string | boolean | undefined>; runId?: string } = {}) {
  const secrets: string[] = [];
  const p = createProvider({
    options: { distributionId: 'E1', endpoint: fake.url, runId: over.runId ?? `run-${Math.random().toString(36).slice(2)}`, ...over.options },
    env: { ...ENV, ...over.env },
    cwd: process.cwd(),
    secret: (s) => void (s && secrets.push(s)),
    timeoutMs: 5_000,
  });
  return { p, secrets };
}

function waitOptions(over: Partial<WaitOptions> = {}) {
  const slept: number[] = [];
  const progress: string[] = [];
  const o: WaitOptions = { signal: new AbortController().signal, timeoutMs: 10 * 60_000, onProgress: (t) => progress.push(t), sleep: async (ms) => void slept.push(ms), ...over };
  return { o, slept, progress };
}

const signal = () => new AbortController().signal;
const planned = (p: CdnProvider, items: PurgeItem[]) => p.plan(p.normalize(items).items);
const paths = (n: number, f = (i: number) => `/p/${i}.html`): PurgeItem[] => Array.from({ length: n }, (_, i) => ({ kind: 'path', value: f(i) }));
const creates = () => fake.requests.filter((r) => r.method === 'POST');

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('CloudFront CreateInvalidation through the SDK', () => {
  it('sends the exact request the dry run previews, signed with the key from settings.env', async () => {
    const { p, secrets } = provider();
    const batches = planned(p, [
      { kind: 'path', value: '/index.html' },
      { kind: 'path', value: '/assets/*' },
      { kind: 'url', value: 'https://d111.cloudfront.net/caf\u00e9 menu.html?lang=fr' },
      { kind: 'tag', value: 'product-42' },
    ]);
    expect(batches.map((b) => [b.kind, b.wave, b.items.length])).toEqual([
      ['path', 0, 3],
      ['tag', 0, 1],
    ]);
    for (const b of batches) {
      const r = await p.send(b, signal());
      expect(r).toMatchObject({ httpStatus: 201, status: 'InProgress' });
      expect(r.providerId).toMatch(/^I[0-9A-F]+$/);
    }
    const sent = creates();
    expect(sent).toHaveLength(2);
    for (const [i, req] of sent.entries()) {
      expect(req.path).toBe('/2020-05-31/distribution/E1/invalidation');
      expect(req.headers['content-type']).toBe('application/xml');
      expect(req.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${AKID}/\\d{8}/us-east-1/cloudfront/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`));
      expect(req.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
      expect(req.headers['amz-sdk-request']).toBe('attempt=1; max=1'); // the SDK does not retry on its own
      const preview = p.preview(batches[i]!);
      expect(preview).toHaveLength(1);
      expect(preview[0]!.method).toBe('POST');
      expect(preview[0]!.url).toBe(`${fake.url}${req.path}`);
      expect(preview[0]!.headers.Authorization).toBe('***');
      expect(req.body).toBe(preview[0]!.body);
    }
    expect(sent[0]!.body).toContain('<Quantity>3</Quantity>');
    expect(sent[0]!.body).toContain('<Path>/caf%C3%A9%20menu.html?lang=fr</Path>');
    expect(sent[1]!.body).toContain('<Path>#product-42</Path>');
    expect(secrets).toEqual(expect.arrayContaining([SECRET, AKID]));
    expect(JSON.stringify(p.preview(batches[0]!))).not.toContain(SECRET);
  });

  it('a retried batch returns the invalidation it created (same CallerReference), not a second one', async () => {
    const { p } = provider();
    const [batch] = planned(p, paths(3));
    const before = fake.invalidations.length;
    const a = await p.send(batch!, signal());
    const b = await p.send(batch!, signal());
    expect(b.providerId).toBe(a.providerId);
    expect(fake.invalidations.length).toBe(before + 1);
    const refs = creates().map((r) => /<CallerReference>(.*?)<\/CallerReference>/.exec(r.body)![1]);
    expect(refs[0]).toBe(refs[1]);
  });

  it('another run sends the same paths as a new invalidation (a new CallerReference)', async () => {
    const a = await provider().p.send(planned(provider().p, paths(2))[0]!, signal());
    const b = await provider().p.send(planned(provider().p, paths(2))[0]!, signal());
    expect(b.providerId).not.toBe(a.providerId);
  });

  it('ignores AWS credentials in process.env: the client is built from settings.env', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMPROCESSENV00';
    process.env.AWS_SECRET_ACCESS_KEY = 'process-env-secret';
    try {
      const { p } = provider();
      await expect(p.send(planned(p, paths(1))[0]!, signal())).resolves.toMatchObject({ httpStatus: 201 });
      expect(creates()[0]!.headers.authorization).toContain(`Credential=${AKID}/`);
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.key === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.key;
    }
  });
});

describe('CloudFront in-flight limits and waves', () => {
  it('3,001 paths: wave 2 is refused while wave 1 is in flight, and is sent once beforeWave saw room', async () => {
    const { p } = provider();
    const batches = planned(p, paths(3_001));
    expect(batches.map((b) => [b.wave, b.items.length])).toEqual([
      [0, 3_000],
      [1, 1],
    ]);
    const first = await p.send(batches[0]!, signal());
    // The limit is real: sent too early, wave 2 is throttled by CloudFront.
    const early = await rejection(p.send(batches[1]!, signal()));
    expect(early).toBeInstanceOf(TransientError);
    expect((early as TransientError).opts).toMatchObject({ code: 'TooManyInvalidationsInProgress', httpStatus: 400, retryAfterMs: 30_000 });

    const w = waitOptions();
    await p.beforeWave!(1, w.o);
    expect(fake.invalidations.find((i) => i.id === first.providerId)!.status).toBe('Completed');
    expect(fake.requests.some((r) => r.method === 'GET' && /\/invalidation\?/.test(r.path))).toBe(true); // ListInvalidations
    expect(w.slept.length).toBeGreaterThanOrEqual(1);
    expect(w.slept[0]).toBeGreaterThanOrEqual(1_600);
    expect(w.slept[0]).toBeLessThanOrEqual(2_400);
    expect(w.progress[0]).toMatch(/wave 2 \(1 paths, 0 wildcards\) waits for room: 3000 paths and 0 wildcards in flight in 1 invalidation/);
    await expect(p.send(batches[1]!, signal())).resolves.toMatchObject({ httpStatus: 201 });
  });

  it('16 wildcards: 15 in wave 1, the 16th after them', async () => {
    const { p } = provider();
    const batches = planned(p, paths(16, (i) => `/w${i}/*`));
    expect(batches.map((b) => [b.wave, b.items.length])).toEqual([
      [0, 15],
      [1, 1],
    ]);
    await p.send(batches[0]!, signal());
    const early = await rejection(p.send(batches[1]!, signal()));
    expect((early as TransientError).opts.code).toBe('TooManyInvalidationsInProgress');
    await p.beforeWave!(1, waitOptions().o);
    await expect(p.send(batches[1]!, signal())).resolves.toMatchObject({ status: 'InProgress' });
  });

  it("counts other people's invalidations in flight, not only its own", async () => {
    const { p } = provider();
    const batches = planned(p, paths(16, (i) => `/x${i}/*`));
    await p.send(batches[0]!, signal());
    fake.complete();
    const theirs = fake.addInvalidation('E1', Array.from({ length: 15 }, (_, i) => `/theirs/${i}/*`));
    const w = waitOptions();
    await p.beforeWave!(1, w.o);
    expect(w.progress[0]).toMatch(/0 paths and 15 wildcards in flight in 1 invalidation/);
    expect(theirs.status).toBe('Completed');
    // It asked what the other invalidation holds.
    expect(fake.requests.some((r) => r.path.endsWith(`/invalidation/${theirs.id}`))).toBe(true);
  });

  it('wave 1 needs no wait', async () => {
    const { p } = provider();
    planned(p, paths(2));
    const w = waitOptions();
    await p.beforeWave!(0, w.o);
    expect(fake.requests).toHaveLength(0);
  });

  it('gives up after the wait timeout, naming what is still in flight', async () => {
    const slow = await startFakeCloudFront({ keys: { [AKID]: SECRET }, completeAfterPolls: 1_000 });
    try {
      const { p } = provider({ options: { endpoint: slow.url } });
      const batches = planned(p, paths(3_001));
      const sent = await p.send(batches[0]!, signal());
      const e = await rejection(p.beforeWave!(1, waitOptions({ timeoutMs: 30_000 }).o));
      expect(e).toBeInstanceOf(PerfkitError);
      expect((e as PerfkitError).kind).toBe('runtime');
      expect(e.message).toMatch(/wave 2 was not sent: 1 invalidation was still in progress after 30 s \(3000 paths, 0 wildcards of 3,000 and 15\)/);
      expect((e as PerfkitError).hint).toContain('aws cloudfront list-invalidations --distribution-id E1');
      expect(slow.invalidations[0]!.id).toBe(sent.providerId);
    } finally {
      await slow.stop();
    }
  });
});

describe('CloudFront errors', () => {
  it('Throttling → TransientError with Retry-After', async () => {
    const { p } = provider();
    fake.inject({ status: 400, code: 'Throttling', message: 'Rate exceeded', retryAfter: '3', op: 'CreateInvalidation' });
    const e = await rejection(p.send(planned(p, paths(1))[0]!, signal()));
    expect(e).toBeInstanceOf(TransientError);
    expect(e.message).toBe('CreateInvalidation: Throttling: Rate exceeded');
    expect((e as TransientError).opts).toEqual({ retryAfterMs: 3_000, httpStatus: 400, code: 'Throttling' });
    expect(creates()[0]!.headers['amz-sdk-request']).toBe('attempt=1; max=1');
    expect(creates()).toHaveLength(1); // the SDK did not retry behind our back
  });

  it('503 ServiceUnavailable → TransientError; then the same batch goes through', async () => {
    const { p } = provider();
    const [batch] = planned(p, paths(2));
    fake.inject({ status: 503, code: 'ServiceUnavailable', message: 'Service Unavailable' });
    const e = await rejection(p.send(batch!, signal()));
    expect((e as TransientError).opts).toMatchObject({ httpStatus: 503, code: 'ServiceUnavailable' });
    await expect(p.send(batch!, signal())).resolves.toMatchObject({ httpStatus: 201 });
  });

  it('an invalid path → BatchError with CloudFront’s message', async () => {
    const { p } = provider();
    const raw: Batch = { kind: 'path', wave: 0, items: [{ kind: 'path', value: '/runtime~main.js' }] }; // not normalized
    const e = await rejection(p.send(raw, signal()));
    expect(e).toBeInstanceOf(BatchError);
    expect(e.message).toBe('CreateInvalidation: InvalidArgument: Your request contains one or more invalid invalidation paths.');
    expect((e as BatchError).opts).toEqual({ httpStatus: 400, code: 'InvalidArgument' });
    // normalized, the same path is accepted
    await expect(p.send(planned(p, raw.items)[0]!, signal())).resolves.toMatchObject({ httpStatus: 201 });
  });

  it('an unknown distribution → BatchError naming it', async () => {
    const { p } = provider({ options: { distributionId: 'E404' } });
    const e = await rejection(p.send(planned(p, paths(1))[0]!, signal()));
    expect(e).toBeInstanceOf(BatchError);
    expect(e.message).toMatch(/distribution E404 does not exist/);
    expect((e as BatchError).opts.httpStatus).toBe(404);
  });

  it('an unknown access key → connect error naming the variables, never their values', async () => {
    const { p } = provider({ env: { AWS_ACCESS_KEY_ID: 'AKIDWRONG00000000000' } });
    const e = await rejection(p.send(planned(p, paths(1))[0]!, signal()));
    expect(e).toBeInstanceOf(PerfkitError);
    expect((e as PerfkitError).kind).toBe('connect');
    expect(e.message).toBe('CloudFront refused the credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (403 InvalidClientTokenId: The security token included in the request is invalid.)');
    expect(`${e.message} ${(e as PerfkitError).hint}`).not.toMatch(/AKIDWRONG|fake-secret/);
  });

  it('a wrong secret → SignatureDoesNotMatch → connect error', async () => {
    const { p } = provider({ env: { AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    const e = await rejection(p.send(planned(p, paths(1))[0]!, signal()));
    expect((e as PerfkitError).kind).toBe('connect');
    expect(e.message).toMatch(/^CloudFront refused the credentials from AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY \(403 SignatureDoesNotMatch/);
    expect(e.message).not.toContain('not-the-secret');
  });

  it('AccessDenied → connect error naming the missing permission', async () => {
    const { p } = provider();
    fake.inject({ status: 403, code: 'AccessDenied', message: 'User: arn:aws:iam::123:user/ci is not authorized to perform: cloudfront:CreateInvalidation' });
    const e = await rejection(p.send(planned(p, paths(1))[0]!, signal()));
    expect((e as PerfkitError).kind).toBe('connect');
    expect((e as PerfkitError).hint).toBe('grant cloudfront:CreateInvalidation on that distribution');
  });

  it('nothing listening → TransientError (a network failure is retried)', async () => {
    const gone = await startFakeCloudFront({ keys: { [AKID]: SECRET } });
    await gone.stop();
    const { p } = provider({ options: { endpoint: gone.url } });
    const e = await rejection(p.send(planned(p, paths(1))[0]!, signal()));
    expect(e).toBeInstanceOf(TransientError);
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('an aborted signal → interrupted', async () => {
    const { p } = provider();
    const ac = new AbortController();
    ac.abort();
    const e = await rejection(p.send(planned(p, paths(1))[0]!, ac.signal));
    expect((e as PerfkitError).kind).toBe('interrupted');
  });
});

describe('CloudFront --wait', () => {
  it('polls GetInvalidation for every id with backoff until Completed', async () => {
    const { p } = provider();
    const batches = planned(p, [...paths(2), { kind: 'tag', value: 'home' }]);
    const sent = [];
    for (const b of batches) sent.push({ batch: b, result: await p.send(b, signal()) });
    fake.requests.length = 0;
    const w = waitOptions();
    await p.waitFor!(sent, w.o);
    const gets = fake.requests.filter((r) => r.method === 'GET');
    for (const s of sent) expect(gets.filter((r) => r.path.endsWith(`/invalidation/${s.result.providerId}`))).toHaveLength(3);
    for (const r of gets) expect(r.headers.authorization).toContain(`Credential=${AKID}/`);
    expect(w.slept).toHaveLength(2);
    expect(w.slept[0]).toBeGreaterThanOrEqual(1_600);
    expect(w.slept[0]).toBeLessThanOrEqual(2_400);
    expect(w.slept[1]).toBeGreaterThanOrEqual(3_200);
    expect(w.slept[1]).toBeLessThanOrEqual(4_800);
    expect(w.progress[0]).toMatch(/^0 of 2 invalidations completed; waiting on I[0-9A-F]+, I[0-9A-F]+; next check in \d/);
    for (const s of sent) expect(fake.invalidations.find((i) => i.id === s.result.providerId)!.status).toBe('Completed');
  });

  it('a throttled poll only delays the next one', async () => {
    const { p } = provider();
    const [b] = planned(p, paths(1));
    const sent = [{ batch: b!, result: await p.send(b!, signal()) }];
    fake.inject({ status: 400, code: 'Throttling', message: 'Rate exceeded', op: 'GetInvalidation', times: 2 });
    const w = waitOptions();
    await p.waitFor!(sent, w.o);
    expect(w.slept.length).toBe(4); // two throttled checks, then three polls
  });

  it('times out naming the ids still InProgress and how to check them', async () => {
    const slow = await startFakeCloudFront({ keys: { [AKID]: SECRET }, completeAfterPolls: 1_000 });
    try {
      const { p } = provider({ options: { endpoint: slow.url } });
      const [b] = planned(p, paths(1));
      const result = await p.send(b!, signal());
      const w = waitOptions({ timeoutMs: 60_000 });
      const e = await rejection(p.waitFor!([{ batch: b!, result }], w.o));
      expect((e as PerfkitError).kind).toBe('runtime');
      expect(e.message).toBe(`CloudFront: 1 invalidation is still InProgress after 1 min: ${result.providerId}`);
      expect((e as PerfkitError).hint).toContain(`aws cloudfront get-invalidation --distribution-id E1 --id ${result.providerId}`);
      expect(w.slept.reduce((a, x) => a + x, 0)).toBe(60_000);
      expect(Math.max(...w.slept)).toBeLessThanOrEqual(24_000); // 20 s cap (+ jitter)
    } finally {
      await slow.stop();
    }
  });
});
