// Builders for index-advisor tests: a CandidateIndex with its canonical key, and a WorkloadQuery.
import { candidateDdl } from '../../src/db/indexes/advisor/ddl.js';
import type { CandidateIndex, IndexColumn, IndexMethod, WorkloadQuery } from '../../src/db/indexes/model.js';

export interface CandidateOptions {
  schema?: string;
  method?: IndexMethod;
  include?: string[];
  where?: string;
  opclass?: string;
  queries?: string[];
}

/** Columns as names; "created_at DESC" for descending; "(lower(email))" for an expression. */
export function candidate(table: string, columns: string[], o: CandidateOptions = {}): CandidateIndex {
  const cols: IndexColumn[] = columns.map((c) => {
    const desc = / DESC$/i.test(c);
    const name = c.replace(/ DESC$/i, '');
    const col: IndexColumn = name.startsWith('(') ? { expression: name.slice(1, -1) } : { column: name };
    if (desc) col.direction = 'desc';
    if (o.opclass) col.opclass = o.opclass;
    return col;
  });
  const c: CandidateIndex = {
    key: '',
    schema: o.schema ?? 'public',
    table,
    method: o.method ?? 'btree',
    columns: cols,
    include: o.include ?? [],
    costable: true,
    reason: `filter on ${columns.join(', ')}`,
    queries: o.queries ?? [],
  };
  if (o.where) c.where = o.where;
  c.key = candidateDdl(c, { concurrently: false }).replace(/^CREATE INDEX ON /, '').replace(/;$/, '');
  return c;
}

let seq = 0;

export function workloadQuery(query: string, o: Partial<WorkloadQuery> = {}): WorkloadQuery {
  return { fingerprint: o.fingerprint ?? `fp${++seq}`, query, calls: 0, totalMs: 0, meanMs: 0, source: 'query', paramCount: 0, ...o };
}
