// The `db analyze` health checks on the real PostgreSQL: a fixture database that trips each check that
// can be tripped locally (bloat and dead tuples, stale statistics, a sequence near its maximum, an invalid
// constraint, temp files, an inactive slot, a blocked query, a session idle in transaction, a long query),
// the same run as a pg_monitor role and as a plain role (skipped with a grant, never failed), one check
// failing alone on a statement timeout, and a lost connection ending the run.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, resolvePgTarget, type PgConnection } from '../../src/connectors/postgres.js';
import { HEALTH_CHECKS, HEALTH_CHECK_IDS, type HealthCheck } from '../../src/db/analyze/checks.js';
import { runChecks, type ChecksOutcome } from '../../src/db/analyze/run-checks.js';
import { requirePg } from '../helpers/services.js';

const SESSION = { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000, connectTimeoutMs: 5_000 };
const DB = `perfkit_analyze_${process.pid}`;
const MONITOR = `perfkit_an_mon_${process.pid}`;
const PLAIN = `perfkit_an_plain_${process.pid}`;
const SLOT = `perfkit_an_slot_${process.pid}`;
const MB = 1024 * 1024;
// The fixture is small: the size thresholds come down; the ratios stay the defaults.
const THRESHOLDS = { tableBloatBytes: 1 * MB, tableBloatMinTableBytes: 1 * MB, checkpointMin: 1, checkpointRequestedRatio: 0.000001, tempBytesWarn: 1 * MB };

let adminUrl: string;
let dbUrl: string;
let admin: pg.Client;
let conn: PgConnection;
let full: ChecksOutcome;

const connect = (url: string) => connectPostgres(resolvePgTarget({ flag: url }, {}), SESSION);
const urlAs = (role: string) => {
  const u = new URL(dbUrl);
  u.username = role;
  u.password = 'perfkit-test';
  return u.toString();
};
const client = async () => {
  const c = new pg.Client({ connectionString: dbUrl });
  c.on('error', () => {});
  await c.connect();
  return c;
};
const locations = (o: ChecksOutcome, rule: string) => o.findings.filter((f) => f.rule === rule).map((f) => f.location);
const status = (o: ChecksOutcome, id: string) => o.results.find((r) => r.id === id)?.status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, probe: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  adminUrl = await requirePg();
  const root = new pg.Client({ connectionString: adminUrl });
  await root.connect();
  await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await root.query(`CREATE DATABASE ${DB}`);
  for (const r of [MONITOR, PLAIN]) await root.query(`DROP ROLE IF EXISTS ${r}`);
  await root.query(`CREATE ROLE ${MONITOR} LOGIN PASSWORD 'perfkit-test' IN ROLE pg_monitor`);
  await root.query(`CREATE ROLE ${PLAIN} LOGIN PASSWORD 'perfkit-test'`);
  await root.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [SLOT]);
  await root.query(`SELECT pg_create_physical_replication_slot($1, true)`, [SLOT]);
  await root.end();
  const u = new URL(adminUrl);
  u.pathname = `/${DB}`;
  dbUrl = u.toString();

  admin = await client();
  await admin.query(`
    CREATE EXTENSION pgstattuple;
    CREATE TABLE churn (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
    INSERT INTO churn SELECT g, repeat('x', 100) FROM generate_series(1, 50000) g;
    ANALYZE churn;
    UPDATE churn SET v = repeat('y', 100);
    CREATE TABLE locked (id int PRIMARY KEY, n int);
    INSERT INTO locked VALUES (1, 0);
    CREATE TABLE healthy (id int PRIMARY KEY);
    INSERT INTO healthy SELECT generate_series(1, 100);
    ANALYZE healthy; ANALYZE locked;
    CREATE SEQUENCE near_max AS integer;
    SELECT setval('near_max', (2147483647 * 0.95)::bigint);
    CREATE SEQUENCE roomy;
    SELECT setval('roomy', 1000);
    ALTER TABLE churn ADD CONSTRAINT churn_v_not_empty CHECK (length(v) > 0) NOT VALID;
    CHECKPOINT;
  `);
  // A sort far over work_mem, so this database has temporary files.
  await admin.query(`SET work_mem = '64kB'`);
  await admin.query(`SELECT count(*) FROM (SELECT * FROM churn ORDER BY v DESC, id DESC) s`);
  await admin.query(`RESET work_mem`);
  // Cumulative statistics reach shared memory when a backend goes idle: force it, then wait for it.
  await admin.query(`SELECT pg_stat_force_next_flush()`);
  await waitFor('dead tuples and temp files in the statistics', async () => {
    const { rows } = await admin.query(`SELECT (SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'churn') AS dead,
      (SELECT temp_files FROM pg_stat_database WHERE datname = current_database()) AS temp`);
    return Number(rows[0].dead) >= 40_000 && Number(rows[0].temp) > 0;
  });
  conn = await connect(dbUrl);
  full = await runChecks(conn, { statementTimeoutMs: 10_000, thresholds: THRESHOLDS, machine: { memoryBytes: 1024 * 1024 * MB } });
});

afterAll(async () => {
  await conn?.close();
  await admin?.end().catch(() => {});
  const root = new pg.Client({ connectionString: adminUrl });
  await root.connect();
  await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  for (const r of [MONITOR, PLAIN]) await root.query(`DROP ROLE IF EXISTS ${r}`);
  await root.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [SLOT]);
  await root.end();
});

describe('health checks on the fixture, as a superuser', () => {
  it('runs every check of the catalogue, none failed', () => {
    expect(full.results.map((r) => r.id)).toEqual(HEALTH_CHECK_IDS);
    expect(full.results.filter((r) => r.status === 'failed' || r.status === 'skipped')).toEqual([]);
  });

  it('finds the bloat, dead tuples, lagging autovacuum and stale statistics of the churned table only', () => {
    expect(locations(full, 'table-bloat')).toEqual(['public.churn']);
    expect(locations(full, 'dead-tuples')).toEqual(['public.churn']);
    expect(locations(full, 'autovacuum-behind')).toEqual(['public.churn']);
    expect(locations(full, 'stale-statistics')).toEqual(['public.churn']);
    const bloat = full.findings.find((f) => f.rule === 'table-bloat')!;
    expect(bloat.evidence!.wastedRatio).toBeGreaterThan(0.3);
    expect(bloat.fix).toContain('public.churn');
    const av = full.findings.find((f) => f.rule === 'autovacuum-behind')!;
    expect(av.title).toContain('disabled');
    expect(av.fix).toContain('RESET (autovacuum_enabled)');
  });

  it('finds the sequence near its maximum, not the roomy one', () => {
    expect(locations(full, 'sequence-overflow')).toEqual(['public.near_max']);
    const f = full.findings.find((x) => x.rule === 'sequence-overflow')!;
    expect(f.evidence!.usedRatio).toBeCloseTo(0.95, 2);
    expect(f.message).toContain('2,040,109,465');
  });

  it('finds the NOT VALID constraint, the temp files, the inactive slot, the missing pg_stat_statements and checkpoints', () => {
    expect(locations(full, 'invalid-constraint')).toEqual(['public.churn.churn_v_not_empty']);
    expect(full.findings.find((f) => f.rule === 'invalid-constraint')!.fix).toBe(
      'ALTER TABLE public.churn VALIDATE CONSTRAINT churn_v_not_empty; (a SHARE UPDATE EXCLUSIVE lock: writes go on; it fails if a row violates it)');
    expect(locations(full, 'temp-files')).toEqual([`database ${DB}`]);
    expect(full.metrics.tempBytes).toBeGreaterThan(1 * MB);
    expect(locations(full, 'inactive-replication-slot')).toContain(`slot ${SLOT}`);
    expect(full.findings.find((f) => f.location === `slot ${SLOT}`)!.fix).toContain(`pg_drop_replication_slot('${SLOT}')`);
    expect(locations(full, 'pg-stat-statements-missing')).toEqual(['server']);
    expect(full.findings.find((f) => f.rule === 'pg-stat-statements-missing')!.fix).toContain('CREATE EXTENSION pg_stat_statements');
    expect(locations(full, 'checkpoint-pressure')).toEqual(['server']);
  });

  it('judges shared_buffers against the machine it is told about', () => {
    expect(locations(full, 'settings')).toContain('setting shared_buffers');
  });

  it('carries its SQL in the evidence and the summary metrics', () => {
    for (const f of full.findings) expect(String(f.evidence?.sql)).toMatch(/^\/\* perfkit \*\//);
    expect(full.metrics.cacheHitRatio).toBeGreaterThan(0);
    expect(full.metrics.cacheHitRatio).toBeLessThanOrEqual(1);
    expect(full.metrics.connectionsUsedPct).toBeGreaterThan(0);
    expect(full.metrics.xidAgePct).toBeGreaterThan(0);
    expect(full.metrics.xidAgePct).toBeLessThan(50);
    expect(full.findings.filter((f) => f.rule === 'xid-wraparound' || f.rule === 'cache-hit-ratio')).toEqual([]);
  });
});

describe('live activity', () => {
  it('sees a blocked query, its idle-in-transaction blocker and a long-running query', async () => {
    const holder = await client();
    const waiter = await client();
    const sleeper = await client();
    try {
      const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const waiterPid = (await waiter.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const sleeperPid = (await sleeper.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      await holder.query('BEGIN');
      await holder.query('UPDATE locked SET n = n + 1 WHERE id = 1');
      const waiting = waiter.query('UPDATE locked SET n = n + 10 WHERE id = 1');
      const sleeping = sleeper.query('SELECT pg_sleep(30)').catch((e: Error) => e);
      await waitFor('the waiter to block', async () =>
        (await admin.query(`SELECT cardinality(pg_blocking_pids($1)) AS n`, [waiterPid])).rows[0].n > 0);
      await sleep(1_200);

      const live = await runChecks(conn, {
        statementTimeoutMs: 10_000,
        only: ['blocked-queries', 'idle-in-transaction', 'long-running-queries'],
        thresholds: { blockedSec: 0, idleInTransactionSec: 1, longRunningSec: 1 },
      });
      expect(live.results.map((r) => [r.id, r.status])).toEqual([
        ['idle-in-transaction', 'findings'], ['long-running-queries', 'findings'], ['blocked-queries', 'findings'],
      ]);
      const blocked = live.findings.find((f) => f.rule === 'blocked-queries')!;
      expect(blocked.location).toBe(`pid ${waiterPid}`);
      expect(blocked.evidence!.blockedBy).toEqual([holderPid]);
      expect(blocked.message).toContain('UPDATE locked SET n = n + 10');
      expect(blocked.fix).toContain(`pg_terminate_backend(${holderPid})`);
      expect(locations(live, 'idle-in-transaction')).toContain(`pid ${holderPid}`);
      expect(locations(live, 'long-running-queries')).toContain(`pid ${sleeperPid}`);
      expect(live.metrics.blockedQueries).toBe(1);

      await admin.query('SELECT pg_cancel_backend($1)', [sleeperPid]);
      await holder.query('ROLLBACK');
      await waiting;
      expect(await sleeping).toBeInstanceOf(Error);
      const after = await runChecks(conn, { statementTimeoutMs: 10_000, only: ['blocked-queries'], thresholds: { blockedSec: 0 } });
      expect(after.results[0].status).toBe('ok');
    } finally {
      await Promise.all([holder, waiter, sleeper].map((c) => c.end().catch(() => {})));
    }
  });
});

describe('as a less privileged role', () => {
  it('with pg_monitor: nothing fails; a skipped check carries the grant that would allow it', async () => {
    const c = await connect(urlAs(MONITOR));
    try {
      const o = await runChecks(c, { statementTimeoutMs: 10_000, thresholds: THRESHOLDS });
      expect(o.results.filter((r) => r.status === 'failed')).toEqual([]);
      for (const r of o.results.filter((x) => x.status === 'skipped')) expect(r.grant).toMatch(/GRANT|CREATE EXTENSION/);
      const seq = o.results.find((r) => r.id === 'sequence-overflow')!;
      expect(seq.status).toBe('skipped');
      expect(seq.grant).toBe(`GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${MONITOR}; -- or GRANT pg_read_all_data TO ${MONITOR}`);
      expect(status(o, 'connections')).toBe('ok');
      expect(locations(o, 'dead-tuples')).toEqual(['public.churn']);
      expect(o.metrics.connectionsUsedPct).toBeGreaterThan(0);
    } finally {
      await c.close();
    }
  });

  it('without pg_monitor: the activity checks are skipped with GRANT pg_monitor, pgstattuple with its EXECUTE grant', async () => {
    const c = await connect(urlAs(PLAIN));
    try {
      const o = await runChecks(c, { statementTimeoutMs: 10_000, thresholds: THRESHOLDS });
      expect(o.results.filter((r) => r.status === 'failed')).toEqual([]);
      for (const id of ['connections', 'idle-in-transaction', 'long-running-queries', 'blocked-queries', 'replication-lag']) {
        expect(o.results.find((r) => r.id === id)).toMatchObject({ status: 'skipped', grant: `GRANT pg_monitor TO ${PLAIN};` });
      }
      expect(o.results.find((r) => r.id === 'table-bloat')).toMatchObject({
        status: 'skipped', grant: expect.stringContaining(`GRANT EXECUTE ON FUNCTION public.pgstattuple_approx(regclass) TO ${PLAIN}`),
      });
      expect(o.metrics.connectionsUsedPct).toBeUndefined();
      expect(typeof o.metrics.xidAgePct).toBe('number');
    } finally {
      await c.close();
    }
  });
});

describe('faults', () => {
  const slow: HealthCheck = { id: 'slow', section: 'health', title: 'A slow check', sql: '/* perfkit */ SELECT pg_sleep(5)', evaluate: () => [] };

  it('a statement timeout fails that check alone, and the rest of the report is produced', async () => {
    const checks = [...HEALTH_CHECKS.filter((c) => ['cache-hit-ratio', 'invalid-constraint'].includes(c.id)), slow, HEALTH_CHECKS.find((c) => c.id === 'xid-wraparound')!];
    const started = Date.now();
    const o = await runChecks(conn, { statementTimeoutMs: 10_000, timeouts: { slow: 300 }, checks });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(o.results.map((r) => [r.id, r.status])).toEqual([
      ['cache-hit-ratio', 'ok'], ['invalid-constraint', 'findings'], ['slow', 'failed'], ['xid-wraparound', 'ok'],
    ]);
    expect(o.results.find((r) => r.id === 'slow')!.reason).toBe('canceled by statement timeout after 300 ms');
    expect(typeof o.metrics.xidAgePct).toBe('number');
  });

  it('a lost connection ends the run with a runtime error, not a partial result', async () => {
    const dies: HealthCheck = { id: 'dies', section: 'health', title: 'Kills its own backend', sql: '/* perfkit */ SELECT pg_terminate_backend(pg_backend_pid())', evaluate: () => [] };
    const c = await connect(dbUrl);
    try {
      await expect(runChecks(c, { statementTimeoutMs: 10_000, checks: [dies, slow] })).rejects.toMatchObject({ kind: 'runtime', message: expect.stringContaining('lost the connection') });
    } finally {
      await c.close();
    }
  });

  it('an unknown id in `only` is a usage error', async () => {
    await expect(runChecks(conn, { statementTimeoutMs: 1_000, only: ['no-such-check'] })).rejects.toMatchObject({ kind: 'usage' });
  });
});
