// `perfkit doctor` as a user runs it, against the real PostgreSQL and Redis of scripts/setup-services.sh.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport, runCli } from '../helpers/cli.js';
import { requirePg, requireRedis, testPgUrl, testRedisUrl } from '../helpers/services.js';

const IDS = ['postgres', 'pg_stat_statements', 'hypopg', 'pgstattuple', 'redis', 'chromium', 'cloudfront', 'cloudflare', 'fastly', 'akamai', 'pgbadger', 'varnishd'];
const NO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_PROFILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  CLOUDFLARE_API_TOKEN: undefined,
  FASTLY_API_TOKEN: undefined,
  CHROME_PATH: undefined,
};

type Check = { id: string; title: string; status: string; detail: string; fix: string | null };
const checksById = (report: Record<string, any>): Record<string, Check> => Object.fromEntries((report.data.checks as Check[]).map((c) => [c.id, c]));

let home: string;
beforeAll(() => void (home = mkdtempSync(path.join(os.tmpdir(), 'perfkit-doctor-'))));
afterAll(() => rmSync(home, { recursive: true, force: true }));

// Awaited by every test, so a missing service fails each one with the fix (a failed beforeAll would
// show them as skipped).
let services: Promise<unknown> | undefined;
const ready = () => (services ??= Promise.all([requirePg(), requireRedis()]));

describe('perfkit doctor', () => {
  it('reports every check as one JSON report, with PostgreSQL, its extensions and Redis ok', async () => {
    await ready();
    const r = await runCli(['doctor', '--format', 'json', '--db', testPgUrl(), '--redis', testRedisUrl()], { env: { HOME: home, ...NO_CREDENTIALS } });
    expect(r.code).toBe(0);
    const report = parseReport(r.stdout);
    expect(report.command).toBe('doctor');
    const checks = report.data.checks as Check[];
    expect(checks.map((c) => c.id)).toEqual(IDS);
    for (const c of checks) {
      expect(['ok', 'missing', 'error']).toContain(c.status);
      expect(c.title).toBeTruthy();
      expect(c.detail).toBeTruthy();
      if (c.status !== 'ok') expect(c.fix).toBeTruthy();
    }
    const by = checksById(report);
    expect(by.postgres.status).toBe('ok');
    expect(by.postgres.detail).toMatch(/^PostgreSQL \d+\.\d+ at postgres:\/\/\S+ as /);
    expect(by.pg_stat_statements.status).toBe('ok');
    expect(by.hypopg.status).toBe('ok');
    expect(by.redis).toMatchObject({ status: 'ok' });
    expect(by.redis.detail).toMatch(/^Redis \d+\.\d+/);
    const count = (s: string) => checks.filter((c) => c.status === s).length;
    expect(report.summary).toMatchObject({ checks: IDS.length, ok: count('ok'), missing: count('missing'), errors: count('error') });
    // Every check that is not ok is one finding with its fix; missing optional things are only info.
    expect(report.findings.map((f: { rule: string }) => f.rule).sort()).toEqual(checks.filter((c) => c.status !== 'ok').map((c) => `doctor/${c.id}`).sort());
    expect(report.findings.every((f: { severity: string }) => f.severity === 'info')).toBe(true);
    expect(report.status).toBe('pass');
    expect(r.stdout).not.toMatch(/:perfkit@/);
  });

  it('a refused PostgreSQL port is a warning finding with a fix, not a crash', async () => {
    await ready();
    const r = await runCli(['doctor', '--format', 'json', '--db', 'postgres://x@127.0.0.1:1/x', '--redis', testRedisUrl()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const report = parseReport(r.stdout);
    const by = checksById(report);
    expect(by.postgres.status).toBe('error');
    expect(by.postgres.detail).toMatch(/cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/);
    expect(by.postgres.fix).toMatch(/--db/);
    for (const id of ['pg_stat_statements', 'hypopg', 'pgstattuple']) expect(by[id].detail).toMatch(/not checked: PostgreSQL is not reachable/);
    expect(by.redis.status).toBe('ok');
    expect(report.status).toBe('warn');
    expect(report.summary['findings.warn']).toBe(1);
    expect(report.findings.find((f: { rule: string }) => f.rule === 'doctor/postgres')).toMatchObject({ severity: 'warn' });
  });

  it('--fail-on warn turns an unreachable service into exit 1', async () => {
    await ready();
    const r = await runCli(['doctor', '--format', 'json', '--db', 'postgres://x@127.0.0.1:1/x', '--redis', testRedisUrl(), '--fail-on', 'warn']);
    expect(r.code).toBe(1);
    expect(parseReport(r.stdout).status).toBe('fail');
  });

  it('an unreachable Redis is a warning finding, and doctor answers quickly', async () => {
    await ready();
    const started = Date.now();
    const r = await runCli(['doctor', '--format', 'json', '--db', testPgUrl(), '--redis', 'redis://:hunter22@127.0.0.1:1']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.code).toBe(0);
    const by = checksById(parseReport(r.stdout));
    expect(by.redis.status).toBe('error');
    expect(by.redis.detail).toBe('cannot connect to Redis at 127.0.0.1:1: connection refused');
    expect(by.redis.fix).toMatch(/--redis/);
    expect(by.postgres.status).toBe('ok');
    expect(r.stdout).not.toContain('hunter22');
  });

  it('finds credentials and Chromium without printing secret values', async () => {
    await ready();
    writeFileSync(path.join(home, '.edgerc'), '[default]\nclient_secret = edgerc-secret-value\n');
    const bin = path.join(home, 'bin');
    mkdirSync(bin, { recursive: true });
    const chrome = path.join(bin, 'my-chrome');
    writeFileSync(chrome, '#!/bin/sh\nexit 0\n');
    chmodSync(chrome, 0o755);
    const secrets = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEY123', CLOUDFLARE_API_TOKEN: 'cf-token-secret-456', FASTLY_API_TOKEN: 'fastly-token-secret-789' };
    const r = await runCli(['doctor', '--format', 'json', '--db', testPgUrl(), '--redis', testRedisUrl()], {
      env: { ...NO_CREDENTIALS, HOME: home, CHROME_PATH: chrome, ...secrets },
    });
    rmSync(path.join(home, '.edgerc'));
    expect(r.code).toBe(0);
    const by = checksById(parseReport(r.stdout));
    for (const id of ['cloudfront', 'cloudflare', 'fastly', 'akamai', 'chromium']) expect(by[id].status, id).toBe('ok');
    expect(by.cloudfront.detail).toBe('AWS_ACCESS_KEY_ID is set');
    expect(by.chromium.detail).toBe(`${chrome} (CHROME_PATH)`);
    for (const v of [...Object.values(secrets), 'edgerc-secret-value']) expect(r.stdout).not.toContain(v);
  });

  it('says how to get what is missing', async () => {
    await ready();
    const r = await runCli(['doctor', '--format', 'json', '--db', testPgUrl(), '--redis', testRedisUrl()], { env: { ...NO_CREDENTIALS, HOME: home, CHROME_PATH: '/nonexistent/chrome', PATH: '/nonexistent' } });
    const by = checksById(parseReport(r.stdout));
    expect(by.cloudflare).toMatchObject({ status: 'missing', fix: expect.stringContaining('CLOUDFLARE_API_TOKEN') });
    expect(by.chromium.detail).toContain('CHROME_PATH=/nonexistent/chrome is not an executable file');
    expect(by.pgbadger).toMatchObject({ status: 'missing', fix: 'apt-get install pgbadger' });
  });

  it('renders a table of check | status | detail | fix', async () => {
    await ready();
    const r = await runCli(['doctor', '--db', testPgUrl(), '--redis', testRedisUrl()], { env: { HOME: home } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ check\s+│ status\s+│ detail\s+│ fix\s+│/);
    expect(r.stdout).toMatch(/│ PostgreSQL reachable\s+│ ok\s+│ PostgreSQL \d+/);
  });
});
