// `perfkit cdn invalidate` for CloudFront and Cloudflare, end to end: the built CLI (the real AWS and
// Cloudflare SDKs inside) against local fakes of each API (test/helpers/fake-cdn/). The JSON report's
// summary and data.requests[], the exit codes (0; 3 for a failed batch or refused credentials; 2 for bad
// input), the dry run with secrets redacted, --wait, --collapse, retries after throttling and 429.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli, type CliResult } from '../helpers/cli.js';
import { startFakeCloudflare, type FakeCloudflare } from '../helpers/fake-cdn/cloudflare.js';
import { startFakeCloudFront, type FakeCloudFront } from '../helpers/fake-cdn/cloudfront.js';

const CLEAN = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
  HOME: '/nonexistent-perfkit-home',
  CLOUDFLARE_API_TOKEN: undefined,
  CLOUDFLARE_API_KEY: undefined,
  CLOUDFLARE_EMAIL: undefined,
  // The AWS SDK warns on stderr that its 2027 releases need Node 22 (process.emitWarning); this is the SDK's
  // own opt-out. TODO(lead): set it in bin/perfkit.js (or silence the warning in main) and drop it here.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const purge = (args: string[], env: Record<string, string | undefined> = {}, input?: string) => runCli(['cdn', 'invalidate', ...args], { env: { ...CLEAN, ...env }, input });
const report = (r: CliResult, code = 0) => {
  if (r.code !== code) throw new Error(`exit ${r.code}, expected ${code}\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return parseReport(r.stdout);
};

describe('CloudFront', () => {
  const AKID = 'AKIDFAKE0000EXAMPLE';
  const SECRET = 'cli-test-secret/EXAMPLEKEY';
  const env = { AWS_ACCESS_KEY_ID: AKID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'us-east-1' };
  let fake: FakeCloudFront;
  beforeAll(async () => {
    fake = await startFakeCloudFront({ keys: { [AKID]: SECRET }, distributions: ['E1'], completeAfterPolls: 1 });
  });
  afterAll(async () => {
    await fake?.stop();
  });
  beforeEach(() => {
    fake.complete();
    fake.requests.length = 0;
  });
  const base = () => ['--provider', 'cloudfront', '--distribution-id', 'E1', '--endpoint', fake.url];

  it('paths, a wildcard and a #tag: two signed CreateInvalidations, a report with each id (exit 0)', async () => {
    const rep = report(await purge([...base(), '/a', '/b/*', '#tag', '--format', 'json'], env));
    expect(rep.summary).toMatchObject({ items: 3, requests: 2, batches: 2, failed: 0, estimatedCostUsd: 0 });
    expect(rep.data.requests.map((r: any) => ({ provider: r.provider, batch: r.batch, kind: r.kind, items: r.items, status: r.status }))).toEqual([
      { provider: 'cloudfront', batch: 1, kind: 'path', items: 2, status: 'ok' },
      { provider: 'cloudfront', batch: 2, kind: 'tag', items: 1, status: 'ok' },
    ]);
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    for (const p of posts) expect(p.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${AKID}/`));
    const ids = fake.invalidations.slice(-2).map((i) => i.id);
    expect(rep.data.requests.map((r: any) => r.providerId).sort()).toEqual(ids.sort());
    expect(fake.invalidations.slice(-2).map((i) => i.paths.sort())).toEqual(expect.arrayContaining([['/a', '/b/*'], ['#tag']]));
    expect(rep.data.cost.note).toContain('1,000 a month are free');
    expect(JSON.stringify(rep)).not.toContain(SECRET);
  });

  it('--dry-run prints the exact XML requests, sends nothing and needs no credentials', async () => {
    const r = await purge([...base(), '/café.html', '/b/*', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`POST ${fake.url}/2020-05-31/distribution/E1/invalidation`);
    expect(r.stdout).toContain('Authorization: ***');
    expect(r.stdout).toMatch(/<InvalidationBatch xmlns="http:\/\/cloudfront\.amazonaws\.com\/doc\/2020-05-31\/"><Paths><Quantity>2<\/Quantity><Items><Path>\/b\/\*<\/Path><Path>\/caf%C3%A9\.html<\/Path><\/Items><\/Paths><CallerReference>perfkit-/);
    expect(fake.requests).toHaveLength(0);
  });

  it('--wait polls until Completed and reports secondsToComplete', async () => {
    const rep = report(await purge([...base(), '/a', '/c', '--wait', '--format', 'json'], env));
    expect(rep.summary.secondsToComplete).toEqual(expect.any(Number));
    expect(rep.data.requests[0]).toMatchObject({ status: 'ok', providerStatus: 'Completed' });
    const id = rep.data.requests[0].providerId;
    expect(fake.requests.some((q) => q.method === 'GET' && q.path.endsWith(`/invalidation/${id}`))).toBe(true);
    expect(fake.invalidations.find((i) => i.id === id)!.status).toBe('Completed');
  });

  it('--collapse proposes a wildcard where it costs less', async () => {
    const paths = Array.from({ length: 5 }, (_, i) => `/assets/app.${i}.js`);
    const rep = report(await purge([...base(), ...paths, '/index.html', '--collapse', '--dry-run', '--format', 'json']));
    expect(rep.data.collapsed).toEqual([{ wildcard: '/assets/*', covers: 5 }]);
    expect(rep.summary).toMatchObject({ items: 2, batches: 1 });
    expect(rep.data.previews[0][0].body).toContain('<Path>/assets/*</Path><Path>/index.html</Path>');
  });

  it('Throttling is retried, honouring Retry-After (exit 0, one retry)', async () => {
    fake.inject({ status: 400, code: 'Throttling', message: 'Rate exceeded', retryAfter: '1', op: 'CreateInvalidation' });
    const rep = report(await purge([...base(), '/t', '--format', 'json'], env));
    expect(rep.summary).toMatchObject({ requests: 1, failed: 0, retries: 1 });
    expect(rep.data.requests[0].attempts).toBe(2);
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('a batch that fails: listed with CloudFront’s error, exit 3', async () => {
    const rep = report(await purge(['--provider', 'cloudfront', '--distribution-id', 'E404', '--endpoint', fake.url, '/a', '--format', 'json'], env), 3);
    expect(rep.summary).toMatchObject({ requests: 1, failed: 1 });
    expect(rep.data.requests[0]).toMatchObject({ status: 'failed', httpStatus: 404 });
    expect(rep.data.requests[0].error).toMatch(/distribution E404 does not exist/);
  });

  it('a wrong secret: exit 3, one line naming the variables, not their values', async () => {
    const r = await purge([...base(), '/a'], { ...env, AWS_SECRET_ACCESS_KEY: 'definitely-wrong-secret' });
    expect(r.code).toBe(3);
    const line = expectOneLineError(r);
    expect(line).toMatch(/CloudFront refused the credentials from AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY \(403 SignatureDoesNotMatch/);
    expect(r.stderr).not.toContain('definitely-wrong-secret');
  });

  it('no credentials at all: exit 3 before any request', async () => {
    const r = await purge([...base(), '/a']);
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(/no AWS credentials: AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY and AWS_PROFILE are not set/);
    expect(fake.requests).toHaveLength(0);
  });

  it('no --distribution-id: exit 2', async () => {
    const r = await purge(['--provider', 'cloudfront', '--endpoint', fake.url, '/a'], env);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/CloudFront needs a distribution id/);
  });
});

describe('Cloudflare', () => {
  const TOKEN = 'cf-cli-token-0123456789abcdef';
  const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
  const env = { CLOUDFLARE_API_TOKEN: TOKEN };
  let fake: FakeCloudflare;
  beforeAll(async () => {
    fake = await startFakeCloudflare({ tokens: [TOKEN], zones: [ZONE] });
  });
  afterAll(async () => {
    await fake?.stop();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.purges.length = 0;
  });
  const base = () => ['--provider', 'cloudflare', '--zone', ZONE, '--endpoint', fake.url];

  it('a URL, a tag, a prefix and a host: four requests, one kind each, Bearer auth (exit 0)', async () => {
    const rep = report(await purge([...base(), 'https://www.example.com/a', '--tag', 't1', '--prefix', 'www.example.com/blog/', '--host', 'img.example.com', '--format', 'json'], env));
    expect(rep.summary).toMatchObject({ items: 4, requests: 4, batches: 4, failed: 0 });
    expect(rep.summary.secondsToComplete).toEqual(expect.any(Number));
    expect(rep.summary.estimatedCostUsd).toBeUndefined();
    expect(rep.data.requests.map((r: any) => ({ provider: r.provider, kind: r.kind, items: r.items, status: r.status, providerId: r.providerId }))).toEqual([
      { provider: 'cloudflare', kind: 'url', items: 1, status: 'ok', providerId: ZONE },
      { provider: 'cloudflare', kind: 'tag', items: 1, status: 'ok', providerId: ZONE },
      { provider: 'cloudflare', kind: 'host', items: 1, status: 'ok', providerId: ZONE },
      { provider: 'cloudflare', kind: 'prefix', items: 1, status: 'ok', providerId: ZONE },
    ]);
    expect(fake.purges.map((p) => p.body)).toEqual(
      expect.arrayContaining([{ files: ['https://www.example.com/a'] }, { tags: ['t1'] }, { prefixes: ['www.example.com/blog/'] }, { hosts: ['img.example.com'] }]),
    );
    for (const q of fake.requests) expect(q.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.stringify(rep)).not.toContain(TOKEN);
  });

  it('250 URLs from stdin: 3 requests of at most 100', async () => {
    const input = Array.from({ length: 250 }, (_, i) => `https://www.example.com/p/${i}`).join('\n');
    const rep = report(await purge([...base(), '--from-file', '-', '--format', 'json'], env, input));
    expect(rep.summary).toMatchObject({ items: 250, requests: 3, batches: 3, failed: 0 });
    expect(fake.purges.map((p) => (p.body.files as string[]).length).sort()).toEqual([100, 100, 50]);
  });

  it('--all --yes: purge_everything alone', async () => {
    const rep = report(await purge([...base(), '--all', '--yes', '--format', 'json'], env));
    expect(rep.summary).toMatchObject({ items: 1, requests: 1 });
    expect(fake.purges.map((p) => p.body)).toEqual([{ purge_everything: true }]);
  });

  it('--dry-run shows the JSON body with the token as ***', async () => {
    const r = await purge([...base(), 'https://www.example.com/a|CF-Device-Type: mobile', '--tag', 't', '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`POST ${fake.url}/zones/${ZONE}/purge_cache`);
    expect(r.stdout).toContain('Authorization: Bearer ***');
    expect(r.stdout).toContain('{"files":[{"url":"https://www.example.com/a","headers":{"CF-Device-Type":"mobile"}}]}');
    expect(r.stdout).not.toContain(TOKEN);
    expect(fake.requests).toHaveLength(0);
  });

  it('429 with Retry-After is retried after that long (exit 0)', async () => {
    fake.inject({ status: 429, retryAfter: '1' });
    const rep = report(await purge([...base(), 'https://www.example.com/a', '--format', 'json'], env));
    expect(rep.summary).toMatchObject({ requests: 1, failed: 0, retries: 1 });
    expect(rep.data.requests[0].attempts).toBe(2);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('a batch still failing after the retries: listed, exit 3', async () => {
    fake.inject({ status: 503, times: 2 });
    const rep = report(await purge([...base(), 'https://www.example.com/a', '--retries', '1', '--format', 'json'], env), 3);
    expect(rep.summary).toMatchObject({ requests: 1, failed: 1, retries: 1 });
    expect(rep.data.requests[0]).toMatchObject({ status: 'failed', attempts: 2, httpStatus: 503 });
  });

  it('a wrong token: exit 3, one line naming CLOUDFLARE_API_TOKEN, not its value', async () => {
    const r = await purge([...base(), 'https://www.example.com/a'], { CLOUDFLARE_API_TOKEN: 'not-the-right-token' });
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(/Cloudflare refused CLOUDFLARE_API_TOKEN \(403 Authentication error \(code 10000\)\)/);
    expect(r.stderr).not.toContain('not-the-right-token');
  });

  it('no token: exit 3 before any request', async () => {
    const r = await purge([...base(), 'https://www.example.com/a']);
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(/CLOUDFLARE_API_TOKEN is not set/);
    expect(fake.requests).toHaveLength(0);
  });

  it('bad input: a bare path (Cloudflare purges URLs), a domain name as --zone: exit 2', async () => {
    const a = await purge([...base(), '/a'], env);
    expect(a.code).toBe(2);
    expectOneLineError(a);
    const b = await purge(['--provider', 'cloudflare', '--zone', 'example.com', '--endpoint', fake.url, 'https://www.example.com/a'], env);
    expect(b.code).toBe(2);
    expect(expectOneLineError(b)).toMatch(/looks like a domain name/);
  });
});
