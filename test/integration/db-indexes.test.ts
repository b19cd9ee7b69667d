// `perfkit db indexes` end to end on the real PostgreSQL with the fixture schema and workload: every
// query lands where fixtures/pg/indexes/workload.sql expects, with each costing method.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../../src/cli/main.js';
import { createMemoryIo } from '../../src/cli/io.js';
import { loadWorkload } from '../../src/demo/workload.js';
import { parseReport } from '../helpers/cli.js';
import { createIndexFixtureDb, indexFixtureDir, type IndexFixtureDb } from '../helpers/index-fixture.js';

interface Expectation { name: string; sql: string; expect: string }
const workloadText = readFileSync(`${indexFixtureDir}/workload.sql`, 'utf8');
const expectations: Expectation[] = loadWorkload(workloadText).map((q) => ({
  ...q,
  expect: new RegExp(`-- name: ${q.name}\\n-- expect: (.+)`).exec(workloadText)![1].trim(),
}));

let db: IndexFixtureDb;
beforeAll(async () => {
  db = await createIndexFixtureDb('cli');
}, 120_000);
afterAll(async () => db?.drop());

async function indexes(args: string[]) {
  const io = createMemoryIo();
  const code = await runMain(['db', 'indexes', '--db', db.url, '--format', 'json', ...args], io);
  if (!io.out()) throw new Error(`no report (exit ${code}): ${io.err()}`);
  return { code, doc: parseReport(io.out()), err: io.err() };
}

const queryArgs = () => expectations.flatMap((e) => ['--query', e.sql]);

function verdicts(doc: any): Map<string, string> {
  const byFp = new Map<string, string>();
  for (const r of doc.data.recommendations) for (const fp of r.queries) byFp.set(fp, `recommend ${r.ddl}`);
  for (const r of doc.data.rejected) byFp.set(r.fingerprint, `rejected ${r.code}: ${r.reason}`);
  const out = new Map<string, string>();
  for (const [fp, q] of Object.entries<any>(doc.data.queries)) {
    const e = expectations.find((x) => x.sql.replace(/\s+/g, ' ').trim() === q.query.replace(/\s+/g, ' ').trim());
    if (e) out.set(e.name, byFp.get(fp) ?? 'MISSING');
  }
  return out;
}

function expectVerdict(got: string | undefined, expected: string) {
  if (expected.startsWith('rejected ')) {
    expect(got).toMatch(new RegExp(`^rejected ${expected.slice(9)}:`));
    return;
  }
  // "recommend orders (store_id, status, created_at) [WHERE …]": the DDL names the table and the key columns in order.
  const m = /^recommend (\w+) \((.+?)\)(?: WHERE (.+))?$/.exec(expected)!;
  expect(got).toMatch(/^recommend CREATE INDEX CONCURRENTLY/);
  expect(got).toContain(m[1]);
  const cols = m[2].split(/,\s*/);
  let at = 0;
  for (const c of cols) {
    const i = got!.indexOf(c.replace(/\s+/g, ''), at) >= 0 ? got!.indexOf(c.replace(/\s+/g, ''), at) : got!.indexOf(c, at);
    expect(i, `${c} in ${got}`).toBeGreaterThanOrEqual(0);
    at = i;
  }
  if (m[3]) expect(got).toContain(`WHERE (${m[3]})`);
}

describe('db indexes on the fixture (HypoPG)', () => {
  it('puts every query under a recommendation or in rejected, as the fixture expects', async () => {
    const { code, doc } = await indexes(queryArgs());
    expect(doc.data.method).toBe('hypopg');
    const got = verdicts(doc);
    expect(got.size).toBe(expectations.length);
    for (const e of expectations) expectVerdict(got.get(e.name), e.expect);
    const trigram = doc.data.recommendations.find((r: any) => r.using === 'gin');
    expect(trigram).toMatchObject({ method: 'uncosted', costBefore: null, costAfter: null });
    expect(doc.summary.recommendations).toBe(doc.data.recommendations.length);
    expect(doc.summary.rejected).toBe(doc.data.rejected.length);
    expect(code).toBe(doc.status === 'fail' ? 1 : 0);
  });

  it('gives every recommendation its numbers, method and write overhead', async () => {
    const { doc } = await indexes(queryArgs());
    for (const r of doc.data.recommendations.filter((x: any) => x.method !== 'uncosted')) {
      expect(r.method).toBe('hypopg');
      expect(r.costAfter).toBeLessThan(r.costBefore);
      expect(r.savingPct).toBeGreaterThanOrEqual(50);
      expect(r.sizeBytes).toBeGreaterThan(0);
      expect(r.ddl).toMatch(/^CREATE INDEX CONCURRENTLY ON /);
      expect(r.writeOverhead).toBeTruthy();
      expect(r.why).toBeTruthy();
    }
  });

  it('reports index health: unused, duplicate, invalid, fk without index, missing primary key', async () => {
    const { doc } = await indexes(['--query', expectations[0].sql, '--unused-min-size', '1MB']);
    const rules = new Set(doc.findings.map((f: any) => f.rule));
    for (const r of ['duplicate-index', 'invalid-index', 'fk-without-index', 'missing-primary-key', 'unused-index']) expect(rules, r).toContain(r);
    expect(doc.summary.duplicateIndexes).toBeGreaterThanOrEqual(2);
    expect(doc.summary.unusedIndexes).toBeGreaterThanOrEqual(1);
    expect(doc.summary.unusedIndexBytes).toBeGreaterThan(1024 * 1024);
  });
});

describe('db indexes: other costing methods and sources', () => {
  it('costs with the pg_stats heuristic when asked (as on hosted PostgreSQL without HypoPG)', async () => {
    const { doc } = await indexes([...queryArgs(), '--method', 'heuristic']);
    expect(doc.data.method).toBe('heuristic');
    const got = verdicts(doc);
    expect(got.get('product-sales')).toMatch(/^recommend .*order_items.*product_id/);
    expect(got.get('ship-order')).toMatch(/^rejected not-read/);
    expect(doc.data.recommendations.every((r: any) => ['heuristic', 'uncosted'].includes(r.method))).toBe(true);
  });

  it('falls back to the heuristic by itself when HypoPG is absent, and says why on stderr with --verbose', async () => {
    await sql(db.url, 'DROP EXTENSION hypopg');
    try {
      const { doc, err } = await indexes([...queryArgs(), '--verbose']);
      expect(doc.data.method).toBe('heuristic');
      expect(err).toMatch(/pg_stats heuristic: HypoPG is available but not created/);
      expect(doc.data.recommendations.some((r: any) => r.method === 'heuristic')).toBe(true);
    } finally {
      await sql(db.url, 'CREATE EXTENSION hypopg');
    }
  });

  it('costs with trial indexes on a disposable database and leaves no index behind', async () => {
    const before = await indexNames(db.url);
    const { doc } = await indexes([...queryArgs(), '--trial-db', db.url]);
    expect(doc.data.method).toBe('trial');
    expect(verdicts(doc).get('product-sales')).toMatch(/^recommend .*order_items.*product_id/);
    expect(await indexNames(db.url)).toEqual(before);
  });

  it('reads the workload from pg_stat_statements by default', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      for (let i = 0; i < 3; i++) await c.query(expectations.find((e) => e.name === 'product-sales')!.sql);
    } finally {
      await c.end();
    }
    const { doc } = await indexes(['--min-calls', '3']);
    const sources = Object.values<any>(doc.data.queries).map((q) => q.source);
    expect(sources.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sources)).toEqual(new Set(['pg_stat_statements']));
    expect(doc.data.recommendations.some((r: any) => /order_items/.test(r.ddl))).toBe(true);
  });

  it('--create builds the advice concurrently and says how long each took', async () => {
    const product = expectations.find((e) => e.name === 'product-sales')!;
    const { doc } = await indexes(['--query', product.sql, '--create', '--yes']);
    expect(doc.data.created).toHaveLength(1);
    expect(doc.data.created[0]).toMatchObject({ status: 'created' });
    expect(doc.data.created[0].ms).toBeGreaterThan(0);
    const again = await indexes(['--query', product.sql]);
    expect(again.doc.data.rejected[0].code).toBe('already-indexed');
  });
});

describe('db indexes bad input', () => {
  it('a role without pg_monitor gets advice, and health notes what it could not read', async () => {
    const role = `perfkit_plain_${process.pid}`;
    await sql(db.url, `DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN PASSWORD 'plain-pw'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = 'plain-pw';
      const io = createMemoryIo();
      const code = await runMain(['db', 'indexes', '--db', url.toString(), '--query', expectations[0].sql, '--format', 'json', '--fail-on', 'never'], io);
      expect(code, io.err()).toBe(0);
      const doc = JSON.parse(io.out());
      expect(doc.data.recommendations.length + doc.data.rejected.length).toBe(1);
      expect(JSON.stringify(doc)).not.toContain('plain-pw');
    } finally {
      await sql(db.url, `REASSIGN OWNED BY ${role} TO CURRENT_USER; DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('a query on a table that does not exist is rejected in words, not a crash', async () => {
    const { code, doc } = await indexes(['--query', 'SELECT * FROM ordrs WHERE id = 1', '--fail-on', 'never']);
    expect(code).toBe(0); // the fixture's invalid index is an error finding; --fail-on never keeps this about the query
    expect(doc.data.rejected[0]).toMatchObject({ code: 'table-missing' });
    expect(doc.data.rejected[0].reason).toMatch(/ordrs/);
  });

  it('unparsable SQL is a usage error (exit 2) naming it', async () => {
    const io = createMemoryIo();
    expect(await runMain(['db', 'indexes', '--db', db.url, '--query', 'SELEC * FROM orders'], io)).toBe(2);
    expect(io.err()).toMatch(/^perfkit: --query: syntax error at or near "SELEC".*Fix: /);
  });

  it('without pg_stat_statements it says how to enable it (exit 2)', async () => {
    const io = createMemoryIo();
    const url = new URL(db.url);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('DROP EXTENSION pg_stat_statements');
    await c.end();
    try {
      expect(await runMain(['db', 'indexes', '--db', url.toString()], io)).toBe(2);
      expect(io.err()).toMatch(/pg_stat_statements is loaded but not created.*Fix: run CREATE EXTENSION pg_stat_statements;/);
    } finally {
      const c2 = new pg.Client({ connectionString: db.url });
      await c2.connect();
      await c2.query('CREATE EXTENSION pg_stat_statements');
      await c2.end();
    }
  });

  it('bad flags are usage errors', async () => {
    for (const [args, pattern] of [
      [['--method', 'magic'], /--method 'magic'/],
      [['--min-saving', 'lots'], /--min-saving 'lots'/],
      [['--yes'], /--yes only makes sense with --create/],
    ] as const) {
      const io = createMemoryIo();
      expect(await runMain(['db', 'indexes', '--db', db.url, '--query', 'SELECT 1', ...args], io)).toBe(2);
      expect(io.err()).toMatch(pattern);
    }
  });
});

async function indexNames(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`);
    return rows.map((r) => r.indexname);
  } finally {
    await c.end();
  }
}

async function sql(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}
