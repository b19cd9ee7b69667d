// `perfkit db analyze`: the database health report — slow queries, plan diagnostics of the slowest,
// index advice and index health, and the health checks — with a 0–100 score overall and per section.
import os from 'node:os';
import type { CommandContext, CommandOutcome } from '../../cli/context.js';
import { usageError } from '../../cli/errors.js';
import type { Finding } from '../../report/model.js';
import { openDb, sessionTimeouts, type DbOptions } from '../connect.js';
import type { CostMethod } from '../indexes/model.js';
import { autoMethod } from '../indexes/costing/select.js';
import { overallScore, sectionScore, type SectionScore } from './score.js';
import { indexSections, planDiagnostics, slowQueries } from './sections.js';
import { analyzeView, type AnalyzeData } from './view.js';
import { numberFlag } from '../../util/flags.js';

export interface AnalyzeOptions extends DbOptions {
  top?: string;
  slowMs?: string;
  slowCalls?: string;
  plans?: string;
  method?: string;
}


export async function run(ctx: CommandContext): Promise<CommandOutcome<AnalyzeData>> {
  const o = ctx.options as AnalyzeOptions;
  const top = numberFlag(o.top, '--top', 20, { min: 1, integer: true });
  const slowMs = numberFlag(o.slowMs, '--slow-ms', 20);
  const slowCalls = numberFlag(o.slowCalls, '--slow-calls', 1, { integer: true });
  const planCount = numberFlag(o.plans, '--plans', 5, { integer: true });
  const methodFlag = o.method ?? 'auto';
  if (!['auto', 'hypopg', 'trial', 'heuristic'].includes(methodFlag)) throw usageError(`--method '${o.method}': unknown costing method`, 'use auto, hypopg, trial or heuristic');
  const timeouts = sessionTimeouts(ctx, o);
  const db = await openDb(ctx, o);
  try {
    const conn = db.conn;
    const verbose = ctx.settings.verbose;
    const { runChecks } = await import('./run-checks.js');
    ctx.progress.update('running the health checks');
    // The server's RAM is only known when it runs here (loopback; PGlite's WASM memory is another matter).
    const local = !db.embedded && (['127.0.0.1', 'localhost', '::1'].includes(conn.target.host) || conn.target.host.startsWith('/'));
    const checks = await runChecks(conn, { statementTimeoutMs: timeouts.statementTimeoutMs, machine: local ? { memoryBytes: os.totalmem() } : undefined });
    const healthFindings = checks.findings.map((f) => (verbose || !f.evidence?.sql ? f : { ...f, evidence: withoutSql(f.evidence) }));

    const hasPgss = 'pg_stat_statements' in conn.info.extensions;
    let slow: Awaited<ReturnType<typeof slowQueries>> | undefined;
    let plans: Awaited<ReturnType<typeof planDiagnostics>> | undefined;
    if (hasPgss) {
      ctx.progress.update('reading pg_stat_statements');
      slow = await slowQueries(conn, { top, slowMs, slowCalls });
      ctx.progress.update('linting the plans of the slowest queries');
      plans = await planDiagnostics(conn, slow.queries.slice(0, planCount), timeouts);
    }
    ctx.progress.update('advising indexes and checking index health');
    const method: CostMethod = methodFlag !== 'auto' ? (methodFlag as CostMethod) : autoMethod({ disposable: db.embedded, hypopg: 'hypopg' in conn.info.extensions });
    const { statStatementsInfo } = await import('../stat-statements.js');
    const statsAgeHours = hasPgss ? (await statStatementsInfo(conn)).ageHours : null;
    const idx = await indexSections(conn, { method, timeouts, statsAgeHours });

    const noPgss = 'pg_stat_statements is not available (see the health check pg-stat-statements-missing)';
    const sections: SectionScore[] = [
      sectionScore('health', healthFindings),
      sectionScore('slow-queries', slow?.findings ?? [], hasPgss ? undefined : noPgss),
      sectionScore('plans', plans?.findings ?? [], !hasPgss ? noPgss : planCount === 0 ? 'not linted (--plans 0)' : undefined),
      sectionScore('index-advice', idx.adviceFindings, hasPgss ? undefined : noPgss),
      sectionScore('index-health', idx.healthFindings),
    ];
    const score = overallScore(sections);
    const findings: Finding[] = [...healthFindings, ...(slow?.findings ?? []), ...(plans?.findings ?? []), ...idx.adviceFindings, ...idx.healthFindings];
    const metric = (k: string) => (typeof checks.metrics[k] === 'number' ? { [k]: checks.metrics[k] as number } : {});
    const data: AnalyzeData = {
      score,
      sections,
      checks: checks.results,
      slowQueries: slow?.queries ?? [],
      plans: plans?.plans ?? [],
      indexes: { method: idx.method, recommendations: idx.recommendations, rejected: idx.rejected, notes: idx.notes },
    };
    return {
      result: {
        command: 'db analyze',
        target: { display: db.display },
        environment: { postgres: conn.info.version, postgresVersionNum: conn.info.versionNum, superuser: conn.info.isSuperuser, costMethod: method },
        summary: {
          score,
          ...metric('cacheHitRatio'),
          ...metric('connectionsUsedPct'),
          ...metric('xidAgePct'),
          slowQueries: slow?.slow.length ?? 0,
          recommendations: idx.recommendations.length,
          ...idx.healthSummary,
          ...Object.fromEntries(sections.filter((s) => s.score !== null).map((s) => [`score.${s.id}`, s.score as number])),
        },
        findings,
        data,
      },
      view: analyzeView,
    };
  } finally {
    await db.close();
  }
}

function withoutSql(evidence: Record<string, unknown>): Record<string, unknown> {
  const { sql: _sql, ...rest } = evidence;
  return rest;
}
