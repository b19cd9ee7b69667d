// Writes a candidate index as SQL: the CREATE INDEX statement a recommendation carries, the statement
// HypoPG and trial indexes are built from, and the short label reasons use ("orders (customer_id)").
import type { CandidateIndex, IndexColumn } from '../model.js';
import { qualifiedName, quoteIdent } from './quote-ident.js';

export interface DdlOptions {
  /** CREATE INDEX CONCURRENTLY (what a user runs in production); off for HypoPG and trial builds. */
  concurrently: boolean;
  /** An index name; PostgreSQL picks one when absent. */
  name?: string;
}

/** e.g. `CREATE INDEX CONCURRENTLY ON public.orders USING btree (customer_id, created_at DESC) INCLUDE (total) WHERE (deleted_at IS NULL);` */
export function candidateDdl(c: CandidateIndex, opts: DdlOptions): string {
  const parts = ['CREATE INDEX'];
  if (opts.concurrently) parts.push('CONCURRENTLY');
  if (opts.name) parts.push(quoteIdent(opts.name));
  parts.push('ON', qualifiedName(c.schema, c.table), 'USING', c.method, `(${c.columns.map(indexElement).join(', ')})`);
  if (c.include.length) parts.push(`INCLUDE (${c.include.map(quoteIdent).join(', ')})`);
  if (c.where) parts.push(`WHERE ${parenthesized(c.where)}`);
  return `${parts.join(' ')};`;
}

/** One key column as CREATE INDEX writes it: `customer_id`, `(lower(email))`, `name text_pattern_ops`, `created_at DESC NULLS LAST`. */
export function indexElement(col: IndexColumn): string {
  let s = col.expression !== undefined ? parenthesized(col.expression) : quoteIdent(col.column ?? '');
  if (col.opclass) s += ` ${col.opclass.split('.').map(quoteIdent).join('.')}`;
  if (col.direction === 'desc') s += ' DESC';
  if (col.nulls) s += ` NULLS ${col.nulls.toUpperCase()}`;
  return s;
}

/** Short form for reasons: `orders (status)`, `sales.orders USING gin (tags)`, `orders (customer_id) WHERE (deleted_at IS NULL)`. */
export function candidateLabel(c: CandidateIndex): string {
  const table = c.schema === 'public' ? quoteIdent(c.table) : qualifiedName(c.schema, c.table);
  let s = `${table}${c.method === 'btree' ? '' : ` USING ${c.method}`} (${c.columns.map(indexElement).join(', ')})`;
  if (c.include.length) s += ` INCLUDE (${c.include.map(quoteIdent).join(', ')})`;
  if (c.where) s += ` WHERE ${parenthesized(c.where)}`;
  return s;
}

/** Wraps SQL in parentheses unless one pair already encloses all of it. */
export function parenthesized(sql: string): string {
  const s = sql.trim();
  return enclosed(s) ? s : `(${s})`;
}

function enclosed(s: string): boolean {
  if (!s.startsWith('(') || !s.endsWith(')')) return false;
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0 && i < s.length - 1) return false;
  }
  return depth === 0;
}
