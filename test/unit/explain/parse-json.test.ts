// The JSON parser and the plan model on captured EXPLAIN (ANALYZE, BUFFERS, VERBOSE, SETTINGS, FORMAT JSON) output.
import { describe, expect, it } from 'vitest';
import { parsePlanInput, planFromExplainJson } from '../../../src/db/explain/parse.js';
import { loadPlan, readFixture } from './fixtures.js';

type Raw = Record<string, any>;
const rawDoc = (name: string): Raw => JSON.parse(readFixture(`${name}.json`))[0];

describe('JSON input shapes', () => {
  it('accepts the array psql -XAt prints, the single object, and either with surrounding whitespace', () => {
    const text = readFixture('disk-sort.json');
    const fromArray = parsePlanInput(text, 'a.json');
    const fromObject = parsePlanInput(`\n  ${JSON.stringify(JSON.parse(text)[0], null, 2)}\n\n`, 'b.json');
    expect(fromArray.format).toBe('json');
    expect(fromObject.nodes.map((n) => n.label)).toEqual(fromArray.nodes.map((n) => n.label));
    expect(fromObject.executionMs).toBe(fromArray.executionMs);
  });

  it("reads psql's aligned output: QUERY PLAN header, rule, + continuation marks and (1 row) footer", () => {
    const framed = parsePlanInput(readFixture('disk-sort.psql-json.txt'), 'disk-sort.psql-json.txt');
    const plain = loadPlan('disk-sort.json');
    expect(framed.format).toBe('json');
    expect(framed.nodes.map((n) => [n.label, n.actualRows, n.actualTotalMs])).toEqual(
      plain.nodes.map((n) => [n.label, n.actualRows, n.actualTotalMs]),
    );
    expect(framed.executionMs).toBe(plain.executionMs);
  });

  it('takes the value node-postgres returns for the QUERY PLAN column (planFromExplainJson)', () => {
    const value = JSON.parse(readFixture('hash-batches.json'));
    const plan = planFromExplainJson(value);
    expect(plan.root.label).toBe('HashAggregate');
    expect(plan.nodes).toHaveLength(5);
    expect(planFromExplainJson({ 'QUERY PLAN': value }).nodes).toHaveLength(5);
  });
});

describe('plan model', () => {
  it('numbers nodes in preorder, with labels and ancestor paths as text EXPLAIN names them', () => {
    const plan = loadPlan('hash-batches.json');
    expect(plan.nodes.map((n) => n.id)).toEqual([0, 1, 2, 3, 4]);
    expect(plan.nodes.map((n) => n.path)).toEqual([
      'HashAggregate',
      'HashAggregate > Hash Join',
      'HashAggregate > Hash Join > Seq Scan on orders o',
      'HashAggregate > Hash Join > Hash',
      'HashAggregate > Hash Join > Hash > Seq Scan on customers c',
    ]);
    const scan = plan.nodes[2]!;
    expect(scan).toMatchObject({ relation: 'orders', schema: 'public', alias: 'o', parentRelationship: 'Outer', depth: 2, parentId: 1 });
    expect(plan.nodes[3]!.parentRelationship).toBe('Inner');
  });

  it('labels index, bitmap, parallel, partial-aggregate and modify nodes', () => {
    expect(loadPlan('clean.json').root.label).toBe('Index Scan using orders_pkey on orders');
    expect(loadPlan('lossy-bitmap.json').nodes.map((n) => n.label)).toEqual([
      'Aggregate', 'Bitmap Heap Scan on orders', 'Bitmap Index Scan on orders_created_at_idx',
    ]);
    expect(loadPlan('parallel.json').nodes.map((n) => n.label)).toEqual([
      'Finalize GroupAggregate', 'Gather Merge', 'Sort', 'Partial HashAggregate', 'Parallel Seq Scan on orders',
    ]);
    expect(loadPlan('fk-triggers.json').nodes.map((n) => n.label)).toEqual(['Insert on orders', 'Function Scan on generate_series i']);
  });

  it('copies costs, rows, loops, sort, hash, heap and worker details from the JSON keys', () => {
    const raw = rawDoc('hash-batches').Plan.Plans[0].Plans[1];
    const hash = loadPlan('hash-batches.json').nodes[3]!;
    expect(hash).toMatchObject({
      nodeType: 'Hash', hashBatches: raw['Hash Batches'], originalHashBatches: raw['Original Hash Batches'],
      hashBuckets: raw['Hash Buckets'], peakMemoryKb: raw['Peak Memory Usage'],
      costs: { startup: raw['Startup Cost'], total: raw['Total Cost'] }, planRows: raw['Plan Rows'], actualLoops: 1,
    });
    const sort = loadPlan('disk-sort.json').root;
    expect(sort).toMatchObject({ sortMethod: 'external merge', sortSpaceType: 'Disk', sortKey: ['orders.amount DESC', 'orders.id'] });
    const bitmap = loadPlan('lossy-bitmap.json').nodes[1]!;
    expect(bitmap.lossyHeapBlocks).toBeGreaterThan(0);
    expect(bitmap.exactHeapBlocks).toBeGreaterThan(0);
    const gather = loadPlan('workers-not-launched.json').nodes[1]!;
    expect(gather).toMatchObject({ workersPlanned: 2, workersLaunched: 0 });
    expect(loadPlan('heap-fetches.json').root.heapFetches).toBe(rawDoc('heap-fetches').Plan['Heap Fetches']);
  });

  it('keeps the original key/values in raw, without the child plans', () => {
    const root = loadPlan('hash-batches.json').root;
    expect(root.raw['Node Type']).toBe('Aggregate');
    expect(root.raw['Group Key']).toEqual(['c.country']);
    expect(root.raw).not.toHaveProperty('Plans');
  });

  it('reads planning/execution time, settings, JIT and triggers', () => {
    const jitDoc = rawDoc('jit');
    const jit = loadPlan('jit.json');
    expect(jit.planningMs).toBe(jitDoc['Planning Time']);
    expect(jit.executionMs).toBe(jitDoc['Execution Time']);
    expect(jit.jit).toEqual({
      functions: jitDoc.JIT.Functions, generationMs: jitDoc.JIT.Timing.Generation, inliningMs: jitDoc.JIT.Timing.Inlining,
      optimizationMs: jitDoc.JIT.Timing.Optimization, emissionMs: jitDoc.JIT.Timing.Emission, totalMs: jitDoc.JIT.Timing.Total,
    });
    expect(jit.settings).toMatchObject({ jit_above_cost: '0' });
    const triggers = loadPlan('fk-triggers.json').triggers!;
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({ constraint: 'orders_customer_id_fkey', relation: 'orders', calls: 5000 });
    expect(loadPlan('disk-sort.json').triggers).toBeUndefined();
  });

  it('marks ANALYZE, timing and BUFFERS presence, and never-executed nodes', () => {
    const est = loadPlan('estimate-only.json');
    expect([est.analyzed, est.timed, est.hasBuffers]).toEqual([false, false, false]);
    expect(est.root.buffers).toBeUndefined();
    expect(est.nodes.every((n) => n.inclusiveMs === undefined && !n.neverExecuted)).toBe(true);
    const never = loadPlan('never-executed.json');
    expect([never.analyzed, never.timed, never.hasBuffers]).toEqual([true, true, true]);
    expect(never.nodes.map((n) => n.neverExecuted)).toEqual([false, false, true, true]);
  });
});

describe('derived time and buffers', () => {
  it('exclusive time is inclusive minus the children’s, and adds up to the root’s time', () => {
    for (const name of ['hash-batches', 'disk-sort', 'nested-loop', 'cte-subplan', 'planning-dominates']) {
      const plan = loadPlan(`${name}.json`);
      const sum = plan.nodes.reduce((acc, n) => acc + n.exclusiveMs!, 0);
      expect(sum).toBeCloseTo(plan.root.inclusiveMs!, 3);
      expect(plan.nodes.every((n) => n.exclusiveMs! >= 0)).toBe(true);
    }
    const sort = loadPlan('disk-sort.json');
    expect(sort.root.exclusiveMs).toBeCloseTo(sort.root.actualTotalMs! - sort.nodes[1]!.actualTotalMs!, 6);
  });

  it('multiplies per-loop time by loops', () => {
    const inner = loadPlan('nested-loop.json').nodes.find((n) => n.label.startsWith('Index Scan using orders_customer_id_idx'))!;
    expect(inner.actualLoops).toBe(20000);
    expect(inner.inclusiveMs).toBeCloseTo(inner.actualTotalMs! * 20000, 6);
  });

  it('divides by workers + 1 under a Gather, and by 1 when no worker was launched', () => {
    const par = loadPlan('parallel.json');
    const scan = par.nodes[4]!;
    expect(scan.actualLoops).toBe(3);
    expect(scan.inclusiveMs).toBeCloseTo(scan.actualTotalMs!, 6);
    const alone = loadPlan('workers-not-launched.json').nodes[4]!;
    expect(alone.actualLoops).toBe(1);
    expect(alone.inclusiveMs).toBeCloseTo(alone.actualTotalMs!, 6);
  });

  it('takes an InitPlan off the node that uses its result, and a CTE off the CTE Scans that read it', () => {
    const plan = loadPlan('cte-subplan.json');
    const cte = plan.nodes.find((n) => n.subplanName === 'CTE big')!;
    const init = plan.nodes.find((n) => n.subplanName?.startsWith('InitPlan'))!;
    const scans = plan.nodes.filter((n) => n.nodeType === 'CTE Scan');
    const [first, second] = scans as [typeof scans[0], typeof scans[0]];
    // The InitPlan's own CTE Scan reads the CTE first and absorbs as much of it as it can.
    expect(first.exclusiveMs).toBeCloseTo(Math.max(0, first.inclusiveMs! - cte.inclusiveMs!), 6);
    const left = Math.max(0, cte.inclusiveMs! - first.inclusiveMs!);
    // The Hash Join's CTE Scan filters on the InitPlan's $2: both are taken off it.
    expect(second.filter).toContain('$2');
    expect(second.exclusiveMs).toBeCloseTo(Math.max(0, second.inclusiveMs! - left - init.inclusiveMs!), 6);
    expect(plan.root.exclusiveMs).toBeLessThan(0.1);
  });

  it('share of total is exclusive time over the execution time', () => {
    const plan = loadPlan('disk-sort.json');
    expect(plan.totalMs).toBe(plan.executionMs);
    expect(plan.root.pctOfTotal).toBeCloseTo((plan.root.exclusiveMs! / plan.executionMs!) * 100, 6);
  });

  it('exclusive buffers are own minus the children’s', () => {
    const plan = loadPlan('hash-batches.json');
    const [agg, join, outer, hash] = plan.nodes;
    expect(join!.exclusiveBuffers!.sharedHit).toBe(join!.buffers!.sharedHit - outer!.buffers!.sharedHit - hash!.buffers!.sharedHit);
    expect(agg!.exclusiveBuffers!.sharedRead).toBe(0);
    expect(outer!.exclusiveBuffers).toEqual(outer!.buffers);
    expect(join!.buffers!.tempWritten).toBeGreaterThan(0);
  });
});
