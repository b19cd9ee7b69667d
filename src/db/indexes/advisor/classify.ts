// Turns one WHERE / JOIN ON condition into index predicates: walks AND trees, folds OR branches on one
// column into IN, reads IS NULL, boolean columns and IN (subquery), and hands comparisons to compare.ts.
import { base, compareOp, inValues, joinPair, keyPredicate, like, notSargable, opName } from './compare.js';
import type { Predicate } from '../model.js';
import type { Env, Operand } from './operands.js';
import { columnInfo } from './column-types.js';
import { columnLabel, operand } from './operands.js';
import { quoteIdent } from './quote-ident.js';
import { resolveColumn } from './scope.js';
import type { Node } from './sql-node.js';
import { columnRefs, kindOf, names, unwrap } from './sql-node.js';

const EQUALITY = new Set(['eq', 'in']);
const BTREE_KINDS = new Set(['eq', 'in', 'range', 'isnull']);

export function classify(cond: unknown, env: Env): Predicate[] {
  const kind = kindOf(cond);
  const v = kind ? (cond as Node)[kind] : undefined;
  switch (kind) {
    case 'BoolExpr':
      if (v.boolop === 'AND_EXPR') return (v.args ?? []).flatMap((a: unknown) => classify(a, env));
      if (v.boolop === 'OR_EXPR') return orBranches(v.args ?? [], cond, env);
      return notExpr(v.args?.[0], env);
    case 'A_Expr':
      return aExpr(v, env);
    case 'NullTest': {
      const c = operand(v.arg, env);
      const not = v.nulltesttype === 'IS_NOT_NULL';
      // On a NOT NULL column only an outer join's missing side can be NULL: an anti-join test, not a filter.
      if (c.kind === 'column' && columnInfo(env.catalog, c.src.table, c.src.column)?.notNull) return [];
      if (c.kind === 'column') return [base(c.src, 'isnull', { constantSql: `${quoteIdent(c.src.column)} IS ${not ? 'NOT ' : ''}NULL` })];
      if (c.kind === 'expr') return [notSargable(c, 'isnull', `IS NULL on an expression over ${columnLabel(c.src, env.catalog)}`)];
      return [];
    }
    case 'BooleanTest':
      if (v.booltesttype === 'IS_TRUE' || v.booltesttype === 'IS_FALSE') return booleanColumn(v.arg, v.booltesttype === 'IS_TRUE', env);
      return unindexable(cond, env, `${String(v.booltesttype).replace(/_/g, ' ')}`);
    case 'ColumnRef':
      return booleanColumn(cond, true, env);
    case 'SubLink':
      return inSubquery(v, env);
    case 'FuncCall':
      return unindexable(cond, env, `function ${names(v.funcname).filter((p) => p !== 'pg_catalog').join('.')}()`);
    default:
      return [];
  }
}

function aExpr(v: Node, env: Env): Predicate[] {
  const op = opName(v);
  switch (v.kind) {
    case 'AEXPR_OP':
      return v.lexpr ? compareOp(env, op, v.lexpr, v.rexpr) : [];
    case 'AEXPR_IN':
    case 'AEXPR_OP_ANY': {
      const c = operand(v.lexpr, env);
      const values = operand(inValues(v.rexpr), env);
      if ((c.kind !== 'column' && c.kind !== 'expr') || values.kind !== 'value') return [];
      if (op === '=') return [keyPredicate(c, values, 'in', env)];
      const label = columnLabel(c.src, env.catalog);
      if (op === '~~' || op === '~~*') return [like(env, c, op, { kind: 'value', node: values.node })];
      return [notSargable(c, 'in', `${op === '<>' ? 'NOT IN' : `${op} ANY`} on ${label}: an index finds the rows that match, not those that differ`)];
    }
    case 'AEXPR_OP_ALL':
      return unindexable(v.lexpr, env, `${op} ALL (…)`);
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      const c = operand(v.lexpr, env);
      const p = operand(v.rexpr, env);
      return (c.kind === 'column' || c.kind === 'expr') && p.kind === 'value' ? [like(env, c, op, p)] : [];
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_BETWEEN_SYM': {
      const c = operand(v.lexpr, env);
      const bounds = (unwrap(v.rexpr, 'List')?.items ?? []).map((b: unknown) => operand(b, env));
      const value = bounds[0];
      if ((c.kind !== 'column' && c.kind !== 'expr') || value?.kind !== 'value' || !bounds.every((b: Operand) => b.kind === 'value')) return [];
      return [keyPredicate(c, value, 'range', env)];
    }
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_NOT_BETWEEN_SYM':
      return unindexable(v.lexpr, env, 'NOT BETWEEN');
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT':
      return unindexable(v.lexpr, env, v.kind === 'AEXPR_DISTINCT' ? 'IS DISTINCT FROM' : 'IS NOT DISTINCT FROM');
    case 'AEXPR_SIMILAR':
      return unindexable(v.lexpr, env, 'SIMILAR TO');
    default:
      return [];
  }
}

/** A boolean column alone (`WHERE active`, `NOT archived`, `active IS TRUE`): an equality with a constant. */
function booleanColumn(node: unknown, value: boolean, env: Env): Predicate[] {
  const c = operand(node, env);
  if (c.kind !== 'column' || c.type !== 'boolean') return [];
  const col = quoteIdent(c.src.column);
  return [base(c.src, 'eq', { constantSql: value ? col : `NOT ${col}`, value: value ? 'true' : 'false' })];
}

function notExpr(arg: unknown, env: Env): Predicate[] {
  if (kindOf(arg) === 'ColumnRef') return booleanColumn(arg, false, env);
  // NOT EXISTS (…): the subquery's correlated conditions were read where it was walked.
  if (unwrap(arg, 'SubLink')?.subLinkType === 'EXISTS_SUBLINK') return [];
  return unindexable(arg, env, 'NOT (…)');
}

/** x IN (SELECT y …): a semi-join, so both x and y are join columns. */
function inSubquery(v: Node, env: Env): Predicate[] {
  if (v.subLinkType !== 'ANY_SUBLINK' || (v.operName && opName({ name: v.operName }) !== '=')) return [];
  const outer = operand(v.testexpr, env);
  const inner = env.sublinks.get(v)?.[0]?.[1];
  if (outer.kind !== 'column') return [];
  return inner ? joinPair(outer.src, inner) : [base(outer.src, 'join')];
}

/** a = 1 OR a = 2 is a = ANY('{1,2}'); an OR across columns needs one index per branch (BitmapOr). */
function orBranches(args: unknown[], cond: unknown, env: Env): Predicate[] {
  const branches = args.map((a) => classify(a, env));
  const keysOf = (ps: Predicate[], kinds: Set<string>): Set<string> =>
    new Set(ps.filter((p) => p.sargable && p.column && !p.expression && kinds.has(p.kind)).map((p) => `${p.table}\u0000${p.column}`));
  const common = (kinds: Set<string>): string[] => {
    const [first, ...rest] = branches.map((b) => keysOf(b, kinds));
    return [...(first ?? [])].filter((k) => rest.every((s) => s.has(k)));
  };
  const asIn = common(EQUALITY);
  // a = 1 OR a IS NULL, a < 1 OR a > 9: still one btree on a, scanned once per branch (BitmapOr).
  const asRange = asIn.length > 0 ? [] : common(BTREE_KINDS);
  if (asIn.length + asRange.length > 0) {
    return [...asIn.map((k) => [k, 'in'] as const), ...asRange.map((k) => [k, 'range'] as const)].map(([k, kind]) => {
      const [table, column] = k.split('\u0000') as [string, string];
      return { table, column, kind, sargable: true };
    });
  }
  const cols = distinctColumns(cond, env);
  const why = `OR across ${cols.map((s) => columnLabel(s, env.catalog)).join(', ')}: each branch needs its own index`;
  return cols.map((s) => ({ table: s.table, column: s.column, kind: 'eq' as const, sargable: false, why }));
}

function distinctColumns(node: unknown, env: Env): Array<{ table: string; column: string }> {
  const seen = new Map<string, { table: string; column: string }>();
  for (const ref of columnRefs(node)) {
    const r = resolveColumn(ref, env.scope);
    if (r.kind === 'column') seen.set(`${r.source.table}.${r.source.column}`, { table: r.source.table, column: r.source.column });
  }
  return [...seen.values()];
}

/** A condition no index can serve: one not-sargable predicate per column it mentions, so the reason names them. */
function unindexable(node: unknown, env: Env, what: string): Predicate[] {
  return distinctColumns(node, env).map((s) => ({
    table: s.table,
    column: s.column,
    kind: 'eq' as const,
    sargable: false,
    why: `${what} on ${columnLabel(s, env.catalog)}`,
  }));
}
