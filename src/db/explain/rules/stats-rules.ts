// What the plan cannot show by itself: statistics gone stale since the last ANALYZE (live mode,
// from pg_stat_user_tables), and plans that carry estimates only.

import type { PlanNode, TableStats } from '../model.js';
import { int, pct, round } from './format.js';
import { defineRule } from './rule.js';
import { tableName } from './sql-advice.js';

/** Stats entries name a table as `schema.table` or `table` (+ schema). */
function matches(stat: TableStats, n: PlanNode): boolean {
  const dot = stat.relation.lastIndexOf('.');
  const relation = dot === -1 ? stat.relation : stat.relation.slice(dot + 1);
  const schema = dot === -1 ? stat.schema : stat.relation.slice(0, dot);
  if (relation !== n.relation) return false;
  return !schema || !n.schema || schema === n.schema;
}

export const staleStats = defineRule({
  id: 'stale-stats',
  severity: 'warn',
  title: 'Table statistics are stale',
  doc: 'Live only: a table in the plan was never analyzed, or had ≥ minModRows and ≥ minModPct of its rows modified since its last ANALYZE.',
  needs: 'table stats',
  detect(plan, t, ctx) {
    if (!ctx.tableStats || ctx.tableStats.length === 0) return [];
    const hits = [];
    const seen = new Set<string>();
    for (const n of plan.nodes) {
      if (!n.relation) continue;
      const stat = ctx.tableStats.find((s) => matches(s, n));
      if (!stat || seen.has(tableName(n))) continue;
      seen.add(tableName(n));
      const lastAnalyzed = [stat.lastAnalyze, stat.lastAutoanalyze].filter((d): d is string => Boolean(d)).sort().at(-1) ?? null;
      const modPct = (stat.nModSinceAnalyze / Math.max(stat.nLiveTup, 1)) * 100;
      const never = lastAnalyzed === null;
      if (!never && (stat.nModSinceAnalyze < t.minModRows || modPct < t.minModPct)) continue;
      hits.push({
        node: n,
        facts: {
          table: tableName(n), liveRows: stat.nLiveTup, modifiedSinceAnalyze: stat.nModSinceAnalyze,
          modifiedPct: round(modPct, 1), lastAnalyzed, neverAnalyzed: never,
        },
      });
    }
    return hits;
  },
  message: (f) =>
    f.neverAnalyzed
      ? `${f.table} has never been analyzed (${int(f.liveRows)} live rows): the planner is guessing its row counts.`
      : `${f.table} had ${int(f.modifiedSinceAnalyze)} rows modified since its last ANALYZE (${f.lastAnalyzed}), ` +
        `${pct(f.modifiedPct)} of its ${int(f.liveRows)} live rows: its estimates describe an older table.`,
  fix: (f) =>
    `ANALYZE ${f.table}; then explain again. If it drifts again, let autovacuum analyze it sooner: ` +
    `ALTER TABLE ${f.table} SET (autovacuum_analyze_scale_factor = 0.02);`,
});

export const noAnalyze = defineRule({
  id: 'no-analyze',
  severity: 'info',
  title: 'Estimates only: the plan was not executed',
  doc: 'The plan has no ANALYZE data, so the rules about actual time, rows, memory and I/O could not run.',
  needs: 'plan',
  detect(plan) {
    return plan.analyzed ? [] : [{ facts: { nodes: plan.nodes.length, totalCost: plan.root.costs?.total ?? 0 } }];
  },
  message: (f) =>
    `This plan (${int(f.nodes)} nodes, cost ${int(f.totalCost)}) has estimates only: no actual times, rows, buffers or memory to check.`,
  fix: () =>
    'Run perfkit db explain --analyze (it executes the statement inside a transaction that is rolled back), ' +
    'or capture EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) yourself.',
});
