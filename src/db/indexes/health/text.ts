// Words and DDL shared by the index health rules: locations, index labels, the "since the statistics
// reset" phrase, and the DROP/REINDEX/CREATE statements they suggest. Pure.
import { formatBytes, formatNumber } from '../../../util/units.js';
import type { HealthIndex, HealthIndexColumn, HealthSnapshot } from './model.js';
import { qualifiedName, quoteIdent } from '../advisor/quote-ident.js';

const DAY_MS = 86_400_000;

/** `public.orders.orders_status_idx`: where a finding points. */
export function location(schema: string, table: string, name?: string): string {
  return name === undefined ? `${schema}.${table}` : `${schema}.${table}.${name}`;
}

export const indexLocation = (i: HealthIndex) => location(i.schema, i.table, i.name);

/** Scans on the primary and every replica merged in. */
export const totalScans = (i: HealthIndex) => i.scans + (i.replicaScans ?? []).reduce((n, r) => n + (r.scans ?? 0), 0);

/** One key as CREATE INDEX writes it: `customer_id`, `(lower(email))`, `created_at DESC`, `name COLLATE "C"`. */
export function keyText(c: HealthIndexColumn): string {
  let s = c.expression !== undefined ? `(${c.expression})` : quoteIdent(c.column ?? '');
  if (c.collation) s += ` COLLATE ${quoteIdent(c.collation)}`;
  if (c.opclass) s += ` ${c.opclass}`;
  if (c.direction === 'desc') s += ' DESC';
  if (c.nulls) s += ` NULLS ${c.nulls.toUpperCase()}`;
  return s;
}

/** `(customer_id, created_at)`, with INCLUDE, WHERE and a non-B-tree method when present. */
export function indexShape(i: HealthIndex): string {
  let s = `${i.method === 'btree' ? '' : `USING ${i.method} `}(${i.columns.map(keyText).join(', ')})`;
  if (i.include.length) s += ` INCLUDE (${i.include.map(quoteIdent).join(', ')})`;
  if (i.where) s += ` WHERE ${i.where}`;
  return s;
}

/** CONCURRENTLY does not apply to a partitioned table's index. */
function concurrently(i: { tableKind: string }): string {
  return i.tableKind === 'partitioned' ? '' : ' CONCURRENTLY';
}

export function dropDdl(i: HealthIndex): string {
  return `DROP INDEX${concurrently(i)} ${qualifiedName(i.schema, i.name)};`;
}

export function reindexDdl(i: { schema: string; name: string; tableKind: string }): string {
  return `REINDEX INDEX${concurrently(i)} ${qualifiedName(i.schema, i.name)};`;
}

/** pg_get_indexdef's statement, made CONCURRENTLY. */
export function recreateDdl(i: HealthIndex): string {
  return `${i.definition.replace(/^CREATE (UNIQUE )?INDEX /, (_m, u: string | undefined) => `CREATE ${u ?? ''}INDEX${concurrently(i)} `)};`;
}

export function statsAgeDays(s: HealthSnapshot): number | null {
  if (!s.statsReset) return null;
  return Math.max(0, (Date.parse(s.takenAt) - Date.parse(s.statsReset)) / DAY_MS);
}

/** "since statistics were reset on 2026-11-01 (20 days ago)". */
export function sinceReset(s: HealthSnapshot): string {
  const days = statsAgeDays(s);
  if (days === null || !s.statsReset) {
    return 'since statistics began (they were never reset, so they count from the creation of the database or the last crash recovery)';
  }
  const ago = days < 1 ? `${Math.round(days * 24)} hours ago` : `${Math.floor(days)} day${Math.floor(days) === 1 ? '' : 's'} ago`;
  return `since statistics were reset on ${s.statsReset.slice(0, 10)} (${ago})`;
}

export const bytes = (n: number) => formatBytes(n);
export const rows = (n: number) => `${formatNumber(Math.round(n))} row${Math.round(n) === 1 ? '' : 's'}`;
export const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;
export const cols = (names: string[]) => names.map(quoteIdent).join(', ');
export { qualifiedName, quoteIdent };
