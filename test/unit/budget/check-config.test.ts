// The checks of a config, resolved (targets filled in and added, budgets checked), and the samples a
// check's reports yield (per repetition, per Lighthouse run, per load-test second).
import { describe, expect, it } from 'vitest';
import { parseArgsStringToArgv } from 'string-argv';
import { resolveChecks, selectChecks } from '../../../src/budget/check-config.js';
import { samplesOf } from '../../../src/budget/check-samples.js';
import { absoluteBudgets, diffFingerprint } from '../../../src/budget/check-compare.js';
import type { PerfkitConfigFile } from '../../../src/config/schema.js';
import type { Report } from '../../../src/report/model.js';

const cfg = (checks: PerfkitConfigFile['checks'], extra: Partial<PerfkitConfigFile> = {}): PerfkitConfigFile => ({
  targets: { db: 'postgres://app@db/shop', redis: 'redis://cache:6379', urls: { home: 'http://web:3000/' }, cdn: { provider: 'varnish', server: 'http://varnish:6081', yes: true } },
  checks,
  ...extra,
});
const resolve = (c: PerfkitConfigFile) => resolveChecks(c, parseArgsStringToArgv, 'perfkit.config.yaml');
const level = 'error' as const;

describe('resolveChecks', () => {
  it('fills in ${targets} and adds the database, Redis and CDN targets to the commands that take them', () => {
    const [db, own, cache, load, cdn] = resolve(
      cfg([
        { name: 'q', run: 'db explain "SELECT 1" --analyze' },
        { name: 'own', run: 'db slow --db postgres://other/x' },
        { name: 'c', run: ['cache', 'inspect'] },
        { name: 'l', run: 'loadtest ${urls.home}api -c 2', repeat: 3 },
        { name: 'p', run: 'cdn invalidate /x' },
      ]),
    );
    expect(db).toMatchObject({ command: 'db explain', argv: ['db', 'explain', 'SELECT 1', '--analyze', '--db', 'postgres://app@db/shop'], repeat: 1, key: 'checks[0]' });
    expect(own.argv).toEqual(['db', 'slow', '--db', 'postgres://other/x']);
    expect(cache.argv).toEqual(['cache', 'inspect', '--redis', 'redis://cache:6379']);
    expect(load).toMatchObject({ command: 'loadtest', argv: ['loadtest', 'http://web:3000/api', '-c', '2'], repeat: 3 });
    expect(cdn.argv).toEqual(['cdn', 'invalidate', '/x', '--provider', 'varnish', '--server', 'http://varnish:6081', '--yes']);
  });

  it('regression budgets: percentages, the direction from the name or `better`, the inconclusive policy from check:', () => {
    const [c] = resolve(
      cfg(
        [
          {
            name: 'l',
            run: 'loadtest http://x/',
            budgets: [
              { metric: 'latency.p95', regression: '10%', level },
              { metric: 'rps', regression: 0.05, level, inconclusive: 'fail' },
              { metric: 'keys', regression: '5%', better: 'higher', level, minChange: 3 },
              { metric: 'errorRate', max: 0.01, level },
            ],
          },
        ],
        { check: { inconclusive: 'warn' } },
      ),
    );
    expect(c.budgets.map((b) => [b.metric, b.regression, b.better, b.inconclusive])).toEqual([
      ['latency.p95', 0.1, 'lower', 'warn'],
      ['rps', 0.05, 'higher', 'fail'],
      ['keys', 0.05, 'higher', 'warn'],
      ['errorRate', undefined, undefined, undefined],
    ]);
    expect(c.budgets[2].minChange).toBe(3);
  });

  it('--only keeps config order and names the checks there are', () => {
    const all = resolve(cfg([{ name: 'a', run: 'doctor' }, { name: 'b', run: 'doctor' }, { name: 'c', run: 'doctor' }]));
    expect(selectChecks(all, ['c,a']).map((c) => c.name)).toEqual(['a', 'c']);
    expect(() => selectChecks(all, ['d'])).toThrow(/--only d: no such check/);
  });
});

const report = (summary: Record<string, number>, data: unknown = {}): Report => ({ schemaVersion: 1, tool: { name: 'perfkit', version: '0' }, command: 'x', status: 'pass', startedAt: '', durationMs: 0, target: {}, environment: {}, summary, findings: [], budgets: [], data });

describe('samples', () => {
  it('one per repetition from the summary', () => {
    expect(samplesOf('db explain', [report({ executionMs: 3 }), report({ executionMs: 5 })])).toEqual({ executionMs: [3, 5] });
  });

  it('one per Lighthouse run, per URL when there are several', () => {
    const run = (lcp: number, perf: number) => ({ scores: { performance: perf }, metrics: { lcp } });
    const one = report({ lcp: 2 }, { urls: [{ label: '/', runs: [run(1000, 90), run(1200, 88), run(1100, 91)] }] });
    expect(samplesOf('lighthouse', [one]).lcp).toEqual([1000, 1200, 1100]);
    expect(samplesOf('lighthouse', [one]).performance).toEqual([90, 88, 91]);
    const two = report({}, { urls: [{ label: '/', runs: [run(1, 1)] }, { label: '/x', runs: [run(2, 2), run(3, 3)] }] });
    expect(samplesOf('lighthouse', [two])['lcp["/x"]']).toEqual([2, 3]);
  });

  it("one per full second of a load test for rps and p99 (the partial first and last left out)", () => {
    const sec = (requests: number, p99Ms: number) => ({ requests, p99Ms });
    const s = samplesOf('loadtest', [report({ rps: 100 }, { timeline: [sec(10, 1), sec(100, 5), sec(110, 6), sec(90, 7), sec(5, 9)] })]);
    expect(s.rps).toEqual([100, 110, 90]);
    expect(s['latency.p99']).toEqual([5, 6, 7]);
  });
});

describe('absolute budgets and fingerprints', () => {
  it('judges the median over repetitions, and a metric no run has is missing', () => {
    const [c] = resolve(cfg([{ name: 'q', run: 'doctor', budgets: [{ metric: 'ms', max: 10, level }, { metric: 'score', min: 90, level: 'warn' }, { metric: 'nope', max: 1, level }] }]));
    const out = absoluteBudgets(c, [report({ ms: 5, score: 95 }), report({ ms: 50, score: 80 }), report({ ms: 8, score: 85 })]);
    expect(out.map((b) => [b.metric, b.actual, b.status, b.level])).toEqual([
      ['q/ms', 8, 'pass', 'error'],
      ['q/score', 85, 'fail', 'warn'],
      ['q/nope', null, 'missing', 'error'],
    ]);
  });

  it('lists the fields that differ from the baseline, ignoring what one side does not know', () => {
    const a = { perfkit: '0.1.0', node: 'v20', platform: 'linux x64', cpuModel: 'A', cpus: 2, memoryBytes: 1, postgres: '15' };
    expect(diffFingerprint(a, { ...a, cpus: 8, redis: '7' })).toEqual(['cpus: 2 → 8']);
    expect(diffFingerprint(null, a)).toEqual(['the baseline has no environment fingerprint']);
  });
});
