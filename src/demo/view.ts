// The demo's human view: the workload ranked by time, and what was explained.
import type { Section } from '../report/model.js';
import { analyzeView, type AnalyzeData } from '../db/analyze/view.js';

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
  analyze: AnalyzeData;
  queries: DemoQuery[];
  workload: Array<{ name: string; fingerprint: string; sql: string; calls: number; totalMs: number; meanMs: number }>;
}

export function demoView(data: DemoData): Section[] {
  return [
    ...analyzeView(data.analyze),
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
  ];
}
