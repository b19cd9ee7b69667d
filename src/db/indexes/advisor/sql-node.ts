// Readers over libpg-query's JSON parse tree, and SQL text for the small expressions perfkit shows or
// puts into an index definition (lower(email), status = 'active', data ->> 'type').

/** One parse-tree node: `{ KindName: { …fields } }`, or the fields object itself. */
export type Node = Record<string, any>;

export function kindOf(n: unknown): string | undefined {
  if (!n || typeof n !== 'object' || Array.isArray(n)) return undefined;
  return Object.keys(n)[0];
}

/** The fields of a wrapped node (`{ ColumnRef: {…} }` → `{…}`), or undefined when it is not that kind. */
export function unwrap(n: unknown, kind: string): Node | undefined {
  return kindOf(n) === kind ? ((n as Node)[kind] as Node) : undefined;
}

/** A list of `{ String: { sval } }` nodes (names, qualified names) → strings. */
export function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((x) => unwrap(x, 'String')?.sval as string | undefined).filter((s): s is string => s !== undefined) : [];
}

const TYPE_ALIASES: Record<string, string> = {
  int2: 'smallint', int4: 'integer', int: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision',
  bool: 'boolean', varchar: 'character varying', bpchar: 'character', timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone', timetz: 'time with time zone', time: 'time without time zone', decimal: 'numeric',
};

/** A TypeName node → the type as format_type writes it (pg_catalog.int8 → bigint). */
export function typeName(tn: Node | undefined): string {
  const parts = names(tn?.names).filter((p) => p !== 'pg_catalog');
  const base = parts.join('.');
  return (TYPE_ALIASES[base] ?? base) + (tn?.arrayBounds ? '[]' : '');
}

export interface Constant {
  sql: string;
  /** The value as pg_stats shows it in most_common_vals. */
  value: string;
  /** The literal's type family; undefined for a quoted string (type unknown until compared). */
  family?: 'integer' | 'numeric' | 'boolean' | 'null' | 'bits';
}

/** An A_Const's fields → its SQL and value. libpg-query leaves out zero and false values: `{ ival: {} }` is 0. */
export function constant(c: Node): Constant {
  if (c.isnull) return { sql: 'NULL', value: 'NULL', family: 'null' };
  if (c.ival) return { sql: String(c.ival.ival ?? 0), value: String(c.ival.ival ?? 0), family: 'integer' };
  if (c.fval) return { sql: String(c.fval.fval), value: String(c.fval.fval), family: 'numeric' };
  if (c.boolval) return c.boolval.boolval ? { sql: 'true', value: 'true', family: 'boolean' } : { sql: 'false', value: 'false', family: 'boolean' };
  if (c.bsval) return { sql: `B'${String(c.bsval.bsval).slice(1)}'`, value: String(c.bsval.bsval), family: 'bits' };
  const s = String(c.sval?.sval ?? '');
  return { sql: `'${s.replaceAll("'", "''")}'`, value: s };
}

/** How a column reference is written: the base column name in index keys, `table.column` in words. */
export type ColumnText = (ref: Node) => string;

const plainColumn: ColumnText = (ref) => names(ref.fields).join('.') || '*';

/** SQL text of an expression, good enough to show and to put in an index key; `…` for what it does not know. */
export function sqlText(n: unknown, col: ColumnText = plainColumn): string {
  const t = (x: unknown): string => sqlText(x, col);
  const kind = kindOf(n);
  const v = kind ? (n as Node)[kind] : undefined;
  switch (kind) {
    case 'ColumnRef':
      return col(v);
    case 'A_Const':
      return constant(v).sql;
    case 'ParamRef':
      return `$${v.number ?? 0}`;
    case 'TypeCast': {
      const inner = t(v.arg);
      return `${/^[\w$.'"]+$/.test(inner) ? inner : `(${inner})`}::${typeName(v.typeName)}`;
    }
    case 'FuncCall': {
      const name = names(v.funcname).filter((p) => p !== 'pg_catalog').join('.');
      return `${name}(${v.agg_star ? '*' : (v.args ?? []).map(t).join(', ')})`;
    }
    case 'CoalesceExpr':
      return `COALESCE(${(v.args ?? []).map(t).join(', ')})`;
    case 'A_Expr':
      return aExprText(v, t);
    case 'NullTest':
      return `${t(v.arg)} IS ${v.nulltesttype === 'IS_NOT_NULL' ? 'NOT ' : ''}NULL`;
    case 'BooleanTest':
      return `${t(v.arg)} ${String(v.booltesttype).replace(/_/g, ' ')}`;
    case 'BoolExpr': {
      if (v.boolop === 'NOT_EXPR') return `NOT ${t(v.args?.[0])}`;
      const op = v.boolop === 'OR_EXPR' ? ' OR ' : ' AND ';
      return (v.args ?? []).map((a: unknown) => (kindOf(a) === 'BoolExpr' ? `(${t(a)})` : t(a))).join(op);
    }
    case 'A_ArrayExpr':
      return `ARRAY[${(v.elements ?? []).map(t).join(', ')}]`;
    case 'List':
      return `(${(v.items ?? []).map(t).join(', ')})`;
    case 'SQLValueFunction':
      return String(v.op).replace(/^SVFOP_/, '').replace(/_N$/, '');
    case 'SubLink':
      return '(SELECT …)';
    default:
      return '…';
  }
}

function aExprText(v: Node, t: (x: unknown) => string): string {
  const op = names(v.name).join('.');
  const l = v.lexpr ? t(v.lexpr) : '';
  switch (v.kind) {
    case 'AEXPR_IN':
      return `${l} ${op === '<>' ? 'NOT IN' : 'IN'} ${t(v.rexpr)}`;
    case 'AEXPR_OP_ANY':
      return `${l} ${op} ANY (${t(v.rexpr)})`;
    case 'AEXPR_OP_ALL':
      return `${l} ${op} ALL (${t(v.rexpr)})`;
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      const [a, b] = (unwrap(v.rexpr, 'List')?.items ?? []).map(t);
      return `${l} ${String(op)} ${a} AND ${b}`;
    }
    case 'AEXPR_LIKE':
      return `${l} ${op === '!~~' ? 'NOT LIKE' : 'LIKE'} ${t(v.rexpr)}`;
    case 'AEXPR_ILIKE':
      return `${l} ${op === '!~~*' ? 'NOT ILIKE' : 'ILIKE'} ${t(v.rexpr)}`;
    case 'AEXPR_DISTINCT':
      return `${l} IS DISTINCT FROM ${t(v.rexpr)}`;
    case 'AEXPR_NOT_DISTINCT':
      return `${l} IS NOT DISTINCT FROM ${t(v.rexpr)}`;
    default: {
      const r = t(v.rexpr);
      const wrap = (s: string, n: unknown): string => (kindOf(n) === 'A_Expr' ? `(${s})` : s);
      return v.lexpr ? `${wrap(l, v.lexpr)} ${op} ${wrap(r, v.rexpr)}` : `${op} ${wrap(r, v.rexpr)}`;
    }
  }
}

/** Every ColumnRef under a node, not descending into subqueries (they have their own scope). */
export function columnRefs(n: unknown, out: Node[] = []): Node[] {
  if (Array.isArray(n)) n.forEach((x) => columnRefs(x, out));
  else if (n && typeof n === 'object') {
    const kind = kindOf(n);
    if (kind === 'ColumnRef') out.push((n as Node).ColumnRef);
    else if (kind === 'SubLink') columnRefs((n as Node).SubLink.testexpr, out);
    else for (const v of Object.values(n)) columnRefs(v, out);
  }
  return out;
}
