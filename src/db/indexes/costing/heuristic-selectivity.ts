// Row selectivity of one predicate from pg_stats, the way the planner guesses without a histogram:
// the constants below are PostgreSQL's defaults (selfuncs.h) or documented round numbers.
import type { ColumnStats, Predicate, TableInfo } from '../model.js';

/** DEFAULT_EQ_SEL and DEFAULT_UNK_SEL in PostgreSQL. */
export const DEFAULT_EQ_SEL = 0.005;
/** DEFAULT_INEQ_SEL: one open bound. */
export const RANGE_SEL = 1 / 3;
/** Two bounds on one column (a window such as BETWEEN). */
export const WINDOW_SEL = 1 / 10;
export const LIKE_PREFIX_SEL = 1 / 10;
/** IN (…): the list length is not in the predicate; assume three values. */
export const IN_LIST_GUESS = 3;

/** Kinds a B-tree can use as index conditions. */
export const BTREE_KINDS = new Set(['eq', 'in', 'range', 'isnull', 'like-prefix']);
/** Kinds that filter rows (and cost one operator per row on a sequential scan). */
export const FILTER_KINDS = new Set(['eq', 'in', 'range', 'isnull', 'like-prefix', 'like-infix', 'ilike', 'jsonb-contains', 'jsonb-exists', 'fts', 'array-overlap']);

export function columnStats(table: TableInfo, column: string | undefined): ColumnStats | undefined {
  return column === undefined ? undefined : table.columns.find((c) => c.name === column)?.stats;
}

/** Distinct values: n_distinct as a count, or (when negative) as a fraction of the rows. */
export function distinctValues(stats: ColumnStats, rows: number): number {
  const nd = stats.nDistinct < 0 ? -stats.nDistinct * rows : stats.nDistinct;
  return Math.max(1, nd);
}

/** Selectivity of `column = value`, from the MCV list when the constant is in it. */
export function eqSelectivity(stats: ColumnStats | undefined, rows: number, constantSql?: string, knownValue?: string): number {
  if (!stats) return DEFAULT_EQ_SEL;
  const value = knownValue ?? (constantSql === undefined ? undefined : constantValue(constantSql));
  const freqs = stats.mostCommonFreqs ?? [];
  if (value !== undefined && stats.mostCommonVals) {
    const i = stats.mostCommonVals.indexOf(value);
    if (i >= 0 && freqs[i] !== undefined) return freqs[i]!;
  }
  let sel = (1 - stats.nullFrac) / distinctValues(stats, rows);
  if (freqs.length) sel = Math.min(sel, Math.max(...freqs));
  return clamp(sel);
}

/** Selectivity of each predicate on one table; two range bounds on one column count as one window. */
export function predicateSelectivity(p: Predicate, table: TableInfo, all: Predicate[]): number {
  const stats = columnStats(table, p.column);
  switch (p.kind) {
    case 'eq':
      return eqSelectivity(stats, table.rows, p.constantSql, p.value);
    case 'in':
      return clamp(IN_LIST_GUESS * eqSelectivity(stats, table.rows));
    case 'range': {
      const bounds = all.filter((o) => o.kind === 'range' && sameTarget(o, p)).length;
      return bounds >= 2 ? Math.sqrt(WINDOW_SEL) : RANGE_SEL; // each of the two bounds: √(1/10)
    }
    case 'isnull': {
      const nullFrac = stats?.nullFrac ?? DEFAULT_EQ_SEL;
      return /\bIS\s+NOT\s+NULL\b/i.test(p.constantSql ?? '') ? clamp(1 - nullFrac) : clamp(nullFrac);
    }
    case 'like-prefix':
      return LIKE_PREFIX_SEL;
    default:
      return 1;
  }
}

export function sameTarget(a: { column?: string; expression?: string }, b: { column?: string; expression?: string }): boolean {
  if (a.column !== undefined || b.column !== undefined) return a.column === b.column;
  return a.expression !== undefined && normalizeSql(a.expression) === normalizeSql(b.expression ?? '');
}

/** For comparing predicates and index expressions written by different hands. */
export function normalizeSql(sql: string): string {
  let s = sql.trim().toLowerCase().replace(/\s+/g, ' ');
  while (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1).trim();
  return s.replace(/\s*([(),=<>])\s*/g, '$1');
}

/** The constant of `col = 'x'` or `col = 42`, as pg_stats prints values. */
function constantValue(sql: string): string | undefined {
  const str = /=\s*'((?:[^']|'')*)'(?:::[\w ]+)?\s*\)?\s*$/.exec(sql);
  if (str) return str[1]!.replaceAll("''", "'");
  const n = /=\s*(-?\d+(?:\.\d+)?)\s*\)?\s*$/.exec(sql);
  return n?.[1];
}

const clamp = (s: number) => Math.min(1, Math.max(1e-9, s));
