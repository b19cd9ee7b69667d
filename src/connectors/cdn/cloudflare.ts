// Cloudflare for `perfkit cdn invalidate`: purge by URL (optionally with the request headers of a custom
// cache key), cache tag, hostname, prefix or everything, one kind per request, chunked to the per-request
// limit, through the official SDK (`client.cache.purge`), which is imported only when a request is sent.
//
// Settings (flags over config cdn.cloudflare): zone (the zone ID, required), endpoint (API base URL, for
// proxies and tests; default https://api.cloudflare.com/client/v4), maxPerRequest (URLs per request: 100 on
// every plan, 500 on Enterprise). Credentials from settings.env: CLOUDFLARE_API_TOKEN (Bearer; needs
// Zone → Cache Purge → Purge), or the legacy CLOUDFLARE_API_KEY + CLOUDFLARE_EMAIL.
//
// A URL cached under a custom cache key is purged with the header values it was cached with. Write it as
//   https://www.example.com/a.css|CF-Device-Type: mobile|Accept-Language: en
// (the URL, then `|Name: value` per header), or as JSON: {"url":"https://…","headers":{"CF-Device-Type":"mobile"}}.
// A '|' that is not followed by `Name:` belongs to the URL.
import { normalizeWith } from './common.js';
import { retryAfterMs } from '../../util/retry.js';
import { connectError, PerfkitError, usageError } from '../../cli/errors.js';
import { BatchError, TransientError, type Batch, type BatchResult, type CdnProvider, type PurgeItem, type ProviderSettings, type RequestPreview } from '../../cdn/provider.js';

/** developers.cloudflare.com/cache/how-to/purge-cache (2025+): every plan may purge by URL, tag, host, prefix
 *  and everything; 100 operations per request for tags/hosts/prefixes on every plan; 100 URLs per request
 *  (500 on Enterprise). The old "30 per call" is gone. */
export const CLOUDFLARE_LIMITS = {
  urlsPerRequest: 100,
  flexPerRequest: 100,
  maxTagLength: 1_024,
  maxPrefixSeparators: 31,
} as const;

export const CLOUDFLARE_DEFAULT_ENDPOINT = 'https://api.cloudflare.com/client/v4';

export interface FileTarget {
  url: string;
  headers?: Record<string, string>;
}

const HEADER_NAME = /^[A-Za-z0-9!#$&'*+.^_`|~-]+$/;

/** `url|Name: value|…` or `{"url":…,"headers":{…}}` → the URL and its cache-key headers. */
export function parseFileTarget(value: string): FileTarget | { why: string } {
  const v = value.trim();
  let url = v;
  let headers: Record<string, string> | undefined;
  if (v.startsWith('{')) {
    let o: { url?: unknown; headers?: unknown };
    try {
      o = JSON.parse(v) as typeof o;
    } catch {
      return { why: 'not valid JSON; write {"url":"https://…","headers":{"Name":"value"}}' };
    }
    if (typeof o.url !== 'string') return { why: 'the JSON form needs a "url" string' };
    if (o.headers !== undefined && (typeof o.headers !== 'object' || o.headers === null || Object.values(o.headers).some((x) => typeof x !== 'string'))) {
      return { why: '"headers" must map header names to string values' };
    }
    url = o.url;
    headers = o.headers as Record<string, string> | undefined;
  } else {
    const parts = v.split('|');
    let i = 1;
    while (i < parts.length && !/^\s*[A-Za-z0-9-]+\s*:/.test(parts[i]!)) i++;
    url = parts.slice(0, i).join('|');
    for (const p of parts.slice(i)) {
      const m = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(p);
      if (!m) return { why: `'${p}' is not a header; write |Name: value` };
      (headers ??= {})[m[1]!] = m[2]!;
    }
  }
  for (const name of Object.keys(headers ?? {})) if (!HEADER_NAME.test(name)) return { why: `'${name}' is not a header name` };
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return { why: 'not a URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { why: `Cloudflare purges http(s) URLs, not ${u.protocol}` };
  // A fragment is never part of a cache key.
  const clean = u.hash ? url.trim().slice(0, url.trim().indexOf('#')) : url.trim();
  return headers && Object.keys(headers).length ? { url: clean, headers } : { url: clean };
}

/** The canonical item value: the URL, then `|Name: value` per header. */
export const fileTargetValue = (t: FileTarget) => [t.url, ...Object.entries(t.headers ?? {}).map(([k, v]) => `${k}: ${v}`)].join('|');

type Normalized = { item: PurgeItem } | { why: string };

export function normalizeItem(item: PurgeItem): Normalized {
  const v = item.value.trim();
  switch (item.kind) {
    case 'url': {
      const t = parseFileTarget(v);
      return 'why' in t ? t : { item: { kind: 'url', value: fileTargetValue(t) } };
    }
    case 'tag': {
      const tag = v.replace(/^#/, '');
      if (!tag) return { why: 'empty cache tag' };
      if (tag.length > CLOUDFLARE_LIMITS.maxTagLength) return { why: `cache tag is ${tag.length} characters; Cloudflare takes at most ${CLOUDFLARE_LIMITS.maxTagLength}` };
      if (![...tag].every((c) => c.charCodeAt(0) >= 33 && c.charCodeAt(0) <= 126 && c !== ',')) return { why: 'cache tags are printable ASCII without spaces or commas' };
      return { item: { kind: 'tag', value: tag } };
    }
    case 'host': {
      let host = v;
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
        try {
          const u = new URL(host);
          if ((u.pathname !== '/' && u.pathname !== '') || u.search) return { why: 'a host purge takes a hostname only; for a path use --prefix host/path' };
          host = u.hostname;
        } catch {
          return { why: 'not a hostname' };
        }
      }
      host = host.replace(/\/$/, '').toLowerCase();
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) return { why: 'not a hostname (write www.example.com, no scheme, port or path)' };
      return { item: { kind: 'host', value: host } };
    }
    case 'prefix': {
      const p = v.replace(/^https?:\/\//i, '');
      if (/[?#]/.test(p)) return { why: 'a prefix takes no query string or fragment (it purges every query under the path)' };
      const slash = p.indexOf('/');
      const host = (slash < 0 ? p : p.slice(0, slash)).toLowerCase();
      if (!host || !/^[a-z0-9.-]+$/.test(host) || /\s/.test(p)) return { why: 'a prefix is host/path, e.g. www.example.com/blog/' };
      if ((p.match(/\//g) ?? []).length > CLOUDFLARE_LIMITS.maxPrefixSeparators) return { why: `a prefix may have at most ${CLOUDFLARE_LIMITS.maxPrefixSeparators} '/' separators` };
      return { item: { kind: 'prefix', value: host + (slash < 0 ? '' : p.slice(slash)) } };
    }
    case 'all':
      return { item: { kind: 'all', value: '*' } };
    case 'path':
      return { why: 'Cloudflare purges full URLs: give https://<host>/path (or --base-url), or --prefix <host>/path' };
    default:
      return { why: `Cloudflare cannot purge by ${item.kind}` };
  }
}

export function normalizeItems(items: PurgeItem[]): ReturnType<CdnProvider['normalize']> {
  return normalizeWith(items, normalizeItem);
}

const hasHeaders = (i: PurgeItem) => {
  const t = parseFileTarget(i.value);
  return !('why' in t) && t.headers !== undefined;
};

/** One kind per request (URLs with headers apart from plain URLs), chunked; everything in wave 0. */
export function planRequests(items: PurgeItem[], maxPerRequest?: number): Batch[] {
  const urlsPer = maxPerRequest ?? CLOUDFLARE_LIMITS.urlsPerRequest;
  const flexPer = Math.min(CLOUDFLARE_LIMITS.flexPerRequest, maxPerRequest ?? CLOUDFLARE_LIMITS.flexPerRequest);
  const groups: Array<[PurgeItem[], number]> = [
    [items.filter((i) => i.kind === 'url' && !hasHeaders(i)), urlsPer],
    [items.filter((i) => i.kind === 'url' && hasHeaders(i)), urlsPer],
    [items.filter((i) => i.kind === 'tag'), flexPer],
    [items.filter((i) => i.kind === 'host'), flexPer],
    [items.filter((i) => i.kind === 'prefix'), flexPer],
    [items.filter((i) => i.kind === 'all').slice(0, 1), 1],
  ];
  const batches: Batch[] = [];
  for (const [group, size] of groups) {
    for (let i = 0; i < group.length; i += size) batches.push({ kind: group[0]!.kind, items: group.slice(i, i + size), wave: 0 });
  }
  return batches;
}

export type PurgeBody =
  | { files: string[] }
  | { files: FileTarget[] }
  | { tags: string[] }
  | { hosts: string[] }
  | { prefixes: string[] }
  | { purge_everything: true };

/** The JSON body of one batch's purge_cache request. */
export function purgeBody(batch: Batch): PurgeBody {
  const values = batch.items.map((i) => i.value);
  switch (batch.kind) {
    case 'url': {
      const targets = values.map((v) => parseFileTarget(v) as FileTarget);
      return targets.some((t) => t.headers) ? { files: targets.map((t) => ({ url: t.url, headers: t.headers ?? {} })) } : { files: targets.map((t) => t.url) };
    }
    case 'tag':
      return { tags: values };
    case 'host':
      return { hosts: values };
    case 'prefix':
      return { prefixes: values };
    case 'all':
      return { purge_everything: true };
    default:
      throw new BatchError(`Cloudflare cannot purge by ${batch.kind}`);
  }
}

interface CfError {
  name?: string;
  message?: string;
  status?: number;
  headers?: { get(name: string): string | null };
  errors?: Array<{ code?: number; message?: string }>;
  cause?: unknown;
}

function causeCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

const interrupted = () => new PerfkitError('interrupted', 'interrupted while talking to Cloudflare', 'purges already sent are done; run again for the rest');

/** Maps what the SDK threw to TransientError, BatchError or a catalogue error; never prints a credential. */
export function describeCloudflareError(e: unknown, ctx: { zone: string; source: string; endpoint: string; aborted: boolean }): Error {
  if (e instanceof PerfkitError || e instanceof TransientError || e instanceof BatchError) return e;
  const err = (e ?? {}) as CfError;
  if (ctx.aborted || err.name === 'APIUserAbortError' || err.name === 'AbortError') return interrupted();
  const status = err.status;
  const detail = err.errors?.length ? err.errors.map((x) => `${x.message ?? 'error'}${x.code !== undefined ? ` (code ${x.code})` : ''}`).join('; ') : (err.message ?? String(e));
  if (status === 401 || status === 403) {
    return connectError(`Cloudflare refused ${ctx.source} (${status} ${detail})`, `the credential needs the permission Zone → Cache Purge → Purge on zone ${ctx.zone} (dash.cloudflare.com/profile/api-tokens)`);
  }
  if (status === 429 || status === 408 || (status !== undefined && status >= 500)) {
    return new TransientError(`${status} ${detail}`, { retryAfterMs: retryAfterMs(err.headers?.get('retry-after')), httpStatus: status, code: err.errors?.[0]?.code?.toString() });
  }
  if (status === undefined) {
    const code = causeCode(e);
    if (code === 'ENOTFOUND') return connectError(`cannot reach the Cloudflare API at ${ctx.endpoint}: host not found`, 'check --endpoint and the network');
    return new TransientError(`${err.message ?? 'connection error'}${code ? ` (${code})` : ''} talking to ${ctx.endpoint}`, { code });
  }
  if (err.errors?.some((x) => x.code === 7003) || status === 404) {
    return new BatchError(`zone '${ctx.zone}' not found (${status} ${detail})`, { httpStatus: status, code: err.errors?.[0]?.code?.toString() });
  }
  return new BatchError(`${status} ${detail}`, { httpStatus: status, code: err.errors?.[0]?.code?.toString() });
}

type Auth = { apiToken: string | null; apiKey: string | null; apiEmail: string | null; source: string };

export function cloudflareAuth(env: Record<string, string | undefined>): Auth {
  if (env.CLOUDFLARE_API_TOKEN) return { apiToken: env.CLOUDFLARE_API_TOKEN, apiKey: null, apiEmail: null, source: 'CLOUDFLARE_API_TOKEN' };
  if (env.CLOUDFLARE_API_KEY) return { apiToken: null, apiKey: env.CLOUDFLARE_API_KEY, apiEmail: env.CLOUDFLARE_EMAIL ?? null, source: 'CLOUDFLARE_API_KEY/CLOUDFLARE_EMAIL' };
  return { apiToken: null, apiKey: null, apiEmail: null, source: 'no credential' };
}

export function createProvider(settings: ProviderSettings): CdnProvider {
  const opt = settings.options;
  const env = settings.env;
  const endpoint = typeof opt.endpoint === 'string' && opt.endpoint ? opt.endpoint.replace(/\/+$/, '') : CLOUDFLARE_DEFAULT_ENDPOINT;
  const auth = cloudflareAuth(env);
  settings.secret(auth.apiToken ?? undefined);
  settings.secret(auth.apiKey ?? undefined);
  const maxText = opt.maxPerRequest;
  const maxPerRequest = maxText === undefined || maxText === false ? undefined : Number(maxText);
  if (maxPerRequest !== undefined && !(Number.isInteger(maxPerRequest) && maxPerRequest >= 1)) {
    throw usageError(`cdn.cloudflare.maxPerRequest '${String(maxText)}': not a positive integer`, 'use 100, or 500 on Enterprise zones');
  }

  const zone = (): string => {
    const z = typeof opt.zone === 'string' ? opt.zone.trim() : '';
    if (!z) throw usageError('Cloudflare needs a zone id', 'add --zone <zone id> (Overview page of the zone, or cdn.cloudflare.zone in the config)');
    if (z.includes('.') || z.includes('/')) throw usageError(`--zone '${z}' looks like a domain name`, '--zone takes the zone ID (32 hex characters on the zone’s Overview page), not its name');
    return z;
  };

  type Client = import('cloudflare').Cloudflare;
  let client: Promise<Client> | undefined;
  const getClient = () =>
    (client ??= import('cloudflare').then(
      ({ Cloudflare }) =>
        // Everything explicit: the SDK would otherwise read CLOUDFLARE_* from process.env and retry on its own.
        new Cloudflare({ apiToken: auth.apiToken, apiKey: auth.apiKey, apiEmail: auth.apiEmail, userServiceKey: null, baseURL: endpoint, maxRetries: 0, timeout: settings.timeoutMs, logLevel: 'off' }),
    ));

  return {
    name: 'cloudflare',
    supports: ['url', 'tag', 'host', 'prefix', 'all'],
    normalize: normalizeItems,
    plan: (items) => planRequests(items, maxPerRequest),
    preview(batch): RequestPreview[] {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (auth.apiKey) Object.assign(headers, { 'X-Auth-Email': auth.apiEmail ?? '', 'X-Auth-Key': '***' });
      else headers.Authorization = 'Bearer ***';
      return [{ method: 'POST', url: `${endpoint}/zones/${encodeURIComponent(zone())}/purge_cache`, headers, body: JSON.stringify(purgeBody(batch)) }];
    },
    async checkCredentials() {
      zone();
      const hint = 'export CLOUDFLARE_API_TOKEN=<token with Zone → Cache Purge → Purge> (dash.cloudflare.com/profile/api-tokens), or the legacy CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL';
      if (auth.apiKey && !auth.apiEmail) throw connectError('CLOUDFLARE_EMAIL is not set (CLOUDFLARE_API_KEY needs it)', hint);
      if (!auth.apiToken && !auth.apiKey) throw connectError('no Cloudflare credentials: CLOUDFLARE_API_TOKEN is not set (nor CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL)', hint);
    },
    async send(batch: Batch, signal: AbortSignal): Promise<BatchResult> {
      const zone_id = zone();
      const body = purgeBody(batch);
      try {
        const c = await getClient();
        const { data, response } = await c.cache.purge({ zone_id, ...body } as Parameters<Client['cache']['purge']>[0], { signal }).withResponse();
        if (!data?.id) throw new BatchError(`Cloudflare answered ${response.status} without a purge id`, { httpStatus: response.status });
        const ray = response.headers.get('cf-ray');
        return { providerId: data.id, httpStatus: response.status, status: 'ok', ...(ray ? { note: `cf-ray ${ray}` } : {}) };
      } catch (e) {
        throw describeCloudflareError(e, { zone: zone_id, source: auth.source, endpoint, aborted: signal.aborted });
      }
    },
  };
}
