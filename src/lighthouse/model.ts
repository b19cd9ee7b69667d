// The shapes the lighthouse area passes around: the part of a Lighthouse result (LHR) perfkit reads,
// one run's metrics, the aggregate of N runs, and the data of the report.
import type { BudgetResult } from '../report/model.js';

/** The subset of Lighthouse's result (LH 12) that perfkit reads. */
export interface Lhr {
  lighthouseVersion: string;
  requestedUrl?: string;
  finalDisplayedUrl?: string;
  mainDocumentUrl?: string;
  fetchTime?: string;
  runWarnings?: string[];
  runtimeError?: { code: string; message: string };
  configSettings?: { formFactor?: string; throttlingMethod?: string; onlyCategories?: string[] | null };
  categories: Record<string, { id?: string; title?: string; score: number | null }>;
  audits: Record<string, LhrAudit>;
}

export interface LhrAudit {
  id?: string;
  title?: string;
  score: number | null;
  scoreDisplayMode?: string;
  numericValue?: number;
  numericUnit?: string;
  displayValue?: string;
  errorMessage?: string;
  details?: { type?: string; items?: Array<Record<string, unknown>> };
}

export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
export type CategoryId = (typeof CATEGORIES)[number];

export const RESOURCE_TYPES = ['total', 'document', 'script', 'stylesheet', 'image', 'media', 'font', 'other', 'third-party'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** The timing and size metrics perfkit reports, by summary name, with the Lighthouse audit each comes from. */
export const METRIC_AUDITS = {
  lcp: 'largest-contentful-paint',
  fcp: 'first-contentful-paint',
  tbt: 'total-blocking-time',
  cls: 'cumulative-layout-shift',
  si: 'speed-index',
  tti: 'interactive',
  ttfb: 'server-response-time',
  totalBytes: 'total-byte-weight',
} as const;
export type MetricName = keyof typeof METRIC_AUDITS | 'requests';
export const METRIC_NAMES: MetricName[] = ['lcp', 'fcp', 'tbt', 'cls', 'si', 'tti', 'ttfb', 'totalBytes', 'requests'];

/** What one successful run measured. Scores are 0–100; times in ms; CLS unitless; bytes are transfer sizes. */
export interface RunMetrics {
  /** 1-based run number for this URL. */
  run: number;
  /** Which attempt produced it (1 = first try; retries after a failed run count up). */
  attempt: number;
  wallMs: number;
  scores: Partial<Record<CategoryId, number>>;
  metrics: Record<MetricName, number | null>;
  resources: Record<ResourceType, { count: number; bytes: number }>;
  /** Values the assertions refer to, extracted from this run's LHR: assertion key → value. */
  values: Record<string, number | null>;
  warnings: string[];
  /** false when the LHR had no resource-summary audit (e.g. --only-categories accessibility): then
   *  `resources` holds zeros, not measurements, and budgets on them are 'missing'. Absent = measured. */
  resourcesMeasured?: boolean;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max − min) ÷ median, 0 when the median is 0. */
  relSpread: number;
}

/** N runs of one URL. */
export interface UrlAggregate {
  url: string;
  /** Short unique name for summary keys: the path (and query) when every URL shares an origin, else host+path. */
  label: string;
  runs: RunMetrics[];
  /** Index into runs of the representative run: closest to the median FCP and TTI (Lighthouse's median-run). */
  medianRun: number;
  scores: Partial<Record<CategoryId, Spread>>;
  metrics: Partial<Record<MetricName, Spread>>;
  resources: Record<ResourceType, { count: number; bytes: number }>;
  failedAttempts: Array<{ attempt: number; error: string }>;
}

export interface LighthouseData {
  settings: {
    preset: 'mobile' | 'desktop';
    throttling: 'simulate' | 'devtools' | 'none';
    onlyCategories: string[] | null;
    runs: number;
    retries: number;
    maxWaitForLoadMs: number;
    timeoutMs: number;
    chrome: string;
    chromeVersion: string | null;
    lighthouseVersion: string;
  };
  urls: UrlAggregate[];
  /** URLs that produced no successful run. */
  failed: Array<{ url: string; errors: string[] }>;
  budgets: BudgetResult[];
  underLoad: UnderLoad | null;
  savedReports: string[];
}

export interface UnderLoad {
  options: string;
  target: string;
  /** The loadtest summary of the background load. */
  load: Record<string, number>;
  loadValid: boolean;
  /** The load's own bound (-d, --phases, -a) ran out before the loaded audits finished. */
  endedEarly?: boolean;
  /** Per URL: the idle and loaded medians of ttfb, lcp, tbt (and fcp), and their difference. */
  urls: Array<{ url: string; label: string; metrics: Record<string, { idle: number | null; loaded: number | null; delta: number | null; pct: number | null }> }>;
}

/** Lighthouse's classic budget.json (removed from Lighthouse 12; perfkit evaluates it itself). */
export const TIMING_METRICS = [
  'first-contentful-paint',
  'interactive',
  'first-meaningful-paint',
  'max-potential-fid',
  'total-blocking-time',
  'speed-index',
  'largest-contentful-paint',
  'cumulative-layout-shift',
] as const;
export type TimingMetric = (typeof TIMING_METRICS)[number];

export interface LhBudget {
  /** robots.txt-style pattern on pathname+search: prefix match, one `*` wildcard, trailing `$` anchors. */
  path?: string;
  options?: { firstPartyHostnames?: string[] };
  /** Budgets in KiB of transfer size. */
  resourceSizes?: Array<{ resourceType: ResourceType; budget: number }>;
  resourceCounts?: Array<{ resourceType: ResourceType; budget: number }>;
  /** Budgets in ms (CLS unitless). `tolerance` is accepted for old files and ignored, as Lighthouse did. */
  timings?: Array<{ metric: TimingMetric; budget: number; tolerance?: number }>;
}

/** Lighthouse CI–style assertions, from `--assert` expressions or a lighthouserc file. */
export type AssertionOperator = '<' | '<=' | '>' | '>=' | '==';
/** How N runs become one value: median (perfkit's default), optimistic (the best run), pessimistic
 *  (the worst run), median-run (the value of the representative run). */
export type AggregationMethod = 'median' | 'optimistic' | 'pessimistic' | 'median-run';
export const AGGREGATION_METHODS: AggregationMethod[] = ['median', 'optimistic', 'pessimistic', 'median-run'];

export interface Assertion {
  /** The key as written, in dot form; results are named `<name>["<label>"]`. E.g. 'categories.performance',
   *  'largest-contentful-paint', 'uses-long-cache-ttl.score', 'resource-summary.script.size'. */
  name: string;
  /** The valueOf key the runner extracts per run, e.g. 'audit.largest-contentful-paint.numericValue'. */
  key: string;
  operator: AssertionOperator;
  threshold: number;
  level: 'error' | 'warn';
  aggregation: AggregationMethod;
  /** Only URLs this regular expression matches (LHCI assertMatrix matchingUrlPattern). */
  urlPattern?: string;
  /** Where it was written (file and key); evaluateAssertions falls back to its `source` argument. */
  source?: string;
}
