// Wires the demo fixtures to an embedded PostgreSQL: loads the shop schema and data directly
// through PGlite, then replays the application's workload over the socket so that
// pg_stat_statements records it as it would for a real application.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runtimeError } from '../cli/errors.js';
import type { EmbeddedPostgres } from '../connectors/embedded-postgres.js';
import { loadWorkload } from './workload.js';

/** fixtures/pg/demo/ of the package; src/demo/ and dist/demo/ are both two levels deep. */
export const demoFixturesDir = fileURLToPath(new URL('../../fixtures/pg/demo/', import.meta.url));

export interface SeedResult {
  rows: number;
  tables: number;
  ms: number;
}

export interface WorkloadRun {
  name: string;
  sql: string;
  calls: number;
}

async function readFixture(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw runtimeError(`Cannot read the demo fixture ${path}.`, 'Reinstall perfkit: fixtures/pg/demo ships with it.', err);
  }
}

/**
 * Creates the schema and loads the data (schema.sql, seed.sql), analyzes it, then resets
 * pg_stat_statements so that it holds only what runs afterwards. `ms` covers loading, not counting.
 */
export async function seedDemo(db: EmbeddedPostgres, fixturesDir = demoFixturesDir): Promise<SeedResult> {
  const [schema, seed] = await Promise.all([readFixture(fixturesDir, 'schema.sql'), readFixture(fixturesDir, 'seed.sql')]);
  const existing = await db.pglite.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`,
  );
  if ((existing.rows[0]?.n ?? 0) > 0) {
    throw runtimeError(
      'The embedded database already has tables, so the demo cannot be seeded into it.',
      'Run the demo in memory, or with an empty data directory.',
    );
  }

  const started = performance.now();
  try {
    await db.pglite.exec(schema);
    await db.pglite.exec(seed);
    // Flush the inserts' counters first: otherwise they land after ANALYZE and every table looks stale.
    await db.pglite.exec('SELECT pg_stat_force_next_flush()');
    await db.pglite.exec('ANALYZE');
  } catch (err) {
    throw runtimeError(`Seeding the demo database failed: ${(err as Error).message}`, undefined, err);
  }
  const ms = Math.round(performance.now() - started);

  const counts = await countRows(db);
  await db.pglite.query('SELECT pg_stat_statements_reset()');
  return { rows: counts.reduce((sum, n) => sum + n, 0), tables: counts.length, ms };
}

async function countRows(db: EmbeddedPostgres): Promise<number[]> {
  const tables = await db.pglite.query<{ name: string }>(
    `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const counts: number[] = [];
  for (const { name } of tables.rows) {
    const r = await db.pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${name}`);
    counts.push(r.rows[0]?.n ?? 0);
  }
  return counts;
}

/** Runs every workload query `repeat` times (default 3), in file order, over one `pg` connection. */
export async function runDemoWorkload(
  db: EmbeddedPostgres,
  fixturesDir = demoFixturesDir,
  opts: { repeat?: number } = {},
): Promise<WorkloadRun[]> {
  const repeat = opts.repeat ?? 3;
  const queries = loadWorkload(await readFixture(fixturesDir, 'workload.sql'));
  const client = await db.connect();
  try {
    const runs: WorkloadRun[] = [];
    for (const q of queries) {
      for (let i = 0; i < repeat; i++) {
        try {
          await client.query(q.sql);
        } catch (err) {
          throw runtimeError(`Demo workload query "${q.name}" failed: ${(err as Error).message}`, undefined, err);
        }
      }
      runs.push({ name: q.name, sql: q.sql, calls: repeat });
    }
    return runs;
  } finally {
    await client.end().catch(() => undefined);
  }
}
