// The catalog snapshot the index advisor reads, on the test PostgreSQL 15 (a scratch database created
// and dropped here) and on the embedded PGlite, where trial-index costing runs through its one session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, resolvePgTarget, type PgConnection } from '../../src/connectors/postgres.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/connectors/embedded-postgres.js';
import { fetchCatalog } from '../../src/db/indexes/catalog.js';
import { createTrialCoster } from '../../src/db/indexes/costing/trial.js';
import type { Catalog } from '../../src/db/indexes/model.js';
import { candidate, workloadQuery } from '../helpers/index-candidates.js';
import { createShopDb, TIMEOUTS, type ScratchDb } from '../helpers/shop-db.js';

let db: ScratchDb;
let conn: PgConnection;
let catalog: Catalog;

beforeAll(async () => {
  db = await createShopDb(`perfkit_catalog_${process.pid}`);
  conn = db.conn;
  catalog = await fetchCatalog(conn);
});
afterAll(() => db?.drop());

describe('catalog snapshot on PostgreSQL 15', () => {
  it('reads tables, columns with pg_stats, and write rates', () => {
    const orders = catalog.tables['public.orders']!;
    expect(orders.kind).toBe('table');
    expect(orders.rows).toBe(100_000);
    expect(orders.pages).toBeGreaterThan(500);
    expect(orders.sizeBytes).toBeGreaterThan(orders.pages * 8000);
    const cust = orders.columns.find((c) => c.name === 'customer_id')!;
    expect(cust).toMatchObject({ type: 'integer', notNull: true });
    expect(cust.stats!.nDistinct).toBeGreaterThan(4000);
    expect(cust.stats!.avgWidth).toBe(4);
    const status = orders.columns.find((c) => c.name === 'status')!;
    expect(status.stats!.mostCommonVals).toContain('done');
    expect(status.stats!.mostCommonFreqs![status.stats!.mostCommonVals!.indexOf('done')]).toBeCloseTo(0.6, 1);
    expect(orders.columns.find((c) => c.name === 'deleted_at')!.stats!.nullFrac).toBeCloseTo(0.98, 2);
    expect(orders.columns.find((c) => c.name === 'total')!.type).toBe('numeric(10,2)');
    expect(orders.writesPerHour.inserts).toBeGreaterThan(0);
    expect(orders.writesPerHour.updates).toBeGreaterThan(0);
    expect(catalog.statsAgeHours).toBeGreaterThan(0);
  });

  it('reads existing indexes: partial, DESC, INCLUDE, expressions with opclasses', () => {
    const orders = catalog.tables['public.orders']!;
    expect(orders.indexes.find((i) => i.name === 'orders_pkey')).toMatchObject({ primary: true, unique: true, valid: true, method: 'btree', columns: [{ column: 'id' }] });
    expect(orders.indexes.find((i) => i.name === 'orders_created_desc')).toMatchObject({
      columns: [{ column: 'created_at', direction: 'desc' }],
      include: ['total'],
      where: 'deleted_at IS NULL',
      unique: false,
      scans: 0,
    });
    const email = catalog.tables['public.customers']!.indexes.find((i) => i.name === 'customers_lower_email')!;
    expect(email.columns).toEqual([{ expression: 'lower(email)', opclass: 'text_pattern_ops' }]);
    expect(email.definition).toContain('CREATE INDEX customers_lower_email');
    expect(email.sizeBytes).toBeGreaterThan(0);
    const country = catalog.tables['public.customers']!.indexes.find((i) => i.name === 'customers_country')!;
    expect(country.columns).toEqual([{ column: 'country', direction: 'desc', nulls: 'last' }]);
  });

  it('has views with their definition, the search_path, hypopg, and leaves out extension objects', () => {
    const view = catalog.tables['public.big_orders']!;
    expect(view.kind).toBe('view');
    expect(view.viewDefinition).toMatch(/total > 400/);
    expect(catalog.tables['public.hypopg_list_indexes']).toBeUndefined();
    expect(Object.keys(catalog.tables).some((k) => k.startsWith('pg_catalog.') || k.startsWith('information_schema.'))).toBe(false);
    expect(catalog.searchPath).toEqual(['public']);
    expect(catalog.hypopg).toBe(true);
    expect(catalog.serverVersionNum).toBeGreaterThanOrEqual(130000);
    expect(catalog.planner).toMatchObject({ randomPageCost: 4, seqPageCost: 1, blockSize: 8192 });
  });

  it('limits the snapshot to the schemas asked for', async () => {
    expect(Object.keys((await fetchCatalog(conn, { schemas: ['nope'] })).tables)).toEqual([]);
  });
});

describe('on the embedded PGlite', () => {
  let db: EmbeddedPostgres;
  let embedded: PgConnection;
  beforeAll(async () => {
    db = await startEmbeddedPostgres();
    await db.pglite.exec(`CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL, shelf int, added timestamptz);
      INSERT INTO items SELECT g, 'sku-' || g, g % 400, timestamptz '2024-01-01' + g * interval '1 hour' FROM generate_series(1, 20000) g;
      CREATE INDEX items_added ON items (added DESC) WHERE shelf IS NOT NULL;
      CREATE MATERIALIZED VIEW shelves AS SELECT shelf, count(*) FROM items GROUP BY shelf;
      ANALYZE;`);
    embedded = await connectPostgres(resolvePgTarget({ flag: db.url }, {}), { ...TIMEOUTS, maxConnections: 1 });
  }, 60_000);
  afterAll(async () => {
    await embedded?.close();
    await db?.close();
  }, 60_000);

  it('reads the catalog', async () => {
    const cat = await fetchCatalog(embedded);
    const items = cat.tables['public.items']!;
    expect(items).toMatchObject({ kind: 'table', rows: 20_000 });
    expect(items.columns.map((c) => c.name)).toEqual(['id', 'sku', 'shelf', 'added']);
    expect(items.columns.find((c) => c.name === 'shelf')!.stats!.nDistinct).toBe(400);
    expect(items.indexes.find((i) => i.name === 'items_added')).toMatchObject({ columns: [{ column: 'added', direction: 'desc' }], where: 'shelf IS NOT NULL' });
    expect(cat.tables['public.shelves']!.kind).toBe('matview');
    expect(cat.tables['public.pg_stat_statements']).toBeUndefined();
    expect(cat.hypopg).toBe(false);
    expect(cat.searchPath).toEqual(['public']);
    expect(cat.serverVersionNum).toBeGreaterThanOrEqual(160000);
  });

  it('costs with trial indexes through the one shared session and keeps none', async () => {
    const trial = createTrialCoster(embedded, { statementTimeoutMs: 20_000, lockTimeoutMs: 2_000 });
    const byShelf = candidate('items', ['shelf']);
    const q = workloadQuery('SELECT * FROM items WHERE shelf = $1', { paramCount: 1 });
    const before = await trial.baseline(q);
    const after = await trial.costWith(q, [byShelf]);
    expect(after.cost).toBeLessThan(before * 0.5);
    expect(after.used).toEqual([byShelf.key]);
    expect(await trial.baseline(q)).toBeCloseTo(before, 2);
    expect(await embedded.query(`SELECT relname FROM pg_class WHERE relname LIKE 'perfkit_trial_%'`)).toEqual([]);
    expect(await embedded.query(`SELECT name FROM pg_prepared_statements`)).toEqual([]);
  });
});
