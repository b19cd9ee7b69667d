// N runs of one URL → one UrlAggregate: the median, min, max and spread of every score and metric,
// median resources, and the representative run as Lighthouse picks it. Also short labels for URLs. Pure.
import {
  CATEGORIES,
  METRIC_NAMES,
  RESOURCE_TYPES,
  type MetricName,
  type RunMetrics,
  type Spread,
  type UrlAggregate,
} from './model.js';

/** The median; for an even count the mean of the two middle values (as Lighthouse and LHCI). */
export function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// Lighthouse reads `numericValue || NaN`: a 0 counts as missing too.
const usable = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v !== 0;

/**
 * The representative run, exactly as Lighthouse's computeMedianRun (core/lib/median-run.js), which
 * Lighthouse CI uses too: the run nearest (squared Euclidean distance) to the median FCP and the median
 * TTI; ties go to the smaller TTI, then to the earlier run (the sort is stable). Runs without both
 * values are left out, as LHCI's filterToValidRuns does; with none left, the run nearest the median
 * performance score; without scores, the first run.
 */
export function medianRunIndex(runs: Array<{ fcp: number | null; tti: number | null; performance?: number | null }>): number {
  const valid = runs.flatMap((r, i) => (usable(r.fcp) && usable(r.tti) ? [{ i, fcp: r.fcp, tti: r.tti }] : []));
  if (valid.length) {
    const mFcp = median(valid.map((r) => r.fcp));
    const mTti = median(valid.map((r) => r.tti));
    const dist = (r: { fcp: number; tti: number }) => (mFcp - r.fcp) ** 2 + (mTti - r.tti) ** 2;
    let best = valid[0];
    for (const r of valid.slice(1)) {
      const d = dist(r) - dist(best);
      if (d < 0 || (d === 0 && r.tti < best.tti)) best = r;
    }
    return best.i;
  }
  const scored = runs.flatMap((r, i) => (typeof r.performance === 'number' && Number.isFinite(r.performance) ? [{ i, p: r.performance }] : []));
  if (scored.length) {
    const m = median(scored.map((r) => r.p));
    let best = scored[0];
    for (const r of scored.slice(1)) if (Math.abs(r.p - m) < Math.abs(best.p - m)) best = r;
    return best.i;
  }
  return 0;
}

export function spreadOf(values: number[]): Spread {
  if (!values.length) return { median: 0, min: 0, max: 0, relSpread: 0 };
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, min, max, relSpread: m === 0 ? 0 : Math.round(((max - min) / m) * 1000) / 1000 };
}

/** Whether some run measured resources (an LHR without resource-summary leaves zeros that mean nothing). */
export function hasResources(agg: { runs: RunMetrics[] }): boolean {
  return agg.runs.some((r) => r.resourcesMeasured !== false);
}

export function aggregateUrl(url: string, label: string, runs: RunMetrics[], failedAttempts: UrlAggregate['failedAttempts']): UrlAggregate {
  const scores: UrlAggregate['scores'] = {};
  for (const id of CATEGORIES) {
    const v = runs.flatMap((r) => (typeof r.scores[id] === 'number' ? [r.scores[id]] : []));
    if (v.length) scores[id] = spreadOf(v);
  }
  const metrics: UrlAggregate['metrics'] = {};
  for (const name of METRIC_NAMES) {
    const v = runs.flatMap((r) => numberOf(r.metrics[name]));
    if (v.length) metrics[name as MetricName] = spreadOf(v);
  }
  const measured = runs.filter((r) => r.resourcesMeasured !== false);
  const resources = {} as UrlAggregate['resources'];
  for (const type of RESOURCE_TYPES) {
    resources[type] = measured.length
      ? { count: Math.round(median(measured.map((r) => r.resources[type].count))), bytes: Math.round(median(measured.map((r) => r.resources[type].bytes))) }
      : { count: 0, bytes: 0 };
  }
  const medianRun = medianRunIndex(runs.map((r) => ({ fcp: r.metrics.fcp, tti: r.metrics.tti, performance: r.scores.performance ?? null })));
  return { url, label, runs, medianRun, scores, metrics, resources, failedAttempts };
}

const numberOf = (v: number | null | undefined): number[] => (typeof v === 'number' && Number.isFinite(v) ? [v] : []);

/** Short unique names for summary keys: the path (and query) when every URL shares one origin, else
 *  host+path; a duplicate gets "#2", "#3". */
export function labelsFor(urls: string[]): string[] {
  const parsed = urls.map((u) => {
    try {
      return new URL(u);
    } catch {
      return null;
    }
  });
  const origins = new Set(parsed.map((p, i) => (p ? p.origin : urls[i])));
  const oneOrigin = origins.size === 1 && parsed.every(Boolean);
  const base = parsed.map((p, i) => (!p ? urls[i] : oneOrigin ? p.pathname + p.search : p.host + p.pathname + p.search));
  const seen = new Map<string, number>();
  return base.map((b) => {
    const n = (seen.get(b) ?? 0) + 1;
    seen.set(b, n);
    return n === 1 ? b : `${b}#${n}`;
  });
}
