// The JSON payload (planToData) and the human view built from it, as a renderer receives them.
import { describe, expect, it } from 'vitest';
import { comparePlans } from '../../../src/db/explain/compare.js';
import { planToData, type PlanNodeData } from '../../../src/db/explain/data.js';
import { compareSections, explainView, planSections } from '../../../src/db/explain/view.js';
import { loadPlan } from './fixtures.js';

/** What the report's data looks like after JSON output: a JSON round trip. */
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const flatten = (n: PlanNodeData): PlanNodeData[] => [n, ...(n.children ?? []).flatMap(flatten)];

describe('planToData', () => {
  it('is a JSON tree of every node, without raw copies', () => {
    const plan = loadPlan('cte-subplan.json');
    const data = roundTrip(planToData(plan));
    const nodes = flatten(data.root);
    expect(nodes.map((n) => n.id)).toEqual(plan.nodes.map((n) => n.id));
    expect(data.nodeCount).toBe(plan.nodes.length);
    expect(JSON.stringify(data)).not.toContain('"raw"');
    expect(nodes[1]).toMatchObject({ label: 'HashAggregate', subplanName: 'CTE big', parentRelationship: 'InitPlan' });
    expect(data).toMatchObject({ format: 'json', analyzed: true, timed: true, hasBuffers: true, executionMs: plan.executionMs });
  });

  it('keeps the numbers rules and views need, rounded', () => {
    const plan = loadPlan('hash-batches.json');
    const hash = flatten(roundTrip(planToData(plan)).root)[3]!;
    const n = plan.nodes[3]!;
    expect(hash).toMatchObject({
      nodeType: 'Hash', hashBatches: n.hashBatches, planRows: n.planRows, actualRows: n.actualRows, loops: 1,
      totalCost: n.costs!.total, buffers: n.buffers, exclusiveBuffers: n.exclusiveBuffers,
    });
    expect(hash.exclusiveMs).toBeCloseTo(n.exclusiveMs!, 3);
    expect(hash.pctOfTotal).toBeCloseTo(n.pctOfTotal!, 2);
  });
});

describe('views', () => {
  it('draws the plan tree as a table, indented by depth with →', () => {
    const data = roundTrip(planToData(loadPlan('hash-batches.json')));
    const [tree] = planSections(data);
    expect(tree!.kind).toBe('table');
    if (tree!.kind !== 'table') return;
    expect(tree.columns).toEqual(['node', 'est rows', 'actual rows', 'loops', 'excl ms', 'incl ms', '% total', 'shared hit', 'shared read']);
    expect(tree.rows.map((r) => r[0])).toEqual([
      'HashAggregate',
      '→ Hash Join',
      '  → Seq Scan on orders o',
      '  → Hash',
      '    → Seq Scan on customers c',
    ]);
    const hash = data.root.children![0]!.children![1]!;
    expect(tree.rows[3]).toEqual(['  → Hash', hash.planRows, hash.actualRows, 1, Number(hash.exclusiveMs!.toFixed(2)),
      Number(hash.inclusiveMs!.toFixed(2)), Number(hash.pctOfTotal!.toFixed(1)), hash.buffers!.sharedHit, hash.buffers!.sharedRead]);
  });

  it('shows never-executed nodes without actual numbers, and subplan names', () => {
    const [never] = planSections(roundTrip(planToData(loadPlan('never-executed.json'))));
    if (never!.kind !== 'table') throw new Error('expected a table');
    expect(never.rows[2]![0]).toBe('→ Bitmap Heap Scan on orders o (never executed)');
    expect(never.rows[2]!.slice(2, 3)).toEqual([null]);
    const [cte] = planSections(roundTrip(planToData(loadPlan('cte-subplan.json'))));
    if (cte!.kind !== 'table') throw new Error('expected a table');
    expect(cte.rows[1]![0]).toBe('→ CTE big: HashAggregate');
  });

  it('shows costs for an estimate-only plan, and JIT and triggers as details', () => {
    const [tree] = planSections(roundTrip(planToData(loadPlan('estimate-only.json'))));
    if (tree!.kind !== 'table') throw new Error('expected a table');
    expect(tree.columns).toEqual(['node', 'est rows', 'width', 'startup cost', 'total cost']);
    expect(tree.title).toMatch(/^Plan \(estimates only, cost /);
    const jit = planSections(roundTrip(planToData(loadPlan('jit.json')))).find((s) => s.title === 'Plan details');
    expect(jit?.kind === 'text' && jit.text).toMatch(/^JIT: 8 functions/);
    const trig = planSections(roundTrip(planToData(loadPlan('fk-triggers.json')))).find((s) => s.title === 'Plan details');
    expect(trig?.kind === 'text' && trig.text).toMatch(/Trigger for constraint orders_customer_id_fkey on orders: [\d.]+ ms, 5000 calls/);
  });

  it('draws the comparison from the diff data', () => {
    const diff = roundTrip(comparePlans(loadPlan('seq-scan-filter.json'), loadPlan('seq-scan-filter.after-index.json')));
    const [totals, nodes] = compareSections(diff);
    expect(totals!.title).toMatch(/^Compared with the before plan \([\d.]+× faster execution\)$/);
    if (totals!.kind !== 'table' || nodes!.kind !== 'table') throw new Error('expected tables');
    expect(totals.rows.map((r) => r[0])).toEqual(['planningMs', 'executionMs', 'totalCost', 'rows', 'sharedHit', 'sharedRead']);
    expect(nodes.title).toBe('Nodes: 0 matched, 1 only before, 2 only after');
    expect(nodes.rows.map((r) => [r[0], r[1]])).toEqual([
      ['Seq Scan on orders', 'before only'],
      ['Bitmap Heap Scan on orders', 'after only'],
      ['Bitmap Index Scan on orders_status_amount_idx', 'after only'],
    ]);
  });

  it('explainView puts the live statement first and the comparison last', () => {
    const plan = loadPlan('disk-sort.json');
    const sections = explainView(roundTrip({
      plan: planToData(plan),
      live: { sql: 'SELECT 1', statementKind: 'Select', writes: false, analyzed: true, method: 'explain', rolledBack: true, readOnly: true, params: 0 },
      compare: comparePlans(plan, plan),
    }));
    expect(sections[0]).toEqual({ title: 'Statement (Select; EXPLAIN ANALYZE, rolled back, read-only transaction)', kind: 'text', text: 'SELECT 1' });
    expect(sections.at(-1)!.title).toMatch(/^Nodes: 2 matched/);
    expect(explainView(roundTrip({ plan: planToData(plan) })).map((s) => s.title)).toEqual([expect.stringMatching(/^Plan \(analyzed/), 'Plan details']);
  });
});
