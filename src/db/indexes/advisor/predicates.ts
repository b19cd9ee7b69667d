// What one parsed statement asks of each table, for the index advisor: the kind of statement, the base
// tables it reads (views expanded), and its predicates (equality, range, LIKE, containment, join, sort,
// group), each marked sargable or not with why in words. Pure: takes a libpg-query parse result.
import type { Catalog, Predicate, QueryAnalysis } from '../model.js';
import { quoteIdent } from './quote-ident.js';
import { newState, walkModify, walkSelect } from './query-walk.js';
import type { Node } from './sql-node.js';
import { kindOf, unwrap } from './sql-node.js';

export interface PredicateAnalysis {
  kind: QueryAnalysis['kind'];
  /** The statement in words: SELECT, UPDATE, MERGE, CREATE INDEX, SELECT INTO, DELETE in WITH. */
  statement: string;
  tables: string[];
  missingTables: string[];
  columnsRead: Record<string, string[]>;
  predicates: Predicate[];
  problems: string[];
}

/** A libpg-query parse result (parseSync's return value). */
export interface ParseTree {
  stmts?: Array<{ stmt?: unknown }>;
}

const TAGS: Record<string, string> = {
  CreateTableAsStmt: 'CREATE TABLE AS', IndexStmt: 'CREATE INDEX', CreateStmt: 'CREATE TABLE', VariableSetStmt: 'SET',
  VariableShowStmt: 'SHOW', TransactionStmt: 'transaction control', CopyStmt: 'COPY', ExplainStmt: 'EXPLAIN', VacuumStmt: 'VACUUM',
  TruncateStmt: 'TRUNCATE', DropStmt: 'DROP', AlterTableStmt: 'ALTER TABLE', CallStmt: 'CALL', DoStmt: 'DO', LockStmt: 'LOCK',
  PrepareStmt: 'PREPARE', ExecuteStmt: 'EXECUTE', DeallocateStmt: 'DEALLOCATE', RefreshMatViewStmt: 'REFRESH MATERIALIZED VIEW',
};
const WRITES: Record<string, QueryAnalysis['kind']> = { InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete' };

function tagOf(kind: string): string {
  return TAGS[kind] ?? kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

/** The data-modifying statement inside a WITH, if any: WITH d AS (DELETE … RETURNING *) SELECT … writes. */
function writingCte(sel: Node): string | undefined {
  for (const c of sel.withClause?.ctes ?? []) {
    const k = kindOf(unwrap(c, 'CommonTableExpr')?.ctequery);
    if (k && (WRITES[k] || k === 'MergeStmt')) return k.replace(/Stmt$/, '').toUpperCase();
  }
  return undefined;
}

export function extractPredicates(tree: ParseTree, catalog: Catalog): PredicateAnalysis {
  const st = newState(catalog);
  const stmts = tree.stmts ?? [];
  if (stmts.length > 1) st.problems.add(`${stmts.length} statements given; only the first is analysed`);
  const stmt = stmts[0]?.stmt as Node | undefined;
  const kind = kindOf(stmt) ?? 'none';
  const body = stmt ? stmt[kind] : undefined;
  let out: Pick<PredicateAnalysis, 'kind' | 'statement'>;
  if (kind === 'SelectStmt') {
    const cteWrite = writingCte(body);
    out = body.intoClause
      ? { kind: 'other', statement: 'SELECT INTO' }
      : cteWrite
        ? { kind: 'other', statement: `${cteWrite} in WITH` }
        : { kind: 'select', statement: 'SELECT' };
    walkSelect(body, st, undefined, true);
  } else if (WRITES[kind]) {
    out = { kind: WRITES[kind], statement: kind.replace(/Stmt$/, '').toUpperCase() };
    const select = unwrap(body.selectStmt, 'SelectStmt');
    if (kind === 'InsertStmt') {
      if (select) walkSelect(select, st, undefined, false);
    } else walkModify(body, st);
  } else {
    out = { kind: 'other', statement: stmt ? tagOf(kind) : 'empty statement' };
  }
  return {
    ...out,
    tables: [...st.tables],
    missingTables: [...st.missing],
    columnsRead: Object.fromEntries([...st.read].map(([t, cols]) => [t, [...cols]])),
    predicates: unique(throughJoins(st.predicates)),
    problems: [...st.problems],
  };
}

/** `a.x = b.y AND b.y = 42` implies `a.x = 42`, as PostgreSQL's equivalence classes derive: add it, so
 *  candidates and the heuristic see the constant on both sides of the join. */
function throughJoins(ps: Predicate[]): Predicate[] {
  const derived: Predicate[] = [];
  for (const j of ps) {
    if (j.kind !== 'join' || !j.joinWith || !j.column) continue;
    const eq = ps.find((p) => p.kind === 'eq' && p.sargable && !p.derived && p.table === j.joinWith!.table && p.column === j.joinWith!.column && p.constantSql);
    if (!eq) continue;
    const valueSql = eq.constantSql!.slice(eq.constantSql!.indexOf(' = ') + 3);
    derived.push({ table: j.table, column: j.column, kind: 'eq', sargable: true, derived: true, constantSql: `${quoteIdent(j.column)} = ${valueSql}`, ...(eq.value !== undefined ? { value: eq.value } : {}) });
  }
  return [...ps, ...derived];
}

/** The same predicate reached twice (a view used twice, `a = 1 AND a = 1`) counts once. */
function unique(ps: Predicate[]): Predicate[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const key = JSON.stringify([p.table, p.column, p.expression, p.kind, p.direction, p.nulls, p.sargable, p.constantSql, p.why]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
