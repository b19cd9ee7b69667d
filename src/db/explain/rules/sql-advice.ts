// Reading conditions and keys out of plan text to give concrete SQL: which columns to index, in
// which order, and which table a Sort or Hash works on.

import type { PlanNode } from '../model.js';
import { quoteIdent } from '../label.js';

const SCAN_TYPES = /Scan$/;

/** The table a node works on: its own, or the one scan below it through single-input nodes. */
export function relationBelow(node: PlanNode): PlanNode | undefined {
  let cur: PlanNode | undefined = node;
  while (cur) {
    if (cur.relation && SCAN_TYPES.test(cur.nodeType)) return cur;
    const main: PlanNode[] = cur.children.filter((c) => c.parentRelationship !== 'InitPlan' && c.parentRelationship !== 'SubPlan');
    if (main.length !== 1) return undefined;
    cur = main[0];
  }
  return undefined;
}

/** `schema.table` when the plan says the schema (VERBOSE), else the table name. */
export function tableName(n: PlanNode): string {
  const rel = quoteIdent(n.relation ?? '?');
  return n.schema && n.schema !== 'public' ? `${quoteIdent(n.schema)}.${rel}` : rel;
}

/** Every table a subtree reads, in preorder, without repeats. */
export function tablesBelow(node: PlanNode): string[] {
  const out: string[] = [];
  const stack = [node];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    if (cur.relation && !out.includes(tableName(cur))) out.push(tableName(cur));
    for (let i = cur.children.length - 1; i >= 0; i--) stack.push(cur.children[i]!);
  }
  return out;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`;
const COLUMN_REF = new RegExp(String.raw`^\(*(?:(${IDENT})\.)?(${IDENT})\)?$`, 'i');
const COMPARISON = new RegExp(
  String.raw`\(((?:${IDENT}\.)?${IDENT}|\w+\((?:${IDENT}\.)?${IDENT}\))\s*(=|<>|!=|<=|>=|<|>|~~\*?|!~~\*?|= ANY|IS NULL|IS NOT NULL)`,
  'gi',
);

export interface FilterColumns {
  /** Columns compared with =, = ANY or IS NULL: lead an index with these. */
  equality: string[];
  /** Columns compared with <, >, LIKE: put these after the equality columns. */
  range: string[];
  /** Function calls over a column (`lower(email)`): these need an expression index. */
  expressions: string[];
  hasOr: boolean;
}

function stripQualifier(ref: string, qualifiers: Set<string>): string | undefined {
  const m = COLUMN_REF.exec(ref.trim());
  if (!m) return undefined;
  const [, qual, col] = m;
  if (qual && !qualifiers.has(qual.replace(/^"|"$/g, ''))) return undefined;
  return col;
}

/** Columns of `scan`'s table that a Filter or Index Cond compares with constants or parameters. */
export function filterColumns(condition: string, scan: PlanNode): FilterColumns {
  const qualifiers = new Set([scan.alias, scan.relation].filter((s): s is string => Boolean(s)));
  const out: FilterColumns = { equality: [], range: [], expressions: [], hasOr: /\sOR\s/.test(condition) };
  for (const m of condition.matchAll(COMPARISON)) {
    const [, lhs, opRaw] = m;
    const op = opRaw!.toUpperCase();
    if (op === '<>' || op === '!=' || op.startsWith('!~~') || op === 'IS NOT NULL') continue;
    const fn = /^(\w+)\((.+)\)$/.exec(lhs!);
    if (fn) {
      const col = stripQualifier(fn[2]!, qualifiers);
      if (col && !out.expressions.includes(`${fn[1]}(${col})`)) out.expressions.push(`${fn[1]}(${col})`);
      continue;
    }
    const col = stripQualifier(lhs!, qualifiers);
    if (!col) continue;
    const bucket = op === '=' || op === '= ANY' || op === 'IS NULL' ? out.equality : out.range;
    if (!out.equality.includes(col) && !out.range.includes(col)) bucket.push(col);
  }
  return out;
}

/** `CREATE INDEX CONCURRENTLY ON t (a, b)` for the filter, or undefined when no column was found. */
export function indexForFilter(condition: string, scan: PlanNode): string | undefined {
  const cols = filterColumns(condition, scan);
  const keys = [...cols.equality, ...cols.range, ...cols.expressions.map((e) => `(${e})`)];
  if (keys.length === 0) return undefined;
  return `CREATE INDEX CONCURRENTLY ON ${tableName(scan)} (${keys.slice(0, 3).join(', ')});`;
}

/** Index columns matching a Sort Key (`o.created_at DESC, o.id`), when every key is a plain column. */
export function indexForSortKey(keys: string[] | undefined, scan: PlanNode): string | undefined {
  if (!keys || keys.length === 0) return undefined;
  const qualifiers = new Set([scan.alias, scan.relation].filter((s): s is string => Boolean(s)));
  const cols: string[] = [];
  for (const key of keys) {
    const m = /^(.+?)((?:\s+(?:DESC|ASC|NULLS FIRST|NULLS LAST))*)$/i.exec(key.trim());
    const col = m && stripQualifier(m[1]!, qualifiers);
    if (!col) return undefined;
    cols.push(`${col}${m![2] ?? ''}`);
  }
  return `CREATE INDEX CONCURRENTLY ON ${tableName(scan)} (${cols.join(', ')});`;
}

/** Plain column names of a Sort Key, for keyset pagination advice. */
export function sortColumns(keys: string[] | undefined): string[] {
  return (keys ?? []).map((k) => k.replace(/\s+(DESC|ASC|NULLS FIRST|NULLS LAST)/gi, '').trim());
}
