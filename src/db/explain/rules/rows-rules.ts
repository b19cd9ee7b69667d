// Row counts that go wrong: estimates far from reality, inner loops run too often, OFFSET paging.

import type { Plan, PlanNode } from '../model.js';
import { factor, int, ms, pct, plural, round } from './format.js';
import { defineRule, executed, mainChildren, parentOf } from './rule.js';
import { filterColumns, relationBelow, sortColumns, tableName, tablesBelow } from './sql-advice.js';

/** Nodes whose estimates only repeat their child's, or whose rows are per cache probe. */
const ECHO_TYPES = new Set(['Hash', 'Materialize', 'Memoize', 'Gather', 'Gather Merge', 'Sort', 'Incremental Sort', 'Unique', 'Limit']);

/** Nodes whose consumer may stop pulling early, so fewer actual rows than estimated is expected. */
function stopsEarly(plan: Plan, n: PlanNode): boolean {
  const parent = parentOf(plan, n);
  if (parent && (parent.joinType === 'Semi' || parent.joinType === 'Anti') && n.parentRelationship === 'Inner') return true;
  if (parent && parent.nodeType === 'Merge Join') return true;
  for (let p = parent; p; p = parentOf(plan, p)) if (p.nodeType === 'Limit') return true;
  return false;
}

interface Estimate {
  factor: number;
  direction: 'under' | 'over';
}

function estimateOf(n: PlanNode): Estimate | undefined {
  if (n.planRows === undefined || n.planRows === 0 || n.actualRows === undefined || n.neverExecuted) return undefined;
  const actual = Math.max(n.actualRows, 1);
  const planned = Math.max(n.planRows, 1);
  return actual >= planned ? { factor: actual / planned, direction: 'under' } : { factor: planned / actual, direction: 'over' };
}

function statisticsFix(n: PlanNode): string {
  const scan = relationBelow(n);
  const cond = n.filter ?? n.indexCond ?? n.recheckCond;
  if (scan && cond && scan === n) {
    const cols = filterColumns(cond, scan);
    const all = [...cols.equality, ...cols.range];
    const table = tableName(scan);
    if (all.length >= 2) {
      const name = `${scan.relation}_${all.slice(0, 3).join('_')}_stats`.replace(/[^a-z0-9_]/gi, '');
      return (
        `The columns ${all.join(', ')} are probably correlated, and the planner multiplies their selectivities: ` +
        `CREATE STATISTICS ${name} (dependencies, mcv) ON ${all.slice(0, 8).join(', ')} FROM ${table}; ANALYZE ${table};`
      );
    }
    if (all.length === 1) {
      return `Run ANALYZE ${table}; if the estimate stays off, sample more of the column: ALTER TABLE ${table} ALTER COLUMN ${all[0]} SET STATISTICS 1000; ANALYZE ${table};`;
    }
    return `Run ANALYZE ${table}; if the condition uses an expression, an expression index or CREATE STATISTICS on it gives the planner statistics for it.`;
  }
  const tables = tablesBelow(n);
  const join = n.hashCond ?? n.mergeCond ?? n.joinFilter;
  return (
    `Run ANALYZE on ${tables.length ? tables.join(', ') : 'the tables involved'} first (stale statistics are the usual cause)` +
    (join ? `; if the join condition ${join} involves correlated columns, CREATE STATISTICS on them or raise their SET STATISTICS target.` : '; then fix the deepest misestimated node first: errors multiply upward.')
  );
}

export const misestimate = defineRule({
  id: 'misestimate',
  severity: 'warn',
  title: 'Row estimate far from actual',
  doc: 'Actual vs estimated rows differ by ≥ warnFactor (error ≥ errorFactor); reported where the error starts, not where it propagates.',
  needs: 'analyze',
  detect(plan, t) {
    const hits = [];
    for (const n of executed(plan)) {
      if (ECHO_TYPES.has(n.nodeType)) continue;
      const e = estimateOf(n);
      if (!e || e.factor < t.warnFactor) continue;
      if (e.direction === 'over' && stopsEarly(plan, n)) continue;
      const loops = n.actualLoops ?? 1;
      if (Math.max(n.actualRows ?? 0, n.planRows ?? 0) * loops < t.minRows) continue;
      // Inherited: a child is already off the same way, and this node does not make it 10× worse.
      const inherited = mainChildren(n)
        .map(estimateOf)
        .some((c) => c && c.direction === e.direction && c.factor >= t.warnFactor && e.factor < c.factor * 10);
      if (inherited) continue;
      hits.push({
        node: n,
        severity: e.factor >= t.errorFactor ? ('error' as const) : ('warn' as const),
        facts: {
          nodeId: n.id, estimatedRows: n.planRows ?? 0, actualRows: n.actualRows ?? 0, loops,
          factor: round(e.factor, 1), direction: e.direction,
        },
      });
    }
    return hits;
  },
  message: (f, n) =>
    `${n!.label} was estimated at ${plural(f.estimatedRows, 'row')} but returned ${int(f.actualRows)}` +
    `${f.loops > 1 ? ` per loop (${plural(f.loops, 'loop')})` : ''}: ${factor(f.factor)}× ${f.direction === 'under' ? 'under' : 'over'}-estimated. ` +
    (f.direction === 'under' ? 'Plans built on too few rows pick nested loops and skip parallelism.' : 'Plans built on too many rows pick hash joins and full scans where an index would do.'),
  fix: (_f, n) => statisticsFix(n!),
});

export const nestedLoopExplosion = defineRule({
  id: 'nested-loop-explosion',
  severity: 'warn',
  title: 'Nested loop runs its inner side very often',
  doc: 'The inner side of a Nested Loop ran ≥ minLoops times and produced ≥ minRows rows in all, or took ≥ minPctOfTime of the total.',
  needs: 'analyze',
  detect(plan, t) {
    const hits = [];
    for (const n of executed(plan)) {
      if (n.nodeType !== 'Nested Loop') continue;
      const [outer, inner] = mainChildren(n);
      if (!outer || !inner || (inner.actualLoops ?? 0) < t.minLoops) continue;
      const innerRows = (inner.actualRows ?? 0) * (inner.actualLoops ?? 0);
      const innerPct = plan.totalMs && inner.inclusiveMs !== undefined ? (inner.inclusiveMs / plan.totalMs) * 100 : 0;
      if (innerRows < t.minRows && innerPct < t.minPctOfTime) continue;
      hits.push({
        node: n,
        facts: {
          nodeId: n.id, innerLoops: inner.actualLoops ?? 0, innerRowsPerLoop: inner.actualRows ?? 0, innerRows,
          innerMs: round(inner.inclusiveMs ?? 0), innerPctOfTotal: round(innerPct, 1),
          outerEstimatedRows: outer.planRows ?? 0, outerActualRows: (outer.actualRows ?? 0) * (outer.actualLoops ?? 1),
          inner: inner.label,
        },
      });
    }
    return hits;
  },
  message: (f, n) =>
    `${n!.label} ran its inner side (${f.inner}) ${plural(f.innerLoops, 'time')}, ${int(f.innerRowsPerLoop)} rows each, ` +
    `${plural(f.innerRows, 'row')} in all` + (f.innerMs ? `, ${ms(f.innerMs)} (${pct(f.innerPctOfTotal)} of the total).` : '.'),
  fix: (f, n) => {
    const [outer, inner] = mainChildren(n!);
    if (f.outerActualRows >= Math.max(f.outerEstimatedRows, 1) * 10) {
      return `The planner expected ${plural(f.outerEstimatedRows, 'outer row')} but got ${int(f.outerActualRows)}: fix that estimate first ` +
        `(ANALYZE ${tablesBelow(outer!).join(', ') || 'the outer tables'}; see misestimate) so it can choose a hash join.`;
    }
    if (inner && inner.nodeType === 'Seq Scan') {
      return `Each loop scans ${inner.label}: index its join column (the one in the Join Filter) so each loop is an index lookup, or let a hash join read it once.`;
    }
    return 'Each loop is cheap but there are many: cut the outer rows (filter or aggregate first), or compare with a hash join ' +
      '(SET LOCAL enable_nestloop = off, then EXPLAIN ANALYZE again) and keep the faster plan by fixing estimates, not the setting.';
  },
});

export const largeOffset = defineRule({
  id: 'large-offset',
  severity: 'warn',
  title: 'Large OFFSET: rows read and thrown away',
  doc: 'A Limit reads ≥ minSkippedRows more rows than it returns, and ≥ minRatio× as many: an OFFSET.',
  needs: 'analyze',
  detect(plan, t) {
    const hits = [];
    for (const n of executed(plan)) {
      if (n.nodeType !== 'Limit') continue;
      const child = mainChildren(n)[0];
      if (!child) continue;
      const read = (child.actualRows ?? 0) * (child.actualLoops ?? 0);
      const returned = (n.actualRows ?? 0) * (n.actualLoops ?? 0);
      const skipped = read - returned;
      if (skipped < t.minSkippedRows || read < t.minRatio * Math.max(returned, 1)) continue;
      hits.push({ node: n, facts: { nodeId: n.id, rowsRead: read, rowsReturned: returned, rowsSkipped: skipped, inclusiveMs: round(n.inclusiveMs ?? 0) } });
    }
    return hits;
  },
  message: (f, n) =>
    `${n!.label} read ${plural(f.rowsRead, 'row')} to return ${int(f.rowsReturned)}: about ${int(f.rowsSkipped)} were skipped by OFFSET` +
    (f.inclusiveMs ? `, and the page took ${ms(f.inclusiveMs)}.` : '.') + ' Each later page costs more.',
  fix: (_f, n) => {
    const child = mainChildren(n!)[0]!;
    const keys = sortColumns(child.sortKey);
    const order = keys.length ? keys.join(', ') : child.indexName ? `the columns of ${child.indexName}` : 'the ORDER BY columns';
    const cmp = keys.length ? `(${keys.join(', ')}) > (${keys.map((_, i) => `$${i + 1}`).join(', ')})` : '(sort key) > (last value seen)';
    return `Use keyset pagination: remember the last row of a page and ask for the next one with WHERE ${cmp} ORDER BY ${order} LIMIT n ` +
      '(add a unique column such as id to the key to break ties), with an index on those columns.';
  },
});
