// The sections of `db analyze` other than the health checks, each reusing its own command's pieces:
// slow queries (pg_stat_statements), plan diagnostics of the slowest (generic plans, db explain rules),
// index advice (db indexes' advisor) and index health.
import type { PgConnection } from '../../connectors/postgres.js';
import type { Finding } from '../../report/model.js';
import { explainLive } from '../explain/live.js';
import { lintPlan } from '../explain/lint.js';
import { planFromExplainJson } from '../explain/parse.js';
import { inspectStatement } from '../statement.js';
import type { CostMethod, Recommendation, Rejection } from '../indexes/model.js';
import { costerFactory } from '../indexes/costing/select.js';
import type { StatQueryRow } from '../slow/stat-statements-top.js';

export interface Timeouts {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

/** Top statements of pg_stat_statements, and a `slow-query` finding for each over the thresholds (pghero: ≥ 20 ms mean). */
export async function slowQueries(conn: PgConnection, opts: { top: number; slowMs: number; slowCalls: number }) {
  const [{ readStatStatements }, { statStatementsReport }, { loadFingerprinter }, { isDml }] = await Promise.all([
    import('../stat-statements.js'), import('../slow/stat-statements-top.js'), import('../slow/fingerprint.js'), import('../slow/normalize.js'),
  ]);
  const fp = await loadFingerprinter();
  const snapshot = await readStatStatements(conn);
  // The application's statements only: EXPLAIN, SET, BEGIN… (perfkit's own among them) are not its workload.
  snapshot.rows = snapshot.rows.filter((r) => isDml(r.query));
  const report = statStatementsReport(snapshot, { top: opts.top, sort: 'total', fingerprint: fp.fingerprint });
  const slow = report.data.queries.filter((q) => q.meanMs >= opts.slowMs && q.calls >= opts.slowCalls);
  const findings: Finding[] = slow.map((q) => ({
    rule: 'slow-query',
    severity: 'warn',
    title: 'Slow query',
    message: `${q.query.replace(/\s+/g, ' ').slice(0, 160)} averages ${q.meanMs.toFixed(1)} ms over ${q.calls.toLocaleString('en-US')} calls (${Math.round(q.share * 100)}% of all statement time).`,
    location: q.fingerprint,
    evidence: { fingerprint: q.fingerprint, calls: q.calls, meanMs: q.meanMs, totalMs: q.totalMs, rows: q.rows, sharedBlksRead: q.sharedBlksRead },
    fix: 'See its plan diagnostics below and the index advice; perfkit db explain "<the query>" --params … --analyze for the real plan.',
  }));
  return { queries: report.data.queries, slow, findings };
}

/** Generic plans of the slowest queries, linted with the db explain rules. */
export async function planDiagnostics(conn: PgConnection, queries: StatQueryRow[], timeouts: Timeouts) {
  const findings: Finding[] = [];
  const plans: Array<{ fingerprint: string; findings: number; error?: string }> = [];
  for (const q of queries) {
    try {
      const statement = await inspectStatement(q.query, q.fingerprint);
      if (statement.writes && statement.kind !== 'SelectStmt') {
        plans.push({ fingerprint: q.fingerprint, findings: 0, error: 'a write: not explained' });
        continue;
      }
      const res = await explainLive(conn, { statement, source: q.fingerprint, analyze: false, allowWrites: false, ...timeouts });
      const own = lintPlan(planFromExplainJson(res.planJson)).filter((f) => f.rule !== 'no-analyze');
      for (const f of own) findings.push({ ...f, location: `${q.fingerprint}: ${f.location ?? 'plan'}` });
      plans.push({ fingerprint: q.fingerprint, findings: own.length });
    } catch (e) {
      if ((e as { kind?: string }).kind === 'runtime' || (e as { kind?: string }).kind === 'connect') throw e;
      plans.push({ fingerprint: q.fingerprint, findings: 0, error: (e as Error).message });
    }
  }
  return { findings, plans };
}

/** The advisor over the same pg_stat_statements workload, and index health. */
export async function indexSections(conn: PgConnection, opts: { method: CostMethod; timeouts: Timeouts; statsAgeHours: number | null }) {
  const [{ fetchCatalog }, { collectWorkload }, { advise }, { DEFAULT_THRESHOLDS }, { fetchHealthSnapshot }, { indexHealthFindings, healthSummary }] = await Promise.all([
    import('../indexes/catalog.js'), import('../indexes/sources.js'), import('../indexes/advisor/advise.js'),
    import('../indexes/advisor/choose.js'), import('../indexes/health/snapshot.js'), import('../indexes/health/rules.js'),
  ]);
  const catalog = await fetchCatalog(conn);
  const hasPgss = 'pg_stat_statements' in conn.info.extensions;
  let recommendations: Recommendation[] = [];
  let rejected: Rejection[] = [];
  if (hasPgss) {
    const workload = await collectWorkload(conn, { top: 100, minCalls: 1, minMeanMs: 0 });
    const advice = await advise(catalog, workload, costerFactory(opts.method, conn, catalog, opts.timeouts), { thresholds: DEFAULT_THRESHOLDS, minRows: 1000, maxColumns: 3, statsAgeHours: opts.statsAgeHours });
    recommendations = advice.recommendations;
    rejected = advice.rejected;
  }
  const adviceFindings: Finding[] = recommendations.map((r) => ({
    rule: 'missing-index',
    severity: 'warn',
    title: 'Missing index',
    message: `${r.why}${r.msSavedPerHour ? `; saves ~${Math.round(r.msSavedPerHour).toLocaleString('en-US')} ms an hour` : ''}.`,
    location: r.table,
    evidence: { method: r.method, costBefore: r.costBefore, costAfter: r.costAfter, savingPct: r.savingPct, queries: r.queries, sizeBytes: r.sizeBytes },
    fix: r.ddl,
  }));
  const snapshot = await fetchHealthSnapshot(conn);
  const healthFindings = indexHealthFindings(snapshot);
  return {
    method: opts.method,
    hasPgss,
    recommendations,
    rejected,
    adviceFindings,
    healthFindings,
    healthSummary: healthSummary(healthFindings, snapshot),
    notes: snapshot.notes,
  };
}
