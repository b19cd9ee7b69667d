// Live EXPLAIN on the real PostgreSQL, in-process through runMain: the stale-stats rule, the
// generic-plan path for $n on this server version, read-only safety and timeouts.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../../src/cli/main.js';
import { createMemoryIo } from '../../src/cli/io.js';
import { requirePg } from '../helpers/services.js';

let url: string;
let admin: pg.Client;
const table = `perfkit_live_${process.pid}`;

async function explain(args: string[]) {
  const io = createMemoryIo();
  const code = await runMain(['db', 'explain', ...args, '--db', url, '--format', 'json'], io);
  return { code, doc: io.out() ? JSON.parse(io.out()) : undefined, err: io.err() };
}

beforeAll(async () => {
  url = await requirePg();
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int, v text) WITH (autovacuum_enabled = off)`);
  await admin.query(`INSERT INTO ${table} SELECT g, md5(g::text) FROM generate_series(1, 20000) g`);
  await admin.query(`ANALYZE ${table}`);
  await admin.query(`UPDATE ${table} SET v = v || 'x'`);
  await admin.query('SELECT pg_stat_force_next_flush()');
});
afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS ${table} CASCADE; DROP FUNCTION IF EXISTS ${table}_w()`);
  await admin?.end();
});

describe('live db explain', () => {
  it('flags stale statistics on a table modified since its last ANALYZE', async () => {
    // The update's counters reach pg_stat_user_tables when the backend reports them; wait until they do.
    for (let i = 0; i < 50; i++) {
      const { rows } = await admin.query(`SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = $1`, [table]);
      if (Number(rows[0]?.n_mod_since_analyze) >= 20000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { code, doc } = await explain([`SELECT * FROM ${table} WHERE id = 5`]);
    expect(code).toBe(0);
    const stale = doc.findings.find((f: any) => f.rule === 'stale-stats');
    expect(stale?.message).toContain(table);
    expect(stale?.fix).toContain(`ANALYZE ${table}`);
  });

  it('on PostgreSQL 15 makes a generic plan through PREPARE with force_generic_plan', async () => {
    const { code, doc } = await explain([`SELECT * FROM ${table} WHERE id = $1`]);
    expect(code).toBe(0);
    const expected = doc.environment.postgresVersionNum >= 160000 ? 'generic-plan' : 'prepare-generic';
    expect(doc.data.live.method).toBe(expected);
    // the prepared statement is gone afterwards: the next run can prepare it again
    expect((await explain([`SELECT * FROM ${table} WHERE id = $1`])).code).toBe(0);
  });

  it('runs reads in a read-only transaction: a writing function is refused, nothing changes', async () => {
    await admin.query(`CREATE OR REPLACE FUNCTION ${table}_w() RETURNS int LANGUAGE sql AS 'DELETE FROM ${table} RETURNING 1'`);
    const sneaky = await explain([`SELECT ${table}_w()`, '--analyze']);
    expect(sneaky.code).toBe(2);
    expect(sneaky.err).toMatch(/tried to write inside perfkit’s read-only transaction.*Fix: .*--allow-writes/);
    const write = await explain([`WITH d AS (DELETE FROM ${table} RETURNING 1) SELECT count(*) FROM d`, '--analyze']);
    expect(write.code).toBe(2);
    expect(write.err).toMatch(/--allow-writes/);
    const done = await explain([`WITH d AS (DELETE FROM ${table} RETURNING 1) SELECT count(*) FROM d`, '--analyze', '--allow-writes']);
    expect(done.code).toBe(0);
    expect(done.doc.summary.rows).toBe(1);
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${table}`);
    expect(rows[0].n).toBe(20000);
  });

  it('a statement that runs past --statement-timeout is a runtime error (exit 3) that names the fix', async () => {
    const { code, err, doc } = await explain(['SELECT pg_sleep(2)', '--analyze', '--statement-timeout', '200ms']);
    expect(code).toBe(3);
    expect(doc).toBeUndefined();
    expect(err).toMatch(/statement timeout.*Fix: raise the timeout with --statement-timeout/);
  });
});
