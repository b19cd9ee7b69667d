// Where `db indexes` gets its workload: --query (repeatable), --file (several statements), or by
// default the top statements of pg_stat_statements. Grouped by libpg-query fingerprint.
import { inputError } from '../../cli/errors.js';
import type { PgConnection } from '../../connectors/postgres.js';
import { readTextInput } from '../../util/read-input.js';
import { maxParam, pgParser } from '../statement.js';
import { requireStatStatements, topStatements } from '../stat-statements.js';
import type { WorkloadQuery } from './model.js';

export interface SourceOptions {
  query?: string[];
  file?: string;
  top: number;
  minCalls: number;
  minMeanMs: number;
}

/** Splits SQL text into statements with PostgreSQL's parser; an unparsable text is one error naming it. */
export async function splitStatements(text: string, source: string): Promise<string[]> {
  const pg = await pgParser();
  let tree: { stmts?: Array<{ stmt_location?: number; stmt_len?: number }> };
  try {
    tree = pg.parseSync(text) as typeof tree;
  } catch (e) {
    const d = (e as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    throw inputError(`${source}: ${d?.message ?? (e as Error).message}${d ? ` at position ${d.cursorPosition + 1}` : ''}`, 'fix the SQL syntax');
  }
  return (tree.stmts ?? [])
    .map((s) => {
      const start = s.stmt_location ?? 0;
      return (s.stmt_len ? text.slice(start, start + s.stmt_len) : text.slice(start)).trim();
    })
    .filter(Boolean);
}

function paramCount(pg: Awaited<ReturnType<typeof pgParser>>, sql: string): number {
  try {
    return maxParam(pg.parseSync(sql));
  } catch {
    return 0;
  }
}

/** Adds statements to a fingerprint-keyed workload; a statement that does not parse is an input error. */
async function addStatements(into: Map<string, WorkloadQuery>, sqls: string[], source: WorkloadQuery['source'], label: string) {
  const pg = await pgParser();
  for (const sql of sqls) {
    let fp: string;
    try {
      fp = pg.fingerprintSync(sql);
    } catch (e) {
      throw inputError(`${label}: cannot parse '${sql.slice(0, 60)}': ${(e as Error).message}`, 'fix the SQL syntax');
    }
    const prev = into.get(fp);
    if (prev) prev.calls += 1;
    else into.set(fp, { fingerprint: fp, query: sql, calls: 1, totalMs: 0, meanMs: 0, source, paramCount: paramCount(pg, sql) });
  }
}

const DML = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
function isDml(tree: unknown): boolean {
  const stmt = (tree as { stmts?: Array<{ stmt?: Record<string, unknown> }> }).stmts?.[0]?.stmt;
  return Boolean(stmt && DML.has(Object.keys(stmt)[0]));
}

export async function collectWorkload(conn: PgConnection, o: SourceOptions): Promise<WorkloadQuery[]> {
  const out = new Map<string, WorkloadQuery>();
  if (o.query?.length) {
    for (const q of o.query) await addStatements(out, await splitStatements(q, '--query'), 'query', '--query');
  }
  if (o.file) {
    const text = await readTextInput(o.file, 'SQL', '--file');
    const stmts = await splitStatements(text, `--file ${o.file}`);
    if (!stmts.length) throw inputError(`--file ${o.file}: no SQL statement found`, 'give a file of statements separated by ;');
    await addStatements(out, stmts, 'file', `--file ${o.file}`);
  }
  if (!o.query?.length && !o.file) {
    requireStatStatements(conn, 'pass queries with --query or --file');
    const pg = await pgParser();
    for (const s of await topStatements(conn, { limit: o.top, minCalls: o.minCalls, minMeanMs: o.minMeanMs })) {
      let fp: string;
      try {
        if (!isDml(pg.parseSync(s.query))) continue; // BEGIN, SET, SHOW, VACUUM…: nothing an index serves
        fp = pg.fingerprintSync(s.query);
      } catch {
        continue; // text truncated by track_activity_query_size, or not SQL we can parse: not indexable advice
      }
      const prev = out.get(fp);
      if (prev) {
        prev.calls += s.calls;
        prev.totalMs += s.totalMs;
        prev.meanMs = prev.totalMs / prev.calls;
      } else {
        out.set(fp, { fingerprint: fp, query: s.query, calls: s.calls, totalMs: s.totalMs, meanMs: s.meanMs, source: 'pg_stat_statements', paramCount: paramCount(pg, s.query) });
      }
    }
  }
  return [...out.values()];
}
