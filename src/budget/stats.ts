// Rank statistics for comparing two sets of repeated runs: median, quantile, MAD, the Mann–Whitney U
// (Wilcoxon rank-sum) test and Cliff's delta. Rank-based because run-to-run timings are skewed and
// carry outliers (a cold cache, a GC pause), which break the normality a t-test assumes. Pure.

export type Alternative = 'less' | 'greater' | 'two-sided';

export interface MannWhitneyResult {
  /** U of b: the pairs (a[i], b[j]) with b[j] > a[i], ties counting ½. scipy.stats.mannwhitneyu(b, a).statistic. */
  u: number;
  p: number;
  /** true when p comes from the exact null distribution, false for the normal approximation. */
  exact: boolean;
}

/** Up to this many values on each side (and no ties) p is exact; the largest count, C(50, 25) ≈ 1.3e14, is still an exact double. */
export const EXACT_MAX_SIZE = 25;

export function quantile(xs: readonly number[], q: number): number {
  checkSample(xs, 'quantile');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be between 0 and 1 (got ${q})`);
  const s = [...xs].sort((x, y) => x - y);
  // Type 7 (R's default, numpy's 'linear'): h = (n − 1)q, interpolated between its neighbours.
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Median absolute deviation from the median, unscaled (multiply by 1.4826 to estimate σ of a normal). */
export function mad(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/**
 * Mann–Whitney U test of a against b. The alternative is about b:
 *   'greater'   H1: values of b tend to be greater than values of a (P(b > a) > ½); p = P(U ≥ u)
 *   'less'      H1: values of b tend to be smaller than values of a;                 p = P(U ≤ u)
 *   'two-sided' H1: either; p = 2·min(one-sided p), at most 1.
 * Ties get averaged ranks. Exact null distribution when there are no ties and both sides have at most
 * EXACT_MAX_SIZE values; otherwise the normal approximation with tie and continuity corrections.
 * When every value is equal U cannot move at all, so p = 1: no evidence of any difference.
 * `method` forces one way ('exact' throws when it does not apply), as scipy's `method` does.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[], alternative: Alternative, method: 'auto' | 'exact' | 'normal' = 'auto'): MannWhitneyResult {
  checkSample(a, 'mannWhitneyU (first sample)');
  checkSample(b, 'mannWhitneyU (second sample)');
  const n1 = a.length;
  const n2 = b.length;
  const { rankSumB, tieTerm } = ranks(a, b);
  const u = rankSumB - (n2 * (n2 + 1)) / 2;
  const exactFits = tieTerm === 0 && n1 <= EXACT_MAX_SIZE && n2 <= EXACT_MAX_SIZE;
  if (method === 'exact' && !exactFits) throw new Error(`mannWhitneyU: the exact p needs no tied values and at most ${EXACT_MAX_SIZE} values a side (got ${n1} and ${n2}${tieTerm ? ', with ties' : ''})`);
  if (method !== 'normal' && exactFits) return { u, p: exactP(u, n1, n2, alternative), exact: true };
  return { u, p: normalP(u, n1, n2, tieTerm, alternative), exact: false };
}

/**
 * The smallest p the test can give for these sizes: all of b beyond all of a, one of C(n1+n2, n1) equally
 * likely orderings (doubled for two-sided). 2 vs 2 one-sided: 1/6. If it is not below α, no outcome can be
 * significant, however large the difference.
 */
export function minAttainableP(n1: number, n2: number, alternative: Alternative): number {
  if (!Number.isInteger(n1) || !Number.isInteger(n2) || n1 < 1 || n2 < 1) throw new Error(`minAttainableP: sizes must be positive integers (got ${n1}, ${n2})`);
  const p = 1 / binomial(n1 + n2, n1);
  return alternative === 'two-sided' ? Math.min(1, 2 * p) : p;
}

/** (#(b > a) − #(b < a)) / (n1·n2) over all pairs: +1 when every b exceeds every a, −1 when every b is below. */
export function cliffsDelta(a: readonly number[], b: readonly number[]): number {
  checkSample(a, 'cliffsDelta (first sample)');
  checkSample(b, 'cliffsDelta (second sample)');
  // Sorted a and binary search instead of every pair: O(n log n), so raw per-request samples work too.
  const s = [...a].sort((x, y) => x - y);
  let more = 0;
  let less = 0;
  for (const x of b) {
    more += lowerBound(s, x);
    less += s.length - upperBound(s, x);
  }
  return (more - less) / (a.length * b.length);
}

export type Magnitude = 'negligible' | 'small' | 'medium' | 'large';

/** Romano et al. (2006) thresholds on |δ|, as sitespeed.io's compare plugin uses. */
export function cliffsMagnitude(d: number): Magnitude {
  const x = Math.abs(d);
  return x < 0.147 ? 'negligible' : x < 0.33 ? 'small' : x < 0.474 ? 'medium' : 'large';
}

/** The number of orderings of n1 a's and n2 b's giving each U of b, index = U (0 … n1·n2). */
export function uDistribution(n1: number, n2: number): number[] {
  // f(i, j, k): orderings of i a's and j b's with U = k. The largest value is either a b, which beats all
  // i a's (f(i, j−1, k−i)), or an a, which no b beats (f(i−1, j, k)). Built column by column over j.
  let prev: number[][] = Array.from({ length: n1 + 1 }, () => [1]);
  for (let j = 1; j <= n2; j++) {
    const cur: number[][] = [[1]];
    for (let i = 1; i <= n1; i++) {
      const f = new Array<number>(i * j + 1).fill(0);
      prev[i].forEach((c, k) => (f[k + i] += c));
      cur[i - 1].forEach((c, k) => (f[k] += c));
      cur[i] = f;
    }
    prev = cur;
  }
  return prev[n1];
}

function exactP(u: number, n1: number, n2: number, alternative: Alternative): number {
  const counts = uDistribution(n1, n2);
  const total = counts.reduce((s, c) => s + c, 0);
  let atMost = 0;
  let atLeast = 0;
  counts.forEach((c, k) => {
    if (k <= u) atMost += c;
    if (k >= u) atLeast += c;
  });
  const greater = atLeast / total;
  const less = atMost / total;
  if (alternative === 'greater') return greater;
  if (alternative === 'less') return less;
  return Math.min(1, 2 * Math.min(greater, less));
}

function normalP(u: number, n1: number, n2: number, tieTerm: number, alternative: Alternative): number {
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return 1;
  const sd = Math.sqrt(variance);
  const mu = (n1 * n2) / 2;
  // The 0.5 continuity correction moves U towards the mean, as scipy's use_continuity=True does.
  if (alternative === 'greater') return normalSf((u - mu - 0.5) / sd);
  if (alternative === 'less') return normalSf(-(u - mu + 0.5) / sd);
  return Math.min(1, 2 * normalSf((Math.abs(u - mu) - 0.5) / sd));
}

/** Rank sum of b in the pooled sample (ties get the mean of their ranks), and Σ(t³ − t) over tie groups. */
function ranks(a: readonly number[], b: readonly number[]): { rankSumB: number; tieTerm: number } {
  const pooled = [...a.map((v) => ({ v, inB: false })), ...b.map((v) => ({ v, inB: true }))].sort((x, y) => x.v - y.v);
  let rankSumB = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1].v === pooled[i].v) j++;
    const t = j - i + 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (pooled[k].inB) rankSumB += rank;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { rankSumB, tieTerm };
}

/** P(Z > z) for a standard normal. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

// Numerical Recipes' erfcc (Chebyshev fit): relative error below 1.2e-7 everywhere, plenty for p-values.
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

function lowerBound(s: number[], x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(s: number[], x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkSample(xs: readonly number[], what: string): void {
  if (!xs.length) throw new Error(`${what}: the sample is empty`);
  for (const x of xs) if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${what}: ${String(x)} is not a finite number`);
}
