// The summary budgets read, and the before/after diff of `db explain --compare`.
import { describe, expect, it } from 'vitest';
import { comparePlans } from '../../../src/db/explain/compare.js';
import { summarizePlan } from '../../../src/db/explain/summary.js';
import { loadPlan } from './fixtures.js';

describe('summarizePlan', () => {
  it('has exactly the budget keys, from the plan', () => {
    const plan = loadPlan('hash-batches.json');
    const s = summarizePlan(plan);
    expect(Object.keys(s).sort()).toEqual(['executionMs', 'planningMs', 'rows', 'sharedHit', 'sharedRead', 'totalCost']);
    expect(s).toEqual({
      planningMs: plan.planningMs,
      executionMs: plan.executionMs,
      totalCost: plan.root.costs!.total,
      rows: 20,
      sharedHit: plan.root.buffers!.sharedHit,
      sharedRead: plan.root.buffers!.sharedRead,
    });
  });

  it('uses estimated rows and zeros when the plan was not analyzed', () => {
    const plan = loadPlan('estimate-only.json');
    expect(summarizePlan(plan)).toEqual({
      planningMs: 0, executionMs: 0, totalCost: plan.root.costs!.total, rows: plan.root.planRows, sharedHit: 0, sharedRead: 0,
    });
  });
});

describe('comparePlans', () => {
  it('before/after an index: the Seq Scan goes, a bitmap index scan comes, and the totals say how much faster', () => {
    const before = loadPlan('seq-scan-filter.json');
    const after = loadPlan('seq-scan-filter.after-index.json');
    const diff = comparePlans(before, after);
    expect(diff.matched).toEqual([]);
    expect(diff.removed.map((n) => n.label)).toEqual(['Seq Scan on orders']);
    expect(diff.added.map((n) => n.label)).toEqual(['Bitmap Heap Scan on orders', 'Bitmap Index Scan on orders_status_amount_idx']);
    expect(diff.removed[0]!.stats.sharedRead).toBe(before.root.buffers!.sharedRead);
    expect(diff.totals.before.executionMs).toBe(before.executionMs);
    expect(diff.totals.after.executionMs).toBe(after.executionMs);
    expect(diff.totals.delta.executionMs).toBeCloseTo(after.executionMs! - before.executionMs!, 3);
    expect(diff.totals.speedup).toBeGreaterThan(10);
    expect(diff.totals.after.rows).toBe(diff.totals.before.rows);
  });

  it('before/after more work_mem: same tree, node by node, with deltas', () => {
    const before = loadPlan('hash-batches.json');
    const after = loadPlan('hash-batches.after-work-mem.json');
    const diff = comparePlans(before, after);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.matched.map((m) => m.path)).toEqual(before.nodes.map((n) => n.path));
    const hash = diff.matched.find((m) => m.label === 'Hash')!;
    expect(hash.before.exclusiveMs).toBeCloseTo(before.nodes[3]!.exclusiveMs!, 3);
    expect(hash.after.exclusiveMs).toBeCloseTo(after.nodes[3]!.exclusiveMs!, 3);
    expect(hash.delta.exclusiveMs).toBeCloseTo(hash.after.exclusiveMs! - hash.before.exclusiveMs!, 3);
    expect(hash.delta.actualRows).toBe(0);
  });

  it('matches moved nodes by label when their parents changed', () => {
    const before = loadPlan('hash-batches.json');
    const after = loadPlan('estimate-only.json');
    const diff = comparePlans(before, after);
    expect(diff.matched).toHaveLength(5);
    const scan = diff.matched.find((m) => m.label === 'Seq Scan on orders o')!;
    expect(scan.after.exclusiveMs).toBeNull();
    expect(scan.delta.exclusiveMs).toBeNull();
    expect(scan.delta.planRows).toBe(after.nodes[2]!.planRows! - before.nodes[2]!.planRows!);
  });

  it('keeps two identical branches apart by position', () => {
    const plan = loadPlan('cte-subplan.json');
    const diff = comparePlans(plan, plan);
    expect(diff.matched).toHaveLength(plan.nodes.length);
    expect(diff.matched.every((m) => m.beforeId === m.afterId)).toBe(true);
    expect(diff.totals.speedup).toBe(1);
  });
});
