// The text parser: it must agree with the JSON parser on every captured pair, read psql's framings,
// and keep what it does not know.
import { describe, expect, it } from 'vitest';
import { lintPlan } from '../../../src/db/explain/lint.js';
import { parsePlanInput } from '../../../src/db/explain/parse.js';
import type { Plan } from '../../../src/db/explain/model.js';
import { loadPlan, PAIRS, readFixture } from './fixtures.js';

const shape = (p: Plan) =>
  p.nodes.map((n) => ({
    nodeType: n.nodeType, label: n.label, path: n.path, relation: n.relation, schema: n.schema, alias: n.alias,
    indexName: n.indexName, parentRelationship: n.parentRelationship, subplanName: n.subplanName, joinType: n.joinType,
    parallelAware: n.parallelAware, costs: n.costs, planRows: n.planRows, planWidth: n.planWidth, actualRows: n.actualRows,
    actualLoops: n.actualLoops, neverExecuted: n.neverExecuted, timed: n.actualTotalMs !== undefined, filter: n.filter,
    indexCond: n.indexCond, hashCond: n.hashCond, sortKey: n.sortKey, sortMethod: n.sortMethod, hashBatches: n.hashBatches,
    hashAggBatches: n.hashAggBatches, diskUsageKb: n.diskUsageKb || undefined, workersPlanned: n.workersPlanned, workersLaunched: n.workersLaunched, heapFetches: n.heapFetches,
    lossyHeapBlocks: n.lossyHeapBlocks || undefined, rowsRemovedByFilter: n.rowsRemovedByFilter,
  }));

describe('text and JSON captures of the same statement agree', () => {
  it('found the captured pairs', () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(18);
  });

  it.each(PAIRS)('%s: same nodes, types, estimates, rows, loops and details', (base) => {
    const json = loadPlan(`${base}.json`);
    const text = loadPlan(`${base}.txt`);
    expect(text.format).toBe('text');
    expect(shape(text)).toEqual(shape(json));
    expect([text.analyzed, text.timed, text.hasBuffers]).toEqual([json.analyzed, json.timed, json.hasBuffers]);
    expect(text.settings).toEqual(json.settings);
    expect(text.jit === undefined).toBe(json.jit === undefined);
    expect(text.triggers?.length).toBe(json.triggers?.length);
  });

  it.each(PAIRS.filter((b) => !b.startsWith('estimate')))('%s: times are of the same run length (separate executions)', (base) => {
    const json = loadPlan(`${base}.json`);
    const text = loadPlan(`${base}.txt`);
    // Two executions of the same statement: close, not equal. Both are real, positive, and the slowest
    // node's share of the time is similar.
    expect(text.executionMs).toBeGreaterThan(0);
    expect(text.planningMs).toBeGreaterThan(0);
    const ratio = text.executionMs! / json.executionMs!;
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
    for (const [a, b] of json.nodes.map((n, i) => [n, text.nodes[i]!] as const)) {
      expect(b.inclusiveMs === undefined).toBe(a.inclusiveMs === undefined);
    }
  });

  it('reads JIT, triggers and planning buffers from text', () => {
    const jit = loadPlan('jit.txt').jit!;
    expect(jit.functions).toBe(8);
    expect(jit.totalMs).toBeCloseTo(jit.generationMs + jit.inliningMs + jit.optimizationMs + jit.emissionMs, 2);
    const trig = loadPlan('fk-triggers.txt').triggers!;
    expect(trig[0]).toMatchObject({ constraint: 'orders_customer_id_fkey', calls: 5000 });
    expect(trig[0]!.name).toMatch(/^RI_ConstraintTrigger/);
    expect(loadPlan('hash-batches.txt').planningBuffers?.sharedHit).toBeGreaterThan(0);
  });

  it('reads per-worker lines into workers', () => {
    const sort = loadPlan('parallel.txt').nodes[2]!;
    expect(sort.workers).toHaveLength(2);
    expect(sort.workers![0]).toMatchObject({ 'Worker Number': 0, 'Sort Method': 'quicksort', 'Actual Loops': 1 });
    expect(sort.workers![1]!['Shared Hit Blocks']).toBeGreaterThanOrEqual(0);
  });
});

describe('psql framings', () => {
  it.each([
    ['hash-batches.psql.txt', 'hash-batches.txt', 'aligned, border 1'],
    ['parallel.border2.txt', 'parallel.txt', 'ascii border 2'],
    ['cte-subplan.unicode.txt', 'cte-subplan.txt', 'unicode border 2'],
  ])('%s (%s) parses exactly like the plain capture', (framed, plain) => {
    const a = loadPlan(framed);
    const b = loadPlan(plain);
    expect(shape(a)).toEqual(shape(b));
    expect(a.nodes.map((n) => n.exclusiveMs)).toEqual(b.nodes.map((n) => n.exclusiveMs));
    expect([a.planningMs, a.executionMs]).toEqual([b.planningMs, b.executionMs]);
    expect(a.settings).toEqual(b.settings);
  });

  it('reads CTE, InitPlan and SubPlan headers in text', () => {
    const plan = loadPlan('cte-subplan.unicode.txt');
    expect(plan.nodes.filter((n) => n.subplanName).map((n) => [n.subplanName, n.parentRelationship])).toEqual([
      ['CTE big', 'InitPlan'],
      ['InitPlan 3 (returns $2)', 'InitPlan'],
      ['SubPlan 2', 'SubPlan'],
    ]);
    expect(plan.nodes.find((n) => n.subplanName === 'SubPlan 2')!.path).toBe('Limit > Result > SubPlan 2: Aggregate');
  });

  it('reads psql output pasted without the header, with a SQL echo, CRLF line ends or pgAdmin quotes', () => {
    const plain = readFixture('disk-sort.txt');
    const base = shape(parsePlanInput(plain, 'p'));
    const bodyOnly = readFixture('hash-batches.psql.txt').split('\n').slice(2).join('\r\n');
    expect(shape(parsePlanInput(bodyOnly, 'p'))).toEqual(shape(loadPlan('hash-batches.txt')));
    expect(shape(parsePlanInput(`EXPLAIN (ANALYZE) SELECT 1;\n${plain}`, 'p'))).toEqual(base);
    const quoted = plain.trim().split('\n').map((l) => `"${l.replaceAll('"', '""')}"`).join('\n');
    expect(shape(parsePlanInput(quoted, 'p'))).toEqual(base);
  });
});

describe('text details', () => {
  const synthetic = [
    'Nested Loop Left Join  (cost=0.29..16.34 rows=2 width=8) (actual rows=3 loops=1)',
    '  Join Filter: (a.id = b.a_id)',
    '  Rows Removed by Join Filter: 7',
    '  Frobnication Level: extreme',
    '  ->  Seq Scan on "My Table" a  (cost=0.00..1.01 rows=1 width=4) (actual rows=1 loops=1)',
    '  ->  Hash Semi Join  (cost=0.00..1.01 rows=1 width=4) (actual rows=3 loops=1)',
    '        Hash Cond: (b.x = c.x)',
    '        ->  Index Scan Backward using b_idx on b  (cost=0.00..1.01 rows=1 width=4) (never executed)',
    '        ->  Hash  (cost=0.00..1.01 rows=1 width=4) (actual rows=0 loops=1)',
    '              Buckets: 1024  Batches: 1  Memory Usage: 8kB',
    '              ->  Seq Scan on c  (cost=0.00..1.01 rows=1 width=4) (actual rows=0 loops=1)',
    'Planning Time: 0.100 ms',
    'Execution Time: 0.200 ms',
  ].join('\n');

  it('parses join types, quoted names, backward scans and timing-off actuals', () => {
    const plan = parsePlanInput(synthetic, 'synthetic.txt');
    expect(plan.nodes.map((n) => [n.label, n.nodeType, n.joinType])).toEqual([
      ['Nested Loop Left Join', 'Nested Loop', 'Left'],
      ['Seq Scan on "My Table" a', 'Seq Scan', undefined],
      ['Hash Semi Join', 'Hash Join', 'Semi'],
      ['Index Scan Backward using b_idx on b', 'Index Scan', undefined],
      ['Hash', 'Hash', undefined],
      ['Seq Scan on c', 'Seq Scan', undefined],
    ]);
    expect(plan.nodes[1]!.relation).toBe('My Table');
    expect([plan.analyzed, plan.timed]).toEqual([true, false]);
    expect(plan.root).toMatchObject({ actualRows: 3, actualLoops: 1, rowsRemovedByJoinFilter: 7, joinFilter: '(a.id = b.a_id)' });
    expect(plan.nodes[3]!.neverExecuted).toBe(true);
    expect(plan.root.exclusiveMs).toBeUndefined();
  });

  it('keeps unknown detail lines in raw instead of failing', () => {
    const plan = parsePlanInput(synthetic, 'synthetic.txt');
    expect(plan.root.raw['Frobnication Level']).toBe('extreme');
  });

  it('reads I/O timings, WAL, memoize and incremental-sort lines into JSON keys', () => {
    const plan = parsePlanInput([
      'Nested Loop  (cost=0.29..16.34 rows=2 width=8) (actual time=0.010..9.000 rows=3 loops=1)',
      '  Buffers: shared hit=3 read=7 dirtied=1 written=2, local hit=4, temp read=5 written=6',
      '  I/O Timings: shared read=1.250 write=0.500, local read=9.000, temp read=0.125',
      '  WAL: records=10 fpi=2 bytes=1234',
      '  ->  Seq Scan on a  (cost=0.00..1.01 rows=1 width=4) (actual time=0.001..0.002 rows=1 loops=1)',
      '  ->  Memoize  (cost=0.00..1.01 rows=1 width=4) (actual time=0.001..0.002 rows=1 loops=1)',
      '        Hits: 9  Misses: 1  Evictions: 0  Overflows: 0  Memory Usage: 1kB',
      '        ->  Incremental Sort  (cost=0.00..1.01 rows=1 width=4) (actual time=0.001..0.002 rows=1 loops=1)',
      '              Full-sort Groups: 1  Sort Method: external merge  Average Disk: 26kB  Peak Disk: 26kB',
      '              ->  Seq Scan on b  (cost=0.00..1.01 rows=1 width=4) (actual time=0.001..0.002 rows=1 loops=1)',
    ].join('\n'), 'details.txt');
    expect(plan.root.buffers).toEqual({ sharedHit: 3, sharedRead: 7, sharedDirtied: 1, sharedWritten: 2, tempRead: 5, tempWritten: 6, localHit: 4, localRead: 0 });
    expect(plan.root.raw).toMatchObject({ 'I/O Read Time': 1.25, 'I/O Write Time': 0.5, 'Local I/O Read Time': 9, 'Temp I/O Read Time': 0.125, 'WAL Records': 10, 'WAL FPI': 2, 'WAL Bytes': 1234 });
    expect(plan.nodes[2]!.raw).toMatchObject({ 'Cache Hits': 9, 'Cache Misses': 1, 'Peak Memory Usage': 1 });
    expect(plan.nodes[3]!.raw['Full-sort Groups']).toMatch(/Peak Disk: 26kB/);
    const spill = lintPlan(plan).find((f) => f.rule === 'disk-sort');
    expect(spill?.location).toBe('Nested Loop > Memoize > Incremental Sort');
    expect(spill?.evidence).toMatchObject({ diskKb: 26 });
  });

  it('reads an estimate-only plan', () => {
    const plan = loadPlan('estimate-only.txt');
    expect(plan.analyzed).toBe(false);
    expect(plan.root.costs).toEqual(loadPlan('estimate-only.json').root.costs);
  });
});
