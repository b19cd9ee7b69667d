// Inspects one SQL statement with libpg-query (PostgreSQL's own parser): how many statements,
// what kind, whether it writes, and which $n parameters it uses.
import { inputError, usageError } from '../cli/errors.js';

export interface StatementInfo {
  /** The statement text alone: no trailing semicolon or second statement. */
  sql: string;
  kind: string;
  writes: boolean;
  paramCount: number;
}

const WRITE_KINDS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CreateTableAsStmt']);
const EXPLAINABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CreateTableAsStmt']);

let loaded: Promise<typeof import('libpg-query')> | undefined;
export async function pgParser(): Promise<typeof import('libpg-query')> {
  loaded ??= import('libpg-query').then(async (m) => {
    await m.loadModule();
    return m;
  });
  return loaded;
}

/** 1-based character position → "line L, column C" for multi-line SQL. */
function positionText(sql: string, pos1: number): string {
  const before = sql.slice(0, Math.max(0, pos1 - 1));
  const line = before.split('\n').length;
  const col = pos1 - before.lastIndexOf('\n') - 1;
  return line > 1 ? `line ${line}, column ${col}` : `position ${pos1}`;
}

type PgModule = Awaited<ReturnType<typeof pgParser>>;
type Parsed = { stmts?: Array<{ stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };

export interface SoleStatement {
  /** The statement text alone: no trailing semicolon or comment. */
  sql: string;
  kind: string;
  node: Record<string, unknown>;
  paramCount: number;
}

/** Exactly one statement, by PostgreSQL's own parser (pgParser() must have loaded it); or why not. */
export function soleStatement(pg: PgModule, text: string): SoleStatement | { error: string; position?: number; count?: number } {
  let tree: Parsed;
  try {
    tree = pg.parseSync(text) as Parsed;
  } catch (e) {
    const d = (e as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    return { error: d?.message ?? (e as Error).message, position: d ? d.cursorPosition + 1 : undefined };
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length === 0) return { error: 'empty statement', count: 0 };
  if (stmts.length > 1) return { error: `${stmts.length} statements given; perfkit takes one at a time`, count: stmts.length };
  const s = stmts[0];
  const kind = Object.keys(s.stmt)[0];
  const start = s.stmt_location ?? 0;
  const sql = (s.stmt_len ? text.slice(start, start + s.stmt_len) : text.slice(start)).trim().replace(/;\s*$/, '');
  return { sql, kind, node: s.stmt[kind] as Record<string, unknown>, paramCount: maxParam(s.stmt) };
}

export async function inspectStatement(text: string, source: string): Promise<StatementInfo> {
  const st = soleStatement(await pgParser(), text);
  if ('error' in st) {
    if (st.count === 0) throw inputError(`${source}: no SQL statement found`, 'give one statement, e.g. "SELECT … FROM …"');
    if (st.count) throw inputError(`${source}: ${st.count} statements given; EXPLAIN takes exactly one`, 'pass the statements one at a time');
    const where = st.position ? ` at ${positionText(text, st.position)}` : '';
    throw inputError(`${source}: ${st.error}${where}`, 'fix the SQL syntax (this is PostgreSQL’s own parser)');
  }
  const { sql, kind, node } = st;
  if (kind === 'ExplainStmt') throw usageError(`${source}: the SQL already starts with EXPLAIN`, 'pass the query alone; perfkit adds EXPLAIN (use --analyze for ANALYZE)');
  if (!EXPLAINABLE.has(kind)) {
    throw inputError(`${source}: ${kind.replace(/Stmt$/, '')} statements cannot be explained`, 'EXPLAIN works on SELECT, INSERT, UPDATE, DELETE, MERGE and CREATE TABLE AS');
  }
  return { sql, kind, writes: WRITE_KINDS.has(kind) || Boolean(node.intoClause) || hasWritingCte(node), paramCount: st.paramCount };
}

function hasWritingCte(body: Record<string, unknown>): boolean {
  let found = false;
  walk(body, (key, value) => {
    if (key === 'ctequery' && value && typeof value === 'object' && WRITE_KINDS.has(Object.keys(value)[0])) found = true;
  });
  return found;
}

/** The highest $n placeholder in a parse tree (0 when none). */
export function maxParam(node: unknown): number {
  let max = 0;
  walk(node, (key, value) => {
    if (key === 'ParamRef') max = Math.max(max, Number((value as { number?: number }).number ?? 0));
  });
  return max;
}

function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}
