// The rule catalogue on captured plans: each rule fires on the plan that shows its problem (JSON and
// text alike), names the node, gives the numbers and a concrete fix, and stays quiet on a clean plan.
import { describe, expect, it } from 'vitest';
import { PerfkitError } from '../../../src/cli/errors.js';
import { lintPlan } from '../../../src/db/explain/lint.js';
import { RULES, ruleCatalogue } from '../../../src/db/explain/rules/catalogue.js';
import { resolveThresholds, thresholdNames } from '../../../src/db/explain/rules/thresholds.js';
import { loadPlan, tableStats } from './fixtures.js';

const CASES: Array<{ rule: string; fixture: string; location: string; severity: string; message: RegExp; fix: RegExp }> = [
  { rule: 'hotspot', fixture: 'disk-sort', location: 'Sort', severity: 'warn', message: /^Sort took [\d.]+ ms of its own .* \d+% of the/, fix: /CREATE INDEX CONCURRENTLY ON orders \(amount DESC, id\)/ },
  { rule: 'misestimate', fixture: 'misestimate', location: 'Seq Scan on events', severity: 'error', message: /estimated at 1 row but returned 1,000: 1,000× under-estimated/, fix: /CREATE STATISTICS events_a_b_stats \(dependencies, mcv\) ON a, b FROM events; ANALYZE events;/ },
  { rule: 'seq-scan-filter', fixture: 'seq-scan-filter', location: 'Seq Scan on orders', severity: 'warn', message: /read 1,000,000 rows .* threw away 999,600 \(100%\) to return 400/, fix: /CREATE INDEX CONCURRENTLY ON orders \(status, amount\);/ },
  { rule: 'disk-sort', fixture: 'disk-sort', location: 'Sort', severity: 'warn', message: /^Sort on orders spilled \d+ MB to disk \(external merge\)/, fix: /SET LOCAL work_mem = '\d+MB'.*CREATE INDEX CONCURRENTLY ON orders \(amount DESC, id\)/ },
  { rule: 'hash-batches', fixture: 'hash-batches', location: 'HashAggregate > Hash Join > Hash', severity: 'warn', message: /^Hash on customers used 8 batches/, fix: /SET LOCAL work_mem = '\d+MB'; this session has work_mem = 256kB/ },
  { rule: 'lossy-bitmap', fixture: 'lossy-bitmap', location: 'Aggregate > Bitmap Heap Scan on orders', severity: 'warn', message: /had [\d,]+ lossy heap blocks \(exact: [\d,]+\)/, fix: /SET LOCAL work_mem = '\d+kB'; now 64 kB/ },
  { rule: 'heap-fetches', fixture: 'heap-fetches', location: 'Index Only Scan using readings_sensor_idx on readings', severity: 'warn', message: /fetched [\d,]+ rows from the table/, fix: /^VACUUM \(ANALYZE\) readings;/ },
  { rule: 'nested-loop-explosion', fixture: 'nested-loop', location: 'GroupAggregate > Nested Loop', severity: 'warn', message: /ran its inner side \(Index Scan using orders_customer_id_idx on orders o\) 20,000 times, 20 rows each, 400,000 rows in all/, fix: /hash join/ },
  { rule: 'workers-not-launched', fixture: 'workers-not-launched', location: 'Finalize GroupAggregate > Gather Merge', severity: 'warn', message: /planned 2 workers but launched 0/, fix: /max_parallel_workers = 0/ },
  { rule: 'jit-overhead', fixture: 'jit', location: 'HashAggregate', severity: 'warn', message: /^JIT compilation took [\d.]+ ms, \d+% of the/, fix: /SET LOCAL jit = off.*jit_above_cost \(this session has 0/ },
  { rule: 'planning-dominates', fixture: 'planning-dominates', location: 'plan', severity: 'warn', message: /^Planning took [\d.]+ ms, \d+× the [\d.]+ ms execution \(25 nodes, 8 joins\)/, fix: /prepared statement.*join_collapse_limit = 12/ },
  { rule: 'large-offset', fixture: 'large-offset', location: 'Limit', severity: 'warn', message: /read 200,020 rows to return 20: about 200,000 were skipped by OFFSET/, fix: /keyset pagination/ },
  { rule: 'never-executed', fixture: 'never-executed', location: 'Nested Loop > Bitmap Heap Scan on orders o', severity: 'info', message: /never ran \(loops=0\), nor the 1 node below it: Index Scan using customers_pkey on customers c returned no rows/, fix: /parameters that reach it/ },
  { rule: 'read-heavy', fixture: 'read-heavy', location: 'Aggregate > Seq Scan on orders', severity: 'warn', message: /read [\d,]+ blocks \(\d+ MB\) from outside shared_buffers/, fix: /ring buffer/ },
  { rule: 'stale-stats', fixture: 'stale-stats', location: 'Aggregate > Seq Scan on audit_log', severity: 'warn', message: /audit_log had 200,000 rows modified since its last ANALYZE/, fix: /^ANALYZE audit_log;/ },
  { rule: 'no-analyze', fixture: 'estimate-only', location: 'plan', severity: 'info', message: /estimates only/, fix: /--analyze/ },
];

describe('every rule fires on its fixture', () => {
  it('covers the whole catalogue', () => {
    expect(CASES.map((c) => c.rule).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  describe.each(['json', 'txt'])('%s capture', (ext) => {
    it.each(CASES)('$rule on $fixture', ({ rule, fixture, location, severity, message, fix }) => {
      const findings = lintPlan(loadPlan(`${fixture}.${ext}`), { tableStats: tableStats() });
      const f = findings.find((x) => x.rule === rule && x.location === location);
      expect(f, `${rule} at ${location} in ${JSON.stringify(findings.map((x) => [x.rule, x.location]))}`).toBeDefined();
      expect(f!.severity).toBe(severity);
      expect(f!.title).toBe(RULES.find((r) => r.id === rule)!.title);
      expect(f!.message).toMatch(message);
      expect(f!.fix).toMatch(fix);
      expect(Object.values(f!.evidence ?? {}).some((v) => typeof v === 'number')).toBe(true);
    });
  });

  it.each(['json', 'txt'])('hash-batches also catches a HashAggregate that spilled (%s)', (ext) => {
    const plan = loadPlan(`hashagg-spill.${ext}`);
    const f = lintPlan(plan).find((x) => x.rule === 'hash-batches')!;
    expect(f.location).toBe('HashAggregate');
    expect(f.evidence).toMatchObject({ batches: plan.root.hashAggBatches, diskUsageKb: plan.root.diskUsageKb });
    expect(f.message).toMatch(/^HashAggregate used \d+ batches, writing to temp files; peak memory per batch \d+ kB, disk \d+ MB\.$/);
    expect(f.fix).toMatch(/SET LOCAL work_mem = '\d+MB'.*or aggregate fewer rows/);
  });

  it('gives the numbers as evidence', () => {
    const plan = loadPlan('disk-sort.json');
    const f = lintPlan(plan).find((x) => x.rule === 'disk-sort')!;
    expect(f.evidence).toMatchObject({ nodeId: 0, diskKb: plan.root.sortSpaceKb, sortMethod: 'external merge', rows: 1_000_000 });
  });
});

describe('quiet where there is nothing to say', () => {
  it('a primary-key lookup gets no finding', () => {
    expect(lintPlan(loadPlan('clean.json'), { tableStats: tableStats() })).toEqual([]);
    expect(lintPlan(loadPlan('clean.txt'))).toEqual([]);
  });

  it('the fixed plans no longer get the finding the fix was for', () => {
    expect(lintPlan(loadPlan('seq-scan-filter.after-index.json'))).toEqual([]);
    expect(lintPlan(loadPlan('hash-batches.after-work-mem.json')).map((f) => f.rule)).not.toContain('hash-batches');
  });

  it('an estimate-only plan gets only the no-analyze hint', () => {
    expect(lintPlan(loadPlan('estimate-only.json'), { tableStats: tableStats() }).map((f) => f.rule)).toEqual(['no-analyze']);
  });

  it('stale-stats needs table statistics (live mode) and ignores fresh tables', () => {
    expect(lintPlan(loadPlan('stale-stats.json')).map((f) => f.rule)).not.toContain('stale-stats');
    const fresh = tableStats().filter((s) => s.relation !== 'audit_log');
    expect(lintPlan(loadPlan('read-heavy.json'), { tableStats: fresh }).map((f) => f.rule)).not.toContain('stale-stats');
  });

  it('stale-stats flags a table never analyzed, matched by schema-qualified name', () => {
    const stats = [{ relation: 'public.orders', nLiveTup: 1_000_000, nModSinceAnalyze: 0, lastAnalyze: null, lastAutoanalyze: null }];
    const f = lintPlan(loadPlan('read-heavy.json'), { tableStats: stats }).find((x) => x.rule === 'stale-stats')!;
    expect(f.message).toMatch(/^orders has never been analyzed/);
    expect(f.location).toBe('Aggregate > Seq Scan on orders');
  });

  it('misestimates are reported where they start, not on every node above', () => {
    const f = lintPlan(loadPlan('misestimate.json')).filter((x) => x.rule === 'misestimate');
    expect(f).toHaveLength(1);
  });
});

describe('options', () => {
  it('orders findings worst first', () => {
    const order = { error: 0, warn: 1, info: 2 };
    const findings = lintPlan(loadPlan('misestimate.json'));
    expect(findings[0]!.severity).toBe('error');
    const ranks = findings.map((f) => order[f.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('thresholds can be raised, nested or flat as in the config file', () => {
    const plan = loadPlan('disk-sort.json');
    expect(lintPlan(plan, { thresholds: { hotspot: { warnPct: 99, infoPct: 99 } } }).map((f) => f.rule)).not.toContain('hotspot');
    expect(lintPlan(plan, { thresholds: { 'hotspot.warnPct': 99, 'hotspot.infoPct': 99 } }).map((f) => f.rule)).not.toContain('hotspot');
    const mis = lintPlan(loadPlan('misestimate.json'), { thresholds: { 'misestimate.errorFactor': 5000 } }).find((f) => f.rule === 'misestimate')!;
    expect(mis.severity).toBe('warn');
  });

  it('rules can be disabled', () => {
    const rules = lintPlan(loadPlan('disk-sort.json'), { disabledRules: ['hotspot', 'read-heavy'] }).map((f) => f.rule);
    expect(rules).toEqual(['disk-sort']);
  });

  it('an unknown threshold is a config error that lists the known ones', () => {
    let err: unknown;
    try {
      resolveThresholds({ 'hotspot.warnPercent': 30 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PerfkitError);
    expect((err as PerfkitError).kind).toBe('config');
    expect((err as PerfkitError).message).toContain('hotspot.warnPercent');
    expect((err as PerfkitError).hint).toContain('hotspot.warnPct');
    expect(() => resolveThresholds({ misestimate: { warnFactor: -1 } })).toThrow(/must be a number ≥ 0/);
  });

  it('the catalogue is data: ids, default severities, thresholds and docs', () => {
    const catalogue = ruleCatalogue();
    expect(catalogue.map((r) => r.id)).toContain('nested-loop-explosion');
    for (const r of catalogue) {
      expect(r.doc.length).toBeGreaterThan(20);
      expect(['error', 'warn', 'info']).toContain(r.severity);
    }
    expect(thresholdNames()).toContain('misestimate.warnFactor');
  });
});
