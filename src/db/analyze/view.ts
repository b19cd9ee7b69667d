// The human view of `db analyze`: the score by section, the checks that ran (and those skipped or
// failed, with why), the slowest queries and the index advice. Findings follow, from the renderer.
import type { Section } from '../../report/model.js';
import type { Recommendation, Rejection } from '../indexes/model.js';
import type { StatQueryRow } from '../slow/stat-statements-top.js';
import type { SectionScore } from './score.js';

export interface CheckResult {
  id: string;
  status: 'ok' | 'findings' | 'skipped' | 'failed';
  ms: number;
  reason?: string;
  grant?: string;
}

export interface AnalyzeData {
  score: number;
  sections: SectionScore[];
  checks: CheckResult[];
  slowQueries: StatQueryRow[];
  plans: Array<{ fingerprint: string; findings: number; error?: string }>;
  indexes: { method: string; recommendations: Recommendation[]; rejected: Rejection[]; notes: string[] };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

export function analyzeView(d: AnalyzeData): Section[] {
  const out: Section[] = [
    {
      title: `Score ${d.score}/100`,
      kind: 'table',
      columns: ['section', 'score', 'errors', 'warnings', 'note'],
      rows: d.sections.map((s) => [s.id, s.score, s.findings.error, s.findings.warn, s.skipped ?? '']),
    },
  ];
  const notOk = d.checks.filter((c) => c.status === 'skipped' || c.status === 'failed');
  out.push({
    title: `Health checks (${d.checks.length}: ${d.checks.filter((c) => c.status === 'ok').length} ok, ${d.checks.filter((c) => c.status === 'findings').length} with findings, ${notOk.length} skipped or failed)`,
    kind: 'table',
    columns: ['check', 'status', 'ms', 'why / grant'],
    rows: d.checks.map((c) => [c.id, c.status, Math.round(c.ms), [c.reason, c.grant].filter(Boolean).join('; ')]),
  });
  if (d.slowQueries.length) {
    out.push({
      title: `Slowest queries (pg_stat_statements, by total time)`,
      kind: 'table',
      columns: ['query', 'calls', 'total ms', 'mean ms', 'plan findings'],
      rows: d.slowQueries.slice(0, 10).map((q) => [q.query.replace(/\s+/g, ' ').slice(0, 60), q.calls, r1(q.totalMs), r1(q.meanMs), d.plans.find((p) => p.fingerprint === q.fingerprint)?.findings ?? '–']),
    });
  }
  if (d.indexes.recommendations.length) {
    out.push({
      title: `Index advice (costed with ${d.indexes.method})`,
      kind: 'table',
      columns: ['create', 'saving', 'queries'],
      rows: d.indexes.recommendations.map((r) => [r.ddl, r.savingPct === null ? r.method : `${Math.round(r.savingPct)}%`, r.queries.length]),
    });
  }
  return out;
}
