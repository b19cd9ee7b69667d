// The doctor's checks on made-up facts: what each one says is missing, and the fix it gives.
import { describe, expect, it } from 'vitest';
import { CHECKS, pgVersionText, severityOf, type Facts, type PgFacts } from '../../src/doctor/checks.js';

const PG_OK: PgFacts = {
  ok: true,
  display: 'postgres://app:***@db:5432/shop',
  versionNum: 150020,
  database: 'shop',
  user: 'app',
  isSuperuser: false,
  extensions: { plpgsql: '1.0' },
  available: ['plpgsql', 'pg_stat_statements', 'pgstattuple'],
  sharedPreload: [],
};

function facts(over: Partial<Facts> & { pg?: PgFacts } = {}): Facts {
  return {
    env: {},
    home: '/home/u',
    postgres: async () => over.pg ?? PG_OK,
    redis: async () => ({ ok: true, display: 'redis://127.0.0.1:6379', version: '7.0.15', mode: 'standalone' }),
    chrome: () => undefined,
    which: () => undefined,
    fileExists: () => false,
    ...over,
  };
}

const run = async (id: string, f: Facts) => {
  const check = CHECKS.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return check.run(f);
};

describe('doctor checks', () => {
  it('have unique ids and titles', () => {
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
    expect(CHECKS.every((c) => c.title.length > 3)).toBe(true);
  });

  it('formats server_version_num like the server does', () => {
    expect(pgVersionText(150020)).toBe('15.20');
    expect(pgVersionText(90624)).toBe('9.6.24');
  });

  it('pg_stat_statements: not preloaded → restart fix; preloaded but not created → CREATE EXTENSION', async () => {
    const notPreloaded = await run('pg_stat_statements', facts());
    expect(notPreloaded).toMatchObject({ status: 'missing', fix: expect.stringContaining("shared_preload_libraries = 'pg_stat_statements'") });
    expect(severityOf(notPreloaded)).toBe('info');
    const notCreated = await run('pg_stat_statements', facts({ pg: { ...PG_OK, sharedPreload: ['pg_stat_statements'] } }));
    expect(notCreated).toMatchObject({ status: 'missing', fix: "psql -d shop -c 'CREATE EXTENSION pg_stat_statements;'" });
    const ok = await run('pg_stat_statements', facts({ pg: { ...PG_OK, sharedPreload: ['pg_stat_statements'], extensions: { pg_stat_statements: '1.10' } } }));
    expect(ok.status).toBe('ok');
  });

  it('hypopg: not installed → the apt package for the server major version', async () => {
    expect(await run('hypopg', facts())).toMatchObject({ status: 'missing', fix: expect.stringMatching(/^apt-get install postgresql-15-hypopg, then CREATE EXTENSION hypopg;/) });
    expect(await run('pgstattuple', facts())).toMatchObject({ status: 'missing', detail: expect.stringContaining('available but not created in shop') });
  });

  it('an unreachable PostgreSQL is one warning; the checks that need it are info', async () => {
    const down = facts({ pg: { ok: false, message: 'cannot connect to PostgreSQL at db:5432: connection refused', hint: 'is it running?' } });
    const pg = await run('postgres', down);
    expect(pg).toEqual({ status: 'error', detail: 'cannot connect to PostgreSQL at db:5432: connection refused', fix: 'is it running?' });
    expect(severityOf(pg)).toBe('warn');
    const hypo = await run('hypopg', down);
    expect(hypo.status).toBe('error');
    expect(severityOf(hypo)).toBe('info');
  });

  it('credentials: names the variable or file that was found, never its value', async () => {
    const aws = await run('cloudfront', facts({ env: { AWS_PROFILE: 'prod' } }));
    expect(aws).toEqual({ status: 'ok', detail: 'AWS_PROFILE is set' });
    const awsFile = await run('cloudfront', facts({ fileExists: (f) => f === '/home/u/.aws/credentials' }));
    expect(awsFile).toEqual({ status: 'ok', detail: '/home/u/.aws/credentials exists' });
    expect(await run('cloudflare', facts({ env: { CLOUDFLARE_API_TOKEN: 'tok-secret' } }))).toEqual({ status: 'ok', detail: 'CLOUDFLARE_API_TOKEN is set' });
    expect(await run('akamai', facts())).toMatchObject({ status: 'missing', fix: expect.stringContaining('~/.edgerc') });
  });
});
