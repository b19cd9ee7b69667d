// The embedded PostgreSQL (PGlite behind pglite-socket) seen through `pg` as an application sees it,
// seeded with the demo shop once for the whole file.
import { connect as tcpConnect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/connectors/embedded-postgres.js';
import { demoFixturesDir, runDemoWorkload, seedDemo, type SeedResult } from '../../src/demo/seed.js';

const TIMEOUT = 60_000;
let db: EmbeddedPostgres;
let seeded: SeedResult;
let client: pg.Client;
const tcpHandles = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
const handlesBefore = tcpHandles();

beforeAll(async () => {
  db = await startEmbeddedPostgres();
  seeded = await seedDemo(db, demoFixturesDir);
  client = await db.connect();
}, TIMEOUT);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await db?.close();
}, TIMEOUT);

const planOf = async (sql: string, c: pg.ClientBase = client) =>
  (await c.query(sql)).rows[0]['QUERY PLAN'][0] as { Plan: Record<string, unknown> };

describe('embedded PostgreSQL over the wire protocol', { timeout: TIMEOUT }, () => {
  it('serves PGlite on 127.0.0.1 to a pg client', async () => {
    expect(db.url).toBe(`postgres://postgres@127.0.0.1:${db.port}/postgres`);
    const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
    expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(170000);
  });

  it('seeds at least 100k rows in six tables, quickly', () => {
    expect(seeded.tables).toBe(6);
    expect(seeded.rows).toBeGreaterThanOrEqual(100_000);
    expect(seeded.ms).toBeLessThan(15_000);
  });

  it('records the workload sent over the socket in pg_stat_statements', async () => {
    const runs = await runDemoWorkload(db, demoFixturesDir, { repeat: 2 });
    expect(runs.length).toBeGreaterThanOrEqual(8);
    const { rows } = await client.query<{ query: string; calls: string }>(
      `SELECT query, calls FROM pg_stat_statements WHERE query LIKE '%WHERE customer_id = $1%'`,
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.calls)).toBe(2);
    const twice = await client.query(`SELECT count(*)::int AS n FROM pg_stat_statements WHERE calls = 2`);
    expect(twice.rows[0].n).toBeGreaterThanOrEqual(runs.length);
  });

  it('returns EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) as parsed JSON', async () => {
    const plan = await planOf(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM orders WHERE customer_id = 42`);
    expect(plan.Plan['Node Type']).toBe('Seq Scan');
    expect(plan.Plan['Actual Rows']).toBeGreaterThan(0);
    expect(plan.Plan).toHaveProperty('Shared Hit Blocks');
  });

  it('rolls back a transaction and scopes SET LOCAL to it', async () => {
    await client.query('BEGIN');
    await client.query(`SET LOCAL statement_timeout = '5s'`);
    expect((await client.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('5s');
    await client.query('DELETE FROM reviews');
    await client.query('ROLLBACK');
    expect((await client.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('0');
    expect((await client.query('SELECT count(*)::int AS n FROM reviews')).rows[0].n).toBe(8000);
  });

  it('accepts statement_timeout but never enforces it (documented limitation)', async () => {
    await client.query('BEGIN');
    await client.query(`SET LOCAL statement_timeout = '20ms'`);
    await expect(client.query('SELECT pg_sleep(0.2)')).resolves.toBeDefined();
    await client.query('ROLLBACK');
  });

  it('plans PREPARE/EXECUTE with force_generic_plan and EXPLAIN (GENERIC_PLAN)', async () => {
    await client.query('BEGIN');
    await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await client.query('PREPARE by_customer(int) AS SELECT * FROM orders WHERE customer_id = $1');
    expect((await client.query('EXECUTE by_customer(42)')).rowCount).toBeGreaterThan(0);
    const executed = await planOf('EXPLAIN (FORMAT JSON) EXECUTE by_customer(42)');
    expect(executed.Plan['Filter']).toBe('(customer_id = $1)');
    await client.query('DEALLOCATE by_customer');
    await client.query('ROLLBACK');
    const generic = await planOf('EXPLAIN (GENERIC_PLAN, FORMAT JSON) SELECT * FROM orders WHERE customer_id = $1');
    expect(generic.Plan['Filter']).toBe('(customer_id = $1)');
  });
});

describe('planted problems', { timeout: TIMEOUT }, () => {
  const indexedLeading = async (table: string, column: string) =>
    (
      await client.query(
        `SELECT count(*)::int AS n FROM pg_index i JOIN pg_attribute a
           ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         WHERE i.indrelid = $1::regclass AND a.attname = $2`,
        [table, column],
      )
    ).rows[0].n as number;

  it('leaves foreign keys and filtered timestamps without an index', async () => {
    expect(await indexedLeading('orders', 'customer_id')).toBe(0);
    expect(await indexedLeading('order_items', 'product_id')).toBe(0);
    expect(await indexedLeading('events', 'created_at')).toBe(0);
    expect(await indexedLeading('orders', 'created_at')).toBe(0);
  });

  it('has two identical indexes on reviews.product_id', async () => {
    const { rows } = await client.query(
      `SELECT array_agg(indexrelid::regclass::text ORDER BY indexrelid::regclass::text) AS names
       FROM pg_index WHERE indrelid = 'reviews'::regclass
       GROUP BY indkey::text, indclass::text, coalesce(indexprs::text, ''), coalesce(indpred::text, '')
       HAVING count(*) > 1`,
    );
    expect(rows).toEqual([{ names: ['idx_reviews_product', 'reviews_product_id_idx'] }]);
  });

  it('underestimates rows on correlated columns', async () => {
    const plan = await planOf(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM customers WHERE country = 'FR' AND city = 'Lyon'`,
    );
    expect(Number(plan.Plan['Actual Rows'])).toBeGreaterThan(3 * Number(plan.Plan['Plan Rows']));
  });
});

describe('several connections', { timeout: TIMEOUT }, () => {
  it('serialises a pool of maxConnections without mixing up results', async () => {
    // `client` holds one of the maxConnections slots.
    const pool = new pg.Pool({ connectionString: db.url, max: db.maxConnections - 1 });
    try {
      const results = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const { rows } = await pool.query(`SELECT $1::int * ${i % 7} AS x, count(*)::int AS n FROM products`, [i]);
          return rows[0].x === i * (i % 7) && rows[0].n === 2000;
        }),
      );
      expect(results.every(Boolean)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('holds other connections while one is inside a transaction', async () => {
    const other = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM reviews');
      let seen: number | undefined;
      const waiting = other.query('SELECT count(*)::int AS n FROM reviews').then((r) => (seen = r.rows[0].n));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen).toBeUndefined();
      await client.query('ROLLBACK');
      await waiting;
      expect(seen).toBe(8000);
    } finally {
      await other.end();
    }
  });

  it('refuses connections beyond maxConnections', async () => {
    const extra: pg.Client[] = [];
    try {
      for (let i = 1; i < db.maxConnections; i++) extra.push(await db.connect());
      await expect(db.connect()).rejects.toMatchObject({ kind: 'connect' });
      // A slot freed a moment ago is taken at once: connect() waits for the server to release it.
      await extra.pop()!.end();
      extra.push(await db.connect());
    } finally {
      await Promise.all(extra.map((c) => c.end()));
    }
  });
});

describe('close', { timeout: TIMEOUT }, () => {
  it('stops the server and PGlite and leaves no socket open', async () => {
    await client.end();
    await db.close();
    await db.close();
    expect(db.pglite.closed).toBe(true);
    const refused = await new Promise<string>((resolve) => {
      const s = tcpConnect(db.port, db.host);
      s.on('connect', () => (s.destroy(), resolve('connected')));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tcpHandles()).toBe(handlesBefore);
  });
});
