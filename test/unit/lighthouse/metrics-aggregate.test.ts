// One Lighthouse run → RunMetrics, N runs → the aggregate, and the median run picked exactly as
// Lighthouse picks it, on real Lighthouse 12.8.2 results (fixtures/lighthouse) and on synthetic runs.
import { describe, expect, it } from 'vitest';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';
import { aggregateUrl, labelsFor, medianRunIndex, spreadOf } from '../../../src/lighthouse/aggregate.js';
import { runMetrics, valueOf } from '../../../src/lighthouse/metrics.js';
import type { Lhr } from '../../../src/lighthouse/model.js';
import { PAGES, aggOf, lhrs, runsOf } from './fixtures.js';

describe('runMetrics on captured results', () => {
  it('reads the heavy page: big image and script, a blocked main thread', () => {
    const [r] = runsOf('heavy');
    expect(r.scores).toEqual({ performance: 42, accessibility: 100, 'best-practices': 96, seo: 100 });
    expect(r.metrics).toMatchObject({ lcp: 10806, fcp: 4072, tbt: 1070, cls: 0, tti: 10806, ttfb: 3, totalBytes: 1955826, requests: 4 });
    expect(r.resources.image).toEqual({ count: 1, bytes: 1556644 });
    expect(r.resources.image.bytes).toBeGreaterThan(1_000_000);
    expect(r.resources.script.bytes).toBeGreaterThan(300_000);
    expect(r.resources.media).toEqual({ count: 0, bytes: 0 });
    expect(r.metrics.tbt).toBeGreaterThan(0);
    expect(r.resourcesMeasured).toBeUndefined();
  });

  it('reads the fast page as fast and the shift page as shifting', () => {
    for (const r of runsOf('fast')) expect(r.scores.performance).toBeGreaterThanOrEqual(90);
    for (const r of runsOf('shift')) expect(r.metrics.cls).toBeGreaterThan(0.1);
    expect(runsOf('shift')[0].metrics.cls).toBe(0.2386); // 0.2385727… to 4 decimals
  });

  it('keeps Lighthouse\'s run warnings', () => {
    const [, second] = runsOf('heavy');
    expect(second.warnings).toHaveLength(1);
    expect(second.warnings[0]).toMatch(/slower CPU/);
  });

  it('extracts the values assertions ask for, null when absent', () => {
    const lhr = lhrs('heavy')[0];
    expect(valueOf(lhr, 'categories.performance')).toBe(42);
    expect(valueOf(lhr, 'audit.max-potential-fid.numericValue')).toBe(1120);
    expect(valueOf(lhr, 'audit.network-requests.length')).toBe(5);
    expect(valueOf(lhr, 'audit.first-meaningful-paint.numericValue')).toBeNull();
    expect(valueOf(lhr, 'audit.first-meaningful-paint.score')).toBe(1); // notApplicable passes, as in LHCI
    expect(valueOf(lhr, 'audit.largest-contentful-paint.score')).toBe(lhr.audits['largest-contentful-paint'].score);
    expect(valueOf(lhr, 'resource-summary.script.size')).toBe(397731);
    expect(valueOf(lhr, 'resource-summary.image.count')).toBe(1);
    expect(valueOf(lhr, 'audit.no-such-audit.numericValue')).toBeNull();
    expect(valueOf(lhr, 'categories.pwa')).toBeNull();
    const r = runMetrics(lhr, { run: 1, attempt: 1, wallMs: 1, valueKeys: ['categories.seo', 'audit.nope.score'] });
    expect(r.values).toEqual({ 'categories.seo': 100, 'audit.nope.score': null });
  });

  it('recomputes third-party from the requests when the budget names the first-party hosts', () => {
    const lhr = lhrs('heavy')[0];
    // Everything is on 127.0.0.1: with another first party, all four requests (not the favicon) are third-party.
    expect(runMetrics(lhr, { run: 1, attempt: 1, wallMs: 1, valueKeys: [], firstPartyHostnames: ['example.com'] }).resources['third-party']).toEqual({ count: 4, bytes: 1955637 });
    expect(runMetrics(lhr, { run: 1, attempt: 1, wallMs: 1, valueKeys: [], firstPartyHostnames: ['127.0.0.1'] }).resources['third-party']).toEqual({ count: 0, bytes: 0 });
  });

  it('marks scores and metrics absent when the categories were not audited', () => {
    const lhr: Lhr = { lighthouseVersion: '12.8.2', categories: { accessibility: { score: 0.87 } }, audits: {} };
    const r = runMetrics(lhr, { run: 1, attempt: 1, wallMs: 1, valueKeys: [] });
    expect(r.scores).toEqual({ accessibility: 87 });
    expect(r.metrics.lcp).toBeNull();
    expect(r.metrics.requests).toBeNull();
    expect(r.resourcesMeasured).toBe(false);
  });
});

describe('median run', () => {
  it('picks what Lighthouse\'s own computeMedianRun picks, for every captured page', () => {
    const picked: number[] = [];
    for (const page of PAGES) {
      const results = lhrs(page);
      const lighthouse = results.indexOf(computeMedianRun(results as never) as never);
      expect(aggOf(page).medianRun, page).toBe(lighthouse);
      picked.push(lighthouse);
    }
    expect(picked).toEqual([2, 0, 2]);
  });

  it('odd count: the run nearest both medians', () => {
    expect(medianRunIndex([{ fcp: 1000, tti: 3000 }, { fcp: 1200, tti: 3300 }, { fcp: 1100, tti: 3100 }])).toBe(2);
  });

  it('even count: the medians are the means of the two middle values', () => {
    // medians: fcp 1150, tti 3150 → run 1 (1100, 3200) is at 50²+50², run 2 (1200, 3100) the same, run 0 far.
    // Tie → the smaller TTI: run 2.
    expect(medianRunIndex([{ fcp: 900, tti: 2500 }, { fcp: 1100, tti: 3200 }, { fcp: 1200, tti: 3100 }, { fcp: 1400, tti: 3600 }])).toBe(2);
    expect(medianRunIndex([{ fcp: 1000, tti: 3000 }, { fcp: 2000, tti: 3000 }, { fcp: 1400, tti: 3000 }, { fcp: 1700, tti: 3000 }])).toBe(2);
  });

  it('exact ties go to the smaller TTI, then to the earlier run', () => {
    expect(medianRunIndex([{ fcp: 1000, tti: 2000 }, { fcp: 1000, tti: 3000 }])).toBe(0);
    expect(medianRunIndex([{ fcp: 1000, tti: 3000 }, { fcp: 1000, tti: 2000 }])).toBe(1);
    expect(medianRunIndex([{ fcp: 1000, tti: 2000 }, { fcp: 1000, tti: 2000 }])).toBe(0);
  });

  it('matches Lighthouse on the synthetic sets too', () => {
    const sets = [
      [[1000, 3000], [1200, 3300], [1100, 3100]],
      [[900, 2500], [1100, 3200], [1200, 3100], [1400, 3600]],
      [[1000, 3000], [1000, 2000]],
      [[500, 900], [520, 880], [480, 950], [505, 905], [600, 1000]],
    ];
    for (const set of sets) {
      const fake = set.map(([fcp, tti]) => ({ audits: { 'first-contentful-paint': { numericValue: fcp }, interactive: { numericValue: tti } } }));
      expect(medianRunIndex(set.map(([fcp, tti]) => ({ fcp, tti })))).toBe(fake.indexOf(computeMedianRun(fake as never) as never));
    }
  });

  it('falls back when FCP or TTI is missing: runs that have both, then the performance score, then the first run', () => {
    // Without the TTI-less run the medians are (3000, 5000): run 1 itself.
    expect(medianRunIndex([{ fcp: 1000, tti: null }, { fcp: 3000, tti: 5000 }, { fcp: 1000, tti: 2000 }, { fcp: 3100, tti: 5200 }])).toBe(1);
    expect(medianRunIndex([{ fcp: null, tti: null, performance: 50 }, { fcp: null, tti: null, performance: 90 }, { fcp: null, tti: null, performance: 70 }])).toBe(2);
    expect(medianRunIndex([{ fcp: null, tti: null }, { fcp: null, tti: null }])).toBe(0);
    expect(medianRunIndex([])).toBe(0);
  });
});

describe('aggregate', () => {
  it('spreads: median, min, max and the relative spread', () => {
    expect(spreadOf([10, 30, 20])).toEqual({ median: 20, min: 10, max: 30, relSpread: 1 });
    expect(spreadOf([1, 2, 3, 4])).toEqual({ median: 2.5, min: 1, max: 4, relSpread: 1.2 });
    expect(spreadOf([0, 0, 1])).toMatchObject({ median: 0, relSpread: 0 });
    expect(spreadOf([3, 4, 5])).toMatchObject({ relSpread: 0.5 });
    expect(spreadOf([3, 3.5, 4.1]).relSpread).toBe(0.314);
  });

  it('aggregates the heavy page\'s three runs', () => {
    const a = aggOf('heavy');
    expect(a.scores.performance).toEqual({ median: 43, min: 42, max: 43, relSpread: 0.023 });
    expect(a.metrics.tbt).toEqual({ median: 1035, min: 1025, max: 1070, relSpread: 0.043 });
    expect(a.metrics.ttfb?.median).toBe(0.9);
    expect(a.resources.image).toEqual({ count: 1, bytes: 1556644 });
    expect(a.runs).toHaveLength(3);
  });

  it('leaves out what no run measured and takes medians over the runs that did', () => {
    const runs = runsOf('fast');
    runs[1].metrics.lcp = null;
    const a = aggregateUrl('http://x/', '/', runs, [{ attempt: 2, error: 'timeout' }]);
    expect(a.metrics.lcp).toEqual(spreadOf([runs[0].metrics.lcp!, runs[2].metrics.lcp!]));
    const none = aggregateUrl('http://x/', '/', runs.map((r) => ({ ...r, scores: {}, metrics: { ...r.metrics, cls: null } })), []);
    expect(none.scores).toEqual({});
    expect(none.metrics.cls).toBeUndefined();
    expect(a.failedAttempts).toEqual([{ attempt: 2, error: 'timeout' }]);
  });
});

describe('labels', () => {
  it('paths when one origin, host and path otherwise, numbered when equal', () => {
    expect(labelsFor(['http://127.0.0.1:8765/', 'http://127.0.0.1:8765/heavy.html', 'http://127.0.0.1:8765/a?x=1'])).toEqual(['/', '/heavy.html', '/a?x=1']);
    expect(labelsFor(['https://a.example.com/x', 'https://b.example.com/x?y=1'])).toEqual(['a.example.com/x', 'b.example.com/x?y=1']);
    expect(labelsFor(['http://h/a#one', 'http://h/a#two', 'http://h/a#three'])).toEqual(['/a', '/a#2', '/a#3']);
    expect(labelsFor(['http://h:8080/', 'http://h:9090/'])).toEqual(['h:8080/', 'h:9090/']);
  });
});
