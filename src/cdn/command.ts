// `perfkit cdn invalidate` (alias `cdn purge`): gathers what to purge (arguments, a file, stdin, or what
// a deploy changed), checks it against the provider, then plans, previews or sends it, waits, and
// optionally warms the purged URLs again.
import type { CommandContext, CommandOutcome } from '../cli/context.js';
import { runtimeError, usageError } from '../cli/errors.js';
import type { Finding } from '../report/model.js';
import { durationFlag, numberFlag } from '../util/flags.js';
import type { InvalidateData } from './invalidate.js';
import { PROVIDERS, type ItemKind, type ProviderModule, type ProviderName, type PurgeItem } from './provider.js';
import { invalidateView, type CdnData } from './view.js';
import { gatherItems, joinUrl } from './items.js';

export interface CdnOptions {
  provider?: string;
  fromFile?: string;
  changedSince?: string;
  dir?: string;
  baseUrl?: string;
  tag?: string[];
  prefix?: string[];
  host?: string[];
  cpcode?: string[];
  ban?: string[];
  all?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  waitTimeout?: string;
  retries?: string;
  concurrency?: string;
  timeout?: string;
  collapse?: boolean;
  soft?: boolean;
  delete?: boolean;
  network?: string;
  thenWarm?: boolean;
  variant?: string[];
  // provider settings
  distributionId?: string;
  zone?: string;
  serviceId?: string;
  edgerc?: string;
  section?: string;
  server?: string;
  purgeMethod?: string;
  banMethod?: string;
  banHeader?: string;
  purgeLocation?: string;
  endpoint?: string;
}

const LOADERS: Record<ProviderName, () => Promise<ProviderModule>> = {
  cloudfront: () => import('../connectors/cdn/cloudfront.js'),
  cloudflare: () => import('../connectors/cdn/cloudflare.js'),
  fastly: () => import('../connectors/cdn/fastly.js'),
  akamai: () => import('../connectors/cdn/akamai.js'),
  varnish: () => import('../connectors/cdn/varnish.js'),
  nginx: () => import('../connectors/cdn/nginx.js'),
};

export async function run(ctx: CommandContext): Promise<CommandOutcome<CdnData>> {
  const o = ctx.options as CdnOptions;
  const cfg = ctx.settings.file.cdn ?? {};
  const providerName = (o.provider ?? cfg.provider) as ProviderName | undefined;
  if (!providerName) throw usageError('--provider is required', `name one: ${PROVIDERS.join(', ')} (or set cdn.provider in the config)`);
  if (!PROVIDERS.includes(providerName)) throw usageError(`--provider '${providerName}': unknown`, `use one of ${PROVIDERS.join(', ')}`);
  const retries = numberFlag(o.retries, '--retries', 5, { integer: true });
  const concurrency = numberFlag(o.concurrency, '--concurrency', 4, { min: 1, integer: true });
  const timeoutMs = durationFlag(o.timeout, '--timeout', 30_000);
  const waitTimeoutMs = durationFlag(o.waitTimeout, '--wait-timeout', 30 * 60_000);
  if (o.network !== undefined && !['production', 'staging'].includes(o.network)) throw usageError(`--network '${o.network}': unknown`, 'use production or staging (Akamai)');
  const baseUrl = o.baseUrl ?? cfg.baseUrl;
  if (baseUrl !== undefined && !/^https?:\/\/[^/]/.test(baseUrl)) throw usageError(`--base-url '${baseUrl}': not an http(s) URL`, 'write e.g. --base-url https://www.example.com');

  const items = await gatherItems(ctx, o, baseUrl);
  if (!items.length) throw usageError('nothing to purge', 'give paths or URLs as arguments, --from-file, --tag/--prefix/--host/--cpcode/--ban, --changed-since, or --all');
  if (items.some((i) => i.kind === 'all')) {
    if (items.length > 1) throw usageError('--all purges everything: it cannot be combined with other items', 'drop the other items, or drop --all');
    if (!o.yes && !o.dryRun) {
      const ok = ctx.io.stderrIsTTY && (await ctx.io.confirm(`Purge EVERYTHING on ${providerName}? Every request then goes to the origin until the cache refills. [y/N] `));
      if (!ok) throw usageError('--all: purging everything needs a confirmation', 'add --yes (in CI) after checking the origin can take the load');
    }
  }

  const section = (cfg as Record<string, Record<string, unknown> | undefined>)[providerName] ?? {};
  const flags: Record<string, string | boolean | undefined> = {
    distributionId: o.distributionId,
    zone: o.zone,
    serviceId: o.serviceId,
    edgerc: o.edgerc,
    section: o.section,
    network: o.network,
    delete: o.delete,
    soft: o.soft,
    collapse: o.collapse,
    server: o.server,
    purgeMethod: o.purgeMethod,
    banMethod: o.banMethod,
    banHeader: o.banHeader,
    purgeLocation: o.purgeLocation,
    endpoint: o.endpoint,
  };
  const options: Record<string, string | boolean | undefined> = { ...(section as Record<string, string | boolean>) };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) options[k] = v;
  const mod = await LOADERS[providerName]();
  const provider = mod.createProvider({ options, env: ctx.io.env, cwd: ctx.io.cwd, secret: ctx.secret, timeoutMs });
  const unsupported = [...new Set(items.map((i) => i.kind))].filter((k) => !provider.supports.includes(k));
  if (unsupported.length) {
    const pathHint = unsupported.includes('path') && provider.supports.includes('url') ? '; add --base-url https://host to turn paths into URLs' : '';
    throw usageError(`--provider ${providerName} cannot purge ${unsupported.map(kindName).join(', ')}`, `${providerName} purges ${provider.supports.map(kindName).join(', ')}${pathHint}`);
  }
  if (!o.dryRun) await provider.checkCredentials();

  const { runInvalidation } = await import('./invalidate.js');
  ctx.progress.start(o.dryRun ? `planning ${items.length} items for ${providerName}` : `purging ${items.length} items on ${providerName}`);
  const inv = await runInvalidation({
    provider,
    items,
    dryRun: Boolean(o.dryRun),
    collapse: Boolean(o.collapse),
    wait: Boolean(o.wait || o.thenWarm),
    waitTimeoutMs,
    retries,
    concurrency,
    signal: ctx.signal,
    progress: (t) => ctx.progress.update(t),
  });
  if (inv.items === 0 && inv.rejected.length) {
    const r = inv.rejected[0];
    throw usageError(`nothing left to purge: ${inv.rejected.length === 1 ? '' : `all ${inv.rejected.length} items were rejected; the first, `}${r.item.value}: ${r.why}`, 'fix the items and run again');
  }
  if (o.dryRun) for (const [i, reqs] of inv.previews.entries()) for (const r of reqs) ctx.note(`batch ${i + 1}: ${r.method} ${r.url}${r.body ? ` ${r.body.length > 300 ? `${r.body.slice(0, 300)}…` : r.body}` : ''}`);

  let warm: CdnData['warm'] = null;
  const failedBatches = inv.requests.filter((r) => r.status === 'failed');
  if (o.thenWarm && !o.dryRun && !failedBatches.length && !ctx.signal.aborted) {
    warm = await thenWarm(ctx, items, baseUrl, o.variant);
  }
  const data: CdnData = { ...inv, warm };
  const summary: Record<string, number> = {
    items: inv.items,
    requests: inv.requests.filter((r) => r.status === 'ok' || r.status === 'failed').length,
    batches: inv.requests.length,
    failed: failedBatches.length,
    retries: inv.retries,
    rejected: inv.rejected.length,
  };
  if (inv.secondsToComplete !== null) summary.secondsToComplete = inv.secondsToComplete;
  if (inv.cost) summary.estimatedCostUsd = inv.cost.estimatedCostUsd;
  const estimates = inv.requests.map((r) => r.estimatedSeconds).filter((x): x is number => x !== undefined);
  if (estimates.length) summary.estimatedSeconds = Math.max(...estimates);
  if (warm?.summary) {
    if (typeof warm.summary.hitRatioAfter === 'number') summary.hitRatioAfter = warm.summary.hitRatioAfter;
    if (typeof warm.summary.hitRatioBefore === 'number') summary.hitRatioBefore = warm.summary.hitRatioBefore;
  }
  const findings = cdnFindings(inv);
  return {
    result: {
      command: 'cdn invalidate',
      target: { provider: providerName, ...pickTarget(options) },
      environment: {},
      summary,
      findings,
      data,
    },
    view: invalidateView,
    failure: failedBatches.length
      ? runtimeError(
          `${failedBatches.length} of ${inv.requests.length} ${providerName} requests failed (first, after ${failedBatches[0].attempts} attempt${failedBatches[0].attempts === 1 ? '' : 's'}: ${failedBatches[0].error})`,
          'the report lists each failed batch with the provider’s error; run the same command again for what failed',
        )
      : inv.waitError
        ? runtimeError(`the purge was sent, but waiting for completion failed: ${inv.waitError}`, 'check the status with the provider, or raise --wait-timeout')
        : undefined,
  };
}

function pickTarget(options: Record<string, unknown>): Record<string, unknown> {
  const keys = ['distributionId', 'zone', 'serviceId', 'network', 'server', 'endpoint', 'section'];
  return Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
}

const kindName = (k: ItemKind) => ({ url: 'URLs', path: 'paths', tag: 'tags', prefix: 'prefixes', host: 'hosts', cpcode: 'CP codes', ban: 'ban expressions', all: 'everything (--all)' })[k];

/** --then-warm: the purged URLs through the HTTP warmer of `cache warm`, with a verification pass. */
async function thenWarm(ctx: CommandContext, items: PurgeItem[], baseUrl: string | undefined, variant: string[] | undefined): Promise<CdnData['warm']> {
  // A cache-key URL ("https://…|Header: v" or {"url": …}) is warmed at its plain URL.
  const plain = (v: string): string => {
    if (!v.startsWith('{')) return v.split('|')[0];
    try {
      return String((JSON.parse(v) as { url?: string }).url ?? '');
    } catch {
      return '';
    }
  };
  const urls = items.flatMap((i) => (i.kind === 'url' && !i.value.includes('*') ? [plain(i.value)].filter(Boolean) : i.kind === 'path' && baseUrl && !i.value.includes('*') ? [joinUrl(baseUrl, i.value)] : []));
  if (!urls.length) {
    ctx.note('--then-warm: no URLs to warm (tags, prefixes and wildcards name no URL; give URLs, or paths with --base-url)');
    return { urls: 0, summary: null, skipped: 'no URLs among the purged items' };
  }
  const { warmUrls } = await import('../cache/warm/http/run.js');
  ctx.progress.update(`warming ${urls.length} purged URLs`);
  const outcome = await warmUrls(ctx, urls, { variant });
  return { urls: urls.length, summary: outcome.result.summary, data: outcome.result.data };
}

function cdnFindings(d: InvalidateData): Finding[] {
  const out: Finding[] = [];
  for (const r of d.requests.filter((x) => x.status === 'failed')) {
    out.push({
      rule: 'purge-batch-failed',
      severity: 'error',
      title: `Batch ${r.batch} (${r.items} ${r.kind} items) failed after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`,
      message: r.error ?? 'failed',
      location: r.sample.join(', '),
      evidence: { ...r },
      fix: 'check the provider’s error; a 4xx usually names the item it rejects',
    });
  }
  for (const rj of d.rejected.slice(0, 20)) {
    out.push({
      rule: 'purge-item-rejected',
      severity: 'error',
      title: `Not purged: ${rj.item.value}`,
      message: rj.why,
      location: rj.item.value,
      fix: 'fix the item and purge it again',
    });
  }
  if (d.cost && d.cost.estimatedCostUsd > 0) {
    out.push({
      rule: 'purge-cost',
      severity: 'warn',
      title: `Estimated cost $${d.cost.estimatedCostUsd.toFixed(2)} (${d.cost.billablePaths} billable paths)`,
      message: d.cost.note,
      fix: d.collapsed.length ? 'already collapsed; consider cache tags' : 'try --collapse (wildcards cost one path each), or cache tags',
    });
  }
  if (d.interrupted) out.push({ rule: 'purge-interrupted', severity: 'warn', title: 'Interrupted: some batches were not sent', message: `${d.requests.filter((r) => r.status === 'not sent').length} batches were not sent.`, fix: 'run the same command again' });
  return out;
}
