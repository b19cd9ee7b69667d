// Runs the advisor's parse-tree stages on SQL text against the shop catalog: predicates, candidates,
// pre-costing rejection — what `db indexes` does for each query before costing.
import { buildCandidates } from '../../../src/db/indexes/advisor/candidates.js';
import type { CandidateOptions } from '../../../src/db/indexes/advisor/candidates.js';
import type { Catalog, CandidateIndex, QueryAnalysis } from '../../../src/db/indexes/model.js';
import { extractPredicates } from '../../../src/db/indexes/advisor/predicates.js';
import { preRejections } from '../../../src/db/indexes/advisor/reject.js';
import { pgParser } from '../../../src/db/statement.js';
import { shopCatalog } from './catalog.fixture.js';

export async function analyse(sql: string, catalog: Catalog = shopCatalog(), opts: CandidateOptions = {}): Promise<QueryAnalysis> {
  const pg = await pgParser();
  const parsed = extractPredicates(pg.parseSync(sql), catalog);
  const query = { fingerprint: pg.fingerprintSync(sql), query: sql, calls: 1, totalMs: 10, meanMs: 10, source: 'query' as const, paramCount: 0 };
  const analysis: QueryAnalysis = { query, ...parsed, candidates: [] };
  analysis.candidates = buildCandidates(analysis, catalog, opts);
  const rejected = preRejections(analysis, catalog, { minRows: opts.minRows });
  return rejected ? { ...analysis, rejected } : analysis;
}

/** Candidate keys without the "public." prefix, for short assertions. */
export function keys(cs: CandidateIndex[]): string[] {
  return cs.map((c) => c.key.replace(/^public\./, ''));
}

/** The predicates in a compact form: "orders.customer_id eq", "customers.email eq ✗ (lower(email))". */
export function compact(a: QueryAnalysis): string[] {
  return a.predicates.map((p) => {
    const col = `${p.table.replace(/^public\./, '')}.${p.column ?? '?'}`;
    const dir = p.direction ? ` ${p.direction}` : '';
    const nulls = p.nulls ? ` nulls ${p.nulls}` : '';
    const expr = p.expression ? ` (${p.expression})` : '';
    return `${col} ${p.kind}${dir}${nulls}${p.sargable ? '' : ' ✗'}${expr}`;
  });
}
