import { describe, expect, it } from 'vitest';
import { calibrate, compareSamples, inferBetter, type RegressionSpec, type RegressionStatus } from '../../../src/budget/baseline.js';
import { normalSf } from '../../../src/budget/stats.js';
import { mulberry32, draw } from '../../helpers/random.js';

/** n values at the (i − ½)/n quantiles of N(mu, sd), found by bisection on the normal tail. */
function normalQuantiles(n: number, mu: number, sd: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let lo = -10;
    let hi = 10;
    for (let k = 0; k < 60; k++) {
      const mid = (lo + hi) / 2;
      if (normalSf(mid) > 1 - (i + 0.5) / n) lo = mid;
      else hi = mid;
    }
    return mu + sd * lo;
  });
}

const p95: RegressionSpec = { metric: 'latency.p95', better: 'lower', minEffect: 0.05 };
const score: RegressionSpec = { metric: 'performance', better: 'higher', minEffect: 0.05 };

/** Shares of each status over `trials` seeded comparisons of n vs n runs. */
function rates(seed: number, trials: number, n: number, baseMu: number, curMu: number, spec: RegressionSpec): Record<RegressionStatus, number> {
  const r = mulberry32(seed);
  const out = { pass: 0, fail: 0, inconclusive: 0 };
  for (let i = 0; i < trials; i++) out[compareSamples(draw(r, n, baseMu, 10), draw(r, n, curMu, 10), spec).status] += 1 / trials;
  return out;
}

describe('compareSamples: A/A (the same code measured twice)', () => {
  it('fails at most α of the time, whatever minEffect is; a minEffect below the noise shows up as inconclusive', () => {
    // Runs are N(100, 10): the median of 10 moves ±5 % between two A/A sets, so 5 % is inside the noise.
    const tight = rates(1, 1000, 10, 100, 100, p95);
    expect(tight.fail).toBeLessThanOrEqual(0.05);
    expect(tight.pass).toBeGreaterThan(0.75);
    expect(tight.inconclusive).toBeGreaterThan(0.05);
  });

  it('passes ≥ 95 % of A/A trials with the minEffect calibrate() proposes for that noise', () => {
    // Calibration runs at the N(100, 10) quantiles, so σ is estimated right and the test is of the formula:
    // a random calibration set can estimate σ well off (MAD from 30 runs has ±20 % relative error).
    const [cal] = calibrate({ 'latency.p95': normalQuantiles(31, 100, 10) }, { runs: 10 });
    // 1.96·√2·1.2533·10 % / √10 = 10.97 %, rounded up.
    expect(cal.proposedMinEffect).toBeGreaterThanOrEqual(0.11);
    expect(cal.proposedMinEffect).toBeLessThanOrEqual(0.12);
    const aa = rates(2, 1000, 10, 100, 100, { ...p95, minEffect: cal.proposedMinEffect });
    expect(aa.pass).toBeGreaterThanOrEqual(0.95);
    expect(aa.fail).toBeLessThanOrEqual(0.05);
  });
});

describe('compareSamples: real changes', () => {
  it('fails a 20 % slowdown measured 10 vs 10, with a reason that has the numbers', () => {
    const r = mulberry32(3);
    const res = compareSamples(draw(r, 10, 100, 10), draw(r, 10, 120, 10), p95);
    expect(res).toMatchObject({ status: 'fail', method: 'mann-whitney', worse: true, magnitude: 'large', baseline: { n: 10 }, current: { n: 10 } });
    expect(res.change).toBeGreaterThan(0.1);
    expect(res.pValue).toBeLessThan(0.05);
    expect(res.effect).toBeGreaterThan(0.474);
    expect(res.reason).toMatch(/^latency\.p95 went from [\d.]+ to [\d.]+ \(\+[\d.]+%, lower is better\): worse by at least the 5% minimum effect, and significant \(p=[\d.e-]+ < α=0\.05; Cliff's δ 0\.\d\d, large\)\.$/);
    expect(rates(4, 200, 10, 100, 120, p95).fail).toBeGreaterThanOrEqual(0.95);
  });

  it('calls the same slowdown inconclusive with 2 vs 2 (or 3 vs 3) runs: no p can get below α there', () => {
    const res = compareSamples([100, 98], [120, 123], p95);
    expect(res).toMatchObject({ status: 'inconclusive', method: 'mann-whitney', worse: true });
    expect(res.pValue).toBeCloseTo(1 / 6, 12);
    expect(res.reason).toContain('2 and 2 runs can never show a difference at α=0.05 (the smallest possible p is 0.167): use at least 5 runs on each side');
    expect(compareSamples([100, 98, 101], [120, 123, 119], p95).status).toBe('inconclusive');
    // 4 vs 4 can: 1/70 when every current run is slower than every baseline run.
    expect(compareSamples([100, 98, 101, 99], [120, 123, 119, 121], p95).status).toBe('fail');
    // A looser α makes 3 vs 3 testable.
    expect(compareSamples([100, 98, 101], [120, 123, 119], { ...p95, alpha: 0.1 }).status).toBe('fail');
  });

  it('passes improvements in either direction, and fails a score drop', () => {
    const r = mulberry32(5);
    const faster = compareSamples(draw(r, 10, 100, 10), draw(r, 10, 80, 10), p95);
    expect(faster).toMatchObject({ status: 'pass', worse: false });
    expect(faster.change).toBeLessThan(0);
    expect(faster.effect).toBeLessThan(0);
    expect(faster.reason).toMatch(/: not worse\.$/);
    const higher = compareSamples(draw(r, 10, 100, 10), draw(r, 10, 120, 10), score);
    expect(higher).toMatchObject({ status: 'pass', worse: false });
    expect(higher.effect).toBeLessThan(0);
    const lower = compareSamples(draw(r, 10, 100, 10), draw(r, 10, 80, 10), score);
    expect(lower).toMatchObject({ status: 'fail', worse: true });
    expect(lower.effect).toBeGreaterThan(0);
  });

  it('passes a real change smaller than minEffect, and says so', () => {
    const base = [100, 100.2, 99.9, 100.1, 99.8, 100.3, 100, 99.7, 100.1, 100.2];
    const res = compareSamples(base, base.map((x) => x * 1.02), p95);
    expect(res.status).toBe('pass');
    expect(res.pValue).toBeLessThan(0.05);
    expect(res.reason).toMatch(/the runs are really worse \(p(<|=)[\d.e-]+ < α=0\.05; Cliff's δ 1\.00, large\)/);
    expect(res.reason).toContain('but below the 5% minimum effect.');
  });

  it('calls a worse-looking median without evidence inconclusive', () => {
    const res = compareSamples([90, 100, 110, 120, 130], [95, 105, 120, 125, 135], p95);
    expect(res.change).toBeCloseTo(10 / 110, 12);
    expect(res.pValue).toBeGreaterThan(0.05);
    expect(res.status).toBe('inconclusive');
    expect(res.reason).toContain('cannot tell it from noise; more runs would settle it');
  });

  it('never fails a change under minEffectAbs, in either method', () => {
    const base = [1, 1.1, 1.05, 0.95, 1.02, 0.98];
    const cur = base.map((x) => x + 0.5);
    expect(compareSamples(base, cur, { ...p95, metric: 'executionMs' }).status).toBe('fail');
    const floored = compareSamples(base, cur, { ...p95, metric: 'executionMs', minEffectAbs: 5 });
    expect(floored.status).toBe('pass');
    expect(floored.reason).toContain('under the 5 absolute floor');
    expect(compareSamples([1], [1.5], { ...p95, minEffectAbs: 5 }).status).toBe('pass');
    expect(compareSamples([1], [6.5], { ...p95, minEffectAbs: 5 }).status).toBe('fail');
  });
});

describe('compareSamples: single runs (tolerance)', () => {
  it('fails only beyond the tolerance, which defaults to minEffect', () => {
    const at = (cur: number, spec: RegressionSpec = p95) => compareSamples([100], [cur], spec);
    expect(at(104)).toMatchObject({ status: 'pass', method: 'tolerance', pValue: null, effect: null, magnitude: null, worse: true });
    expect(at(105).status).toBe('pass');
    expect(at(106).status).toBe('fail');
    expect(at(106).reason).toBe('latency.p95 went from 100 to 106 (+6%, lower is better): worse by more than the 5% tolerance (a single run on one side, so compared by tolerance, not tested).');
    expect(at(106, { ...p95, tolerance: 0.1 }).status).toBe('pass');
    expect(at(50).status).toBe('pass');
    // 3 → 3.15 is 5 % up to the last bit of a double.
    expect(compareSamples([3], [3.15], p95).status).toBe('pass');
  });

  it('uses the median of the side with several runs', () => {
    const res = compareSamples([100, 101, 99, 100, 140], [112], p95);
    expect(res).toMatchObject({ method: 'tolerance', status: 'fail', baseline: { n: 5, median: 100 }, current: { n: 1, median: 112 } });
    expect(compareSamples([90], [95, 91, 89], score)).toMatchObject({ method: 'tolerance', status: 'pass' });
  });
});

describe('compareSamples: ties and zeros', () => {
  it('passes identical integer scores with p = 1, and fails a clear drop despite ties', () => {
    const same = compareSamples([90, 90, 90, 90, 90], [90, 90, 90, 90, 90], score);
    expect(same).toMatchObject({ status: 'pass', pValue: 1, change: 0, effect: 0, worse: false, magnitude: 'negligible' });
    const drop = compareSamples([90, 91, 90, 92, 91], [80, 82, 81, 80, 81], score);
    expect(drop).toMatchObject({ status: 'fail', worse: true, effect: 1 });
  });

  it('treats any rise from a zero baseline as infinitely large, so only minEffectAbs can allow it', () => {
    const errors: RegressionSpec = { metric: 'errors', better: 'lower', minEffect: 0.05 };
    const res = compareSamples([0, 0, 0, 0, 0], [2, 3, 2, 4, 3], errors);
    expect(res).toMatchObject({ status: 'fail', change: Infinity, worse: true });
    expect(res.reason).toContain('(+∞%');
    expect(compareSamples([0, 0, 0, 0, 0], [2, 3, 2, 4, 3], { ...errors, minEffectAbs: 5 }).status).toBe('pass');
    expect(compareSamples([0, 0, 0, 0, 0], [0, 0, 0, 0, 0], errors)).toMatchObject({ status: 'pass', change: 0, pValue: 1 });
    // Too few runs to ever fail: nothing moved passes; a move the runs cannot judge is inconclusive.
    expect(compareSamples([0, 0, 0], [0, 0, 0], errors).status).toBe('pass');
    expect(compareSamples([0, 0, 0], [2, 3, 2], errors).status).toBe('inconclusive');
  });

  it('throws a plain Error on empty or non-finite runs and on a bad spec', () => {
    expect(() => compareSamples([], [1], p95)).toThrow('latency.p95: the baseline has no runs');
    expect(() => compareSamples([1, 2], [1, Number.POSITIVE_INFINITY], p95)).toThrow('latency.p95: current run 2 is Infinity, not a finite number');
    expect(() => compareSamples([1], [1], { ...p95, alpha: 0 })).toThrow(/alpha must be between 0 and 1/);
    expect(() => compareSamples([1], [1], { ...p95, minEffect: -1 })).toThrow(/minEffect/);
  });
});

describe('inferBetter', () => {
  it('knows the direction of real perfkit summary names', () => {
    const table: Array<[string, 'lower' | 'higher' | undefined]> = [
      ['latency.p95', 'lower'],
      ['latency.min', 'lower'],
      ['rps', 'higher'],
      ['errorRate', 'lower'],
      ['performance', 'higher'],
      ['bestPractices', 'higher'],
      ['lcp["/heavy.html"]', 'lower'],
      ['resources.script.bytes', 'lower'],
      ['resources.thirdParty.count["/a.b?c=1"]', 'lower'],
      ['hitRatio', 'higher'],
      ['fragmentationRatio', 'lower'],
      ['executionMs', 'lower'],
      ['totalCost', 'lower'],
      ['memoryBytes', 'lower'],
      ['keys', undefined],
      ['underLoad.ttfb.delta', 'lower'],
      ['underLoad.ttfb.delta["/x"]', 'lower'],
      ['underLoad.rps', 'higher'],
      ['uncorrected.p99', 'lower'],
      ['keySize.p99', 'lower'],
      ['cls', 'lower'],
      ['si', 'lower'],
      ['findings.error', 'lower'],
      ['failedRuns', 'lower'],
      ['notHitAfter', 'lower'],
      ['hitRatioAfter', 'higher'],
      ['keysPerSec', 'higher'],
      ['evictionsPerSec', 'lower'],
      ['missesPerSec', 'lower'],
      ['requestsPerSec', 'higher'],
      ['bytesPerSec', 'higher'],
      ['requests', 'lower'],
      ['generator.lagP99', 'lower'],
      ['largest-contentful-paint.numericValue', 'lower'],
      ['uses-long-cache-ttl.score', 'higher'],
      ['runs', undefined],
    ];
    expect(table.map(([m]) => [m, inferBetter(m)])).toEqual(table);
  });
});

describe('calibrate', () => {
  it('proposes larger minimum effects for noisier metrics, never below 2 %', () => {
    const r = mulberry32(8);
    const noise = [0.5, 5, 10, 20, 40];
    const out = calibrate(Object.fromEntries(noise.map((sd) => [`m${sd}`, draw(r, 20, 100, sd)])));
    const proposed = out.map((c) => c.proposedMinEffect);
    expect(proposed[0]).toBe(0.02);
    for (let i = 1; i < proposed.length; i++) expect(proposed[i]).toBeGreaterThan(proposed[i - 1]);
    const spreads = out.map((c) => c.relSpread);
    for (let i = 1; i < spreads.length; i++) expect(spreads[i]).toBeGreaterThan(spreads[i - 1]);
    expect(out[3].note).toMatch(/^runs spread [\d.]+% around the median \(σ ≈ [\d.]+%\); a smaller minEffect would often end 20 vs 20 runs as 'inconclusive'\.$/);
  });

  it('proposes less when the check will compare more runs, and shrugs off one cold-start outlier', () => {
    const xs = [100, 104, 97, 101, 99, 103, 96, 102, 98, 100];
    const [few] = calibrate({ x: xs }, { runs: 5 });
    const [many] = calibrate({ x: xs }, { runs: 40 });
    expect(few.proposedMinEffect).toBeGreaterThan(many.proposedMinEffect);
    const [plain] = calibrate({ x: xs });
    const [outlier] = calibrate({ x: [...xs.slice(0, 9), 400] });
    expect(plain.proposedMinEffect).toBe(0.04);
    expect(outlier.proposedMinEffect).toBe(0.05);
    expect(outlier.relSpread).toBeGreaterThan(2);
  });

  it('handles identical runs, a zero median, too few runs and the direction', () => {
    const out = calibrate({ keys: [5, 5, 5, 5, 5], errors: [0, 0, 0, 3, 0, 1, 0], one: [7], none: [], performance: [90, 90, 90, 89, 90, 91] }, { better: { keys: 'higher' } });
    expect(out.map((c) => c.metric)).toEqual(['keys', 'errors', 'performance']);
    expect(out[0]).toMatchObject({ better: 'higher', relSpread: 0, proposedMinEffect: 0.02 });
    expect(out[0].note).toContain('identical in all 5 runs');
    expect(out[1]).toMatchObject({ better: 'lower', median: 0, relSpread: Infinity });
    expect(out[1].proposedMinEffectAbs).toBeGreaterThan(0);
    expect(out[1].note).toContain('set minEffectAbs ≥');
    // MAD is 0 (most runs are 90), so σ comes from the standard deviation rather than reading as no noise.
    expect(out[2]).toMatchObject({ better: 'higher', median: 90 });
    expect(out[2].note).toContain('from the standard deviation');
    expect(calibrate({ x: [1, 2, 3] })[0].note).toContain("only 3 runs: the noise estimate is rough, calibrate with 5 or more; 3 vs 3 runs cannot fail a check at α=0.05: compare at least 5 a side.");
    expect(calibrate({ x: [100, 100.5, 99.5, 100.2, 99.8] })[0]).toMatchObject({ proposedMinEffect: 0.02, note: 'runs spread 1% around the median (σ ≈ 0.3%); quieter than the 2% floor.' });
    expect(() => calibrate({ x: [1, Number.NaN] })).toThrow('x: calibration run 2 is NaN, not a finite number');
    expect(() => calibrate({ x: [1, 2] }, { runs: 0 })).toThrow(/runs must be a whole number/);
  });
});
