// `db slow` from pg_stat_statements on the real PostgreSQL: a known workload on a table of our own, its calls
// and sort orders, fingerprints that join with logged literal SQL, and an --interval diff of two snapshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, resolvePgTarget, type PgConnection } from '../../src/connectors/postgres.js';
import { readStatStatements, readStatStatementsInterval, requireStatStatements } from '../../src/db/stat-statements.js';
import { loadFingerprinter, type Fingerprinter } from '../../src/db/slow/fingerprint.js';
import { diffSnapshots, statStatementsReport, type StatQueryRow, type StatSort } from '../../src/db/slow/stat-statements-top.js';
import { requirePg } from '../helpers/services.js';

const SESSION = { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000, connectTimeoutMs: 5_000 };
// Letters only: libpg-query's fingerprint ignores digit runs in table names (partitions, temp tables), so a
// digit suffix would group this run's statements with those of earlier runs.
const T = `slow_pgss_${[...`${process.pid}${Math.floor(Math.random() * 1e6)}`].map((d) => String.fromCharCode(97 + Number(d))).join('')}`;

let conn: PgConnection;
let fp: Fingerprinter;

// The workload: calls, rows and temp I/O differ per statement, so each sort has a different winner.
const Q = {
  point: `SELECT id, note FROM ${T} WHERE id = `, // 40 calls, 1 row each
  scan: `SELECT id FROM ${T} WHERE id > 0`, // 3 calls, 2000 rows each
  sleep: `SELECT pg_sleep(0.06), count(*) FROM ${T} WHERE id < `, // 2 calls, slowest mean
  sort: `SELECT md5(note || id) AS h FROM ${T} ORDER BY 1`, // 2 calls, 2000 rows each, sorted on disk (temp blocks)
};

const ours = (rows: StatQueryRow[]) => rows.filter((r) => r.query.includes(T));
const MARK: Record<keyof typeof Q, string> = { point: 'WHERE id = $', scan: 'WHERE id > $', sleep: 'pg_sleep(', sort: 'md5(' };
const kind = (r: StatQueryRow) => (Object.keys(MARK) as Array<keyof typeof Q>).find((k) => r.query.includes(MARK[k]))!;

beforeAll(async () => {
  const url = await requirePg();
  conn = await connectPostgres(resolvePgTarget({ flag: url }, {}), SESSION);
  requireStatStatements(conn, 'pass --log instead');
  fp = await loadFingerprinter();
  await conn.query(`CREATE TABLE ${T} (id int PRIMARY KEY, note text)`);
  await conn.query(`INSERT INTO ${T} SELECT g, repeat('x', 200) || g FROM generate_series(1, 2000) g`);
  await conn.withClient(async (c) => {
    for (let i = 1; i <= 40; i++) await c.query(`${Q.point}${i}`);
    for (let i = 0; i < 3; i++) await c.query(Q.scan);
    for (let i = 0; i < 2; i++) await c.query(`${Q.sleep}${i + 10}`);
    await c.query(`SET work_mem = '64kB'`);
    for (let i = 0; i < 2; i++) await c.query(Q.sort);
    await c.query('RESET work_mem');
  });
});

afterAll(async () => {
  await conn?.query(`DROP TABLE IF EXISTS ${T}`).catch(() => {});
  await conn?.close();
});

describe('pg_stat_statements top queries', () => {
  it('reads every counter for the workload, grouped by fingerprint', async () => {
    const snap = await readStatStatements(conn);
    const { data, summary } = statStatementsReport(snap, { top: 10_000, sort: 'total', fingerprint: fp.fingerprint });
    const mine = Object.fromEntries(ours(data.queries).map((r) => [kind(r), r]));
    expect(mine.point).toMatchObject({ calls: 40, rows: 40, fallback: false });
    expect(mine.scan).toMatchObject({ calls: 3, rows: 6000 });
    expect(mine.sleep.calls).toBe(2);
    expect(mine.sleep.minMs).toBeGreaterThanOrEqual(60);
    expect(mine.sleep.maxMs).toBeGreaterThanOrEqual(mine.sleep.minMs!);
    expect(mine.sleep.stddevMs).not.toBeNull();
    expect(mine.sleep.meanMs).toBeCloseTo(mine.sleep.totalMs / 2, 6);
    expect(mine.sort.tempBlksWritten).toBeGreaterThan(0);
    expect(mine.point.sharedBlksHit + mine.point.sharedBlksRead).toBeGreaterThan(0);
    expect(mine.point.planMs).toBe(snap.trackPlanning ? mine.point.planMs : null);
    // pg_stat_statements' $1 text and the logged literal SQL share one fingerprint: log and server data join.
    expect(mine.point.fingerprint).toBe(fp.fingerprint(`SELECT id, note FROM ${T} WHERE id = 1234`).fingerprint);
    expect(mine.point.query).toBe(`SELECT id, note FROM ${T} WHERE id = $1`);
    expect(summary.statements).toBeGreaterThanOrEqual(47);
  });

  it.each<[StatSort, keyof typeof Q]>([
    ['calls', 'point'],
    ['mean', 'sleep'],
    ['total', 'sleep'],
    ['rows', 'scan'],
    ['io', 'sort'],
  ])('--sort %s puts the %s query first among ours', async (sort, first) => {
    const { data } = statStatementsReport(await readStatStatements(conn), { top: 10_000, sort, fingerprint: fp.fingerprint });
    expect(kind(ours(data.queries)[0])).toBe(first);
    expect(data.sort).toBe(sort);
  });
});

describe('pg_stat_statements --interval', () => {
  it('reports what ran between two snapshots 1 s apart, with min/max/stddev unknown', async () => {
    const work = async () => {
      for (let i = 0; i < 7; i++) await conn.query(`${Q.point}${i + 500}`);
      await conn.query(`${Q.sleep}1`);
    };
    const [a, b] = await readStatStatementsInterval(conn, 1000, async (ms) => {
      await work();
      await new Promise((r) => setTimeout(r, ms));
    });
    const w = diffSnapshots(a, b);
    expect(w.intervalMs).toBeGreaterThanOrEqual(1000);
    const { data } = statStatementsReport(w, { top: 10_000, sort: 'total', fingerprint: fp.fingerprint });
    const mine = Object.fromEntries(ours(data.queries).map((r) => [kind(r), r]));
    expect(Object.keys(mine).sort()).toEqual(['point', 'sleep']); // scan and sort did not run in the window
    expect(mine.point).toMatchObject({ calls: 7, rows: 7, minMs: null, maxMs: null, stddevMs: null });
    expect(mine.sleep.calls).toBe(1);
    expect(mine.sleep.meanMs).toBeGreaterThanOrEqual(60);
    expect(mine.sleep.meanMs).toBeCloseTo(mine.sleep.totalMs, 6);
    expect(data.intervalMs).toBe(w.intervalMs);
    expect(data.queries[0].totalMs).toBeGreaterThanOrEqual(data.queries[data.queries.length - 1].totalMs);
  });
});
