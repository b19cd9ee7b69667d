// ORDER BY and GROUP BY of a query level as index predicates: which base column (or
// indexable expression) each item sorts on, in which direction and with which NULLS placement.
import type { Predicate } from '../model.js';
import type { Env } from './operands.js';
import { columnInfo } from './column-types.js';
import { columnLabel, operand } from './operands.js';
import type { Node } from './sql-node.js';
import { kindOf, names, unwrap } from './sql-node.js';

export interface Ordering {
  predicates: Predicate[];
  /** The ORDER BY / GROUP BY expressions that are not select-list items, whose columns the query also reads. */
  visit: unknown[];
}

export function sortAndGroup(sel: Node, env: Env, withGroup: boolean): Ordering {
  const targets: Node[] = (sel.targetList ?? []).map((t: unknown) => unwrap(t, 'ResTarget') ?? {});
  const out: Ordering = { predicates: [], visit: [] };
  // ORDER BY 2 and ORDER BY total (an output name) mean a select-list item, which is read already.
  const effective = (node: unknown): unknown => {
    const c = unwrap(node, 'A_Const');
    if (c?.ival) return targets[(c.ival.ival ?? 0) - 1]?.val;
    const ref = unwrap(node, 'ColumnRef');
    const parts = ref ? names(ref.fields) : [];
    const named = parts.length === 1 ? targets.find((t) => t.name === parts[0]) : undefined;
    if (named) return named.val;
    out.visit.push(node);
    return node;
  };
  for (const item of sel.sortClause ?? []) {
    const s = unwrap(item, 'SortBy');
    if (!s || s.sortby_dir === 'SORTBY_USING') continue;
    const direction = s.sortby_dir === 'SORTBY_DESC' ? 'desc' : 'asc';
    const nulls = s.sortby_nulls === 'SORTBY_NULLS_FIRST' ? 'first' : s.sortby_nulls === 'SORTBY_NULLS_LAST' ? 'last' : undefined;
    const p = orderItem(effective(s.node), 'sort', env);
    if (!p) continue;
    const notNull = p.column !== undefined && !p.expression && columnInfo(env.catalog, p.table, p.column)?.notNull;
    // NULLS FIRST is DESC's default and NULLS LAST is ASC's: only the other placement needs saying in an index.
    const odd = nulls !== undefined && nulls !== (direction === 'desc' ? 'first' : 'last') && !notNull;
    out.predicates.push({ ...p, direction, ...(odd ? { nulls } : {}) });
  }
  for (const item of withGroup ? sel.groupClause ?? [] : []) {
    if (kindOf(item) === 'GroupingSet') continue;
    const p = orderItem(effective(item), 'group', env);
    if (p) out.predicates.push(p);
  }
  return out;
}

function orderItem(node: unknown, kind: 'sort' | 'group', env: Env): Predicate | undefined {
  const o = operand(node, env);
  if (o.kind === 'column') return { table: o.src.table, column: o.src.column, kind, sargable: true };
  if (o.kind !== 'expr') return undefined;
  const what = `${kind === 'sort' ? 'ORDER BY' : 'GROUP BY'} an expression on ${columnLabel(o.src, env.catalog)}`;
  return o.indexSql
    ? { table: o.src.table, column: o.src.column, kind, sargable: false, why: what, expression: o.indexSql }
    : { table: o.src.table, column: o.src.column, kind, sargable: false, why: `${what}: ${o.noIndex ?? 'no index serves it'}` };
}
