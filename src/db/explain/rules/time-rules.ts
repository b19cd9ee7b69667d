// Where the time goes: the slowest nodes, planning and JIT overhead, and branches that never ran.

import type { Plan, PlanNode } from '../model.js';
import { int, ms, pct, plural, round } from './format.js';
import { defineRule, executed, mainChildren, parentOf } from './rule.js';
import { indexForFilter, indexForSortKey, relationBelow } from './sql-advice.js';

/** What to try first for a slow node of this type. */
function hotspotAdvice(n: PlanNode, plan: Plan): string {
  const jitMs = plan.jit?.totalMs;
  const scan = relationBelow(n);
  const jitNote =
    jitMs !== undefined && jitMs >= (n.exclusiveMs ?? 0) * 0.5
      ? ` Most of this time is probably JIT compilation (${ms(jitMs)} for the whole query): see jit-overhead.`
      : '';
  const t = n.nodeType;
  let advice: string;
  if (t === 'Seq Scan') {
    const removed = n.rowsRemovedByFilter ?? 0;
    const selective = removed > 0 && removed >= (n.actualRows ?? 0);
    const index = selective && n.filter && scan ? indexForFilter(n.filter, scan) : undefined;
    advice = index
      ? `Read less of the table: ${index} lets PostgreSQL find the matching rows without scanning all of them.`
      : 'It reads the whole table and keeps most of it, so an index would not help: read fewer rows (a narrower condition, ' +
        'partitioning, a summary table) or fewer blocks (VACUUM away bloat).';
  } else if (t === 'Sort' || t === 'Incremental Sort') {
    const index = scan ? indexForSortKey(n.sortKey, scan) : undefined;
    advice = index
      ? `Avoid the sort: ${index} returns rows already in order (then LIMIT can stop early).`
      : 'Sort fewer rows (filter or aggregate first), sort narrower rows, or keep it in memory (see disk-sort).';
  } else if (/Index (Only )?Scan|Bitmap Heap Scan/.test(t)) {
    advice = `It visits ${int((n.actualRows ?? 0) * (n.actualLoops ?? 0))} rows over ${plural(n.actualLoops ?? 0, 'loop')}: make the index more selective, or cover the query (INCLUDE the selected columns) for an index-only scan.`;
  } else if (t === 'Hash Join' || t === 'Hash' || t === 'Merge Join') {
    advice = 'Join fewer rows: filter both inputs as early as possible, and check row estimates (misestimate) so the join order is right.';
  } else if (t === 'Nested Loop') {
    advice = 'Check how often the inner side runs (nested-loop-explosion) and whether the row estimates are right.';
  } else if (t === 'ModifyTable') {
    const triggers = (plan.triggers ?? []).reduce((acc, tr) => acc + tr.timeMs, 0);
    advice = 'The time goes into writing rows: each index on the table and each trigger adds to it' +
      (triggers > 0 ? ` (triggers took ${ms(triggers)} here, foreign-key checks included: an index on the referenced column keeps those cheap)` : '') +
      '; batch the writes, and drop indexes nobody reads.';
  } else if (t === 'Aggregate') {
    advice = 'Aggregate fewer rows (filter first), or precompute the result (a summary table or materialized view).';
  } else {
    advice = 'Start tuning here: this node is where the time goes.';
  }
  return advice + jitNote;
}

export const hotspot = defineRule({
  id: 'hotspot',
  severity: 'warn',
  title: 'Slowest node',
  doc: 'A node whose own (exclusive) time is a large share of the total: warn ≥ warnPct, info ≥ infoPct.',
  needs: 'timing',
  detect(plan, t) {
    const ran = executed(plan);
    if (!plan.totalMs || ran.length < 2) return [];
    return ran
      .filter((n) => (n.pctOfTotal ?? 0) >= t.infoPct && (n.exclusiveMs ?? 0) >= t.minMs)
      .map((n) => ({
        node: n,
        severity: (n.pctOfTotal ?? 0) >= t.warnPct ? ('warn' as const) : ('info' as const),
        facts: {
          nodeId: n.id,
          exclusiveMs: round(n.exclusiveMs ?? 0),
          inclusiveMs: round(n.inclusiveMs ?? 0),
          pctOfTotal: round(n.pctOfTotal ?? 0, 1),
          totalMs: round(plan.totalMs ?? 0),
          loops: n.actualLoops ?? 0,
          rows: n.actualRows ?? 0,
        },
      }));
  },
  message: (f, n) =>
    `${n!.label} took ${ms(f.exclusiveMs)} of its own (children excluded), ${pct(f.pctOfTotal)} of the ${ms(f.totalMs)} total ` +
    `(${plural(f.loops, 'loop')}, ${plural(f.rows, 'row')} per loop).`,
  fix: (_f, n, plan) => hotspotAdvice(n!, plan),
});

export const planningDominates = defineRule({
  id: 'planning-dominates',
  severity: 'warn',
  title: 'Planning takes longer than execution',
  doc: 'Planning time exceeds execution time and is at least minMs.',
  needs: 'analyze',
  detect(plan, t) {
    const { planningMs, executionMs } = plan;
    if (planningMs === undefined || executionMs === undefined) return [];
    if (planningMs <= executionMs || planningMs < t.minMs) return [];
    const joins = plan.nodes.filter((n) => /Join|Nested Loop/.test(n.nodeType)).length;
    return [{ facts: { planningMs, executionMs, nodes: plan.nodes.length, joins } }];
  },
  message: (f) =>
    `Planning took ${ms(f.planningMs)}, ${(f.planningMs / Math.max(f.executionMs, 0.001)).toFixed(0)}× the ${ms(f.executionMs)} execution ` +
    `(${plural(f.nodes, 'node')}, ${plural(f.joins, 'join')}).`,
  fix: (f, _n, plan) => {
    const limits = ['join_collapse_limit', 'from_collapse_limit', 'geqo_threshold']
      .filter((s) => plan.settings?.[s] !== undefined)
      .map((s) => `${s} = ${plan.settings![s]}`);
    return (
      'Plan once, run many times: use a prepared statement (or your driver’s statement cache) so the plan is reused. ' +
      (f.joins >= 6
        ? `With ${f.joins} joins the planner weighs many join orders: lower join_collapse_limit / from_collapse_limit (default 8)` +
          (limits.length ? ` — this session has ${limits.join(', ')}` : '') +
          ', or write the joins in a good order and SET join_collapse_limit = 1. '
        : '') +
      'On partitioned tables, make sure partitions are pruned at plan time (constants, not functions, on the partition key).'
    );
  },
});

export const jitOverhead = defineRule({
  id: 'jit-overhead',
  severity: 'warn',
  title: 'JIT compilation costs more than it saves',
  doc: 'JIT total time is at least warnPct of execution time and at least minMs.',
  needs: 'analyze',
  detect(plan, t) {
    const jit = plan.jit;
    if (!jit || plan.executionMs === undefined || plan.executionMs <= 0) return [];
    const share = (jit.totalMs / plan.executionMs) * 100;
    if (share < t.warnPct || jit.totalMs < t.minMs) return [];
    return [{
      node: plan.root,
      facts: {
        jitMs: round(jit.totalMs), executionMs: round(plan.executionMs), pctOfExecution: round(share, 1),
        functions: jit.functions, generationMs: jit.generationMs, inliningMs: jit.inliningMs,
        optimizationMs: jit.optimizationMs, emissionMs: jit.emissionMs, planCost: plan.root.costs?.total ?? 0,
      },
    }];
  },
  message: (f) =>
    `JIT compilation took ${ms(f.jitMs)}, ${pct(f.pctOfExecution)} of the ${ms(f.executionMs)} execution ` +
    `(${plural(f.functions, 'function')}; inlining ${ms(f.inliningMs)}, optimization ${ms(f.optimizationMs)}, emission ${ms(f.emissionMs)}).`,
  fix: (f, _n, plan) => {
    const above = plan.settings?.['jit_above_cost'];
    const target = Math.max(100_000, Math.ceil((f.planCost * 10) / 10_000) * 10_000);
    return (
      `This query is too short to repay compilation: SET LOCAL jit = off for it, or raise jit_above_cost ` +
      `(${above !== undefined ? `this session has ${above}` : 'default 100000'}; this plan costs ${int(f.planCost)}) to e.g. ${int(target)}, ` +
      'and jit_inline_above_cost / jit_optimize_above_cost (default 500000) so only long queries pay for inlining and optimization.'
    );
  },
});

export const neverExecuted = defineRule({
  id: 'never-executed',
  severity: 'info',
  title: 'Part of the plan never ran',
  doc: 'A subtree that ran zero times (loops = 0); its estimates were not put to the test.',
  needs: 'analyze',
  detect(plan) {
    return plan.nodes
      .filter((n) => n.neverExecuted && !parentOf(plan, n)?.neverExecuted)
      .map((n) => {
        const parent = parentOf(plan, n);
        const sibling = parent ? mainChildren(parent).find((c) => c !== n && !c.neverExecuted) : undefined;
        let below = 0;
        const stack = [...n.children];
        while (stack.length > 0) (below++, stack.push(...stack.pop()!.children));
        return {
          node: n,
          facts: {
            nodeId: n.id,
            nodesBelow: below,
            parent: parent?.label ?? null,
            emptySibling: sibling && (sibling.actualRows ?? 0) === 0 ? sibling.label : null,
            estimatedRows: n.planRows ?? 0,
          },
        };
      });
  },
  message: (f, n) =>
    `${n!.label} never ran (loops=0)${f.nodesBelow ? `, nor the ${plural(f.nodesBelow, 'node')} below it` : ''}` +
    (f.emptySibling ? `: ${f.emptySibling} returned no rows, so ${f.parent} never needed it.` : f.parent ? `: ${f.parent} never asked it for rows.` : '.'),
  fix: (f) =>
    `Nothing to fix if that is expected; but this branch (estimated ${plural(f.estimatedRows, 'row')}) was not measured: ` +
    'explain it again with parameters that reach it to see its real cost.',
});
