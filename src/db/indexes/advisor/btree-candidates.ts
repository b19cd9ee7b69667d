// B-tree key orders for one table of one query: equality columns first (most selective first), then one
// range column, then the sort columns when the index can return rows in that order; plus the useful
// shorter variants (eq only, eq + sort, the single best column, join columns, GROUP BY columns).
import type { IndexColumn } from '../model.js';

export type Role = 'eq' | 'in' | 'range' | 'isnull' | 'range-sort' | 'sort' | 'join' | 'group';

export interface KeyItem {
  column: IndexColumn;
  /** In words: customer_id, lower(email), created_at DESC. */
  label: string;
  role: Role;
  /** Share of rows one value matches (pg_stats); lower leads. */
  fraction?: number;
}

export interface KeyPlan {
  eq: KeyItem[];
  /** Range columns, and IS NULL tests (a btree finds NULLs, but rows after them are not in key order). */
  ranges: KeyItem[];
  /** Only when every ORDER BY item of the query is on this table and indexable. */
  sorts: KeyItem[];
  joins: KeyItem[];
  groups: KeyItem[];
}

export interface KeyVariant {
  items: KeyItem[];
  reason: string;
  /** The complete form for the query (not a shorter prefix): the one INCLUDE columns are added to. */
  full: boolean;
}

export function itemId(i: KeyItem): string {
  return i.column.expression !== undefined ? `(${i.column.expression})` : i.column.column ?? '?';
}

/** Most selective first; unknown selectivity last; then by name so every query orders them alike. */
export function bySelectivity(a: KeyItem, b: KeyItem): number {
  const fa = a.fraction ?? Number.POSITIVE_INFINITY;
  const fb = b.fraction ?? Number.POSITIVE_INFINITY;
  return fa !== fb ? fa - fb : itemId(a).localeCompare(itemId(b));
}

const WORDS: Record<Role, string> = {
  eq: 'equality on', in: 'IN list on', range: 'range on', isnull: 'IS NULL on', 'range-sort': 'range and sort on', sort: 'sort on', join: 'join on', group: 'GROUP BY',
};

export function describeKey(items: KeyItem[]): string {
  const parts: Array<[Role, string[]]> = [];
  for (const i of items) {
    const last = parts.at(-1);
    if (last && last[0] === i.role) last[1].push(i.label);
    else parts.push([i.role, [i.label]]);
  }
  return parts.map(([role, labels]) => `${WORDS[role]} ${labels.join(', ')}`).join(', then ');
}

function withDirection(item: KeyItem, sort: KeyItem): KeyItem {
  const dir = sort.column.direction === 'desc' ? ' DESC' : '';
  const nulls = sort.column.nulls ? ` NULLS ${sort.column.nulls.toUpperCase()}` : '';
  return { ...item, role: 'range-sort', label: `${item.label}${dir}${nulls}`, column: { ...item.column, direction: sort.column.direction, ...(sort.column.nulls ? { nulls: sort.column.nulls } : {}) } };
}

/**
 * @param inKeepsOrder PostgreSQL 17+ returns IN-list btree scans in index order, so a sort column can
 *   follow an IN column; before 17 it cannot.
 */
export function btreeVariants(plan: KeyPlan, maxColumns: number, inKeepsOrder: boolean): KeyVariant[] {
  const eq = [...plan.eq].sort(bySelectivity);
  const out: KeyVariant[] = [];
  const seen = new Set<string>();
  const push = (items: KeyItem[], full: boolean): void => {
    const ids = new Set<string>();
    const key = items.filter((i) => !ids.has(itemId(i)) && ids.add(itemId(i))).slice(0, Math.max(1, maxColumns));
    const sig = key.map((i) => `${itemId(i)} ${i.column.opclass ?? ''} ${i.column.direction ?? ''} ${i.column.nulls ?? ''}`).join(',');
    if (key.length === 0 || seen.has(sig)) return;
    seen.add(sig);
    out.push({ items: key, reason: describeKey(key), full });
  };
  const ordered = (prefix: KeyItem[]): boolean => prefix.every((i) => i.role === 'eq' || i.role === 'join' || (i.role === 'in' && inKeepsOrder));
  const eqIds = new Set(eq.map(itemId));
  // With the equality columns fixed, ORDER BY a, b on an equality column a is already in order.
  const sortTail = plan.sorts.filter((s) => !eqIds.has(itemId(s)));
  const sortable = sortTail.length > 0 && ordered(eq);

  for (const r of plan.ranges.slice(0, 2)) {
    const first = sortTail[0];
    if (sortable && first && itemId(first) === itemId(r) && !r.column.opclass) push([...eq, withDirection(r, first), ...sortTail.slice(1)], true);
    else push([...eq, r], true);
  }
  if (sortable) push([...eq, ...sortTail], true);
  const groups = plan.groups.filter((g) => !eqIds.has(itemId(g)));
  if (groups.length > 0) push([...eq, ...groups], true);
  if (eq.length > 0) push(eq, plan.ranges.length === 0 && !sortable && groups.length === 0);
  // The sort alone, the other conditions filtering: what a LIMIT query may prefer when the key cannot serve both.
  if (sortTail.length > 0 && !sortable) push(sortTail, false);
  const best = eq[0] ?? plan.ranges[0] ?? sortTail[0];
  if (best) push([best], false);
  for (const j of plan.joins) {
    // In a nested loop the join column is an equality per outer row: ranges and sorts can follow it
    // (a LATERAL … ORDER BY created_at DESC LIMIT 3 wants (customer_id, created_at DESC)).
    const keyed = [...eq, j].sort(bySelectivity);
    const r = plan.ranges[0];
    if (sortTail.length > 0 && ordered(eq)) push([...keyed, ...sortTail], true);
    if (eq.length > 0 || r) push([...keyed, ...(r ? [r] : [])], true);
    push([j], eq.length === 0 && !r && sortTail.length === 0);
  }
  // The most complete forms first: they are what the query asks for; the shorter ones are fallbacks.
  return [...out.filter((v) => v.full).sort((a, b) => b.items.length - a.items.length), ...out.filter((v) => !v.full)];
}
