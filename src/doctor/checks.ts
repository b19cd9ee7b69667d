// The doctor's checks, as data (in the manner of Lighthouse CI's healthcheck): each has an id, a title
// and a probe reading the Facts the command gathered, returning ok / missing / error with a detail and
// a fix. Pure: no sockets, no fs, no process; the command supplies Facts.
//
// Severity of the finding a check produces (when not ok):
//   missing → info  an optional capability is absent here (an extension, Chromium, a credential, a tool);
//                   perfkit works without it, and the fix says how to add it.
//   error   → warn  a service perfkit was pointed at (PostgreSQL, Redis) cannot be reached or refuses
//                   the login. Not an error: doctor reports and exits 0 unless --fail-on warn.
//   A check that could not run because PostgreSQL is unreachable is `error` with an info finding, so
//   one cause yields one warning.
import type { Severity } from '../report/model.js';

export type CheckStatus = 'ok' | 'missing' | 'error';

export interface CheckResult {
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** Overrides the default severity (missing → info, error → warn). */
  severity?: Severity;
}

/** What a probe found about PostgreSQL: the server facts, or the error (already a catalogue message). */
export type PgFacts =
  | { ok: true; display: string; versionNum: number; database: string; user: string; isSuperuser: boolean; extensions: Record<string, string>; available: string[]; sharedPreload: string[] | null }
  | { ok: false; display?: string; message: string; hint?: string };

export type RedisFacts = { ok: true; display: string; version: string; mode: string } | { ok: false; display?: string; message: string; hint?: string };

export interface Facts {
  env: Record<string, string | undefined>;
  home: string;
  postgres: () => Promise<PgFacts>;
  redis: () => Promise<RedisFacts>;
  chrome: () => string | undefined;
  which: (name: string) => string | undefined;
  fileExists: (file: string) => boolean;
}

export interface Check {
  id: string;
  title: string;
  run: (facts: Facts) => Promise<CheckResult> | CheckResult;
}

export function pgVersionText(num: number): string {
  return num >= 100_000 ? `${Math.floor(num / 10_000)}.${num % 10_000}` : `${Math.floor(num / 10_000)}.${Math.floor(num / 100) % 100}.${num % 100}`;
}

const pgMajor = (num: number) => Math.floor(num / 10_000);

const UNREACHABLE: CheckResult = {
  status: 'error',
  detail: 'not checked: PostgreSQL is not reachable',
  fix: 'see the PostgreSQL check',
  severity: 'info',
};

/** An extension that perfkit uses when it is created in the target database. */
function extensionCheck(id: string, name: string, title: string, use: string, install: (major: number) => string): Check {
  return {
    id,
    title,
    run: async (f) => {
      const pg = await f.postgres();
      if (!pg.ok) return UNREACHABLE;
      if (name in pg.extensions) return { status: 'ok', detail: `${name} ${pg.extensions[name]} created in ${pg.database}` };
      if (pg.available.includes(name)) {
        return { status: 'missing', detail: `available but not created in ${pg.database}; ${use}`, fix: `psql -d ${pg.database} -c 'CREATE EXTENSION ${name};'` };
      }
      return { status: 'missing', detail: `not installed on the server; ${use}`, fix: `${install(pgMajor(pg.versionNum))}, then CREATE EXTENSION ${name};` };
    },
  };
}

function credentialCheck(id: string, title: string, find: (f: Facts) => string | undefined, fix: string): Check {
  return {
    id,
    title,
    run: (f) => {
      const where = find(f);
      return where ? { status: 'ok', detail: where } : { status: 'missing', detail: 'no credentials found', fix };
    },
  };
}

function toolCheck(id: string, title: string, bin: string, use: string, fix: string): Check {
  return {
    id,
    title,
    run: (f) => {
      const found = f.which(bin);
      return found ? { status: 'ok', detail: found } : { status: 'missing', detail: `${bin} not on PATH; ${use}`, fix };
    },
  };
}

const envSet = (f: Facts, ...names: string[]) => names.find((n) => f.env[n]);

export const CHECKS: Check[] = [
  {
    id: 'postgres',
    title: 'PostgreSQL reachable',
    run: async (f) => {
      const pg = await f.postgres();
      if (!pg.ok) return { status: 'error', detail: pg.message, fix: pg.hint };
      const role = pg.isSuperuser ? `${pg.user} (superuser)` : pg.user;
      return { status: 'ok', detail: `PostgreSQL ${pgVersionText(pg.versionNum)} at ${pg.display} as ${role}` };
    },
  },
  {
    id: 'pg_stat_statements',
    title: 'pg_stat_statements preloaded and created',
    run: async (f) => {
      const pg = await f.postgres();
      if (!pg.ok) return UNREACHABLE;
      // A role that may not read shared_preload_libraries cannot tell: trust a created extension.
      const preloaded = pg.sharedPreload ? pg.sharedPreload.includes('pg_stat_statements') : 'pg_stat_statements' in pg.extensions;
      const created = 'pg_stat_statements' in pg.extensions;
      const use = '`perfkit db slow` reads it';
      if (preloaded && created) return { status: 'ok', detail: `pg_stat_statements ${pg.extensions.pg_stat_statements}, preloaded and created in ${pg.database}` };
      if (!pg.available.includes('pg_stat_statements')) {
        return { status: 'missing', detail: `not installed on the server; ${use}`, fix: 'apt-get install postgresql-contrib (it ships with PostgreSQL contrib)' };
      }
      if (!preloaded) {
        const then = created ? '' : `, then CREATE EXTENSION pg_stat_statements; in ${pg.database}`;
        return {
          status: 'missing',
          detail: `not in shared_preload_libraries${created ? ' (the extension is created but collects nothing)' : ''}; ${use}`,
          fix: `set shared_preload_libraries = 'pg_stat_statements' in postgresql.conf and restart PostgreSQL${then}`,
        };
      }
      return { status: 'missing', detail: `preloaded but not created in ${pg.database}; ${use}`, fix: `psql -d ${pg.database} -c 'CREATE EXTENSION pg_stat_statements;'` };
    },
  },
  extensionCheck('hypopg', 'hypopg', 'HypoPG (hypothetical indexes)', 'index advice is costed with it', (v) => `apt-get install postgresql-${v}-hypopg`),
  extensionCheck('pgstattuple', 'pgstattuple', 'pgstattuple (exact bloat)', 'index and table health use it for exact bloat', () => 'apt-get install postgresql-contrib'),
  {
    id: 'redis',
    title: 'Redis reachable',
    run: async (f) => {
      const r = await f.redis();
      if (!r.ok) return { status: 'error', detail: r.message, fix: r.hint };
      return { status: 'ok', detail: `Redis ${r.version} (${r.mode}) at ${r.display}` };
    },
  },
  {
    id: 'chromium',
    title: 'Chromium (for Lighthouse)',
    run: (f) => {
      const found = f.chrome();
      // perfkit lighthouse stops on a CHROME_PATH it cannot run rather than use another browser quietly.
      if (found && f.env.CHROME_PATH && f.env.CHROME_PATH !== found) {
        return { status: 'missing', detail: `CHROME_PATH=${f.env.CHROME_PATH} is not an executable file; \`perfkit lighthouse\` stops on it (${found} is there)`, fix: `point CHROME_PATH at Chromium (e.g. ${found}), or unset it` };
      }
      if (found) return { status: 'ok', detail: f.env.CHROME_PATH === found ? `${found} (CHROME_PATH)` : found };
      const bad = f.env.CHROME_PATH ? `CHROME_PATH=${f.env.CHROME_PATH} is not an executable file; ` : '';
      return { status: 'missing', detail: `${bad}no chromium, chromium-browser or google-chrome found; \`perfkit lighthouse\` needs one`, fix: 'apt-get install chromium, or set CHROME_PATH' };
    },
  },
  credentialCheck(
    'cloudfront',
    'CloudFront credentials (AWS)',
    (f) => {
      const v = envSet(f, 'AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI');
      if (v) return `${v} is set`;
      const file = f.env.AWS_SHARED_CREDENTIALS_FILE || `${f.home}/.aws/credentials`;
      return f.fileExists(file) ? `${file} exists` : undefined;
    },
    'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or run `aws configure`',
  ),
  credentialCheck('cloudflare', 'Cloudflare API token', (f) => (f.env.CLOUDFLARE_API_TOKEN ? 'CLOUDFLARE_API_TOKEN is set' : undefined), 'export CLOUDFLARE_API_TOKEN=<token with Zone.Cache Purge>'),
  credentialCheck('fastly', 'Fastly API token', (f) => (f.env.FASTLY_API_TOKEN ? 'FASTLY_API_TOKEN is set' : undefined), 'export FASTLY_API_TOKEN=<token with purge scope>'),
  credentialCheck(
    'akamai',
    'Akamai credentials (.edgerc)',
    (f) => (f.fileExists(`${f.home}/.edgerc`) ? `${f.home}/.edgerc exists` : undefined),
    'create ~/.edgerc with an API client for Fast Purge (or pass --edgerc <file>)',
  ),
  toolCheck('pgbadger', 'pgbadger (peer for log analysis)', 'pgbadger', 'optional, used by benchmarks', 'apt-get install pgbadger'),
  toolCheck('varnishd', 'Varnish (local CDN for tests)', 'varnishd', 'optional, for trying `cdn invalidate --provider varnish` locally', 'apt-get install varnish'),
];

/** The severity of the finding for a result that is not ok. */
export function severityOf(r: CheckResult): Severity {
  return r.severity ?? (r.status === 'error' ? 'warn' : 'info');
}
