// A scratch database on the test PostgreSQL for the index-advisor tests: a shop schema with 100k
// orders, created per test file and dropped afterwards (so tests never depend on shared fixtures).
import pg from 'pg';
import { connectPostgres, resolvePgTarget, type PgConnection } from '../../src/connectors/postgres.js';
import { requirePg } from './services.js';

export const TIMEOUTS = { statementTimeoutMs: 20_000, lockTimeoutMs: 2_000, connectTimeoutMs: 5_000 };

export const SHOP_SCHEMA = `
  CREATE EXTENSION hypopg;
  CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, country text);
  CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
    created_at timestamptz NOT NULL, total numeric(10,2), deleted_at timestamptz, note text) WITH (autovacuum_enabled = off);
  INSERT INTO customers SELECT g, 'user' || g || '@example.com', (ARRAY['fr','de','us'])[1 + g % 3] FROM generate_series(1, 5000) g;
  INSERT INTO orders SELECT g, 1 + g % 5000, (ARRAY['done','done','done','open','cancelled'])[1 + g % 5],
    timestamptz '2024-01-01' + g * interval '1 minute', (g % 500)::numeric, CASE WHEN g % 50 = 0 THEN now() END, NULL
    FROM generate_series(1, 100000) g;
  CREATE INDEX orders_created_desc ON orders (created_at DESC) INCLUDE (total) WHERE deleted_at IS NULL;
  CREATE INDEX customers_lower_email ON customers (lower(email) text_pattern_ops);
  CREATE INDEX customers_country ON customers (country DESC NULLS LAST);
  CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 400;
  ANALYZE;`;

export interface ScratchDb {
  url: string;
  conn: PgConnection;
  drop(): Promise<void>;
}

/** Creates database `name` with the shop schema, analysed, with some updates counted; returns a connection. */
export async function createShopDb(name: string): Promise<ScratchDb> {
  const url = await requirePg();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const setup = new pg.Client({ connectionString: u.toString() });
  await setup.connect();
  await setup.query(SHOP_SCHEMA);
  await setup.query(`UPDATE orders SET note = 'x' WHERE id <= 300; SELECT pg_stat_force_next_flush()`);
  await setup.end();
  const conn = await connectPostgres(resolvePgTarget({ flag: u.toString() }, {}), TIMEOUTS);
  return {
    url: u.toString(),
    conn,
    async drop() {
      await conn.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
