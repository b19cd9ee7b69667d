// `perfkit demo`: the main job end to end on an embedded PostgreSQL seeded with a demo shop.
// Starts PGlite, seeds it, replays the shop's workload, ranks it from pg_stat_statements, and
// explains the slowest queries over the wire protocol with the same code as `db explain`.
import type { CommandContext, CommandOutcome } from '../cli/context.js';
import { connectPostgres, resolvePgTarget, type PgConnection } from '../connectors/postgres.js';
import { inspectStatement } from '../db/statement.js';
import { explainLive, tableStats } from '../db/explain/live.js';
import { planFromExplainJson } from '../db/explain/parse.js';
import { lintPlan } from '../db/explain/lint.js';
import { summarizePlan } from '../db/explain/summary.js';
import type { Finding } from '../report/model.js';
import { demoView, type DemoData, type DemoQuery } from './view.js';
import { numberFlag } from '../util/flags.js';

export async function run(ctx: CommandContext): Promise<CommandOutcome<DemoData>> {
  const o = ctx.options as { keep?: boolean; top?: string };
  const top = numberFlag(o.top, '--top', 5, { min: 1, integer: true });

  ctx.progress.start('starting the embedded PostgreSQL (PGlite)');
  const [{ startEmbeddedPostgres }, { seedDemo, runDemoWorkload, demoFixturesDir }] = await Promise.all([
    import('../connectors/embedded-postgres.js'),
    import('./seed.js'),
  ]);
  const server = await startEmbeddedPostgres();
  let conn: PgConnection | undefined;
  try {
    ctx.progress.update('seeding the demo shop (≥ 100k rows)');
    const seed = await seedDemo(server, demoFixturesDir);
    ctx.progress.update('replaying the shop’s workload');
    const workload = await runDemoWorkload(server, demoFixturesDir, { repeat: 3 });
    conn = await connectPostgres(resolvePgTarget({ flag: server.url }, {}), {
      statementTimeoutMs: ctx.settings.db.statementTimeoutMs,
      lockTimeoutMs: ctx.settings.db.lockTimeoutMs,
      connectTimeoutMs: ctx.settings.db.connectTimeoutMs,
      maxConnections: 1,
    });
    const ranked = await rankWorkload(conn, workload);
    const queries: DemoQuery[] = [];
    const findings: Finding[] = [];
    for (const [i, q] of ranked.slice(0, top).entries()) {
      ctx.progress.update(`explaining ${q.name} (${i + 1}/${Math.min(top, ranked.length)})`);
      const statement = await inspectStatement(q.sql, q.name);
      const res = await explainLive(conn, {
        statement, source: q.name, analyze: true, allowWrites: false,
        statementTimeoutMs: ctx.settings.db.statementTimeoutMs, lockTimeoutMs: ctx.settings.db.lockTimeoutMs,
      });
      const plan = planFromExplainJson(res.planJson);
      const stats = await tableStats(conn, plan.nodes.filter((n) => n.relation).map((n) => ({ schema: n.schema, relation: n.relation as string })));
      const own = lintPlan(plan, {
        thresholds: ctx.settings.file.explain?.thresholds,
        disabledRules: ctx.settings.file.explain?.disabledRules,
        tableStats: stats.map((s) => ({
          relation: `${s.schema}.${s.relation}`, nLiveTup: Number(s.n_live_tup), nModSinceAnalyze: Number(s.n_mod_since_analyze),
          lastAnalyze: s.last_analyze ? new Date(s.last_analyze).toISOString() : null,
          lastAutoanalyze: s.last_autoanalyze ? new Date(s.last_autoanalyze).toISOString() : null,
        })),
      });
      for (const f of own) findings.push({ ...f, location: `${q.name}: ${f.location ?? 'plan'}` });
      const s = summarizePlan(plan);
      queries.push({ ...q, executionMs: s.executionMs, planningMs: s.planningMs, findings: own.length, rules: [...new Set(own.map((f) => f.rule))] });
    }
    // The full `db analyze` over the wire protocol, index advice costed with trial indexes on this
    // disposable copy; the EXPLAIN ANALYZE above stands in for its generic-plan section.
    ctx.progress.update('running db analyze (trial indexes on the embedded copy)');
    const { run: analyze } = await import('../db/analyze/command.js');
    const analysis = await analyze({ ...ctx, options: { db: server.url, method: 'trial', plans: '0', slowMs: '5' } });
    // The demo's EXPLAIN ANALYZE stands in for db analyze's generic-plan section: it scores the plans.
    const { sectionScore, overallScore } = await import('../db/analyze/score.js');
    const sections = analysis.result.data.sections.map((sc) => (sc.id === 'plans' ? sectionScore('plans', findings) : sc));
    const score = overallScore(sections);
    analysis.result.data.sections = sections;
    analysis.result.data.score = score;
    const keepUrl = o.keep ? server.url : undefined;
    if (keepUrl) ctx.io.stderr(`embedded PostgreSQL listening at ${keepUrl} (the demo shop); try: perfkit db explain --db ${keepUrl} "SELECT …". Ctrl-C stops it.\n`);
    return {
      result: {
        command: 'demo',
        target: { display: 'embedded PostgreSQL (PGlite), demo shop', url: keepUrl },
        environment: { postgres: conn.info.version, postgresVersionNum: conn.info.versionNum },
        summary: {
          ...analysis.result.summary,
          score,
          'score.plans': sections.find((sc) => sc.id === 'plans')?.score ?? 0,
          tables: seed.tables,
          rows: seed.rows,
          seedMs: seed.ms,
          queries: ranked.length,
          explained: queries.length,
          workloadMs: round(ranked.reduce((a, q) => a + q.totalMs, 0)),
        },
        findings: [...analysis.result.findings, ...findings],
        data: { seed, queries, workload: ranked, analyze: analysis.result.data },
      },
      view: demoView,
    };
  } finally {
    await conn?.close();
    if (!o.keep) await server.close();
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Joins the replayed workload with pg_stat_statements on the query fingerprint, slowest first. */
async function rankWorkload(conn: PgConnection, workload: Array<{ name: string; sql: string; calls: number }>) {
  const [{ readStatStatements }, { loadFingerprinter }] = await Promise.all([import('../db/stat-statements.js'), import('../db/slow/fingerprint.js')]);
  const fp = await loadFingerprinter();
  const byFingerprint = new Map<string, { calls: number; totalMs: number }>();
  for (const r of (await readStatStatements(conn)).rows) {
    const key = fp.fingerprint(r.query).fingerprint;
    const prev = byFingerprint.get(key) ?? { calls: 0, totalMs: 0 };
    byFingerprint.set(key, { calls: prev.calls + r.calls, totalMs: prev.totalMs + r.execMs });
  }
  return workload
    .map((w) => {
      const fingerprint = fp.fingerprint(w.sql).fingerprint;
      const s = byFingerprint.get(fingerprint);
      const calls = s?.calls ?? w.calls;
      return { name: w.name, fingerprint, sql: w.sql, calls, totalMs: round(s?.totalMs ?? 0), meanMs: round(s && s.calls ? s.totalMs / s.calls : 0) };
    })
    .sort((a, b) => b.totalMs - a.totalMs);
}
