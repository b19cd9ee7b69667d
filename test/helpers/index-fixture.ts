// A fresh database loaded with the `db indexes` fixture (fixtures/pg/indexes): schema, data, secondary
// indexes, the bloat and invalid-index steps, ANALYZE, and the pg_stat_statements and hypopg
// extensions. One database per call, on the test PostgreSQL, with the same credentials; drop() removes it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { requirePg } from './services.js';
import { splitStatements as splitSql } from '../../src/db/indexes/sources.js';

export const indexFixtureDir = fileURLToPath(new URL('../../fixtures/pg/indexes/', import.meta.url));

export interface IndexFixtureDb {
  url: string;
  /** The database's name. */
  name: string;
  drop(): Promise<void>;
}

let counter = 0;

/** Statements of a step file that must run one by one (VACUUM, CREATE INDEX CONCURRENTLY), split by
 *  PostgreSQL's own parser, as `db indexes --file` splits them. */
export const splitStatements = (sql: string): Promise<string[]> => splitSql(sql, 'fixture');

const read = (file: string) => readFile(join(indexFixtureDir, file), 'utf8');

/** `label` goes into the database name (perfkit_idx_<label>_<pid>_<n>), to tell test files apart. */
export async function createIndexFixtureDb(label?: string): Promise<IndexFixtureDb> {
  const adminUrl = await requirePg();
  const tag = (label ?? '').toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 24);
  const name = `perfkit_idx_${tag ? `${tag}_` : ''}${process.pid}_${++counter}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end().catch(() => {});
    }
  };
  const drop = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

  await drop();
  await admin(`CREATE DATABASE ${name}`);
  const [schema, data, indexes, bloat, invalid] = await Promise.all(
    ['schema.sql', 'data.sql', 'indexes.sql', 'bloat.sql', 'invalid.sql'].map(read),
  );
  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(schema);
    await client.query(data);
    await client.query(indexes);
    for (const stmt of await splitStatements(bloat)) await client.query(stmt);
    for (const stmt of await splitStatements(invalid)) {
      try {
        await client.query(stmt);
        throw new Error(`invalid.sql: expected "${stmt}" to fail on duplicate values, but it succeeded`);
      } catch (e) {
        if ((e as { code?: string }).code !== '23505') throw e;
      }
    }
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE EXTENSION IF NOT EXISTS hypopg');
    const { rows } = await client.query(`SELECT current_setting('server_version_num')::int AS v`);
    // Flush the load's counters first, so that ANALYZE leaves n_mod_since_analyze at 0 (PostgreSQL 15+).
    if (Number(rows[0].v) >= 150000) await client.query('SELECT pg_stat_force_next_flush()');
    await client.query('ANALYZE');
    // pg_stat_statements is cluster-wide: forget this database's loading statements only.
    await client.query(`SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`);
  } catch (e) {
    await client.end().catch(() => {});
    await drop().catch(() => {});
    throw new Error(`loading the index fixture into ${name} failed: ${(e as Error).message}`, { cause: e });
  }
  await client.end().catch(() => {});
  return { url: url.toString(), name, drop };
}
