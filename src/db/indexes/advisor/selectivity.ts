// Row fractions from pg_stats: how many rows one equality matches (to order index columns), and how
// many a constant predicate keeps (to decide whether a partial index is worth it).
import type { ColumnInfo, Predicate } from '../model.js';

/** pg_stats.n_distinct as a count: positive is a count, negative a fraction of the rows. */
export function distinctValues(col: ColumnInfo | undefined, rows: number): number | undefined {
  const n = col?.stats?.nDistinct;
  if (n === undefined || n === 0) return undefined;
  return n > 0 ? n : -n * Math.max(rows, 1);
}

/** The share of rows one `col = value` matches, from n_distinct alone: the same for every value, so index
 *  column order does not change from one query's constants to the next. */
export function eqFraction(col: ColumnInfo | undefined, rows: number): number | undefined {
  const d = distinctValues(col, rows);
  return d === undefined ? undefined : (1 - (col?.stats?.nullFrac ?? 0)) / Math.max(d, 1);
}

export function isNotNullTest(p: Predicate): boolean {
  return p.kind === 'isnull' && (p.constantSql ?? '').endsWith('IS NOT NULL');
}

/** pg_stats writes booleans as t/f. */
function statsValue(col: ColumnInfo, value: string): string {
  if (col.type === 'boolean') return value === 'true' ? 't' : value === 'false' ? 'f' : value;
  return value;
}

/** Whether pg_stats lists the constant among the column's most common values: an enum-like value
 *  (status = 'active') that every run of the query repeats, unlike an id that happens to be a literal. */
export function isCommonValue(p: Predicate, col: ColumnInfo | undefined): boolean {
  return p.value !== undefined && col !== undefined && (col.stats?.mostCommonVals ?? []).includes(statsValue(col, p.value));
}

/** The share of rows a constant predicate (status = 'active', deleted_at IS NULL) keeps; undefined without pg_stats. */
export function constantFraction(p: Predicate, col: ColumnInfo | undefined, rows: number): number | undefined {
  const s = col?.stats;
  if (!col || !s) return undefined;
  if (p.kind === 'isnull') return isNotNullTest(p) ? 1 - s.nullFrac : s.nullFrac;
  if (p.kind !== 'eq' || p.value === undefined) return undefined;
  const vals = s.mostCommonVals ?? [];
  const freqs = s.mostCommonFreqs ?? [];
  const i = vals.indexOf(statsValue(col, p.value));
  if (i >= 0 && freqs[i] !== undefined) return freqs[i];
  // Not a most common value: it shares what the common values and NULLs leave with the other distinct values.
  const d = distinctValues(col, rows);
  if (d === undefined) return undefined;
  const rest = Math.max(0, 1 - s.nullFrac - freqs.reduce((a, b) => a + b, 0));
  const others = d - vals.length;
  return others >= 1 ? rest / others : 0;
}

export function percent(f: number): string {
  const pct = f * 100;
  return `${pct < 1 ? pct.toFixed(1) : Math.round(pct)}%`;
}
