// Baseline regression budgets: is the current set of runs worse than the baseline's, by enough to matter,
// with enough evidence? Also which direction is better for a summary name, and a noise calibration that
// proposes minimum effects an A/A comparison would not trip. Pure; `perfkit check` wires it up.
//
// compareSamples decides, with change = (median(current) − median(baseline)) / |median(baseline)|:
//  1. Either side has a single run → method 'tolerance' (one run says nothing about its side's noise):
//     fail when the change is worse by more than `tolerance` (default minEffect) and by at least
//     minEffectAbs; else pass.
//  2. Otherwise the one-sided Mann–Whitney U test in the worse direction, at α (default 0.05):
//     a. the smallest p these sizes can produce is not below α (e.g. 2 vs 2: 1/6; 3 vs 3: 1/20, and
//        significance is p < α strictly) and the median is worse by ≥ minEffect → inconclusive: no result
//        could fail, so 'pass' would be a false comfort; not that much worse → pass (nothing to explain);
//     b. p < α and the median is worse by ≥ minEffect and by ≥ minEffectAbs → fail;
//     c. p < α, smaller than that → pass (a real change, below what the budget says matters);
//     d. not significant but the median is worse by ≥ minEffect (and ≥ minEffectAbs) → inconclusive: it looks
//        like a regression, the runs cannot tell it from noise; more runs (or a quieter runner) settle it;
//     e. otherwise → pass.
// Failing needs both the evidence and the size, so the false-alarm rate on identical code stays ≤ α
// whatever minEffect is. Rule d is why a minEffect below the noise yields many 'inconclusive' results:
// calibrate() proposes one above it.
import { cliffsDelta, cliffsMagnitude, mad, mannWhitneyU, median, minAttainableP, type Alternative } from './stats.js';

export type Better = 'lower' | 'higher';

export interface RegressionSpec {
  metric: string;
  /** lower is better for latency/bytes, higher for scores, req/s, hit ratio. */
  better: Better;
  /** The smallest relative change that matters, e.g. 0.05 = 5 %. */
  minEffect: number;
  /** One-sided significance level; default 0.05. */
  alpha?: number;
  /** For single runs: allowed relative worsening; default = minEffect. */
  tolerance?: number;
  /** Absolute floor in the metric's unit: a smaller change never fails (e.g. 5 ms). */
  minEffectAbs?: number;
}

export type RegressionStatus = 'pass' | 'fail' | 'inconclusive';

export interface RegressionResult {
  metric: string;
  better: Better;
  status: RegressionStatus;
  method: 'mann-whitney' | 'tolerance';
  baseline: { n: number; median: number };
  current: { n: number; median: number };
  /** (current − baseline) / |baseline| of the medians; 0 when both are 0, ±Infinity when only the baseline is. */
  change: number;
  /** The change goes in the bad direction. */
  worse: boolean;
  pValue: number | null;
  /** Cliff's delta, oriented so positive = worse. */
  effect: number | null;
  magnitude: string | null;
  /** One sentence a CI user understands, with the numbers. */
  reason: string;
}

// Relative comparisons at a budget's edge (3 → 3.15 at 5 %) must not hinge on the last bit of a double.
const EPS = 1e-9;

export function compareSamples(baseline: number[], current: number[], spec: RegressionSpec): RegressionResult {
  checkSpec(spec);
  checkRuns(baseline, 'baseline', spec.metric);
  checkRuns(current, 'current', spec.metric);
  const alpha = spec.alpha ?? 0.05;
  const floor = spec.minEffectAbs ?? 0;
  const b = median(baseline);
  const c = median(current);
  const change = c === b ? 0 : b === 0 ? Math.sign(c) * Infinity : (c - b) / Math.abs(b);
  const sign = spec.better === 'lower' ? 1 : -1;
  const worsening = sign * change;
  const worse = worsening > 0;
  const overFloor = Math.abs(c - b) >= floor;
  const what = `${spec.metric} went from ${num(b)} to ${num(c)} (${pct(change)}, ${spec.better} is better)`;
  const common = { metric: spec.metric, better: spec.better, baseline: { n: baseline.length, median: b }, current: { n: current.length, median: c }, change, worse };

  if (baseline.length === 1 || current.length === 1) {
    const tolerance = spec.tolerance ?? spec.minEffect;
    const over = worse && worsening > tolerance + EPS;
    const status = over && overFloor ? 'fail' : 'pass';
    const why = !worse
      ? 'not worse'
      : !over
        ? `within the ${pct(tolerance, false)} tolerance`
        : !overFloor
          ? `beyond the ${pct(tolerance, false)} tolerance but by ${num(Math.abs(c - b))}, under the ${num(floor)} absolute floor`
          : `worse by more than the ${pct(tolerance, false)} tolerance`;
    const reason = `${what}: ${why} (a single run on one side, so compared by tolerance, not tested).`;
    return { ...common, status, method: 'tolerance', pValue: null, effect: null, magnitude: null, reason };
  }

  const alternative: Alternative = spec.better === 'lower' ? 'greater' : 'less';
  const { p } = mannWhitneyU(baseline, current, alternative);
  const effect = sign * cliffsDelta(baseline, current) || 0;
  const magnitude = cliffsMagnitude(effect);
  const big = worse && worsening >= spec.minEffect - EPS && overFloor;
  const delta = `Cliff's δ ${effect.toFixed(2)}, ${magnitude}`;
  const result = (status: RegressionStatus, reason: string): RegressionResult => ({ ...common, status, method: 'mann-whitney', pValue: p, effect, magnitude, reason });

  const minP = minAttainableP(baseline.length, current.length, alternative);
  if (minP >= alpha && !big) return result('pass', `${what}: not worse by the ${pct(spec.minEffect, false)} minimum effect (${baseline.length} and ${current.length} runs could not have shown a regression anyway; use at least ${runsNeeded(alpha)} a side).`);
  if (minP >= alpha) {
    return result(
      'inconclusive',
      `${what}, but ${baseline.length} and ${current.length} runs can never show a difference at α=${alpha} (the smallest possible p is ${Number(minP.toPrecision(3))}): use at least ${runsNeeded(alpha)} runs on each side.`,
    );
  }
  if (p < alpha && big) return result('fail', `${what}: worse by at least the ${pct(spec.minEffect, false)} minimum effect, and significant (${pText(p)} < α=${alpha}; ${delta}).`);
  if (p < alpha) {
    const below = worse && worsening >= spec.minEffect - EPS ? `under the ${num(floor)} absolute floor` : `below the ${pct(spec.minEffect, false)} minimum effect`;
    return result('pass', `${what}: the runs are really worse (${pText(p)} < α=${alpha}; ${delta}), but ${below}.`);
  }
  if (big) return result('inconclusive', `${what}: looks worse than the ${pct(spec.minEffect, false)} minimum effect, but ${pText(p)} ≥ α=${alpha} (${delta}), so the runs cannot tell it from noise; more runs would settle it.`);
  return result('pass', `${what}: ${worse ? `no significant regression (${pText(p)}; ${delta})` : 'not worse'}.`);
}

// Words are matched whole, after splitting camelCase, so 'si' never matches inside 'size'.
const LOWER = new Set(
  'latency lag ms time duration bytes size memory lcp fcp tbt cls si tti ttfb paint blocking shift interactive errors error errorrate dropped timeouts retries evictions evicted fragmentation findings cost totalbytes requests resources non2xx cpu'.split(' '),
);
const HIGHER = new Set('performance accessibility bestpractices seo score rps throughput hitratio hit hits ratio keyspersec ops valid'.split(' '));
const NEGATED = new Set('not no non miss misses failed fail failures'.split(' '));
// A rate (requestsPerSec, bytesPerSec) counts work done, unless what it counts is bad.
const BAD_EVENTS = new Set('errors error evictions evicted timeouts dropped retries'.split(' '));
// A statistic of something: skipped to reach the quantity; alone (e.g. 'p95') it reads as a latency.
const STATISTIC = /^(p\d+|mean|max|min|median|avg)$/;
const NEUTRAL = new Set('delta idle loaded count value numericvalue length before after interval'.split(' '));

/**
 * Which direction is better for a summary name: segments from the last one back, skipping statistics
 * (p95, mean, max) and neutral words (delta, count), until one names a known quantity. A bracketed
 * per-URL label (`lcp["/x"]`) is ignored. undefined when nothing is known.
 */
export function inferBetter(metric: string): Better | undefined {
  const segments = metric.replace(/\["[^"]*"\]|\[[^\]]*\]/g, '').split('.').filter(Boolean);
  let sawStatistic = false;
  for (const segment of segments.reverse()) {
    const words = segment.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[\s_-]+/).filter(Boolean);
    const whole = words.join('');
    const known = words.filter((w) => !STATISTIC.test(w) && !NEUTRAL.has(w));
    if (words.some((w) => STATISTIC.test(w))) sawStatistic = true;
    if (!known.length) continue;
    if (known.some((w) => NEGATED.has(w))) return 'lower';
    if (whole.endsWith('persec')) return known.some((w) => BAD_EVENTS.has(w)) ? 'lower' : 'higher';
    if (LOWER.has(whole) || known.some((w) => LOWER.has(w))) return 'lower';
    if (HIGHER.has(whole) || known.some((w) => HIGHER.has(w))) return 'higher';
  }
  return sawStatistic ? 'lower' : undefined;
}

export interface Calibration {
  metric: string;
  better?: Better;
  n: number;
  median: number;
  /** (max − min) / |median|; 0 when every run is equal, Infinity when the median is 0 and runs differ. */
  relSpread: number;
  proposedMinEffect: number;
  /** Only when the median is 0 (a relative effect cannot work): a minEffectAbs in the metric's unit. */
  proposedMinEffectAbs?: number;
  note: string;
}

// 1.96: one-sided 97.5 % rather than 95 %, leaving room for σ estimated from a handful of runs.
// 1.2533 = √(π/2): the standard error of a median is that times σ/√n (normal data, large n; smaller n is
// a little less, so this errs on the wide side). √2: two independent medians are subtracted.
const Z = 1.96;
const MEDIAN_SE = Math.sqrt(Math.PI / 2);
const FLOOR = 0.02;

/**
 * For each metric with at least 2 runs: σ estimated robustly as 1.4826·MAD (one slow cold-start run does
 * not inflate it; the sample standard deviation when most runs are identical and MAD is 0), and a proposed
 * minEffect = Z·√2·1.2533·σ/(|median|·√runs): the change of the median that an A/A comparison of `runs`
 * against `runs` (default: as many as calibrated) exceeds in fewer than 2.5 % of trials, so such a budget
 * is neither tripped nor left 'inconclusive' by noise alone. At least 2 %, rounded up to a whole percent
 * (5 % steps above 20 %). Metrics with fewer than 2 runs are left out: one run says nothing about noise.
 */
export function calibrate(samples: Record<string, number[]>, opts: { better?: Record<string, Better>; runs?: number } = {}): Calibration[] {
  if (opts.runs !== undefined && !(Number.isInteger(opts.runs) && opts.runs >= 1)) throw new Error(`calibrate: runs must be a whole number ≥ 1 (got ${opts.runs})`);
  const out: Calibration[] = [];
  for (const [metric, xs] of Object.entries(samples)) {
    if (xs.length) checkRuns(xs, 'calibration', metric);
    if (xs.length < 2) continue;
    const n = xs.length;
    const runs = opts.runs ?? n;
    const m = median(xs);
    const spread = Math.max(...xs) - Math.min(...xs);
    const sigmaMad = 1.4826 * mad(xs);
    const sigma = sigmaMad > 0 ? sigmaMad : stdev(xs);
    const medianChange = (Z * Math.SQRT2 * MEDIAN_SE * sigma) / Math.sqrt(runs);
    const better = opts.better?.[metric] ?? inferBetter(metric);
    const row: Calibration = { metric, ...(better ? { better } : {}), n, median: m, relSpread: spread === 0 ? 0 : m === 0 ? Infinity : spread / Math.abs(m), proposedMinEffect: FLOOR, note: '' };
    const notes: string[] = [];
    if (spread === 0) notes.push(`identical in all ${n} runs, so the ${pct(FLOOR, false)} floor`);
    else if (m === 0) {
      row.proposedMinEffectAbs = Number(medianChange.toPrecision(2));
      notes.push(`the median is 0, so any change is infinitely large relative to it: set minEffectAbs ≥ ${num(row.proposedMinEffectAbs)} instead`);
    } else {
      const raw = medianChange / Math.abs(m);
      row.proposedMinEffect = niceCeil(Math.max(FLOOR, raw));
      notes.push(`runs spread ${pct(row.relSpread, false)} around the median (σ ≈ ${pct(sigma / Math.abs(m), false)}${sigmaMad > 0 ? '' : ', from the standard deviation: most runs are identical'})`);
      notes.push(raw < FLOOR ? `quieter than the ${pct(FLOOR, false)} floor` : `a smaller minEffect would often end ${runs} vs ${runs} runs as 'inconclusive'`);
    }
    if (n < 5) notes.push(`only ${n} runs: the noise estimate is rough, calibrate with 5 or more`);
    if (minAttainableP(runs, runs, 'greater') >= 0.05) notes.push(`${runs} vs ${runs} runs cannot fail a check at α=0.05: compare at least ${runsNeeded(0.05)} a side`);
    row.note = notes.join('; ') + '.';
    out.push(row);
  }
  return out;
}

/** The smallest equal run count that can reach α, plus one, so that one overlapping pair does not already make significance impossible. */
function runsNeeded(alpha: number): number {
  let n = 2;
  while (minAttainableP(n, n, 'greater') >= alpha) n++;
  return n + 1;
}

function niceCeil(x: number): number {
  const step = x <= 0.2 ? 0.01 : 0.05;
  return Number((Math.ceil(x / step - EPS) * step).toFixed(2));
}

function stdev(xs: number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
}

function checkSpec(spec: RegressionSpec): void {
  const bad = (what: string) => new Error(`regression budget for ${spec.metric}: ${what}`);
  if (spec.better !== 'lower' && spec.better !== 'higher') throw bad(`better must be 'lower' or 'higher' (got ${String(spec.better)})`);
  if (!(spec.minEffect >= 0) || !Number.isFinite(spec.minEffect)) throw bad(`minEffect must be a finite number ≥ 0 (got ${spec.minEffect})`);
  if (spec.alpha !== undefined && !(spec.alpha > 0 && spec.alpha < 1)) throw bad(`alpha must be between 0 and 1 (got ${spec.alpha})`);
  if (spec.tolerance !== undefined && !(spec.tolerance >= 0 && Number.isFinite(spec.tolerance))) throw bad(`tolerance must be a finite number ≥ 0 (got ${spec.tolerance})`);
  if (spec.minEffectAbs !== undefined && !(spec.minEffectAbs >= 0 && Number.isFinite(spec.minEffectAbs))) throw bad(`minEffectAbs must be a finite number ≥ 0 (got ${spec.minEffectAbs})`);
}

function checkRuns(xs: number[], side: string, metric: string): void {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error(`${metric}: the ${side} has no runs`);
  const i = xs.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (i >= 0) throw new Error(`${metric}: ${side} run ${i + 1} is ${String(xs[i])}, not a finite number`);
}

const num = (x: number) => String(Number.isInteger(x) ? x : Number(x.toPrecision(4)));
const pText = (p: number) => (p < 0.0001 ? 'p<0.0001' : `p=${Number(p.toPrecision(3))}`);
function pct(x: number, signed = true): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞%' : '−∞%';
  const s = `${Number((Math.abs(x) * 100).toFixed(1))}%`;
  return !signed ? s : x > 0 ? `+${s}` : x < 0 ? `−${s}` : s;
}
