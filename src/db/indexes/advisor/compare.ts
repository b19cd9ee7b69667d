// Comparisons (A_Expr) read as index predicates: =, IN, ranges, LIKE/ILIKE, containment operators,
// and the forms no plain index can serve, each with why in words.
import { isArray, isGistType, isTextLike } from './column-types.js';
import type { Predicate, PredicateKind } from '../model.js';
import type { Env, Operand } from './operands.js';
import { columnLabel, implicitCastOf, operand } from './operands.js';
import { quoteIdent } from './quote-ident.js';
import type { ColumnSource } from './scope.js';
import { resolveColumn } from './scope.js';
import type { Node } from './sql-node.js';
import { columnRefs, names, unwrap } from './sql-node.js';

type Indexed = Extract<Operand, { kind: 'column' | 'expr' }>;
type Value = Extract<Operand, { kind: 'value' }>;

const COMMUTE: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '=': '=', '@>': '<@', '<@': '@>', '&&': '&&' };
const RANGE_OPS = new Set(['<', '<=', '>', '>=']);
const LTREE_OPS = new Set(['~', '?', '@', '@>', '<@']);
const CONTAINMENT_OPS = new Set(['@>', '<@', '&&', '?', '?|', '?&', '@?', '@@']);

export function base(src: ColumnSource, kind: PredicateKind, extra: Partial<Predicate> = {}): Predicate {
  return { table: src.table, column: src.column, kind, sargable: true, ...extra };
}

/** What hides the column from a plain index, in words: "function lower() on customers.email". */
function hiddenBy(c: Extract<Operand, { kind: 'expr' }>, env: Env): string {
  const label = columnLabel(c.src, env.catalog);
  const what = {
    function: `function ${c.detail}() on ${label}`,
    cast: `cast of ${label} to ${c.detail}`,
    arithmetic: `arithmetic (${c.detail}) on ${label}`,
    json: `expression ${c.indexSql ?? ''} on ${label}`,
    expression: `expression on ${label}`,
  }[c.how];
  return c.noIndex ? `${what}: ${c.noIndex}` : what;
}

export function notSargable(c: Indexed, kind: PredicateKind, why: string): Predicate {
  return base(c.src, kind, { sargable: false, why });
}

/** A comparison with a column or expression on one side and a value on the other. */
function comparable(L: Operand, R: Operand): { c: Indexed; v: Value; swapped: boolean } | undefined {
  if ((L.kind === 'column' || L.kind === 'expr') && R.kind === 'value') return { c: L, v: R, swapped: false };
  if ((R.kind === 'column' || R.kind === 'expr') && L.kind === 'value') return { c: R, v: L, swapped: true };
  return undefined;
}

export function joinPair(a: ColumnSource, b: ColumnSource): Predicate[] {
  return [base(a, 'join', { joinWith: { table: b.table, column: b.column } }), base(b, 'join', { joinWith: { table: a.table, column: a.column } })];
}

/** `x = value`, `x IN (…)`, `x < value`: a btree predicate on a column, an expression-index one otherwise. */
export function keyPredicate(c: Indexed, v: Value, kind: 'eq' | 'in' | 'range', env: Env): Predicate {
  if (c.kind === 'expr') return base(c.src, kind, { sargable: false, why: hiddenBy(c, env), ...(c.indexSql ? { expression: c.indexSql } : {}) });
  const label = columnLabel(c.src, env.catalog);
  const cast = implicitCastOf(c, v);
  if (cast) return notSargable(c, kind, `implicit cast of ${label} (${c.type}) to ${cast}: compare it with an integer value`);
  if (kind !== 'eq' || !v.constant || v.constant.family === 'null') return base(c.src, kind);
  return base(c.src, kind, { constantSql: `${quoteIdent(c.src.column)} = ${v.constant.sql}`, value: v.constant.value });
}

export function compareOp(env: Env, op: string, l: unknown, r: unknown): Predicate[] {
  const lr = unwrap(l, 'RowExpr');
  const rr = unwrap(r, 'RowExpr');
  if (lr && rr) {
    // (a, b) = (x, y) is a = x AND b = y; (a, b) > (x, y), keyset pagination, is a range on a first.
    const pairs: Array<[unknown, unknown]> = (lr.args ?? []).map((a: unknown, i: number) => [a, rr.args?.[i]]);
    return op === '=' ? pairs.flatMap(([a, b]) => compareOp(env, op, a, b)) : pairs.slice(0, 1).flatMap(([a, b]) => compareOp(env, op, a, b));
  }
  const L = operand(l, env);
  const R = operand(r, env);
  if (L.kind === 'column' && R.kind === 'column' && L.src.rel !== R.src.rel) return op === '=' ? joinPair(L.src, R.src) : [];
  // o.id = v.x (VALUES, a function, a CTE's computed column): the other side is a per-row parameter.
  if (op === '=' && L.kind === 'column' && R.kind === 'other' && !touches(r, L.src.rel, env)) return [base(L.src, 'join')];
  if (op === '=' && R.kind === 'column' && L.kind === 'other' && !touches(l, R.src.rel, env)) return [base(R.src, 'join')];
  if ((L.kind === 'column' || L.kind === 'expr') && (R.kind === 'column' || R.kind === 'expr') && L.src.rel === R.src.rel) {
    return [notSargable(L, 'eq', `compares ${columnLabel(L.src, env.catalog)} with another column of the same table`)];
  }
  const cmp = comparable(L, R);
  if (!cmp) return [];
  const { c, v } = cmp;
  const o = cmp.swapped ? COMMUTE[op] ?? op : op;
  const label = columnLabel(c.src, env.catalog);
  if (o === '=') return [keyPredicate(c, v, 'eq', env)];
  if (RANGE_OPS.has(o)) return [keyPredicate(c, v, 'range', env)];
  if (o === '<>' || o === '!=') return [notSargable(c, 'eq', `<> on ${label}: an index finds the rows that match, not those that differ`)];
  if (o === '~~' || o === '~~*' || o === '!~~' || o === '!~~*') return [like(env, c, o, v)];
  // ltree's lquery/ltxtquery matches (~, ?, @) are GiST operators, not regular expressions.
  if (c.kind === 'column' && c.type === 'ltree' && LTREE_OPS.has(o)) return [base(c.src, 'array-overlap')];
  if (o === '~' || o === '~*') {
    const why = `regular expression on ${label}: a btree cannot serve it (a trigram index can)`;
    return [base(c.src, o === '~' ? 'like-infix' : 'ilike', { sargable: false, why, ...exprOf(c) })];
  }
  if (o === '!~' || o === '!~*') return [notSargable(c, 'like-infix', `negated regular expression on ${label}`)];
  if (CONTAINMENT_OPS.has(o)) return containment(env, c, o);
  return [];
}

/** Whether an expression reads a column of the given relation instance. */
function touches(node: unknown, rel: number, env: Env): boolean {
  return columnRefs(node).some((ref) => {
    const r = resolveColumn(ref, env.scope);
    return r.kind === 'column' && r.source.rel === rel;
  });
}

function exprOf(c: Indexed): Partial<Predicate> {
  return c.kind === 'expr' && c.indexSql ? { expression: c.indexSql } : {};
}

export function like(env: Env, c: Indexed, op: string, v: Value): Predicate {
  const label = columnLabel(c.src, env.catalog);
  if (op.startsWith('!')) return notSargable(c, 'like-infix', `NOT ${op === '!~~' ? 'LIKE' : 'ILIKE'} on ${label}: no index serves a negated pattern`);
  const pattern = v.constant?.family === undefined ? v.constant?.value : undefined;
  const hidden = c.kind === 'expr' ? `${hiddenBy(c, env)}; ` : '';
  if (op === '~~*') {
    return base(c.src, 'ilike', { sargable: false, why: `${hidden}ILIKE on ${label}: a btree cannot serve it (a trigram index can)`, ...exprOf(c) });
  }
  if (pattern === undefined) {
    const why = `${hidden}LIKE with a parameter pattern on ${label}: a btree serves only a fixed prefix (a trigram index serves any pattern)`;
    return base(c.src, 'like-infix', { sargable: false, why, ...exprOf(c) });
  }
  const shown = `'${pattern.replaceAll("'", "''")}'`;
  if (/^[%_]/.test(pattern)) {
    return base(c.src, 'like-infix', { sargable: false, why: `${hidden}leading wildcard in LIKE ${shown} on ${label}`, ...exprOf(c) });
  }
  const why = `${hidden}LIKE ${shown} on ${label} uses a btree only with text_pattern_ops or the C collation`;
  return base(c.src, 'like-prefix', { sargable: c.kind === 'column', why, ...exprOf(c) });
}

function containment(env: Env, c: Indexed, op: string): Predicate[] {
  const label = columnLabel(c.src, env.catalog);
  const fts = c.kind === 'expr' ? c.how === 'function' && c.detail === 'to_tsvector' : c.type === 'tsvector';
  const jsonb = c.kind === 'expr' ? c.how === 'json' && c.detail !== 'text' : c.type === 'jsonb';
  if (op === '@@' && fts) {
    if (c.kind === 'expr' && !c.indexSql) return [notSargable(c, 'fts', hiddenBy(c, env))];
    return [base(c.src, 'fts', exprOf(c))];
  }
  if (op === '@@' && c.kind === 'column' && c.type && isTextLike(c.type)) {
    return [notSargable(c, 'fts', `@@ on the text column ${label} runs to_tsvector() on every row: index to_tsvector('english', ${c.src.column}) and query that`)];
  }
  if (jsonb) {
    if (op === '@>' || op === '@?' || op === '@@') return [base(c.src, 'jsonb-contains', exprOf(c))];
    if (op === '?' || op === '?|' || op === '?&') return [base(c.src, 'jsonb-exists', exprOf(c))];
    return [notSargable(c, 'jsonb-contains', `${op} on jsonb ${label}: no index operator class supports it`)];
  }
  if (c.kind === 'column' && c.type && (isArray(c.type) || isGistType(c.type)) && (op === '@>' || op === '<@' || op === '&&')) {
    return [base(c.src, 'array-overlap')];
  }
  return c.kind === 'expr' ? [notSargable(c, 'array-overlap', hiddenBy(c, env))] : [];
}

/** The value list of IN (…) / = ANY (…): a List of values, an array, or a parameter. */
export function inValues(rexpr: unknown): unknown {
  const list = unwrap(rexpr, 'List');
  return list ? { A_ArrayExpr: { elements: list.items ?? [] } } : rexpr;
}

export function opName(v: Node): string {
  return names(v.name).join('.');
}
