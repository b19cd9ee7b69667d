// Reads pg_stat_statements on PostgreSQL 13–18: detects the extension and its column names, and
// returns the top statements of the current database. Shared by the db commands.
import { configError } from '../cli/errors.js';
import type { PgConnection } from '../connectors/postgres.js';

export interface StatStatement {
  queryid: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
}

export interface StatStatementsInfo {
  /** When pg_stat_statements was last reset (PG14+), else null. */
  statsReset: string | null;
  /** Hours the counters cover, for per-hour rates: since the reset, else since the server started. */
  ageHours: number;
}

/** Fails with the exact steps to enable pg_stat_statements when it is not usable. */
export function requireStatStatements(conn: PgConnection, alternative: string): void {
  const info = conn.info;
  if (info.sharedPreload && !info.sharedPreload.includes('pg_stat_statements')) {
    throw configError(
      `pg_stat_statements is not loaded on ${conn.target.host}:${conn.target.port}`,
      `set shared_preload_libraries = 'pg_stat_statements' in postgresql.conf, restart PostgreSQL, run CREATE EXTENSION pg_stat_statements; (or ${alternative})`,
    );
  }
  if (!('pg_stat_statements' in info.extensions)) {
    throw configError(
      `pg_stat_statements is loaded but not created in database ${info.database}`,
      `run CREATE EXTENSION pg_stat_statements; in ${info.database} (or ${alternative})`,
    );
  }
}

async function columns(conn: PgConnection): Promise<Set<string>> {
  const rows = await conn.query<{ attname: string }>(
    `/* perfkit */ SELECT attname FROM pg_attribute WHERE attrelid = 'pg_stat_statements'::regclass AND attnum > 0 AND NOT attisdropped`,
  );
  return new Set(rows.map((r) => r.attname));
}

/** This database's top-level statements, perfkit's own left out (on PostgreSQL ≤ 17, which keeps the tag). */
const ownStatements = (cols: Set<string>) =>
  `dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ${cols.has('toplevel') ? 'AND toplevel' : ''}
        AND strpos(query, '/* perfkit */') = 0`;

/** Top statements of the current database by total time (planning included where tracked), filtered
 *  and limited in SQL: pg_stat_statements can hold thousands of rows. */
export async function topStatements(
  conn: PgConnection,
  opts: { limit: number; minCalls?: number; minMeanMs?: number },
): Promise<StatStatement[]> {
  const cols = await columns(conn);
  const rows = await conn.query<Record<string, string | number | null>>(
    `/* perfkit */ SELECT * FROM (SELECT ${statStatementsColumns(cols)} FROM pg_stat_statements WHERE ${ownStatements(cols)}) s
      WHERE calls >= $1 AND (exec + coalesce(plan, 0)) / greatest(calls, 1) >= $2
      ORDER BY exec + coalesce(plan, 0) DESC
      LIMIT $3`,
    [opts.minCalls ?? 0, opts.minMeanMs ?? 0, opts.limit],
  );
  return rows.map((r) => {
    const row = rowOf(r, true, false);
    const totalMs = row.execMs + (row.planMs ?? 0);
    return { queryid: row.queryid, query: row.query, calls: row.calls, totalMs, meanMs: row.calls ? totalMs / row.calls : 0, rows: row.rows };
  });
}

export async function statStatementsInfo(conn: PgConnection): Promise<StatStatementsInfo> {
  const hasInfo = conn.info.versionNum >= 140000;
  const rows = await conn.query<{ reset: Date | null; started: Date }>(
    `/* perfkit */ SELECT ${hasInfo ? '(SELECT stats_reset FROM pg_stat_statements_info)' : 'NULL::timestamptz'} AS reset,
            pg_postmaster_start_time() AS started`,
  );
  const reset = rows[0]?.reset ? new Date(rows[0].reset) : null;
  const since = reset ?? new Date(rows[0].started);
  return { statsReset: reset?.toISOString() ?? null, ageHours: Math.max((Date.now() - since.getTime()) / 3_600_000, 1 / 60) };
}

/** One pg_stat_statements row with every counter `db slow` reports. Times in ms; null where the server
 *  does not track it (planning needs pg_stat_statements.track_planning; I/O times need track_io_timing). */
/** Block counters of a statement (shared buffers and temp files), as pg_stat_statements keeps them. */
export interface BlockCounters {
  sharedBlksHit: number;
  sharedBlksRead: number;
  sharedBlksDirtied: number;
  sharedBlksWritten: number;
  tempBlksRead: number;
  tempBlksWritten: number;
}

export interface StatStatementRow extends BlockCounters {
  userid: string;
  queryid: string;
  query: string;
  calls: number;
  rows: number;
  execMs: number;
  minExecMs: number | null;
  maxExecMs: number | null;
  meanExecMs: number | null;
  stddevExecMs: number | null;
  planMs: number | null;
  blkReadMs: number | null;
  blkWriteMs: number | null;
}

export interface StatStatementsSnapshot {
  /** Epoch ms when it was read. */
  at: number;
  statsReset: string | null;
  trackPlanning: boolean;
  trackIoTiming: boolean;
  rows: StatStatementRow[];
}

/** Column names by version: PG13 renamed *_time → *_exec_time and added planning; PG17 renamed
 *  blk_read_time/blk_write_time → shared_blk_read_time/shared_blk_write_time. Absent columns read as NULL. */
export function statStatementsColumns(cols: Set<string>): string {
  const pick = (...names: string[]) => names.find((n) => cols.has(n));
  const num = (alias: string, ...names: string[]) => {
    const c = pick(...names);
    return `${c ? `${c}::float8` : 'NULL::float8'} AS ${alias}`;
  };
  return [
    'userid::text AS userid', 'queryid::text AS queryid', 'query',
    num('calls', 'calls'), num('rows', 'rows'),
    num('exec', 'total_exec_time', 'total_time'), num('min_exec', 'min_exec_time', 'min_time'), num('max_exec', 'max_exec_time', 'max_time'),
    num('mean_exec', 'mean_exec_time', 'mean_time'), num('stddev_exec', 'stddev_exec_time', 'stddev_time'), num('plan', 'total_plan_time'),
    num('shared_hit', 'shared_blks_hit'), num('shared_read', 'shared_blks_read'), num('shared_dirtied', 'shared_blks_dirtied'),
    num('shared_written', 'shared_blks_written'), num('temp_read', 'temp_blks_read'), num('temp_written', 'temp_blks_written'),
    num('blk_read', 'shared_blk_read_time', 'blk_read_time'), num('blk_write', 'shared_blk_write_time', 'blk_write_time'),
  ].join(', ');
}

/** Every top-level statement of the current database (perfkit's own excluded). */
export async function readStatStatements(conn: PgConnection): Promise<StatStatementsSnapshot> {
  const cols = await columns(conn);
  const [info, settings] = await Promise.all([
    statStatementsInfo(conn),
    conn.query<{ planning: string | null; io: string | null }>(
      `/* perfkit */ SELECT current_setting('pg_stat_statements.track_planning', true) AS planning, current_setting('track_io_timing', true) AS io`,
    ),
  ]);
  const trackPlanning = settings[0]?.planning === 'on' && cols.has('total_plan_time');
  const trackIoTiming = settings[0]?.io === 'on';
  const at = Date.now();
  const rows = await conn.query<Record<string, string | number | null>>(
    `/* perfkit */ SELECT ${statStatementsColumns(cols)} FROM pg_stat_statements WHERE ${ownStatements(cols)}`,
  );
  return { at, statsReset: info.statsReset, trackPlanning, trackIoTiming, rows: rows.map((r) => rowOf(r, trackPlanning, trackIoTiming)) };
}

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const orNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function rowOf(r: Record<string, string | number | null>, trackPlanning: boolean, trackIoTiming: boolean): StatStatementRow {
  return {
    userid: String(r.userid),
    queryid: String(r.queryid),
    query: String(r.query ?? ''),
    calls: n(r.calls),
    rows: n(r.rows),
    execMs: n(r.exec),
    minExecMs: orNull(r.min_exec),
    maxExecMs: orNull(r.max_exec),
    meanExecMs: orNull(r.mean_exec),
    stddevExecMs: orNull(r.stddev_exec),
    planMs: trackPlanning ? n(r.plan) : null,
    sharedBlksHit: n(r.shared_hit),
    sharedBlksRead: n(r.shared_read),
    sharedBlksDirtied: n(r.shared_dirtied),
    sharedBlksWritten: n(r.shared_written),
    tempBlksRead: n(r.temp_read),
    tempBlksWritten: n(r.temp_written),
    blkReadMs: trackIoTiming ? orNull(r.blk_read) : null,
    blkWriteMs: trackIoTiming ? orNull(r.blk_write) : null,
  };
}

/** `--interval`: two snapshots `intervalMs` apart (diff them with diffSnapshots). */
export async function readStatStatementsInterval(
  conn: PgConnection,
  intervalMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<[StatStatementsSnapshot, StatStatementsSnapshot]> {
  const first = await readStatStatements(conn);
  await sleep(intervalMs);
  return [first, await readStatStatements(conn)];
}
