// One side of a comparison, read for indexing: a plain column, an expression over one table's columns
// (and whether an expression index could hold it), or a value the query supplies.
import { columnInfo, isFractionalType } from './column-types.js';
import type { Catalog } from '../model.js';
import type { ColumnSource, Scope } from './scope.js';
import { resolveColumn } from './scope.js';
import { quoteIdent } from './quote-ident.js';
import type { Constant, Node } from './sql-node.js';
import { columnRefs, constant, kindOf, names, sqlText, typeName, unwrap } from './sql-node.js';

export interface Env {
  scope: Scope;
  catalog: Catalog;
  /** Output columns of the subqueries under SubLinks, filled in before conditions are classified. */
  sublinks: WeakMap<object, Array<[string, ColumnSource | undefined]>>;
}

export type Operand =
  | { kind: 'column'; src: ColumnSource; type?: string }
  | {
      kind: 'expr';
      src: ColumnSource;
      type?: string;
      how: 'function' | 'cast' | 'arithmetic' | 'json' | 'expression';
      /** Function name, or the type cast to. */
      detail: string;
      /** The SQL an expression index would hold, when PostgreSQL accepts one (IMMUTABLE, one table). */
      indexSql?: string;
      /** Why it cannot be an expression index, in words, when indexSql is undefined. */
      noIndex?: string;
    }
  | { kind: 'value'; node: Node; constant?: Constant; castTo?: string }
  | { kind: 'other' };

const JSON_OPS = new Set(['->', '->>', '#>', '#>>']);
/** Functions PostgreSQL marks IMMUTABLE (CREATE INDEX refuses the others). */
const IMMUTABLE = new Set([
  'lower', 'upper', 'md5', 'abs', 'length', 'char_length', 'character_length', 'octet_length', 'left', 'right', 'substr',
  'substring', 'btrim', 'ltrim', 'rtrim', 'trim', 'jsonb_extract_path', 'jsonb_extract_path_text', 'round', 'floor', 'ceil',
]);
/** Immutable only on timestamp/date without a time zone. */
const TZ_SENSITIVE = new Set(['date_trunc', 'date_part', 'extract', 'date']);

function funcName(f: Node): string {
  return names(f.funcname).filter((p) => p !== 'pg_catalog').join('.');
}

export function operand(node: unknown, env: Env): Operand {
  const refs = columnRefs(node);
  if (refs.length === 0) {
    const c = unwrap(node, 'A_Const');
    const cast = unwrap(node, 'TypeCast');
    const castConst = cast ? unwrap(cast.arg, 'A_Const') : undefined;
    return {
      kind: 'value',
      node: node as Node,
      constant: c ? constant(c) : castConst ? constant(castConst) : undefined,
      castTo: cast ? typeName(cast.typeName) : undefined,
    };
  }
  const resolved = refs.map((r) => resolveColumn(r, env.scope));
  const sources = resolved.map((r) => (r.kind === 'column' ? r.source : undefined));
  if (sources.some((s) => s === undefined)) return { kind: 'other' };
  const src = sources[0]!;
  if (sources.some((s) => s!.rel !== src.rel)) return { kind: 'other' };
  const type = columnInfo(env.catalog, src.table, src.column)?.type;
  if (kindOf(node) === 'ColumnRef') return { kind: 'column', src, type };
  return { kind: 'expr', src, type, ...describe(node as Node, env, type) };
}

type ExprFacts = Pick<Extract<Operand, { kind: 'expr' }>, 'how' | 'detail' | 'indexSql' | 'noIndex'>;

function describe(node: Node, env: Env, type: string | undefined): ExprFacts {
  const indexSql = sqlText(node, (ref) => {
    const r = resolveColumn(ref, env.scope);
    return r.kind === 'column' ? quoteIdent(r.source.column) : '?';
  });
  if (JSON.stringify(node).includes('"ParamRef"')) return { how: 'expression', detail: 'parameter', noIndex: 'it contains a query parameter, which an index expression cannot' };
  const cast = unwrap(node, 'TypeCast');
  if (cast) {
    const to = typeName(cast.typeName);
    // (data ->> 'n')::integer is a fine expression key; email::text is a cast that hides the column.
    if (isJsonPath(cast.arg)) return { how: 'json', detail: to, indexSql };
    return { how: 'cast', detail: to, noIndex: 'remove the cast instead' };
  }
  if (isJsonPath(node)) return { how: 'json', detail: names(unwrap(node, 'A_Expr')!.name).join(''), indexSql };
  const fn = unwrap(node, 'FuncCall');
  if (fn) {
    const name = funcName(fn);
    const args: unknown[] = fn.args ?? [];
    if (name === 'to_tsvector') {
      return args.length === 2 && kindOf(args[0]) === 'A_Const'
        ? { how: 'function', detail: name, indexSql }
        : { how: 'function', detail: name, noIndex: "to_tsvector() without a configuration is not IMMUTABLE: write to_tsvector('english', …)" };
    }
    if (IMMUTABLE.has(name) || (TZ_SENSITIVE.has(name) && type !== undefined && !type.includes('with time zone'))) {
      return { how: 'function', detail: name, indexSql };
    }
    return { how: 'function', detail: name, noIndex: `${name}() is not known to be IMMUTABLE, which an expression index needs` };
  }
  if (kindOf(node) === 'CoalesceExpr') return { how: 'function', detail: 'coalesce', indexSql };
  const expr = unwrap(node, 'A_Expr');
  if (expr && expr.kind === 'AEXPR_OP') {
    return { how: 'arithmetic', detail: names(expr.name).join(''), noIndex: 'move the arithmetic to the other side of the comparison' };
  }
  return { how: 'expression', detail: kindOf(node) ?? 'expression', noIndex: 'an index on the column cannot serve it' };
}

function isJsonPath(n: unknown): boolean {
  const e = unwrap(n, 'A_Expr');
  return e !== undefined && e.kind === 'AEXPR_OP' && JSON_OPS.has(names(e.name).join('')) && kindOf(e.lexpr) !== 'A_Const';
}

/** An integer column compared with a numeric or floating value is cast to that type, row by row. */
export function implicitCastOf(col: Operand, value: Operand): string | undefined {
  if (col.kind !== 'column' || value.kind !== 'value' || !col.type || !/^(smallint|integer|bigint)$/.test(col.type)) return undefined;
  const family = value.castTo ?? (value.constant?.family === 'numeric' ? 'numeric' : undefined);
  return family && isFractionalType(family) ? family : undefined;
}

/** `customers.email` in words; the schema is named only when it is not the first on the search_path. */
export function columnLabel(src: { table: string; column?: string }, catalog: Catalog): string {
  const dot = src.table.indexOf('.');
  const schema = src.table.slice(0, dot);
  const table = schema === (catalog.searchPath[0] ?? 'public') ? src.table.slice(dot + 1) : src.table;
  return src.column === undefined ? table : `${table}.${src.column}`;
}
