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

/** Top statements of the current database by total time (planning included where tracked). */
export async function topStatements(
  conn: PgConnection,
  opts: { limit: number; minCalls?: number; minMeanMs?: number },
): Promise<StatStatement[]> {
  const cols = await columns(conn);
  // PG13 renamed total_time → total_exec_time and added planning time.
  const exec = cols.has('total_exec_time') ? 'total_exec_time' : 'total_time';
  const plan = cols.has('total_plan_time') ? ' + total_plan_time' : '';
  const toplevel = cols.has('toplevel') ? 'AND toplevel' : '';
  const rows = await conn.query<{ queryid: string; query: string; calls: string; total: number; rows: string }>(
    `/* perfkit */ SELECT queryid::text AS queryid, query, calls, (${exec}${plan}) AS total, rows
       FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ${toplevel}
        AND calls >= $1 AND (${exec}${plan}) / greatest(calls, 1) >= $2
        AND strpos(query, '/* perfkit */') = 0
      ORDER BY total DESC
      LIMIT $3`,
    [opts.minCalls ?? 0, opts.minMeanMs ?? 0, opts.limit],
  );
  return rows.map((r) => {
    const calls = Number(r.calls);
    const totalMs = Number(r.total);
    return { queryid: r.queryid, query: r.query, calls, totalMs, meanMs: calls ? totalMs / calls : 0, rows: Number(r.rows) };
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
