// The canonical text of a candidate index, so the same index proposed for two queries is one candidate
// (its queries merged), and a CREATE INDEX statement is `CREATE INDEX … ON ` + key.
import type { CandidateIndex, IndexColumn } from '../model.js';
import { qualifiedName, quoteIdent } from './quote-ident.js';

export function columnSql(c: IndexColumn): string {
  let s = c.expression !== undefined ? `(${c.expression})` : quoteIdent(c.column ?? '?');
  if (c.opclass) s += ` ${c.opclass}`;
  if (c.direction === 'desc') s += ' DESC';
  if (c.nulls) s += ` NULLS ${c.nulls.toUpperCase()}`;
  return s;
}

export type CandidateFields = Omit<CandidateIndex, 'key'>;

/** "public.orders USING btree (customer_id, created_at DESC) INCLUDE (total) WHERE (deleted_at IS NULL)" */
export function candidateKey(c: Pick<CandidateIndex, 'schema' | 'table' | 'method' | 'columns' | 'include' | 'where'>): string {
  const include = c.include.length > 0 ? ` INCLUDE (${[...c.include].sort().map(quoteIdent).join(', ')})` : '';
  const where = c.where ? ` WHERE (${c.where})` : '';
  return `${qualifiedName(c.schema, c.table)} USING ${c.method} (${c.columns.map(columnSql).join(', ')})${include}${where}`;
}

export function makeCandidate(fields: CandidateFields): CandidateIndex {
  const include = [...fields.include].sort();
  const c = { ...fields, include };
  return { key: candidateKey(c), ...c };
}

/** One candidate per key, in first-seen order, with the fingerprints of every query that proposed it. */
export function mergeCandidates(list: Iterable<CandidateIndex>): CandidateIndex[] {
  const byKey = new Map<string, CandidateIndex>();
  for (const c of list) {
    const seen = byKey.get(c.key);
    if (!seen) byKey.set(c.key, { ...c, queries: [...new Set(c.queries)] });
    else for (const q of c.queries) if (!seen.queries.includes(q)) seen.queries.push(q);
  }
  return [...byKey.values()];
}
