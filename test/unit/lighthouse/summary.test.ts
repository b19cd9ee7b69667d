// The lighthouse summary (what budgets and --threshold name) and findings, from the captured runs.
import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../../../src/budget/grammar.js';
import { evaluateThresholds } from '../../../src/budget/evaluate.js';
import { lighthouseFindings, lighthouseSummary } from '../../../src/lighthouse/summary.js';
import type { LighthouseData, UnderLoad, UrlAggregate } from '../../../src/lighthouse/model.js';
import { aggOf } from './fixtures.js';

describe('lighthouseSummary', () => {
  it('one URL: the medians under plain names', () => {
    expect(lighthouseSummary([aggOf('heavy')], null)).toEqual({
      performance: 43,
      accessibility: 100,
      bestPractices: 96,
      seo: 100,
      lcp: 10806,
      fcp: 4046.9,
      tbt: 1035,
      cls: 0,
      si: 4046.9,
      tti: 10806,
      ttfb: 0.9,
      totalBytes: 1955826,
      requests: 4,
      'resources.total.bytes': 1955637,
      'resources.total.count': 4,
      'resources.document.bytes': 931,
      'resources.document.count': 1,
      'resources.script.bytes': 397731,
      'resources.script.count': 1,
      'resources.stylesheet.bytes': 331,
      'resources.stylesheet.count': 1,
      'resources.image.bytes': 1556644,
      'resources.image.count': 1,
      'resources.media.bytes': 0,
      'resources.media.count': 0,
      'resources.font.bytes': 0,
      'resources.font.count': 0,
      'resources.other.bytes': 0,
      'resources.other.count': 0,
      'resources.thirdParty.bytes': 0,
      'resources.thirdParty.count': 0,
      runs: 3,
      failedRuns: 0,
      failedUrls: 0,
    });
  });

  it('several URLs: each URL under its label, the plain key the worst', () => {
    const heavy = aggOf('heavy');
    const shift = { ...aggOf('shift'), failedAttempts: [{ attempt: 1, error: 'NO_FCP' }] };
    const s = lighthouseSummary([heavy, shift], null, [{ url: 'http://127.0.0.1:8765/hang', errors: ['timeout', 'timeout'] }]);
    expect(s['performance["/heavy.html"]']).toBe(43);
    expect(s['performance["/shift.html"]']).toBe(88);
    expect(s.performance).toBe(43); // the lowest score
    expect(s['cls["/shift.html"]']).toBe(0.2386);
    expect(s.cls).toBe(0.2386); // the highest metric
    expect(s.lcp).toBe(10806);
    expect(s['resources.script.bytes["/heavy.html"]']).toBe(397731);
    expect(s['resources.script.bytes["/shift.html"]']).toBe(0);
    expect(s['resources.script.bytes']).toBe(397731);
    expect(s['runs["/shift.html"]']).toBe(3);
    expect(s.runs).toBe(6); // summed
    expect(s.failedRuns).toBe(3); // one retry + two attempts of the URL that never worked
    expect(s.failedUrls).toBe(1);
    // The keys are what --threshold names.
    const r = evaluateThresholds(s, [parseThreshold('lcp["/heavy.html"]<=2500'), parseThreshold('cls["/shift.html"]<0.1:warn'), parseThreshold('performance>=40')]);
    expect(r.map((x) => [x.actual, x.status])).toEqual([[10806, 'fail'], [0.2386, 'fail'], [43, 'pass']]);
  });

  it('leaves out categories not audited and resources not measured', () => {
    const a = aggOf('fast');
    const partial: UrlAggregate = { ...a, scores: { accessibility: a.scores.accessibility }, metrics: {}, runs: a.runs.map((r) => ({ ...r, resourcesMeasured: false })) };
    expect(lighthouseSummary([partial], null)).toEqual({ accessibility: 100, runs: 3, failedRuns: 0, failedUrls: 0 });
  });

  const underLoad = (deltas: Array<[string, number | null]>, valid = true): UnderLoad => ({
    options: '--rate 50',
    target: 'http://127.0.0.1:8765/api/items',
    load: { rps: 49.8, errorRate: 0.002, 'latency.p95': 12.5, requests: 1000 },
    loadValid: valid,
    urls: deltas.map(([label, d]) => ({
      url: `http://127.0.0.1:8765${label}`,
      label,
      metrics: {
        ttfb: { idle: 1, loaded: d === null ? null : 1 + d, delta: d, pct: null },
        lcp: { idle: 900, loaded: 950, delta: 50, pct: 5.6 },
        tbt: { idle: 0, loaded: 0, delta: 0, pct: null },
        fcp: { idle: 750, loaded: 760, delta: 10, pct: 1.3 },
      },
    })),
  });

  it('under load: idle, loaded and delta per metric, and the load itself', () => {
    const s = lighthouseSummary([aggOf('fast')], underLoad([['/fast.html', 120]]));
    expect(s).toMatchObject({
      'underLoad.ttfb.idle': 1,
      'underLoad.ttfb.loaded': 121,
      'underLoad.ttfb.delta': 120,
      'underLoad.lcp.delta': 50,
      'underLoad.tbt.delta': 0,
      'underLoad.fcp.loaded': 760,
      'underLoad.rps': 49.8,
      'underLoad.errorRate': 0.002,
      'underLoad.latency.p95': 12.5,
      'underLoad.valid': 1,
    });
    expect(Object.keys(s).filter((k) => k.startsWith('underLoad'))).toHaveLength(16);
    expect(lighthouseSummary([aggOf('fast')], underLoad([['/fast.html', 1]], false))['underLoad.valid']).toBe(0);
  });

  it('under load, several URLs: per URL, and the plain keys from the URL that moved most', () => {
    const s = lighthouseSummary([aggOf('fast'), aggOf('heavy')], underLoad([['/fast.html', 30], ['/heavy.html', 200], ['/x', null]]));
    expect(s['underLoad.ttfb.delta["/fast.html"]']).toBe(30);
    expect(s['underLoad.ttfb.delta["/heavy.html"]']).toBe(200);
    expect(s['underLoad.ttfb.loaded["/heavy.html"]']).toBe(201);
    expect(s['underLoad.ttfb.delta["/x"]']).toBeUndefined();
    expect(s['underLoad.ttfb.idle["/x"]']).toBe(1);
    expect(s['underLoad.ttfb.delta']).toBe(200);
    expect(s['underLoad.ttfb.loaded']).toBe(201);
    expect(evaluateThresholds(s, [parseThreshold('underLoad.ttfb.delta["/fast.html"]<100')])[0].status).toBe('pass');
  });
});

describe('lighthouseFindings', () => {
  const data = (urls: UrlAggregate[], extra: Partial<LighthouseData> = {}): LighthouseData => ({
    settings: { preset: 'mobile', throttling: 'simulate', onlyCategories: null, runs: 3, retries: 2, maxWaitForLoadMs: 45000, timeoutMs: 105000, chrome: 'chromium', chromeVersion: null, lighthouseVersion: '12.8.2' },
    urls,
    failed: [],
    budgets: [],
    underLoad: null,
    savedReports: [],
    ...extra,
  });

  it('steady runs with no warnings in the median run: nothing to say', () => {
    const fast = aggOf('fast'); // the median run (run 1) has no warnings
    expect(lighthouseFindings(data([fast]))).toEqual([]);
  });

  it("Lighthouse's warnings of the median run, once each", () => {
    const heavy = aggOf('heavy');
    heavy.runs[heavy.medianRun].warnings.push(heavy.runs[heavy.medianRun].warnings[0]);
    const f = lighthouseFindings(data([heavy]));
    expect(f.map((x) => x.rule)).toEqual(['lighthouse-run-warnings']);
    expect(f[0]).toMatchObject({ severity: 'info', location: 'http://127.0.0.1:8765/heavy.html' });
    expect((f[0].evidence as { warnings: string[] }).warnings).toHaveLength(1);
  });

  it('failed URLs, retried runs, unstable runs and an invalid load', () => {
    const fast = aggOf('fast');
    const noisy: UrlAggregate = { ...fast, failedAttempts: [{ attempt: 2, error: 'PROTOCOL_TIMEOUT' }], scores: { performance: { median: 80, min: 65, max: 90, relSpread: 0.313 } } };
    const lcpNoisy: UrlAggregate = { ...fast, label: '/b', metrics: { ...fast.metrics, lcp: { median: 1000, min: 900, max: 1300, relSpread: 0.4 } } };
    const f = lighthouseFindings(
      data([noisy, lcpNoisy], {
        failed: [{ url: 'http://127.0.0.1:8765/hang', errors: ['NO_FCP', 'timeout'] }],
        underLoad: { options: '--rate 5000 -d 5s', target: 'http://127.0.0.1:8765/', load: { rps: 900 }, loadValid: false, endedEarly: true, urls: [] },
      }),
    );
    expect(f.map((x) => [x.rule, x.severity])).toEqual([
      ['lighthouse-url-failed', 'error'],
      ['lighthouse-retried', 'warn'],
      ['lighthouse-variance', 'warn'],
      ['lighthouse-variance', 'warn'],
      ['lighthouse-load-invalid', 'error'],
      ['lighthouse-load-ended-early', 'warn'],
    ]);
    expect(f[0].message).toMatch(/All 2 attempts failed.*First error: NO_FCP/);
    expect(f[1].evidence).toEqual({ errors: ['attempt 2: PROTOCOL_TIMEOUT'] });
    expect(f[2].message).toMatch(/performance score ranged 65–90/);
    expect(f[3].message).toMatch(/LCP ranged 900–1300 ms \(40% of its median\)/);
    for (const x of f) expect(x.fix).toBeTruthy();
    // Two runs are too few to call variance.
    expect(lighthouseFindings(data([{ ...noisy, failedAttempts: [], runs: noisy.runs.slice(0, 2) }]))).toEqual([]);
  });
});
