// Lighthouse's classic budget.json (Lighthouse ≤ 11 evaluated it; 12 removed it, so perfkit does):
// validation with the exact bad key, robots.txt-style path matching as Lighthouse 11's
// core/config/budget.js, and evaluation of one URL's medians against its budget. Pure.
import { z } from 'zod';
import { configError } from '../cli/errors.js';
import { validate } from '../config/schema.js';
import type { BudgetResult } from '../report/model.js';
import { hasResources, median } from './aggregate.js';
import { RESOURCE_TYPES, TIMING_METRICS, type LhBudget, type MetricName, type TimingMetric, type UrlAggregate } from './model.js';

export type { LhBudget };

const MPFID_KEY = 'audit.max-potential-fid.numericValue';

/** Where each timing comes from: a RunMetrics metric, a per-run value, or nowhere (no longer measured). */
const TIMING_SOURCE: Record<TimingMetric, { metric: MetricName } | { value: string } | { gone: string }> = {
  'first-contentful-paint': { metric: 'fcp' },
  interactive: { metric: 'tti' },
  'first-meaningful-paint': { gone: 'Lighthouse ≥ 12.1 no longer measures first-meaningful-paint; remove this timing' },
  'max-potential-fid': { value: MPFID_KEY },
  'total-blocking-time': { metric: 'tbt' },
  'speed-index': { metric: 'si' },
  'largest-contentful-paint': { metric: 'lcp' },
  'cumulative-layout-shift': { metric: 'cls' },
};

const quoted = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));
const number = z.number({ error: (i) => `${quoted(i.input)} is not a number` }).finite();

const resourceBudget = z
  .object({
    resourceType: z.enum(RESOURCE_TYPES, { error: (i) => `${quoted(i.input)} is not a resource type (${RESOURCE_TYPES.join(', ')})` }),
    budget: number.nonnegative(),
  })
  .strict();

const timingBudget = z
  .object({
    metric: z.enum(TIMING_METRICS, { error: (i) => `${quoted(i.input)} is not a timing metric (${TIMING_METRICS.join(', ')})` }),
    budget: number.nonnegative(),
    tolerance: number.nonnegative().optional(),
  })
  .strict();

/** Lighthouse 11's validatePath: starts with '/', at most one '*', '$' only once and only at the end. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `'${path}' must start with '/'`;
  if ((path.match(/\*/g) ?? []).length > 1) return `'${path}' may contain only one '*'`;
  if ((path.match(/\$/g) ?? []).length > 1 || (path.includes('$') && !path.endsWith('$'))) return `'${path}': '$' may only end the path`;
  return undefined;
}

/** Lighthouse 11's validateHostname: no '/', no ':', a '*' only as a leading '*.'. */
function hostnameProblem(h: string): string | undefined {
  const bad = h.length === 0 || h.includes('/') || h.includes(':') || (h.includes('*') && (!h.startsWith('*.') || h.lastIndexOf('*') > 0));
  return bad ? `'${h}' is not a hostname (write 'example.com' or '*.example.com')` : undefined;
}

const noDuplicates =
  <T>(field: keyof T & string, what: string) =>
  (list: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<unknown>();
    list.forEach((entry, i) => {
      const v = entry[field];
      if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [i, field], message: `${quoted(v)} is listed twice; Lighthouse allows one ${what} per type` });
      seen.add(v);
    });
  };

const budgetSchema = z
  .object({
    path: z
      .string({ error: (i) => `${quoted(i.input)} is not a path pattern` })
      .superRefine((p, ctx) => {
        const problem = pathProblem(p);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    options: z
      .object({
        firstPartyHostnames: z
          .array(
            z.string().superRefine((h, ctx) => {
              const problem = hostnameProblem(h);
              if (problem) ctx.addIssue({ code: 'custom', message: problem });
            }),
          )
          .optional(),
      })
      .strict()
      .optional(),
    resourceSizes: z.array(resourceBudget).superRefine(noDuplicates('resourceType', 'size budget')).optional(),
    resourceCounts: z.array(resourceBudget).superRefine(noDuplicates('resourceType', 'count budget')).optional(),
    timings: z.array(timingBudget).superRefine(noDuplicates('metric', 'timing budget')).optional(),
  })
  .strict();

const budgetFile = z.array(budgetSchema, { error: 'a budget.json is an array of budgets: [{ "path": "/*", "resourceSizes": [...] }]' });

/** Validates a parsed budget.json; throws a one-line config error naming the file and the bad key. */
export function parseBudgetJson(raw: unknown, file: string): LhBudget[] {
  const r = validate(budgetFile, raw);
  if (!r.ok) {
    const [first, ...more] = r.issues;
    throw configError(
      `${file}: ${first.path}: ${first.message}${more.length ? ` (and ${more.length} more)` : ''}`,
      'each budget is { path?, options?: { firstPartyHostnames }, resourceSizes?: [{ resourceType, budget (KiB) }], resourceCounts?: [{ resourceType, budget }], timings?: [{ metric, budget (ms) }] }',
    );
  }
  return r.value;
}

/** The values beyond RunMetrics.metrics that evaluating these budgets needs, as valueOf keys. */
export function budgetValueKeys(budgets: LhBudget[]): string[] {
  const keys = new Set<string>();
  for (const b of budgets) for (const t of b.timings ?? []) {
    const src = TIMING_SOURCE[t.metric];
    if ('value' in src) keys.add(src.value);
  }
  return [...keys];
}

/** Lighthouse 11's urlMatchesPattern, on pathname+search: a prefix; `*` any characters; a trailing `$` the end. */
export function urlMatchesPattern(url: string, pattern = '/'): boolean {
  let path: string;
  try {
    const u = new URL(url);
    path = u.pathname + u.search;
  } catch {
    return false;
  }
  const anchored = pattern.endsWith('$');
  const p = anchored ? pattern.slice(0, -1) : pattern;
  const star = p.indexOf('*');
  if (star < 0) return anchored ? path === p : path.startsWith(p);
  const before = p.slice(0, star);
  const after = p.slice(star + 1);
  if (!path.startsWith(before)) return false;
  const rest = path.slice(before.length);
  return anchored ? rest.endsWith(after) : rest.includes(after);
}

/** The budget for a URL: the LAST one whose path matches (a budget without a path matches every URL). */
export function budgetForUrl(budgets: LhBudget[], url: string): LhBudget | undefined {
  for (let i = budgets.length - 1; i >= 0; i--) if (urlMatchesPattern(url, budgets[i].path)) return budgets[i];
  return undefined;
}

/** One URL's medians against its budget. Every budget.json row is an error-level `<=` (as LHCI converts them). */
export function evaluateBudgetJson(budget: LhBudget, agg: UrlAggregate, file: string): BudgetResult[] {
  const source = budget.path !== undefined ? `${file} (path ${budget.path})` : file;
  const out: BudgetResult[] = [];
  const row = (metric: string, threshold: number, actual: number | null, note?: string): BudgetResult => ({
    metric: `${metric}["${agg.label}"]`,
    operator: '<=',
    threshold,
    actual,
    level: 'error',
    status: actual === null ? 'missing' : actual <= threshold ? 'pass' : 'fail',
    source: note ? `${source}: ${note}` : source,
  });
  const measured = hasResources(agg);
  for (const { resourceType, budget: kib } of budget.resourceSizes ?? []) {
    const actual = measured ? Math.round((agg.resources[resourceType].bytes / 1024) * 10) / 10 : null;
    out.push(row(`resourceSizes.${resourceType}`, kib, actual));
  }
  for (const { resourceType, budget: n } of budget.resourceCounts ?? []) {
    out.push(row(`resourceCounts.${resourceType}`, n, measured ? agg.resources[resourceType].count : null));
  }
  for (const t of budget.timings ?? []) {
    const src = TIMING_SOURCE[t.metric];
    const note = 'gone' in src ? src.gone : t.tolerance !== undefined ? 'tolerance is ignored, as Lighthouse ignored it' : undefined;
    out.push(row(`timings.${t.metric}`, t.budget, timingActual(src, agg), note));
  }
  return out;
}

function timingActual(src: (typeof TIMING_SOURCE)[TimingMetric], agg: UrlAggregate): number | null {
  if ('metric' in src) return agg.metrics[src.metric]?.median ?? null;
  if ('value' in src) {
    const v = agg.runs.flatMap((r) => (typeof r.values[src.value] === 'number' ? [r.values[src.value] as number] : []));
    return v.length ? median(v) : null;
  }
  return null;
}
