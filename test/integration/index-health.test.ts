// Index health on the real PostgreSQL with the `db indexes` fixture: each rule fires on its planted
// object and on nothing else, exact bloat with pgstattuple, a pg_monitor role, and one refused pgstattuple (what
// they cannot see is a note), usage clearing an unused index, and every suggested fix removing its finding.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, resolvePgTarget, type PgConnection } from '../../src/connectors/postgres.js';
import { fetchHealthSnapshot, type HealthFetchOptions } from '../../src/db/indexes/health/snapshot.js';
import { healthSummary, indexHealthFindings, type HealthOptions } from '../../src/db/indexes/health/rules.js';
import type { Finding } from '../../src/report/model.js';
import { createIndexFixtureDb, splitStatements, type IndexFixtureDb } from '../helpers/index-fixture.js';
import { testPgUrl } from '../helpers/services.js';

const SESSION = { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000, connectTimeoutMs: 5_000 };
// The fixture's bloated index is 2.5 MB: the bloat threshold comes down; the unused one stays pghero's 10 MB.
const OPTS: Partial<HealthOptions> = { bloatMinBytes: 1024 * 1024 };
const EXACT: HealthFetchOptions = { exactBloatMinBytes: 64 * 1024 };
const MONITOR = `perfkit_monitor_${process.pid}`;

let fixture: IndexFixtureDb;
let conn: PgConnection;
let admin: pg.Client;

const connect = (url: string) => connectPostgres(resolvePgTarget({ flag: url }, {}), SESSION);
const urlAs = (role: string) => {
  const u = new URL(fixture.url);
  u.username = role;
  u.password = 'perfkit-test';
  return u.toString();
};
const of = (findings: Finding[], rule: string) => findings.filter((f) => f.rule === rule).map((f) => f.location).sort();
const find = (findings: Finding[], rule: string, location: string) => findings.find((f) => f.rule === rule && f.location === location);
const check = async (c = conn, fetch: HealthFetchOptions = {}) => {
  const snapshot = await fetchHealthSnapshot(c, fetch);
  return { snapshot, findings: indexHealthFindings(snapshot, OPTS) };
};

beforeAll(async () => {
  fixture = await createIndexFixtureDb('health');
  conn = await connect(fixture.url);
  admin = new pg.Client({ connectionString: fixture.url });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${MONITOR}; CREATE ROLE ${MONITOR} LOGIN PASSWORD 'perfkit-test' IN ROLE pg_monitor`);
});

afterAll(async () => {
  await conn?.close();
  await admin?.end().catch(() => {});
  await fixture?.drop();
  const c = new pg.Client({ connectionString: testPgUrl() });
  await c.connect();
  await c.query(`DROP ROLE IF EXISTS ${MONITOR}`);
  await c.end();
});

describe('index health on the fixture', () => {
  it('fires each rule on its planted object and on no healthy one', async () => {
    const { snapshot, findings } = await check();
    expect(snapshot.statsReset).toBeNull();
    expect(of(findings, 'invalid-index')).toEqual(['public.products.products_name_key']);
    expect(of(findings, 'duplicate-index')).toEqual([
      'public.customers.idx_customers_country',
      'public.orders.orders_customer_id_idx',
      'public.stores.stores_name_idx',
    ]);
    expect(of(findings, 'unused-index')).toEqual(['public.event_log.event_log_session_url_idx']);
    expect(of(findings, 'fk-without-index')).toEqual(['public.order_items.order_items_product_id_fkey']);
    expect(of(findings, 'missing-primary-key')).toEqual(['public.event_log', 'public.exchange_rates']);
    expect(of(findings, 'index-bloat')).toEqual(['public.cart_items.cart_items_token_idx']);
    // With pghero's 100 MB bloat threshold the fixture has no bloat worth a REINDEX.
    expect(indexHealthFindings(snapshot).filter((f) => f.rule === 'index-bloat')).toEqual([]);
  });

  it('says why, with numbers, and gives the DDL', async () => {
    const { snapshot, findings } = await check();
    const invalid = find(findings, 'invalid-index', 'public.products.products_name_key')!;
    expect(invalid.severity).toBe('error');
    expect(invalid.fix).toContain('DROP INDEX CONCURRENTLY public.products_name_key;');
    expect(invalid.fix).toContain('CREATE UNIQUE INDEX CONCURRENTLY products_name_key ON public.products USING btree (name);');

    expect(find(findings, 'duplicate-index', 'public.stores.stores_name_idx')?.evidence?.keep).toBe('public.stores.stores_name_key');
    expect(find(findings, 'duplicate-index', 'public.orders.orders_customer_id_idx')?.evidence?.keep).toBe('public.orders.orders_customer_created_idx');
    expect(find(findings, 'duplicate-index', 'public.customers.idx_customers_country')?.fix).toBe('DROP INDEX CONCURRENTLY public.idx_customers_country;');

    const unused = find(findings, 'unused-index', 'public.event_log.event_log_session_url_idx')!;
    expect(unused.severity).toBe('warn');
    expect(unused.evidence?.sizeBytes).toBeGreaterThanOrEqual(10 * 1024 * 1024);
    expect(unused.message).toMatch(/\(1[0-9]\.\d MB\) has had no scans since statistics began/);
    expect(unused.fix).toBe('DROP INDEX CONCURRENTLY public.event_log_session_url_idx;');

    expect(find(findings, 'fk-without-index', 'public.order_items.order_items_product_id_fkey')?.fix).toBe(
      'CREATE INDEX CONCURRENTLY ON public.order_items (product_id);',
    );
    const [noKey, softKey] = ['public.event_log', 'public.exchange_rates'].map((l) => find(findings, 'missing-primary-key', l)!);
    expect([noKey.severity, softKey.severity]).toEqual(['warn', 'info']);
    expect(noKey.fix).toBe('ALTER TABLE public.event_log ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;');
    expect(softKey.fix).toBe('ALTER TABLE public.exchange_rates ADD CONSTRAINT exchange_rates_pkey PRIMARY KEY USING INDEX exchange_rates_currency_day_idx;');

    const bloat = find(findings, 'index-bloat', 'public.cart_items.cart_items_token_idx')!;
    expect(bloat.evidence).toMatchObject({ method: 'estimate' });
    expect(bloat.evidence?.ratio).toBeGreaterThan(0.8);
    expect(bloat.fix).toBe('REINDEX INDEX CONCURRENTLY public.cart_items_token_idx;');

    expect(healthSummary(findings, snapshot)).toEqual({
      unusedIndexes: 1,
      unusedIndexBytes: unused.evidence?.sizeBytes,
      duplicateIndexes: 3,
    });
  });

  it('measures bloat with pgstatindex and pgstattuple_approx once pgstattuple is installed', async () => {
    await admin.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
    const { snapshot, findings } = await check(conn, EXACT);
    expect(snapshot.pgstattuple).toBe(true);
    const bloat = find(findings, 'index-bloat', 'public.cart_items.cart_items_token_idx')!;
    expect(bloat.evidence).toMatchObject({ method: 'pgstatindex', table: { method: 'pgstattuple_approx' } });
    expect(bloat.evidence?.leafDensity).toBeLessThan(20);
    expect(bloat.message).toContain('measured by pgstatindex');
    expect(snapshot.tableBloat.find((t) => t.table === 'cart_items')?.freePercent).toBeGreaterThan(50);
    // Healthy indexes measure healthy; cart_items_pkey is bloated too, but wastes less than 1 MB.
    expect(of(findings, 'index-bloat')).toEqual(['public.cart_items.cart_items_token_idx']);
  });

  it('works as a pg_monitor role; what it cannot read (pg_stats) is a note', async () => {
    const monitor = await connect(urlAs(MONITOR));
    try {
      const { snapshot, findings } = await check(monitor, EXACT);
      expect(snapshot.notes.join('\n')).toMatch(/no statistics to estimate bloat from .*may not SELECT/);
      const asOwner = (await check()).findings;
      for (const rule of ['invalid-index', 'duplicate-index', 'unused-index', 'fk-without-index', 'missing-primary-key']) {
        expect(of(findings, rule)).toEqual(of(asOwner, rule));
      }
      // pg_monitor includes pg_stat_scan_tables, which may run pgstattuple: bloat is measured anyway.
      expect(find(findings, 'index-bloat', 'public.cart_items.cart_items_token_idx')?.evidence?.method).toBe('pgstatindex');
    } finally {
      await monitor.close();
    }
  });

  it('insufficient privileges: pgstattuple refused and pg_stats hidden become notes, the rest still works', async () => {
    await admin.query('REVOKE EXECUTE ON FUNCTION pgstatindex(regclass), pgstattuple_approx(regclass) FROM pg_stat_scan_tables');
    const monitor = await connect(urlAs(MONITOR));
    try {
      const { snapshot, findings } = await check(monitor, EXACT);
      expect(snapshot.pgstattuple).toBe(false);
      const notes = snapshot.notes.join('\n');
      expect(notes).toContain(`pgstattuple is installed but ${MONITOR} may not run it`);
      expect(notes).toContain('no statistics to estimate bloat from');
      // Neither measured nor estimated: no bloat finding rather than a wrong one.
      expect(of(findings, 'index-bloat')).toEqual([]);
      expect(of(findings, 'invalid-index')).toEqual(['public.products.products_name_key']);
      expect(of(findings, 'unused-index')).toEqual(['public.event_log.event_log_session_url_idx']);
    } finally {
      await monitor.close();
      await admin.query('GRANT EXECUTE ON FUNCTION pgstatindex(regclass), pgstattuple_approx(regclass) TO pg_stat_scan_tables');
    }
  });

  it('an index scan makes the unused index used; a usage-only snapshot reads just that', async () => {
    const app = new pg.Client({ connectionString: fixture.url });
    await app.connect();
    try {
      await app.query('SET enable_seqscan = off');
      await app.query(`SELECT count(*) FROM event_log WHERE session_id = md5('s1') || md5('t1')`);
      await app.query('SELECT pg_stat_force_next_flush()');
      await app.query('SELECT 1');
    } finally {
      await app.end();
    }
    const { snapshot, findings } = await check();
    expect(snapshot.indexes.find((i) => i.name === 'event_log_session_url_idx')?.scans).toBeGreaterThan(0);
    expect(of(findings, 'unused-index')).toEqual([]);
    const usage = await fetchHealthSnapshot(conn, { usageOnly: true });
    expect(usage.indexes.length).toBe(snapshot.indexes.length);
    expect([usage.foreignKeys, usage.tablesWithoutPrimaryKey, usage.indexBloat]).toEqual([[], [], []]);
  });

  it('running each suggested fix removes its finding', async () => {
    const before = (await check()).findings.filter((f) => f.rule !== 'unused-index');
    expect(before.length).toBeGreaterThan(0);
    for (const f of before) {
      // The invalid unique index cannot be rebuilt (its duplicates are still there): only the DROP runs.
      const statements = await splitStatements(f.fix!);
      for (const sql of f.rule === 'invalid-index' ? statements.slice(0, 1) : statements) await admin.query(sql);
    }
    const { snapshot, findings } = await check();
    expect(findings).toEqual([]);
    // The foreign key orders.customer_id is still served, by the wider index that was kept.
    expect(snapshot.foreignKeys.find((fk) => fk.name === 'orders_customer_id_fkey')?.indexedBy).toBe('orders_customer_created_idx');
  });
});
