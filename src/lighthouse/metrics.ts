// One Lighthouse run → RunMetrics: category scores, the timing and size metrics, bytes and requests
// per resource type, and the values assertions and budgets refer to (valueOf). Pure.
import { CATEGORIES, METRIC_AUDITS, RESOURCE_TYPES, type Lhr, type LhrAudit, type MetricName, type RunMetrics } from './model.js';

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

const DIGITS: Record<keyof typeof METRIC_AUDITS, number> = { lcp: 1, fcp: 1, tbt: 1, cls: 4, si: 1, tti: 1, ttfb: 1, totalBytes: 0 };

export function runMetrics(
  lhr: Lhr,
  o: { run: number; attempt: number; wallMs: number; valueKeys: string[]; firstPartyHostnames?: string[] },
): RunMetrics {
  const scores: RunMetrics['scores'] = {};
  for (const id of CATEGORIES) {
    const s = lhr.categories[id]?.score;
    if (typeof s === 'number') scores[id] = Math.round(s * 100);
  }

  const metrics = {} as Record<MetricName, number | null>;
  for (const [name, auditId] of Object.entries(METRIC_AUDITS) as Array<[keyof typeof METRIC_AUDITS, string]>) {
    const v = numeric(lhr.audits[auditId]);
    metrics[name] = v === null ? null : round(v, DIGITS[name]);
  }
  const summaryItems = items(lhr.audits['resource-summary']);
  const requestItems = items(lhr.audits['network-requests']);
  const total = summaryItems?.find((i) => i.resourceType === 'total');
  metrics.requests = typeof total?.requestCount === 'number' ? total.requestCount : requestItems ? requestItems.length : null;

  const resources = {} as RunMetrics['resources'];
  for (const type of RESOURCE_TYPES) {
    const item = summaryItems?.find((i) => i.resourceType === type);
    resources[type] = { count: num(item?.requestCount), bytes: Math.round(num(item?.transferSize)) };
  }
  if (o.firstPartyHostnames && requestItems) resources['third-party'] = thirdParty(requestItems, o.firstPartyHostnames);

  const values: Record<string, number | null> = {};
  for (const key of o.valueKeys) values[key] = valueOf(lhr, key);

  const out: RunMetrics = { run: o.run, attempt: o.attempt, wallMs: o.wallMs, scores, metrics, resources, values, warnings: [...(lhr.runWarnings ?? [])] };
  if (!summaryItems) out.resourcesMeasured = false;
  return out;
}

/** The value an assertion key names, from one LHR; null when the LHR does not have it.
 *  `categories.<id>` 0–100; `audit.<id>.numericValue|score|length`; `resource-summary.<type>.size|count`. */
export function valueOf(lhr: Lhr, key: string): number | null {
  const [kind, ...rest] = key.split('.');
  if (kind === 'categories' && rest.length === 1) {
    const s = lhr.categories[rest[0]]?.score;
    return typeof s === 'number' ? round(s * 100, 6) : null;
  }
  if (kind === 'resource-summary' && rest.length === 2) {
    const item = items(lhr.audits['resource-summary'])?.find((i) => i.resourceType === rest[0]);
    if (!item) return null;
    const v = rest[1] === 'size' ? (item.size ?? item.transferSize) : rest[1] === 'count' ? item.requestCount : undefined;
    return typeof v === 'number' ? v : null;
  }
  if (kind === 'audit' && rest.length === 2) {
    const audit = lhr.audits[rest[0]];
    if (!audit) return null;
    if (rest[1] === 'numericValue') return rounded(numeric(audit), audit.numericUnit);
    if (rest[1] === 'length') return audit.details?.items?.length ?? 0; // as LHCI: an audit without a table has 0 items
    if (rest[1] === 'score') {
      // As LHCI's minScore: an audit that does not apply passes, an informative one scores 0.
      if (typeof audit.score === 'number') return audit.score;
      if (audit.scoreDisplayMode === 'notApplicable') return 1;
      if (audit.scoreDisplayMode === 'informative') return 0;
      return null;
    }
  }
  return null;
}

/** Lighthouse's first-party test for budget.json `options.firstPartyHostnames`: "x.com" exact, "*.x.com" x.com and its subdomains. */
export function isFirstParty(hostname: string, firstPartyHostnames: string[]): boolean {
  return firstPartyHostnames.some((h) => (h.startsWith('*.') ? hostname === h.slice(2) || hostname.endsWith(h.slice(1)) : hostname === h));
}

// Lighthouse's resource summary leaves out non-network requests and the favicon.
const NON_NETWORK = new Set(['blob:', 'data:', 'intent:', 'file:', 'filesystem:', 'chrome-extension:']);

function thirdParty(requests: Array<Record<string, unknown>>, firstPartyHostnames: string[]): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const r of requests) {
    if (typeof r.url !== 'string') continue;
    let u: URL;
    try {
      u = new URL(r.url);
    } catch {
      continue;
    }
    if (NON_NETWORK.has(u.protocol)) continue;
    if (r.resourceType === 'Other' && r.url.endsWith('/favicon.ico')) continue;
    if (isFirstParty(u.hostname, firstPartyHostnames)) continue;
    count++;
    bytes += num(r.transferSize);
  }
  return { count, bytes: Math.round(bytes) };
}

/** The precision perfkit reports elsewhere: 0.1 ms, whole bytes and counts, 4 decimals for unitless values (CLS). */
function rounded(v: number | null, unit: string | undefined): number | null {
  if (v === null) return null;
  if (unit === 'millisecond') return Math.round(v * 10) / 10;
  if (unit === 'byte' || unit === 'element') return Math.round(v);
  return Math.round(v * 10_000) / 10_000;
}

function numeric(a: LhrAudit | undefined): number | null {
  return typeof a?.numericValue === 'number' && Number.isFinite(a.numericValue) ? a.numericValue : null;
}

function items(a: LhrAudit | undefined): Array<Record<string, unknown>> | undefined {
  return Array.isArray(a?.details?.items) ? a.details.items : undefined;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
