import { describe, expect, it } from 'vitest';
import { cliffsDelta, cliffsMagnitude, mad, mannWhitneyU, median, minAttainableP, normalSf, quantile, uDistribution } from '../../../src/budget/stats.js';
import { mulberry32, normal } from '../../helpers/random.js';

// Expected p-values come from scipy 1.17.1: scipy.stats.mannwhitneyu(b, a, alternative, method=...), whose
// U is that of its first argument, i.e. of our b.
const close = (actual: number, expected: number, rel = 1e-6) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(expected, 1e-300));


describe('median, quantile, MAD', () => {
  it('match R type 7 / numpy linear', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([10, 20, 30, 40, 50], 0.9)).toBe(46);
    expect(quantile([5, 1, 9], 0)).toBe(1);
    expect(quantile([5, 1, 9], 1)).toBe(9);
    expect(quantile([7], 0.95)).toBe(7);
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(mad([5, 5, 5])).toBe(0);
  });

  it('reject empty samples, non-finite values and q outside [0, 1]', () => {
    expect(() => median([])).toThrow(/empty/);
    expect(() => median([1, Number.NaN])).toThrow(/NaN is not a finite number/);
    expect(() => quantile([1, 2], 1.5)).toThrow(/between 0 and 1/);
  });
});

describe('Mann–Whitney U: exact distribution', () => {
  it('equals brute-force enumeration of every ordering, for all sizes up to 6 vs 6', () => {
    for (let n1 = 1; n1 <= 6; n1++) {
      for (let n2 = 1; n2 <= 6; n2++) {
        const n = n1 + n2;
        const counts = new Array<number>(n1 * n2 + 1).fill(0);
        // Each bit mask with n2 bits set says which of the ranks 0 … n−1 belong to b.
        for (let mask = 0; mask < 1 << n; mask++) {
          let bits = 0;
          let u = 0;
          let asBelow = 0;
          for (let r = 0; r < n; r++) {
            if (mask & (1 << r)) {
              bits++;
              u += asBelow;
            } else asBelow++;
          }
          if (bits === n2) counts[u]++;
        }
        expect(uDistribution(n1, n2), `${n1} vs ${n2}`).toEqual(counts);
      }
    }
  });

  it('sums to C(n1+n2, n1) and is symmetric at the largest exact size', () => {
    const d = uDistribution(25, 25);
    expect(d.reduce((s, c) => s + c, 0)).toBe(126_410_606_437_752);
    expect(d).toEqual([...d].reverse());
  });

  it('gives scipy’s exact p-values, with U of the second sample', () => {
    const cases: Array<[number[], number[], number, Record<string, number>]> = [
      [[1, 2, 3], [4, 5, 6], 9, { greater: 0.05, less: 1, 'two-sided': 0.1 }],
      [[19, 22, 16, 29, 24], [20, 11, 17, 12], 3, { greater: 0.9682539682539683, less: 0.05555555555555555, 'two-sided': 0.1111111111111111 }],
      [[1.1, 2.2, 3.3, 4.4], [0.5, 2.5, 3.5, 5.5, 6.5], 13, { greater: 0.2777777777777778, less: 0.7936507936507936, 'two-sided': 0.5555555555555556 }],
      [[10, 20, 30, 40, 50, 60, 70], [15, 25, 35, 45], 10, { greater: 0.793939393939394, less: 0.2636363636363636, 'two-sided': 0.5272727272727272 }],
    ];
    for (const [a, b, u, ps] of cases) {
      for (const alt of ['greater', 'less', 'two-sided'] as const) {
        const r = mannWhitneyU(a, b, alt);
        expect(r.u).toBe(u);
        expect(r.exact).toBe(true);
        close(r.p, ps[alt], 1e-12);
      }
    }
  });

  it("'greater' means b tends to be greater than a", () => {
    const a = [10, 11, 12, 13, 14];
    const b = [20, 21, 22, 23, 24];
    expect(mannWhitneyU(a, b, 'greater').p).toBeCloseTo(1 / 252, 12);
    expect(mannWhitneyU(a, b, 'less').p).toBe(1);
    expect(mannWhitneyU(b, a, 'less').p).toBeCloseTo(1 / 252, 12);
  });
});

describe('Mann–Whitney U: normal approximation', () => {
  it('gives scipy’s asymptotic p-values without ties (30 vs 30) and with ties (integer scores)', () => {
    const a = Array.from({ length: 30 }, (_, i) => ((i + 1) * 37) % 97);
    const b = Array.from({ length: 30 }, (_, i) => (((i + 1) * 53) % 97) + 10.5);
    const big = { greater: 0.10310274352650661, less: 0.8995255515120358, 'two-sided': 0.20620548705301323 };
    const sa = Array.from({ length: 30 }, (_, i) => 90 + (((i + 1) * 7) % 5));
    const sb = Array.from({ length: 30 }, (_, i) => 88 + (((i + 1) * 3) % 6));
    const tied = { greater: 0.9999992705751268, less: 7.873117994273579e-7, 'two-sided': 1.5746235988547157e-6 };
    for (const alt of ['greater', 'less', 'two-sided'] as const) {
      const r = mannWhitneyU(a, b, alt);
      expect([r.u, r.exact]).toEqual([536, false]);
      close(r.p, big[alt]);
      const t = mannWhitneyU(sa, sb, alt);
      expect([t.u, t.exact]).toEqual([135, false]);
      close(t.p, tied[alt]);
    }
  });

  it('uses the tie correction on small tied samples, as scipy does', () => {
    const r = mannWhitneyU([90, 90, 91, 92, 92], [92, 93, 93, 95, 90], 'greater');
    expect([r.u, r.exact]).toEqual([20, false]);
    close(r.p, 0.06631112543693318);
    close(mannWhitneyU([100, 100, 100, 99, 98], [97, 97, 98, 100, 96], 'less').p, 0.04133112602835927);
  });

  it('is symmetric: swapping the samples swaps greater and less', () => {
    const r = mulberry32(11);
    const a = Array.from({ length: 40 }, () => normal(r, 100, 10));
    const b = Array.from({ length: 35 }, () => normal(r, 104, 10));
    expect(mannWhitneyU(a, b, 'greater').p).toBeCloseTo(mannWhitneyU(b, a, 'less').p, 15);
    expect(mannWhitneyU(a, b, 'two-sided').p).toBeCloseTo(mannWhitneyU(b, a, 'two-sided').p, 15);
    expect(mannWhitneyU(a, b, 'greater').u + mannWhitneyU(b, a, 'greater').u).toBe(40 * 35);
  });

  it('agrees with the exact p within 0.01 at 20 vs 20 (and matches scipy for both)', () => {
    const a = Array.from({ length: 20 }, (_, i) => ((i + 1) * 37) % 97);
    const b = Array.from({ length: 20 }, (_, i) => (((i + 1) * 53) % 97) + 10.5);
    close(mannWhitneyU(a, b, 'greater', 'exact').p, 0.17039242579456343, 1e-12);
    close(mannWhitneyU(a, b, 'greater', 'normal').p, 0.16845761919115998);
    const r = mulberry32(2024);
    for (let trial = 0; trial < 50; trial++) {
      const x = Array.from({ length: 20 }, () => normal(r, 100, 10));
      const y = Array.from({ length: 20 }, () => normal(r, 100 + (trial % 10), 10));
      for (const alt of ['greater', 'less', 'two-sided'] as const) {
        const exact = mannWhitneyU(x, y, alt, 'exact');
        expect(exact.exact).toBe(true);
        expect(Math.abs(exact.p - mannWhitneyU(x, y, alt, 'normal').p)).toBeLessThan(0.01);
      }
    }
  });

  it('gives p = 1 when every value is the same: U cannot move, so there is no evidence', () => {
    for (const alt of ['greater', 'less', 'two-sided'] as const) expect(mannWhitneyU([90, 90, 90], [90, 90, 90, 90], alt)).toEqual({ u: 6, p: 1, exact: false });
  });

  it('refuses an exact p where it does not apply', () => {
    expect(() => mannWhitneyU([1, 2, 2], [3, 4], 'greater', 'exact')).toThrow(/no tied values/);
    expect(() => mannWhitneyU([], [1], 'greater')).toThrow(/empty/);
  });

  it('normal tail matches known values', () => {
    close(normalSf(1.959963984540054), 0.025, 1.2e-7);
    close(normalSf(3), 1.3498980316301e-3, 1.2e-7);
    close(normalSf(-1), 0.8413447460685429, 1.2e-7);
    close(normalSf(0), 0.5, 1.2e-7);
  });
});

describe('minAttainableP', () => {
  it('is 1/C(n1+n2, n1) one-sided, doubled two-sided, and what a full separation gives', () => {
    expect(minAttainableP(2, 2, 'greater')).toBeCloseTo(1 / 6, 12);
    expect(minAttainableP(2, 2, 'two-sided')).toBeCloseTo(1 / 3, 12);
    expect(minAttainableP(3, 3, 'less')).toBeCloseTo(0.05, 12);
    expect(minAttainableP(10, 10, 'greater')).toBeCloseTo(1 / 184_756, 15);
    expect(minAttainableP(1, 1, 'two-sided')).toBe(1);
    expect(mannWhitneyU([1, 2, 3, 4], [5, 6, 7], 'greater').p).toBeCloseTo(minAttainableP(4, 3, 'greater'), 15);
    expect(() => minAttainableP(0, 3, 'greater')).toThrow(/positive integers/);
  });
});

describe("Cliff's delta", () => {
  it('counts b above a minus b below a over all pairs', () => {
    expect(cliffsDelta([1, 2, 3], [4, 5, 6])).toBe(1);
    expect(cliffsDelta([4, 5, 6], [1, 2, 3])).toBe(-1);
    expect(cliffsDelta([1, 2, 3], [2, 2, 2])).toBe(0);
    expect(cliffsDelta([1, 2, 3, 4], [3, 5])).toBe(0.625);
  });

  it('equals the pairwise definition and 2U/(n1·n2) − 1, with ties', () => {
    const r = mulberry32(5);
    for (let trial = 0; trial < 20; trial++) {
      const a = Array.from({ length: 3 + trial }, () => Math.round(r() * 10));
      const b = Array.from({ length: 17 - (trial % 7) }, () => Math.round(r() * 10 + 1));
      let sum = 0;
      for (const x of a) for (const y of b) sum += Math.sign(y - x);
      const d = cliffsDelta(a, b);
      expect(d).toBeCloseTo(sum / (a.length * b.length), 12);
      expect(d).toBeCloseTo((2 * mannWhitneyU(a, b, 'greater').u) / (a.length * b.length) - 1, 12);
    }
  });

  it('names magnitudes by the Romano et al. thresholds, either sign', () => {
    expect([0, 0.146, 0.147, 0.329, 0.33, 0.473, 0.474, 1].map(cliffsMagnitude)).toEqual(['negligible', 'negligible', 'small', 'small', 'medium', 'medium', 'large', 'large']);
    expect(cliffsMagnitude(-0.5)).toBe('large');
  });
});
