// The samples a check yields per summary metric: one per repetition, except where a single run already
// holds repeated measurements — Lighthouse's runs (per URL) and a load test's seconds (req/s, p99) —
// which give one sample each, so even `repeat: 1` has enough for a two-sample test. Pure.
import type { Report } from '../report/model.js';

type Samples = Record<string, number[]>;

export function samplesOf(command: string, reports: Report[]): Samples {
  const out: Samples = {};
  const push = (k: string, v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) (out[k] ??= []).push(v);
  };
  for (const r of reports) for (const [k, v] of Object.entries(r.summary)) push(k, v);
  if (command === 'lighthouse') Object.assign(out, lighthouseRuns(reports));
  if (command === 'loadtest') Object.assign(out, loadSeconds(reports));
  return out;
}

const SCORE_KEYS: Record<string, string> = { performance: 'performance', accessibility: 'accessibility', bestPractices: 'best-practices', seo: 'seo' };
const METRIC_KEYS = ['lcp', 'fcp', 'tbt', 'cls', 'si', 'tti', 'ttfb', 'totalBytes', 'requests'];

interface LhRun {
  scores: Record<string, number | undefined>;
  metrics: Record<string, number | null>;
}

/** Every Lighthouse run's value, per URL (`lcp["/x"]`) and, for one URL, under the plain key too. */
function lighthouseRuns(reports: Report[]): Samples {
  const out: Samples = {};
  for (const r of reports) {
    const urls = ((r.data as { urls?: Array<{ label: string; runs: LhRun[] }> }).urls ?? []).filter((u) => Array.isArray(u.runs));
    for (const u of urls) {
      const keys = (k: string) => (urls.length === 1 ? [k] : [`${k}["${u.label}"]`]);
      for (const run of u.runs) {
        for (const [k, id] of Object.entries(SCORE_KEYS)) for (const key of keys(k)) add(out, key, run.scores?.[id]);
        for (const k of METRIC_KEYS) for (const key of keys(k)) add(out, key, run.metrics?.[k]);
      }
    }
  }
  return out;
}

interface Second {
  requests: number;
  p99Ms: number | null;
}

/** A load test's full seconds: requests and p99 per second (the first and last, partial, are left out). */
function loadSeconds(reports: Report[]): Samples {
  const out: Samples = {};
  for (const r of reports) {
    const t = ((r.data as { timeline?: Second[] }).timeline ?? []).slice(1, -1);
    if (t.length < 3) continue;
    for (const s of t) {
      add(out, 'rps', s.requests);
      add(out, 'latency.p99', s.p99Ms);
    }
  }
  return out;
}

function add(out: Samples, k: string, v: unknown): void {
  if (typeof v === 'number' && Number.isFinite(v)) (out[k] ??= []).push(v);
}
