// Lighthouse CI–style assertions: the --assert grammar, lighthouserc objects, aggregation methods.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPerfkitError } from '../../../src/cli/errors.js';
import { aggregateUrl } from '../../../src/lighthouse/aggregate.js';
import { assertionKeys, evaluateAssertions, parseAssertion, parseLhciAssertions } from '../../../src/lighthouse/assertions.js';
import type { RunMetrics } from '../../../src/lighthouse/model.js';
import { aggOf, runsOf } from './fixtures.js';

const errorOf = (f: () => unknown): Error & { kind?: string; hint?: string } => {
  try {
    f();
  } catch (e) {
    expect(isPerfkitError(e)).toBe(true);
    expect((e as Error).message).not.toContain('\n');
    return e as Error & { kind: string; hint?: string };
  }
  throw new Error('no error');
};

describe('parseAssertion', () => {
  it('reads every kind of key, operator and level', () => {
    expect(parseAssertion('categories.performance>=90')).toEqual({
      name: 'categories.performance', key: 'categories.performance', operator: '>=', threshold: 90, level: 'error', aggregation: 'median', source: '--assert categories.performance>=90',
    });
    expect(parseAssertion('largest-contentful-paint<=2500:warn')).toMatchObject({ name: 'largest-contentful-paint', key: 'audit.largest-contentful-paint.numericValue', operator: '<=', threshold: 2500, level: 'warn' });
    expect(parseAssertion('cumulative-layout-shift < 0.1')).toMatchObject({ key: 'audit.cumulative-layout-shift.numericValue', operator: '<', threshold: 0.1 });
    expect(parseAssertion('resource-summary.script.size<=300000')).toMatchObject({ name: 'resource-summary.script.size', key: 'resource-summary.script.size', threshold: 300000 });
    expect(parseAssertion('uses-long-cache-ttl.score>=0.9')).toMatchObject({ name: 'uses-long-cache-ttl.score', key: 'audit.uses-long-cache-ttl.score' });
    expect(parseAssertion('network-requests.length<=50:error')).toMatchObject({ key: 'audit.network-requests.length', level: 'error' });
    expect(parseAssertion('interactive.numericValue>1e3')).toMatchObject({ key: 'audit.interactive.numericValue', operator: '>', threshold: 1000 });
    expect(parseAssertion('categories.seo==100')).toMatchObject({ operator: '==', threshold: 100 });
  });

  it("accepts LHCI's colon spellings and names them in dot form", () => {
    expect(parseAssertion('categories:performance>=90')).toMatchObject({ name: 'categories.performance', key: 'categories.performance' });
    expect(parseAssertion('resource-summary:third-party:count<=0')).toMatchObject({ name: 'resource-summary.third-party.count', key: 'resource-summary.third-party.count' });
  });

  it('rejects what is not an assertion with a usage error that shows the grammar', () => {
    for (const [bad, why] of [
      ['categories.performance', /not an assertion/],
      ['lcp=<2500', /not an assertion/],
      ['largest-contentful-paint<=fast', /not an assertion/],
      ['>=90', /not an assertion/],
      ['categories.speed>=90', /'speed' is not a category \(performance, accessibility/],
      ['resource-summary.scripts.size<1', /'scripts' is not a resource type/],
      ['resource-summary.script.bytes<1', /resource-summary\.<type>\.size or \.count/],
      ['audit.x.y.z<1', /is not categories\.<id>, <audit-id>/],
      ['a..b<1', /empty part/],
    ] as const) {
      const e = errorOf(() => parseAssertion(bad));
      expect(e.kind).toBe('usage');
      expect(e.message).toContain(`'${bad}'`);
      expect(e.message).toMatch(why);
      expect(e.hint).toMatch(/<key><op><number>.*categories\.performance>=90/);
    }
  });
});

describe('parseLhciAssertions', () => {
  const rc = JSON.parse(fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/lighthouse/lighthouserc.json'), 'utf8'));

  it('reads a lighthouserc: levels, options, aggregation, and drops "off"', () => {
    const a = parseLhciAssertions(rc, 'lighthouserc.json');
    expect(a).toEqual([
      { name: 'categories.performance', key: 'categories.performance', operator: '>=', threshold: 90, level: 'error', aggregation: 'median', source: 'lighthouserc.json (ci.assert.assertions.categories:performance)' },
      { name: 'largest-contentful-paint', key: 'audit.largest-contentful-paint.numericValue', operator: '<=', threshold: 4000, level: 'error', aggregation: 'median-run', source: 'lighthouserc.json (ci.assert.assertions.largest-contentful-paint)' },
      { name: 'total-blocking-time', key: 'audit.total-blocking-time.numericValue', operator: '<=', threshold: 300, level: 'warn', aggregation: 'median', source: 'lighthouserc.json (ci.assert.assertions.total-blocking-time)' },
    ]);
    expect(assertionKeys(a)).toEqual(['categories.performance', 'audit.largest-contentful-paint.numericValue', 'audit.total-blocking-time.numericValue']);
  });

  it('a bare level is minScore 0.9 (as LHCI does); minScore, maxLength and maxNumericValue can combine', () => {
    const a = parseLhciAssertions({ assertions: { 'uses-long-cache-ttl': 'warn', 'network-requests': ['error', { maxLength: 50, maxNumericValue: 10 }], 'unused-javascript': ['error', { maxLength: 0, minScore: 1 }], 'categories:seo': 'error' } }, 'rc.json');
    expect(a.map((x) => `${x.name}${x.operator}${x.threshold}:${x.level}`)).toEqual([
      'uses-long-cache-ttl.score>=0.9:warn',
      'network-requests.length<=50:error',
      'network-requests<=10:error',
      'unused-javascript.length<=0:error',
      'unused-javascript.score>=1:error',
      'categories.seo>=90:error',
    ]);
    expect(parseLhciAssertions({ assertions: { 'resource-summary:script:size': ['error', { maxNumericValue: 300000 }] } }, 'x')[0]).toMatchObject({ key: 'resource-summary.script.size', operator: '<=', threshold: 300000 });
    expect(parseLhciAssertions({ assertions: { 'categories:performance': ['error', { minScore: 0.29 }] } }, 'x')[0].threshold).toBe(29);
  });

  it('assertMatrix: per-URL-pattern assertions, with aggregation inherited from the level above', () => {
    const a = parseLhciAssertions(
      { ci: { assert: { aggregationMethod: 'pessimistic', assertMatrix: [{ matchingUrlPattern: 'heavy', assertions: { 'total-blocking-time': ['error', { maxNumericValue: 600 }] } }, { matchingUrlPattern: '/fast\\.html$', aggregationMethod: 'optimistic', assertions: { 'categories:performance': 'error' } }] } } },
      'rc.json',
    );
    expect(a.map((x) => [x.name, x.urlPattern, x.aggregation])).toEqual([
      ['total-blocking-time', 'heavy', 'pessimistic'],
      ['categories.performance', '/fast\\.html$', 'optimistic'],
    ]);
    expect(a[0].source).toBe('rc.json (ci.assert.assertMatrix[0].assertions.total-blocking-time)');
    const heavy = evaluateAssertions(a, aggOf('heavy', { valueKeys: assertionKeys(a) }));
    const fast = evaluateAssertions(a, aggOf('fast', { valueKeys: assertionKeys(a) }));
    expect(heavy).toEqual([{ metric: 'total-blocking-time["/heavy.html"]', operator: '<=', threshold: 600, actual: 1070, level: 'error', status: 'fail', source: a[0].source }]);
    expect(fast).toMatchObject([{ metric: 'categories.performance["/fast.html"]', actual: 100, status: 'pass' }]);
  });

  it('says where a lighthouserc is wrong, and that presets are not supported', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ci: { assert: { preset: 'lighthouse:recommended' } } }, /^rc\.json: ci\.assert\.preset: presets are not supported \(got "lighthouse:recommended"\)$/],
      [{ ci: { collect: {} } }, /^rc\.json: ci\.assert: missing/],
      [[], /^rc\.json: \(top level\): expected a lighthouserc object/],
      [{ assertions: { 'first-contentful-paint': 'fatal' } }, /^rc\.json: assertions\.first-contentful-paint: "fatal": expected "off", "warn", "error"/],
      [{ assertions: { 'first-contentful-paint': ['error', { maxNumericValu: 1 }] } }, /^rc\.json: assertions\.first-contentful-paint\[1\]\.maxNumericValu: unknown option/],
      [{ assertions: { 'first-contentful-paint': ['error', { maxNumericValue: '1' }] } }, /\[1\]\.maxNumericValue: "1" is not a number/],
      [{ assertions: { 'first-contentful-paint': ['error', { aggregationMethod: 'average' }] } }, /\[1\]\.aggregationMethod: "average" is not an aggregation method \(median, optimistic, pessimistic, median-run\)/],
      [{ assertions: { 'categories:performance': ['error', { minScore: 90 }] } }, /\[1\]\.minScore: 90 is not a score between 0 and 1/],
      [{ assertions: { 'categories:performance': ['error', { maxNumericValue: 90 }] } }, /\[1\]\.maxNumericValue: not an option for 'categories:performance' \(use minScore\)/],
      [{ assertions: { 'resource-summary:script:size': 'error' } }, /assertions\.resource-summary:script:size: give a maxNumericValue \(bytes\)/],
      [{ assertions: { 'categories:pwa': 'error' } }, /assertions\.categories:pwa: 'pwa' is not a category/],
      [{ assertMatrix: [{ matchingUrlPattern: '(', assertions: {} }] }, /^rc\.json: assertMatrix\[0\]\.matchingUrlPattern: '\(' is not a valid regular expression/],
      [{ assertMatrix: [{ assertions: {}, assertMatrix: [] }] }, /^rc\.json: assertMatrix\[0\]\.assertMatrix: unknown key/],
      [{ assertion: {} }, /^rc\.json: assertion: unknown key \(expected assertions, /],
      [{ budgetsFile: 'budget.json' }, /budgetsFile: not read from an assertions file/],
    ];
    for (const [raw, re] of cases) {
      const e = errorOf(() => parseLhciAssertions(raw, 'rc.json'));
      expect(e.kind).toBe('config');
      expect(e.message).toMatch(re);
      expect(e.hint).toBeTruthy();
    }
  });
});

describe('evaluateAssertions and aggregation methods', () => {
  // Three synthetic runs: LCP 1000, 3000, 2000 (FCP/TTI make run 3, LCP 2000, the median run).
  const run = (i: number, lcp: number, fcp: number, tti: number): RunMetrics => ({
    ...runsOf('fast')[0],
    run: i,
    metrics: { ...runsOf('fast')[0].metrics, fcp, tti },
    values: { 'audit.largest-contentful-paint.numericValue': lcp, 'categories.performance': 100 - lcp / 100 },
  });
  const agg = aggregateUrl('http://127.0.0.1/x', '/x', [run(1, 1000, 500, 900), run(2, 3000, 700, 1300), run(3, 2000, 610, 1110)], []);
  const lcp = (expr: string, aggregation: 'median' | 'optimistic' | 'pessimistic' | 'median-run') => ({ ...parseAssertion(expr), aggregation });

  it('median by default; optimistic and pessimistic depend on the direction; median-run is the representative run', () => {
    expect(agg.medianRun).toBe(2);
    const actual = (a: ReturnType<typeof lcp>) => evaluateAssertions([a], agg)[0].actual;
    expect(actual(lcp('largest-contentful-paint<=2500', 'median'))).toBe(2000);
    expect(actual(lcp('largest-contentful-paint<=2500', 'optimistic'))).toBe(1000);
    expect(actual(lcp('largest-contentful-paint<=2500', 'pessimistic'))).toBe(3000);
    expect(actual(lcp('largest-contentful-paint<=2500', 'median-run'))).toBe(2000);
    expect(actual(lcp('categories.performance>=75', 'optimistic'))).toBe(90);
    expect(actual(lcp('categories.performance>=75', 'pessimistic'))).toBe(70);
    expect(actual(lcp('categories.performance==80', 'optimistic'))).toBe(80);
    const r = evaluateAssertions([lcp('largest-contentful-paint<=2500', 'pessimistic')], agg, '--assert');
    expect(r[0]).toMatchObject({ metric: 'largest-contentful-paint["/x"]', threshold: 2500, status: 'fail' });
    expect(evaluateAssertions([lcp('largest-contentful-paint<=2500', 'optimistic')], agg)[0].status).toBe('pass');
  });

  it('missing when no run has the value; skips URLs the pattern does not match', () => {
    const r = evaluateAssertions([parseAssertion('uses-long-cache-ttl.score>=0.9'), { ...parseAssertion('categories.seo>=1'), urlPattern: '/y$' }], agg);
    expect(r).toEqual([{ metric: 'uses-long-cache-ttl.score["/x"]', operator: '>=', threshold: 0.9, actual: null, level: 'error', status: 'missing', source: '--assert uses-long-cache-ttl.score>=0.9' }]);
    const { source: _, ...noSource } = parseAssertion('categories.performance>=1');
    expect(evaluateAssertions([noSource], agg, 'config')[0].source).toBe('config');
  });

  it('on the captured runs: the heavy page fails a performance score of 90, the fast page passes', () => {
    const a = [parseAssertion('categories.performance>=90'), parseAssertion('cumulative-layout-shift<0.1')];
    const keys = assertionKeys(a);
    expect(evaluateAssertions(a, aggOf('heavy', { valueKeys: keys })).map((r) => [r.actual, r.status])).toEqual([[43, 'fail'], [0, 'pass']]);
    expect(evaluateAssertions(a, aggOf('fast', { valueKeys: keys })).map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(evaluateAssertions(a, aggOf('shift', { valueKeys: keys }))[1]).toMatchObject({ actual: 0.2386, status: 'fail' });
  });
});
