// `perfkit cache warm` for HTTP caches (a CDN, Varnish, nginx): reads a URL list or a sitemap, requests
// every URL once per variant (the warm pass: its cache status is the state *before*), then again (the
// verification pass: the state *after*), and reports hit ratios per variant and what did not get cached.
// Called by cache/warm/command.ts when --from is a URL list, a sitemap, or an http(s) URL.
import type { CommandContext, CommandOutcome } from '../../../cli/context.js';
import { connectError } from '../../../cli/errors.js';
import { version } from '../../../cli/version.js';
import { createHttpClient, type HttpClient } from '../../../connectors/http.js';
import type { Summary } from '../../../report/model.js';
import { formatMs, formatNumber } from '../../../util/units.js';
import { warmFindings } from './findings.js';
import { planOf, type HttpWarmFlags, type HttpWarmPlan } from './options.js';
import { tally, type Outcome } from './outcome.js';
import { runPass } from './pass.js';
import { loadSource, urlsSource, type Source } from './source.js';
import { defaultHeaders, isSecretHeader, mergeHeaders } from './variants.js';
import { httpWarmView, type HttpWarmData, type TargetResult } from './view.js';

export type { HttpWarmFlags } from './options.js';
export type { HttpWarmData } from './view.js';

export async function warmHttp(ctx: CommandContext, flags: HttpWarmFlags): Promise<CommandOutcome<HttpWarmData>> {
  const plan = planOf(flags);
  registerSecrets(ctx, plan);
  // Created on first use: a dry run of a local list opens no socket.
  let client: HttpClient | undefined;
  const getClient = () => (client ??= createHttpClient({ maxSockets: plan.concurrency }));
  try {
    ctx.progress.start(`reading ${plan.from === '-' ? 'URLs from stdin' : plan.from}`);
    const source = await loadSource({ from: plan.from, baseUrl: plan.baseUrl, order: plan.order, limit: plan.limit, onError: plan.onError, timeoutMs: plan.timeoutMs, io: ctx.io, signal: ctx.signal, client: getClient });
    return await warmSource(ctx, plan, source, getClient);
  } finally {
    client?.close();
  }
}

/** Warms URLs another command already has (`cdn purge --then-warm`): the same passes, report and findings,
 *  with the URL list given in memory instead of --from. */
export async function warmUrls(ctx: CommandContext, urls: string[], flags: Omit<Partial<HttpWarmFlags>, 'from'> = {}): Promise<CommandOutcome<HttpWarmData>> {
  const plan = planOf({ ...flags, from: `(${urls.length} URLs given)` });
  registerSecrets(ctx, plan);
  let client: HttpClient | undefined;
  const getClient = () => (client ??= createHttpClient({ maxSockets: plan.concurrency }));
  try {
    const source = await urlsSource(urls, { from: plan.from, baseUrl: plan.baseUrl, order: undefined, limit: plan.limit, onError: plan.onError, timeoutMs: plan.timeoutMs, io: ctx.io, signal: ctx.signal, client: getClient });
    return await warmSource(ctx, plan, source, getClient);
  } finally {
    client?.close();
  }
}

async function warmSource(ctx: CommandContext, plan: HttpWarmPlan, source: Source, getClient: () => HttpClient): Promise<CommandOutcome<HttpWarmData>> {
  const urls = plan.limit !== undefined ? source.urls.slice(0, plan.limit) : source.urls;
  const base = mergeHeaders(defaultHeaders(version()), plan.headers);
  const variantHeaders = plan.variants.map((v) => mergeHeaders(base, v.headers));

  const results: TargetResult[] = urls.flatMap((url) => plan.variants.map((v) => ({ url, variant: v.label, warm: null, verify: null })));
  let interrupted = false;
  if (!plan.dryRun && !ctx.signal.aborted) {
    const passOpts = { client: getClient(), method: plan.method, concurrency: plan.concurrency, ratePerSec: plan.ratePerSec, timeoutMs: plan.timeoutMs, retries: plan.retries, headers: variantHeaders, signal: ctx.signal };
    const warm = await runPass(urls, { ...passOpts, onProgress: progress(ctx, 'warming', results.length) });
    warm.outcomes.forEach((o, i) => (results[i]!.warm = o));
    interrupted = warm.interrupted;
    failIfAllUnreachable(warm.outcomes, urls);
    if (plan.verify && !ctx.signal.aborted) {
      const verify = await runPass(urls, { ...passOpts, onProgress: progress(ctx, 'verifying', results.length) });
      verify.outcomes.forEach((o, i) => (results[i]!.verify = o));
      interrupted ||= verify.interrupted;
    }
    interrupted ||= ctx.signal.aborted;
    if (interrupted) ctx.note(`interrupted: the report covers ${results.filter((r) => r.warm).length} of ${results.length} URL×variant pairs`);
  }
  const data = dataOf(plan, source, results, base, interrupted);
  return {
    result: {
      command: 'cache warm',
      target: { urls: plan.from, origins: originsOf(urls), method: plan.method, variants: plan.variants.map((v) => v.label) },
      summary: summaryOf(data, urls.length),
      findings: warmFindings(data),
      data,
    },
    view: httpWarmView,
  };
}

function registerSecrets(ctx: CommandContext, plan: HttpWarmPlan): void {
  for (const [n, v] of [...plan.headers, ...plan.variants.flatMap((x) => x.headers)]) if (isSecretHeader(n)) ctx.secret(v);
  for (const u of [plan.baseUrl, /^https?:\/\//i.test(plan.from) ? new URL(plan.from) : undefined]) {
    if (u?.password) ctx.secret(decodeURIComponent(u.password));
  }
}

/** Throttled progress: at most 5 updates a second, with done/total and an estimate of the time left. */
function progress(ctx: CommandContext, verb: string, total: number): (done: number) => void {
  const started = Date.now();
  let shown = 0;
  ctx.progress.update(`${verb} ${formatNumber(total)} URL×variant pairs`);
  return (done) => {
    const now = Date.now();
    if (now - shown < 200 && done < total) return;
    shown = now;
    const elapsed = now - started;
    const eta = done > 0 ? (elapsed / done) * (total - done) : undefined;
    ctx.progress.update(`${verb}: ${formatNumber(done)}/${formatNumber(total)} (${Math.floor((done / total) * 100)}%)${eta !== undefined && done < total ? `, about ${formatMs(eta)} left` : ''}`);
  };
}

/** Every request failed without an HTTP answer: the origin or cache is down, not a URL wrong. */
function failIfAllUnreachable(outcomes: Array<Outcome | null>, urls: string[]): void {
  const sent = outcomes.filter((o): o is Outcome => o !== null);
  if (!sent.length || !sent.every((o) => o.unreachable)) return;
  const hosts = originsOf(urls).map((o) => new URL(o).host);
  throw connectError(
    `cannot reach ${hosts.slice(0, 3).join(', ')}${hosts.length > 3 ? ` and ${hosts.length - 3} more` : ''}: all ${sent.length} requests failed (${sent[0]!.error})`,
    'check that the server is up and listening, and that the URLs (or --base-url) name the right host and port',
  );
}

function originsOf(urls: string[]): string[] {
  const seen = new Set<string>();
  for (const u of urls) {
    seen.add(new URL(u).origin);
    if (seen.size >= 10) break;
  }
  return [...seen];
}

function dataOf(plan: HttpWarmPlan, source: Source, results: TargetResult[], base: Array<[string, string]>, interrupted: boolean): HttpWarmData {
  const sent = !plan.dryRun;
  const variants = plan.variants.map((v) => {
    const rows = results.filter((r) => r.variant === v.label);
    return { label: v.label, headers: v.headers, warm: sent ? tally(rows.map((r) => r.warm)) : null, verify: sent && plan.verify ? tally(rows.map((r) => r.verify)) : null };
  });
  return {
    dryRun: plan.dryRun,
    interrupted,
    source: source.info,
    settings: { method: plan.method, concurrency: plan.concurrency, ratePerSec: plan.ratePerSec ?? null, timeoutMs: plan.timeoutMs, retries: plan.retries, verify: plan.verify, baseUrl: plan.baseUrl?.href ?? null, headers: base },
    variants,
    totals: { warm: sent ? tally(results.map((r) => r.warm)) : null, verify: sent && plan.verify ? tally(results.map((r) => r.verify)) : null },
    results,
  };
}

function summaryOf(d: HttpWarmData, urls: number): Summary {
  const w = d.totals.warm;
  const v = d.totals.verify;
  const s: Summary = {
    urls,
    variants: d.variants.length,
    requests: (w?.requests ?? 0) + (v?.requests ?? 0),
    retries: (w?.retries ?? 0) + (v?.retries ?? 0),
    errors: d.results.filter((r) => r.warm?.error || r.verify?.error).length,
  };
  if (w?.hitRatio !== null && w?.hitRatio !== undefined) s.hitRatioBefore = round(w.hitRatio);
  if (v?.hitRatio !== null && v?.hitRatio !== undefined) s.hitRatioAfter = round(v.hitRatio);
  if (v) s.notHitAfter = d.results.filter((r) => r.verify && (r.verify.error || r.verify.cache !== 'HIT')).length;
  if (w) s.bytes = w.bytes + (v?.bytes ?? 0);
  if (w?.p95Ms !== null && w?.p95Ms !== undefined) s.p95Ms = w.p95Ms;
  if (v?.p95Ms !== null && v?.p95Ms !== undefined) s.p95MsAfter = v.p95Ms;
  if (d.source.kind === 'sitemap') s.sitemaps = d.source.sitemaps.length;
  return s;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
