// The demo's human view: the workload ranked by time, and what was explained.
import type { Section } from '../report/model.js';
import type { Recommendation, Rejection } from '../db/indexes/model.js';

export interface DemoQuery {
  name: string;
  sql: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  executionMs: number;
  planningMs: number;
  findings: number;
  rules: string[];
}

export interface DemoData {
  seed: { rows: number; tables: number; ms: number };
  indexes: { recommendations: Recommendation[]; rejected: Rejection[] };
  queries: DemoQuery[];
  workload: Array<{ name: string; fingerprint: string; sql: string; calls: number; totalMs: number; meanMs: number }>;
}

export function demoView(data: DemoData): Section[] {
  return [
    {
      title: `Workload from pg_stat_statements (${data.workload.length} queries, slowest first)`,
      kind: 'table',
      columns: ['query', 'calls', 'total ms', 'mean ms'],
      rows: data.workload.map((w) => [w.name, w.calls, w.totalMs, w.meanMs]),
    },
    {
      title: 'Explained with EXPLAIN (ANALYZE, BUFFERS), rolled back',
      kind: 'table',
      columns: ['query', 'execution ms', 'planning ms', 'findings', 'rules'],
      rows: data.queries.map((q) => [q.name, q.executionMs, q.planningMs, q.findings, q.rules.join(', ') || '–']),
    },
    {
      title: `Index advice (db indexes, costed with trial indexes on the embedded copy): ${data.indexes.recommendations.length} to create, ${data.indexes.rejected.length} queries not indexed`,
      kind: 'table',
      columns: ['create', 'cost', 'serves', 'why'],
      rows: data.indexes.recommendations.map((r) => [
        r.ddl,
        r.costBefore !== null && r.costAfter !== null ? `${Math.round(r.costBefore)} → ${Math.round(r.costAfter)}` : r.method,
        r.queries.map((fp) => data.workload.find((w) => w.fingerprint === fp)?.name ?? fp).join(', '),
        r.why,
      ]),
    },
  ];
}
