// The flat summary of `perfkit lighthouse` (the names budgets and --threshold refer to) and its findings:
// failed and retried URLs, unstable medians, Lighthouse's own warnings, an invalid background load. Pure.
import type { Finding, Summary } from '../report/model.js';
import { hasResources } from './aggregate.js';
import { METRIC_NAMES, RESOURCE_TYPES, type CategoryId, type LighthouseData, type UnderLoad, type UrlAggregate } from './model.js';

const SCORE_KEYS: Record<CategoryId, string> = { performance: 'performance', accessibility: 'accessibility', 'best-practices': 'bestPractices', seo: 'seo' };
const SCORES = new Set(Object.values(SCORE_KEYS));
const SUMMED = new Set(['runs', 'failedRuns']);
const UNDER_LOAD_METRICS = ['ttfb', 'lcp', 'tbt', 'fcp'];

const resourceKey = (t: string) => (t === 'third-party' ? 'thirdParty' : t);
const labelled = (key: string, label: string) => `${key}["${label}"]`;

function urlSummary(a: UrlAggregate): Summary {
  const out: Summary = {};
  for (const [id, s] of Object.entries(a.scores)) out[SCORE_KEYS[id as CategoryId]] = s.median;
  for (const m of METRIC_NAMES) {
    const s = a.metrics[m];
    if (s) out[m] = s.median;
  }
  if (hasResources(a)) {
    for (const t of RESOURCE_TYPES) {
      out[`resources.${resourceKey(t)}.bytes`] = a.resources[t].bytes;
      out[`resources.${resourceKey(t)}.count`] = a.resources[t].count;
    }
  }
  out.runs = a.runs.length;
  out.failedRuns = a.failedAttempts.length;
  return out;
}

/**
 * One URL: its medians. Several: every key also per URL as `<key>["<label>"]`, and the plain key is the
 * worst URL's (the lowest score, the highest everything else; runs and failedRuns are summed).
 * `failed` (URLs without a successful run) adds to failedRuns and counts in failedUrls.
 */
export function lighthouseSummary(urls: UrlAggregate[], underLoad: UnderLoad | null, failed: LighthouseData['failed'] = []): Summary {
  const out: Summary = {};
  const per = urls.map(urlSummary);
  if (per.length === 1) Object.assign(out, per[0]);
  else {
    const keys = [...new Set(per.flatMap((p) => Object.keys(p)))];
    for (const key of keys) {
      const values = per.flatMap((p) => (key in p ? [p[key]] : []));
      out[key] = SUMMED.has(key) ? values.reduce((x, y) => x + y, 0) : SCORES.has(key) ? Math.min(...values) : Math.max(...values);
      per.forEach((p, i) => {
        if (key in p) out[labelled(key, urls[i].label)] = p[key];
      });
    }
  }
  out.runs ??= 0;
  out.failedRuns = (out.failedRuns ?? 0) + failed.reduce((n, f) => n + f.errors.length, 0);
  out.failedUrls = failed.length;
  if (underLoad) Object.assign(out, underLoadSummary(underLoad));
  return out;
}

function underLoadSummary(u: UnderLoad): Summary {
  const out: Summary = {};
  const several = u.urls.length > 1;
  for (const m of UNDER_LOAD_METRICS) {
    const rows = u.urls.filter((x) => x.metrics[m]);
    // The plain keys come from one URL, the one that moved most, so idle, loaded and delta agree.
    const worst = rows.reduce<(typeof rows)[number] | undefined>((w, x) => (w === undefined || (x.metrics[m].delta ?? -Infinity) > (w.metrics[m].delta ?? -Infinity) ? x : w), undefined);
    for (const row of several ? [undefined, ...rows] : rows) {
      const src = row ?? worst;
      if (!src) continue;
      for (const part of ['idle', 'loaded', 'delta'] as const) {
        const v = src.metrics[m][part];
        if (v === null) continue;
        out[row && several ? labelled(`underLoad.${m}.${part}`, row.label) : `underLoad.${m}.${part}`] = v;
      }
    }
  }
  for (const [key, from] of [['rps', 'rps'], ['errorRate', 'errorRate'], ['latency.p95', 'latency.p95']]) {
    if (typeof u.load[from] === 'number') out[`underLoad.${key}`] = u.load[from];
  }
  out['underLoad.valid'] = u.loadValid ? 1 : 0;
  return out;
}

export function lighthouseFindings(data: LighthouseData): Finding[] {
  const out: Finding[] = [];
  for (const f of data.failed) {
    out.push({
      rule: 'lighthouse-url-failed',
      severity: 'error',
      title: `No successful Lighthouse run for ${f.url}`,
      message: `All ${f.errors.length} attempt${f.errors.length === 1 ? '' : 's'} failed, so this page has no numbers and its budgets and assertions were not evaluated. First error: ${f.errors[0] ?? 'unknown'}`,
      location: f.url,
      evidence: { errors: f.errors },
      fix: 'open the page in a browser: does it load (status, redirects, certificates) from this machine? If it is just slow, raise --max-wait-for-load or --timeout; --verbose shows what Lighthouse saw',
    });
  }
  for (const a of data.urls) {
    if (a.failedAttempts.length) {
      out.push({
        rule: 'lighthouse-retried',
        severity: 'warn',
        title: `${a.label}: ${a.failedAttempts.length} failed run${a.failedAttempts.length === 1 ? '' : 's'} retried`,
        message: `Lighthouse failed ${a.failedAttempts.length} time${a.failedAttempts.length === 1 ? '' : 's'} on ${a.url} before ${a.runs.length} run${a.runs.length === 1 ? '' : 's'} succeeded; the page or the machine is not reliable, and the medians hide that.`,
        location: a.url,
        evidence: { errors: a.failedAttempts.map((f) => `attempt ${f.attempt}: ${f.error}`) },
        fix: 'read the errors: a timeout means a slow or hanging page (raise --max-wait-for-load or --timeout), a protocol error an overloaded machine (run nothing heavy beside the audit)',
      });
    }
    const perf = a.scores.performance;
    const lcp = a.metrics.lcp;
    const perfSpread = perf ? perf.max - perf.min : 0;
    if (a.runs.length >= 3 && (perfSpread >= 10 || (lcp && lcp.relSpread >= 0.25))) {
      out.push({
        rule: 'lighthouse-variance',
        severity: 'warn',
        title: `${a.label}: the runs disagree`,
        message:
          `Over ${a.runs.length} runs ` +
          [perf && perfSpread >= 10 ? `the performance score ranged ${perf.min}–${perf.max}` : '', lcp && lcp.relSpread >= 0.25 ? `LCP ranged ${lcp.min}–${lcp.max} ms (${Math.round(lcp.relSpread * 100)}% of its median)` : '']
            .filter(Boolean)
            .join(' and ') +
          ': the median is less trustworthy, and a budget near it may pass or fail by chance.',
        location: a.url,
        evidence: { runs: a.runs.length, ...(perf ? { performance: perf } : {}), ...(lcp ? { lcp } : {}) },
        fix: 'use more --runs (5 or more), a quieter machine (nothing else running, no CPU throttling by power saving), or --throttling simulate, which is the least noisy',
      });
    }
    const warnings = [...new Set(a.runs[a.medianRun]?.warnings ?? [])];
    if (warnings.length) {
      out.push({
        rule: 'lighthouse-run-warnings',
        severity: 'info',
        title: `${a.label}: Lighthouse warned about the run`,
        message: `Lighthouse's own warnings for the median run: ${warnings.join(' | ')}`,
        location: a.url,
        evidence: { warnings },
        fix: 'each warning names its cause (a redirect, an interstitial, a slow machine); audit the final URL or fix the cause, then compare again',
      });
    }
  }
  if (data.underLoad && !data.underLoad.loadValid) {
    out.push({
      rule: 'lighthouse-load-invalid',
      severity: 'error',
      title: 'The background load did not run as asked',
      message: `The load generator behind --under-load (${data.underLoad.options}) fell behind its schedule, so the page did not see the load asked for and the loaded numbers are not comparable with the idle ones.`,
      location: data.underLoad.target,
      evidence: { options: data.underLoad.options, load: data.underLoad.load },
      fix: 'ask for less load (a lower --rate or fewer connections), or generate it from another machine; the idle numbers are still valid',
    });
  }
  if (data.underLoad?.endedEarly) {
    out.push({
      rule: 'lighthouse-load-ended-early',
      severity: 'warn',
      title: 'The background load ended before the loaded audits did',
      message: `The load's own bound in --under-load (${data.underLoad.options}) ran out while pages were still being audited, so the later loaded runs met an idle server.`,
      location: data.underLoad.target,
      fix: 'drop -d (the load then lasts exactly as long as the loaded audits), or give a longer one',
    });
  }
  return out;
}
