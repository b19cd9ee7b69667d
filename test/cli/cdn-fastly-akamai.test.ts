// `perfkit cdn invalidate` for Fastly and Akamai, end to end: the built CLI (real fastly-js / akamai-edgegrid
// inside) against local fakes of each API (test/helpers/fake-cdn/). The JSON report's summary and
// data.requests[], the exit codes (0; 3 for a failed batch or refused credentials; 2 for bad input), the dry
// run with secrets redacted, and Akamai over HTTPS with the host from .edgerc (NODE_EXTRA_CA_CERTS).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli, type CliResult } from '../helpers/cli.js';
import { startFakeAkamai, type FakeAkamai } from '../helpers/fake-cdn/akamai.js';
import { startFakeFastly, type FakeFastly } from '../helpers/fake-cdn/fastly.js';

const purge = (args: string[], env: Record<string, string | undefined> = {}) => runCli(['cdn', 'invalidate', ...args], { env: { FASTLY_API_TOKEN: undefined, FASTLY_KEY: undefined, FASTLY_SERVICE_ID: undefined, AKAMAI_EDGERC: undefined, AKAMAI_EDGERC_SECTION: undefined, ...env } });
const report = (r: CliResult, code = 0) => {
  if (r.code !== code) throw new Error(`exit ${r.code}, expected ${code}\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return parseReport(r.stdout);
};

describe('Fastly', () => {
  let fake: FakeFastly;
  let env: Record<string, string>;
  beforeAll(async () => {
    fake = await startFakeFastly({ services: ['SVC1'] });
    env = { FASTLY_API_TOKEN: fake.token };
  });
  afterAll(async () => {
    await fake?.stop();
  });
  beforeEach(() => {
    fake.reset();
  });
  const base = () => ['--provider', 'fastly', '--service-id', 'SVC1', '--endpoint', fake.url];

  it('a URL and two keys, soft: two requests, a report with every batch and its purge id (exit 0)', async () => {
    const rep = report(await purge([...base(), 'https://www.example.com/a', '--tag', 'k1', '--tag', 'k2', '--soft', '--format', 'json'], env));
    expect(rep.summary).toMatchObject({ items: 3, requests: 2, batches: 2, failed: 0 });
    expect(rep.summary.secondsToComplete).toEqual(expect.any(Number));
    expect(rep.data.requests.map((r: any) => ({ provider: r.provider, batch: r.batch, kind: r.kind, items: r.items, status: r.status }))).toEqual([
      { provider: 'fastly', batch: 1, kind: 'url', items: 1, status: 'ok' },
      { provider: 'fastly', batch: 2, kind: 'tag', items: 2, status: 'ok' },
    ]);
    expect(rep.data.requests[0].providerId).toBe(fake.purges[0]!.id);
    expect(fake.requests.map((r) => [r.path, r.headers['fastly-key'] === fake.token, r.headers['fastly-soft-purge']])).toEqual([
      ['/purge/www.example.com/a', true, '1'],
      ['/service/SVC1/purge', true, '1'],
    ]);
    expect(JSON.stringify(rep)).not.toContain(fake.token);
  });

  it('300 keys from a file with --base-url paths: 256 + 44 keys, one request per URL', async () => {
    const input = [...Array.from({ length: 300 }, (_, i) => `#key-${i}`), '/a', '/b'].join('\n');
    const r = await runCli(['cdn', 'invalidate', ...base(), '--base-url', 'https://www.example.com', '--from-file', '-', '--format', 'json'], { env, input });
    const rep = report(r);
    expect(rep.summary).toMatchObject({ items: 302, requests: 4, batches: 4, failed: 0 });
    expect(fake.requests.map((q) => q.path).sort()).toEqual(['/purge/www.example.com/a', '/purge/www.example.com/b', '/service/SVC1/purge', '/service/SVC1/purge']);
    expect(fake.requests.filter((q) => q.body).map((q) => JSON.parse(q.body).surrogate_keys.length).sort()).toEqual([256, 44]);
  });

  it('--all --yes: POST /service/SVC1/purge_all', async () => {
    const rep = report(await purge([...base(), '--all', '--yes', '--format', 'json'], env));
    expect(rep.summary).toMatchObject({ items: 1, requests: 1, failed: 0 });
    expect(fake.requests.map((r) => r.path)).toEqual(['/service/SVC1/purge_all']);
  });

  it('--dry-run prints the exact requests with the token as ***, and sends nothing', async () => {
    const r = await purge([...base(), 'https://www.example.com/a', '--tag', 'k1', '--soft', '--dry-run', '--verbose'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`POST ${fake.url}/purge/www.example.com/a`);
    expect(r.stdout).toContain('Fastly-Key: ***');
    expect(r.stdout).toContain('{"surrogate_keys":["k1"]}');
    expect(`${r.stdout}${r.stderr}`).not.toContain(fake.token);
    expect(fake.requests).toHaveLength(0);
  });

  it('a batch that keeps failing with 503 is listed with Fastly’s error, and the run exits 3', async () => {
    fake.inject({ status: 503, times: 10, match: (q) => q.path.startsWith('/service/') });
    const r = await purge([...base(), 'https://www.example.com/a', '--tag', 'k1', '--retries', '1', '--format', 'json'], env);
    const rep = report(r, 3);
    expect(rep.summary).toMatchObject({ requests: 2, batches: 2, failed: 1, retries: 1 });
    const failed = rep.data.requests.find((x: any) => x.status === 'failed');
    expect(failed).toMatchObject({ kind: 'tag', attempts: 2, httpStatus: 503, error: 'Fastly API error (HTTP 503: Internal error (injected 503))' });
    expect(r.stderr).toMatch(/1 of 2 fastly requests failed/);
  });

  it('429 with Retry-After is retried, then succeeds (exit 0)', async () => {
    fake.inject({ status: 429, retryAfter: 1 });
    const rep = report(await purge([...base(), '--tag', 'k1', '--format', 'json'], env));
    expect(rep.summary).toMatchObject({ requests: 1, failed: 0, retries: 1 });
    expect(fake.requests).toHaveLength(2);
  });

  it('a wrong token exits 3 naming FASTLY_API_TOKEN, never the token; no token at all, the same before any request', async () => {
    const wrong = 'wrong-fastly-token-0123';
    const line = expectOneLineError(await purge([...base(), '--tag', 'k1'], { FASTLY_API_TOKEN: wrong }));
    expect(line).toMatch(/FASTLY_API_TOKEN/);
    expect(line).not.toContain(wrong);
    const none = await purge([...base(), '--tag', 'k1'], {});
    expect(none.code).toBe(3);
    expect(expectOneLineError(none)).toMatch(/FASTLY_API_TOKEN is not set, nor FASTLY_KEY/);
    expect(fake.requests).toHaveLength(1);
  });

  it('bad input exits 2: a path without --base-url, keys without a service ID', async () => {
    const path = await purge(['--provider', 'fastly', '--endpoint', fake.url, '/a'], env);
    expect(path.code).toBe(2);
    const noService = await purge(['--provider', 'fastly', '--endpoint', fake.url, '--tag', 'k1'], env);
    expect(noService.code).toBe(2);
    expect(expectOneLineError(noService)).toMatch(/service ID.*--service-id/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('Akamai', () => {
  let fake: FakeAkamai;
  let edgerc: string;
  beforeAll(async () => {
    fake = await startFakeAkamai({ tls: true, estimatedSeconds: 1 });
    edgerc = fake.writeEdgerc();
  });
  afterAll(async () => {
    await fake?.stop();
  });
  beforeEach(() => {
    fake.reset();
  });
  // HTTPS to the host in .edgerc, as in production: the spawned CLI trusts the fake's certificate.
  const tlsEnv = () => ({ NODE_EXTRA_CA_CERTS: fake.caFile });

  it('delete a URL, a CP code and a tag on staging, signed, then --wait the estimate (exit 0)', async () => {
    const r = await purge(['--provider', 'akamai', '--edgerc', edgerc, '--section', 'ccu', '--network', 'staging', '--delete', 'https://www.example.com/a', '--cpcode', '123', '--tag', 't', '--wait', '--format', 'json'], tlsEnv());
    const rep = report(r);
    expect(rep.summary).toMatchObject({ items: 3, requests: 3, batches: 3, failed: 0 });
    expect(rep.summary.secondsToComplete).toBeGreaterThanOrEqual(1);
    expect(rep.data.waited).toBe(true);
    expect(rep.data.requests.map((x: any) => [x.provider, x.kind, x.items, x.status, x.estimatedSeconds])).toEqual([
      ['akamai', 'url', 1, 'ok', 1],
      ['akamai', 'tag', 1, 'ok', 1],
      ['akamai', 'cpcode', 1, 'ok', 1],
    ]);
    expect(rep.data.requests.map((x: any) => x.providerId).sort()).toEqual(fake.purges.map((p) => p.purgeId).sort());
    expect(fake.requests.map((q) => [q.path, q.auth.ok]).sort()).toEqual([
      ['/ccu/v3/delete/cpcode/staging', true],
      ['/ccu/v3/delete/tag/staging', true],
      ['/ccu/v3/delete/url/staging', true],
    ]);
    expect(JSON.stringify(rep)).not.toContain(fake.credentials.client_secret);
  });

  it('--dry-run shows the signed request’s shape with Authorization ***, and needs no network', async () => {
    const r = await purge(['--provider', 'akamai', '--edgerc', edgerc, 'https://www.example.com/a', '--cpcode', '7', '--dry-run', '--format', 'json'], tlsEnv());
    const rep = report(r);
    expect(rep.data.previews.flat()).toEqual([
      { method: 'POST', url: `https://${fake.host}/ccu/v3/invalidate/url/production`, headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: '***' }, body: '{"objects":["https://www.example.com/a"]}' },
      { method: 'POST', url: `https://${fake.host}/ccu/v3/invalidate/cpcode/production`, headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: '***' }, body: '{"objects":[7]}' },
    ]);
    expect(fake.requests).toHaveLength(0);
  });

  it('429 then 201: retried after Retry-After (exit 0)', async () => {
    fake.inject({ status: 429, retryAfter: 1 });
    const rep = report(await purge(['--provider', 'akamai', '--edgerc', edgerc, '--tag', 'a', '--format', 'json'], tlsEnv()));
    expect(rep.summary).toMatchObject({ requests: 1, failed: 0, retries: 1 });
    expect(fake.requests.map((q) => q.auth.ok)).toEqual([true, true]);
  });

  it('a wrong client_secret exits 3 naming the .edgerc section, never the secret', async () => {
    const wrong = 'd3Jvbmctc2VjcmV0LWZvci1jbGk=';
    const file = fake.writeEdgerc({ credentials: { client_secret: wrong } });
    const r = await purge(['--provider', 'akamai', '--edgerc', file, '--tag', 'a'], tlsEnv());
    expect(r.code).toBe(3);
    const line = expectOneLineError(r);
    expect(line).toContain(`section [ccu] of ${file}`);
    expect(line).toMatch(/signature does not match/);
    expect(line).not.toContain(wrong);
  });

  it('a missing .edgerc or section exits 3 naming it, before any request', async () => {
    const nofile = await purge(['--provider', 'akamai', '--edgerc', '/nonexistent/perfkit.edgerc', '--tag', 'a'], tlsEnv());
    expect(nofile.code).toBe(3);
    expect(expectOneLineError(nofile)).toMatch(/cannot read \/nonexistent\/perfkit\.edgerc \(no such file\)/);
    const nosection = await purge(['--provider', 'akamai', '--edgerc', edgerc, '--section', 'papi', '--tag', 'a'], tlsEnv());
    expect(nosection.code).toBe(3);
    expect(expectOneLineError(nosection)).toMatch(/has no \[papi\] section \(it has \[ccu\]\)/);
    expect(fake.requests).toHaveLength(0);
  });

  it('bad input exits 2: a CP code that is not a number, a path without --base-url', async () => {
    expect((await purge(['--provider', 'akamai', '--edgerc', edgerc, '--cpcode', 'abc'], tlsEnv())).code).toBe(2);
    expect((await purge(['--provider', 'akamai', '--edgerc', edgerc, '/a'], tlsEnv())).code).toBe(2);
    expect(fake.requests).toHaveLength(0);
  });
});
