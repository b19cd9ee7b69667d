// `perfkit db indexes`: index recommendations for a workload (costed with HypoPG, trial indexes or the
// pg_stats heuristic), every query accounted for, plus index health; `--create` builds the advice.
import type { CommandContext, CommandOutcome } from '../../cli/context.js';
import { connectPostgres, resolvePgTarget, type PgConnection } from '../../connectors/postgres.js';
import type { Finding } from '../../report/model.js';
import { openDb, sessionTimeouts, type DbOptions } from '../connect.js';
import { statStatementsInfo } from '../stat-statements.js';
import { advise } from './advisor/advise.js';
import { autoMethod, costerFactory } from './costing/select.js';
import { fetchCatalog } from './catalog.js';
import { createIndexes } from './create.js';
import { collectWorkload } from './sources.js';
import { fetchHealthSnapshot, mergeReplicaUsage } from './health/snapshot.js';
import { healthSummary, indexHealthFindings } from './health/rules.js';
import { parseIndexOptions, type IndexOptions } from './options.js';
import type { CostMethod } from './model.js';
import { indexesView, type IndexesData } from './view.js';

export async function run(ctx: CommandContext): Promise<CommandOutcome<IndexesData>> {
  const raw = ctx.options as IndexOptions & DbOptions;
  const o = parseIndexOptions(raw);
  const timeouts = sessionTimeouts(ctx, raw);
  const db = await openDb(ctx, raw);
  const extra: PgConnection[] = [];
  try {
    const conn = db.conn;
    ctx.progress.update('reading the catalog');
    const [catalog, workload] = await Promise.all([fetchCatalog(conn), collectWorkload(conn, o.sources)]);
    const statsAgeHours = workload.some((q) => q.source === 'pg_stat_statements') ? (await statStatementsInfo(conn)).ageHours : null;

    let trialConn: PgConnection | undefined;
    if (o.trialDb) {
      const target = resolvePgTarget({ flag: o.trialDb }, {});
      target.secrets.forEach((s) => ctx.secret(s));
      trialConn = await connectPostgres(target, timeouts);
      extra.push(trialConn);
    }
    const method: CostMethod = o.method !== 'auto' ? o.method : autoMethod({ disposable: Boolean(trialConn) || db.embedded, hypopg: catalog.hypopg });
    if (method === 'hypopg' && !catalog.hypopg) ctx.note('HypoPG is not created in this database: CREATE EXTENSION hypopg; (or --method heuristic)');
    if (method === 'heuristic' && o.method === 'auto') {
      ctx.note(`costing with the pg_stats heuristic: HypoPG is ${conn.info.available.includes('hypopg') ? 'available but not created (CREATE EXTENSION hypopg;)' : 'not installed'}`);
    }
    const advice = await advise(catalog, workload, costerFactory(method, conn, catalog, timeouts, trialConn), {
      thresholds: o.thresholds, minRows: o.minRows, maxColumns: o.maxColumns, statsAgeHours,
      progress: (t) => ctx.progress.update(t),
    });

    ctx.progress.update('checking index health');
    let snapshot = await fetchHealthSnapshot(conn);
    if (o.replicas.length) {
      const replicas = [];
      for (const [i, url] of o.replicas.entries()) {
        const target = resolvePgTarget({ flag: url }, {});
        target.secrets.forEach((s) => ctx.secret(s));
        const rc = await connectPostgres(target, timeouts);
        extra.push(rc);
        replicas.push({ name: `replica ${i + 1} (${target.host}:${target.port})`, snapshot: await fetchHealthSnapshot(rc, { usageOnly: true }) });
      }
      snapshot = mergeReplicaUsage(snapshot, replicas);
    }
    const findings: Finding[] = indexHealthFindings(snapshot, { unusedMinBytes: o.unusedMinBytes });
    const created = o.create ? await createIndexes(ctx, conn, advice.recommendations.filter((r) => r.method !== 'uncosted'), { yes: o.yes, lockTimeoutMs: timeouts.lockTimeoutMs }) : undefined;
    for (const c of created ?? []) {
      if (c.status === 'failed') findings.push({ rule: 'create-failed', severity: 'error', title: 'Index creation failed', message: `${c.ddl} failed: ${c.error}`, fix: 'see the error; a failed CONCURRENTLY build was dropped, so nothing is left half-built' });
    }
    const data: IndexesData = {
      method,
      plansMade: advice.plansMade,
      analysed: advice.analysed,
      ignoredCatalogQueries: advice.ignored ?? 0,
      thresholds: { ...o.thresholds, minRows: o.minRows, maxColumns: o.maxColumns },
      recommendations: advice.recommendations,
      rejected: advice.rejected,
      queries: Object.fromEntries(workload.map((q) => [q.fingerprint, { query: q.query, calls: q.calls, meanMs: q.meanMs, source: q.source }])),
      health: { statsReset: snapshot.statsReset, notes: snapshot.notes, replicas: snapshot.replicas?.map((r) => r.name) ?? [] },
      created,
    };
    return {
      result: {
        command: 'db indexes',
        target: { display: db.display },
        environment: { postgres: conn.info.version, postgresVersionNum: conn.info.versionNum, costMethod: method },
        summary: { recommendations: advice.recommendations.length, rejected: advice.rejected.length, ...healthSummary(findings, snapshot), queries: advice.analysed, hypotheticalPlans: advice.plansMade },
        findings,
        data,
      },
      view: indexesView,
    };
  } finally {
    for (const c of extra) await c.close();
    await db.close();
  }
}
