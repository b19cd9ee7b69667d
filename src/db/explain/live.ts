// Runs EXPLAIN against a live server, safely: one statement, tagged, timeouts set, inside a
// transaction that is always rolled back (read-only unless writes were allowed).
import { inputError, usageError } from '../../cli/errors.js';
import { describePgError, type PgConnection, type PgTarget, type PgRow, type PgSession } from '../../connectors/postgres.js';
import type { StatementInfo } from '../statement.js';
import { planSql, TAG } from './generic-plan.js';

export interface LiveRequest {
  statement: StatementInfo;
  source: string;
  analyze: boolean;
  params?: unknown[];
  allowWrites: boolean;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface LiveResult {
  planJson: unknown;
  /** How the plan was made: with the values given, or a generic plan for $n placeholders. */
  method: 'explain' | 'explain-params' | 'generic-plan' | 'prepare-generic';
  rolledBack: true;
  readOnly: boolean;
  sqlSent: string;
}

const PREPARED = 'perfkit_explain_stmt';

export function explainOptions(analyze: boolean, versionNum: number): string {
  const opts = ['FORMAT JSON', 'VERBOSE'];
  if (versionNum >= 120000) opts.push('SETTINGS');
  if (analyze) opts.push('ANALYZE', 'BUFFERS');
  return opts.join(', ');
}

export async function explainLive(conn: PgConnection, req: LiveRequest): Promise<LiveResult> {
  const { statement: st, analyze } = req;
  if (analyze && st.writes && !req.allowWrites) {
    throw usageError(
      `${req.source}: ${st.kind.replace(/Stmt$/, '').toUpperCase()} modifies data; EXPLAIN ANALYZE would run it`,
      'add --allow-writes to run it inside a transaction that is rolled back, or drop --analyze',
    );
  }
  const params = req.params ?? [];
  if (params.length && params.length !== st.paramCount) {
    throw usageError(`--params: ${params.length} value(s) given, the statement uses ${st.paramCount} ($1…$${st.paramCount})`, 'give one value per placeholder');
  }
  if (st.paramCount > 0 && !params.length && analyze) {
    throw usageError(`${req.source}: --analyze needs values for $1…$${st.paramCount}`, `pass them with --params, e.g. --params '[42]', or drop --analyze for a generic plan`);
  }
  const versionNum = conn.info.versionNum;
  const readOnly = !st.writes;
  return conn.withClient(async (client) => {
    await client.query(readOnly ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN');
    let prepared = false;
    try {
      await client.query(`SET LOCAL statement_timeout = ${Math.round(req.statementTimeoutMs)}`);
      await client.query(`SET LOCAL lock_timeout = ${Math.round(req.lockTimeoutMs)}`);
      let method: LiveResult['method'];
      let sqlSent: string;
      let rows: PgRow[];
      if (st.paramCount > 0 && !params.length) {
        const p = planSql(st.sql, st.paramCount, versionNum, explainOptions(false, versionNum), PREPARED);
        method = p.method as LiveResult['method'];
        if (p.prepare) {
          await run(client, p.prepare, [], st.sql, req.source, conn.target);
          prepared = true;
          await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
        }
        sqlSent = p.explain;
        rows = (await run(client, sqlSent, [], st.sql, req.source, conn.target)).rows;
      } else {
        method = params.length ? 'explain-params' : 'explain';
        sqlSent = `${TAG}EXPLAIN (${explainOptions(analyze, versionNum)}) ${st.sql}`;
        rows = (await run(client, sqlSent, params, st.sql, req.source, conn.target)).rows;
      }
      return { planJson: rows[0]?.['QUERY PLAN'], method, rolledBack: true, readOnly, sqlSent };
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      if (prepared) await client.query(`DEALLOCATE ${PREPARED}`).catch(() => {});
    }
  });
}

/** Runs the statement; a server error about the user's SQL becomes an input error with its position. */
async function run(client: PgSession, text: string, params: unknown[], userSql: string, source: string, target: PgTarget) {
  try {
    return await client.query(text, params);
  } catch (e) {
    const err = e as { code?: string; message: string; position?: string };
    // Classes 42 (syntax, undefined objects), 22 (data), 0A (not supported), 25006 (read-only transaction).
    if (err.code && /^(42|22|0A)/.test(err.code)) {
      const offset = text.length - userSql.length;
      const pos = err.position ? Number(err.position) - offset : undefined;
      const where = pos && pos > 0 ? ` (at position ${pos}: “${userSql.slice(pos - 1, pos + 24).split('\n')[0]}”)` : '';
      throw inputError(`${source}: ${err.message}${where}`, 'fix the statement; PostgreSQL rejected it');
    }
    if (err.code === '25006') {
      throw inputError(`${source}: the statement tried to write inside perfkit’s read-only transaction (${err.message})`, 'if it must write, add --allow-writes (it is still rolled back)');
    }
    throw describePgError(e, target);
  }
}

/** Per-table statistics for the stale-stats rule. */
export async function tableStats(conn: PgConnection, relations: Array<{ schema?: string; relation: string }>) {
  if (!relations.length) return [];
  const names = [...new Set(relations.map((r) => `${r.schema ?? 'public'}.${r.relation}`))];
  return conn.query<{ schema: string; relation: string; n_live_tup: string; n_mod_since_analyze: string; last_analyze: Date | null; last_autoanalyze: Date | null }>(
    `${TAG}SELECT schemaname AS schema, relname AS relation, n_live_tup, n_mod_since_analyze, last_analyze, last_autoanalyze
       FROM pg_stat_user_tables WHERE schemaname || '.' || relname = ANY($1::text[])`,
    [names],
  );
}
