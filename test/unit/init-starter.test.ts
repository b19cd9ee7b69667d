// The starter config `perfkit init` writes: valid against configSchema for every combination of what a
// project can have, with targets and checks for what was found, commented-out examples for the rest, and
// no value from a .env file or a compose password in it.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { configSchema, validate, type PerfkitConfigFile } from '../../src/config/schema.js';
import { detectProject, type ProjectReader } from '../../src/init/detect.js';
import { buildStarter } from '../../src/init/starter.js';
import { starterChecks } from '../../src/init/starter-checks.js';

function memoryReader(files: Record<string, string>): ProjectReader {
  return {
    read: async (f) => files[f],
    list: async (dir) => {
      const names = Object.keys(files).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1));
      return names.length ? names : undefined;
    },
  };
}

function parse(text: string): PerfkitConfigFile {
  const r = validate(configSchema, YAML.parse(text));
  if (!r.ok) throw new Error(`starter is invalid: ${JSON.stringify(r.issues)}\n${text}`);
  return r.value;
}

const SECRETS = ['env-secret', 'compose-secret'];

// Each dimension: a label and the files that give it.
const POSTGRES: Record<string, Record<string, string>> = {
  none: {},
  package: { deps: 'pg' },
  compose: { compose: 'postgres' },
  'compose+DATABASE_URL': { compose: 'postgres', env: 'DATABASE_URL=postgres://app:env-secret@localhost/shop' },
  'compose+PGPASSWORD': { compose: 'postgres', env: 'PGPASSWORD=env-secret' },
  'compose without port': { compose: 'postgres-noport' },
  'POSTGRES_URL only': { env: 'POSTGRES_URL=postgres://u:env-secret@h/d' },
};
const REDIS: Record<string, Record<string, string>> = { none: {}, package: { deps: 'ioredis' }, compose: { compose: 'redis' }, REDIS_URL: { env: 'REDIS_URL=redis://:env-secret@h:6379' } };
const WEB: Record<string, Record<string, string>> = { none: {}, next: { deps: 'next' }, 'express PORT=5000': { deps: 'express', start: 'PORT=5000 node server.js' } };
const SQL: Record<string, Record<string, string>> = { none: {}, plain: { sql: 'select * from orders' }, params: { sql: 'select * from orders where id = $1' }, writes: { sql: 'delete from orders' } };

const SERVICES: Record<string, string> = {
  postgres: '  db:\n    image: postgres:16\n    environment: { POSTGRES_USER: app, POSTGRES_PASSWORD: compose-secret, POSTGRES_DB: shop }\n    ports: ["5433:5432"]\n',
  'postgres-noport': '  db:\n    image: postgres:16\n    environment: { POSTGRES_PASSWORD: compose-secret }\n',
  redis: '  cache:\n    image: redis:7-alpine\n    ports: ["6380:6379"]\n',
};

function project(parts: Array<Record<string, string>>): Record<string, string> {
  const deps = parts.flatMap((p) => (p.deps ? [p.deps] : []));
  const services = parts.flatMap((p) => (p.compose ? [SERVICES[p.compose]] : []));
  const env = parts.flatMap((p) => (p.env ? [p.env] : []));
  const files: Record<string, string> = {};
  const start = parts.find((p) => p.start)?.start;
  if (deps.length) files['package.json'] = JSON.stringify({ name: 'shop', dependencies: Object.fromEntries(deps.map((d) => [d, '1'])), scripts: start ? { start } : {} });
  if (services.length) files['compose.yaml'] = `services:\n${services.join('')}`;
  if (env.length) files['.env'] = `${env.join('\n')}\n`;
  const sql = parts.find((p) => p.sql)?.sql;
  if (sql) files['sql/orders.sql'] = sql;
  return files;
}

const combos = Object.keys(POSTGRES).flatMap((pg) => Object.keys(REDIS).flatMap((r) => Object.keys(WEB).flatMap((w) => Object.keys(SQL).map((s) => [pg, r, w, s] as const))));

describe('buildStarter', () => {
  it(`validates, and checks what was found, in all ${combos.length} combinations`, async () => {
    for (const [pg, r, w, s] of combos) {
      const label = `postgres=${pg} redis=${r} web=${w} sql=${s}`;
      const d = await detectProject(memoryReader(project([POSTGRES[pg]!, REDIS[r]!, WEB[w]!, SQL[s]!])));
      const { text, checks } = buildStarter(d);
      const c = parse(text);
      for (const secret of SECRETS) expect(text, label).not.toContain(secret);
      expect(text.split('\n').every((l) => l.length <= 106), `${label}: a line over 106 characters`).toBe(true);

      const names = (c.checks ?? []).map((x) => x.name);
      const expected = [...(pg !== 'none' ? [s === 'none' ? 'db-health' : 'orders-query'] : []), ...(r !== 'none' ? ['cache'] : []), ...(w !== 'none' ? ['home-page', 'home-load'] : [])];
      expect(names, label).toEqual(expected);
      expect(checks.filter((x) => x.active).map((x) => x.name), label).toEqual(expected);

      // targets.db: from the compose file, unless the environment already says where.
      const db = pg === 'compose' || pg === 'compose+PGPASSWORD' ? 'postgres://app@127.0.0.1:5433/shop' : undefined;
      expect(c.targets?.db, label).toBe(db);
      expect(c.targets?.redis, label).toBe(r === 'compose' ? 'redis://127.0.0.1:6380' : undefined);
      expect(c.targets?.urls, label).toEqual(w === 'none' ? undefined : { home: `http://127.0.0.1:${w === 'next' ? 3000 : 5000}/` });
      expect(c.check, label).toEqual({ inconclusive: 'warn' });
      expect(c.db, label).toMatchObject({ statementTimeout: 30_000, lockTimeout: 5_000 });

      // Every check has an absolute budget, and a regression one where its samples can show one.
      for (const check of c.checks ?? []) {
        expect(check.budgets?.some((b) => b.max !== undefined || b.min !== undefined), `${label} ${check.name}`).toBe(true);
        const regression = check.budgets?.some((b) => b.regression !== undefined);
        expect(regression, `${label} ${check.name}`).toBe(!['cache', 'db-health'].includes(check.name));
      }
      if (pg === 'compose+DATABASE_URL') expect(text).toContain('# DATABASE_URL is named in .env: perfkit reads it from the environment, so db stays commented.');
      if (pg === 'compose+PGPASSWORD') expect(text).toContain('perfkit reads PGPASSWORD (named in .env)');
    }
  });

  it('times a plain query with EXPLAIN ANALYZE, and only plans one with placeholders or writes', async () => {
    const run = async (sql: string) => parse(buildStarter(await detectProject(memoryReader({ 'package.json': '{"dependencies":{"pg":"8"}}', 'sql/orders.sql': sql }))).text).checks?.[0];
    expect(await run('select 1')).toMatchObject({ run: 'db explain --analyze --file sql/orders.sql', repeat: 5, budgets: [{ metric: 'executionMs', max: 100 }, { metric: 'executionMs', regression: '10%' }] });
    expect(await run('select * from t where id = $1')).toMatchObject({ run: 'db explain --file sql/orders.sql', budgets: [{ metric: 'totalCost' }, { metric: 'totalCost', regression: '10%' }] });
    expect((await run('insert into t values (1)'))?.run).toBe('db explain --file sql/orders.sql');
  });

  it('with nothing found is the generic starter: general keys, no targets, every check commented out', async () => {
    const d = await detectProject(memoryReader({}));
    const { text, checks } = buildStarter(d);
    const c = parse(text);
    expect(c).toEqual({ format: 'table', failOn: 'error', db: { statementTimeout: 30_000, lockTimeout: 5_000 }, check: { inconclusive: 'warn' }, budgets: [{ metric: 'findings.warn', max: 5, level: 'warn' }] });
    expect(checks.map((x) => `${x.name}:${x.active}`)).toEqual(['slow-query:false', 'cache:false', 'home-page:false', 'home-load:false']);
    expect(text).toContain('# checks:');
    expect(text).toContain('#   perfkit check --baseline perf-baseline.json');
    expect(text).toMatch(/^# Precedence: command-line flags > environment variables > this file\./m);
  });

  it('nothing from a project file can end a comment line and add a key', async () => {
    const files = {
      'package.json': JSON.stringify({ name: 'shop\nformat: json', dependencies: { pg: '8' } }),
      'compose.yaml': 'services:\n  "db\\nfailOn: never":\n    image: "postgres:16\\nformat: json"\n    ports: ["5432:5432"]\n',
    };
    const c = parse(buildStarter(await detectProject(memoryReader(files))).text);
    expect(c.format).toBe('table');
    expect(c.failOn).toBe('error');
  });

  it('a commented-out check or budget becomes valid YAML by deleting its "# "', async () => {
    for (const files of [{}, { 'package.json': '{"dependencies":{"pg":"8","ioredis":"5"}}' }] as Array<Record<string, string>>) {
      const entries = starterChecks(await detectProject(memoryReader(files)));
      const lines = entries.flatMap((e) => e.lines).flatMap((l) => {
        const code = /^( {2})# ((?:- | {2}).*)$/.exec(l); // a commented check line: "  # - name", "  #   run"
        const line = code ? `${code[1]}${code[2]}` : l;
        return [line.replace(/^(\s*)# (- \{)/, '$1$2')]; // a commented budget line
      });
      const c = parse(`checks:\n${lines.join('\n')}\n`);
      expect(c.checks?.length).toBe(entries.length);
      expect(c.checks?.every((x) => x.budgets && x.budgets.length >= 2)).toBe(true);
    }
  });
});
