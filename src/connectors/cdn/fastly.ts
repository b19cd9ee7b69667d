// Fastly purges for `perfkit cdn invalidate`: one URL per request (POST /purge/<host/path>), surrogate keys
// in batches of up to 256 (POST /service/{id}/purge), purge-all, and soft purges (Fastly-Soft-Purge: 1), all
// sent by the official fastly-js client, which is loaded on the first send. Fastly purges are synchronous:
// a 200 means done, so there is no waitFor.
import { fullUrlItem } from './common.js';
import { retryAfterMs } from '../../util/retry.js';
import { createRequire } from 'node:module';
import { connectError, usageError } from '../../cli/errors.js';
import { BatchError, TransientError, type Batch, type BatchResult, type CdnProvider, type PurgeItem, type ProviderSettings, type RequestPreview } from '../../cdn/provider.js';
import { redact } from '../../util/redact.js';

export const FASTLY_API = 'https://api.fastly.com';
/** POST /service/{id}/purge takes "up to 256 surrogate keys" (fastly-js PurgeApi.bulkPurgeTag). */
export const FASTLY_MAX_KEYS_PER_REQUEST = 256;
/** "Surrogate key size 1KB: requests to the purge API that cite longer keys will fail" (Fastly VCL limits). */
export const FASTLY_MAX_KEY_BYTES = 1024;
/** A rate-limit wait longer than this is reported as a failed batch rather than slept through: Fastly's
 *  API limit is hourly, so its reset can be most of an hour away. */
export const FASTLY_LONGEST_RETRY_WAIT_MS = 5 * 60_000;

const KIND_NAMES: Record<string, string> = { url: 'URLs', path: 'paths', tag: 'tags', prefix: 'prefixes', host: 'hosts', cpcode: 'CP codes', ban: 'ban expressions', all: 'everything' };
const FULL_URLS = 'Fastly purges full URLs: give https://host/path or use --base-url';
const TOKEN_HINT = 'create an API token with the purge_select scope (purge_all for --all) in the Fastly console (Account → API tokens) and export FASTLY_API_TOKEN';

export interface FastlySettings {
  serviceId?: string;
  /** Where --service-id came from, for messages. */
  serviceIdSource?: string;
  soft: boolean;
  /** API base URL without a trailing slash. */
  endpoint: string;
  token?: string;
  /** The variable the token came from (FASTLY_API_TOKEN, or FASTLY_KEY), or the one to set. */
  tokenVar: string;
}

/** Reads settings.options (flags over config cdn.fastly) and the environment. */
export function fastlySettings(s: ProviderSettings): FastlySettings {
  const str = (k: string) => (typeof s.options[k] === 'string' && s.options[k] !== '' ? (s.options[k] as string) : undefined);
  const endpointText = str('endpoint') ?? FASTLY_API;
  let endpoint: URL;
  try {
    endpoint = new URL(endpointText);
  } catch {
    throw usageError(`--endpoint '${endpointText}': not a URL`, `leave it out for ${FASTLY_API}, or give e.g. --endpoint http://127.0.0.1:8080 (a proxy or test server)`);
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') throw usageError(`--endpoint '${endpointText}': not an http(s) URL`, `leave it out for ${FASTLY_API}`);
  const tokenVar = s.env.FASTLY_API_TOKEN ? 'FASTLY_API_TOKEN' : s.env.FASTLY_KEY ? 'FASTLY_KEY' : 'FASTLY_API_TOKEN';
  const token = s.env[tokenVar] || undefined;
  const serviceId = str('serviceId') ?? (s.env.FASTLY_SERVICE_ID || undefined);
  return {
    serviceId,
    serviceIdSource: str('serviceId') ? '--service-id' : serviceId ? 'FASTLY_SERVICE_ID' : undefined,
    soft: s.options.soft === true || s.options.soft === 'true',
    endpoint: endpoint.href.replace(/\/+$/, ''),
    token,
    tokenVar,
  };
}

/** What goes after /purge/: the URL without its scheme or fragment (Fastly's cache key is host + path). */
export function cachedUrlOf(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}${u.search}`;
}

/** Keeps absolute http(s) URLs (fragment dropped), surrogate keys within Fastly's rules, and --all unless soft. */
export function normalizeFastly(items: PurgeItem[], s: Pick<FastlySettings, 'soft'>): { items: PurgeItem[]; rejected: Array<{ item: PurgeItem; why: string }> } {
  const out: PurgeItem[] = [];
  const rejected: Array<{ item: PurgeItem; why: string }> = [];
  for (const item of items) {
    const why = whyNot(item, s);
    if (typeof why === 'string') rejected.push({ item, why });
    else out.push(why);
  }
  return { items: out, rejected };
}

function whyNot(item: PurgeItem, s: Pick<FastlySettings, 'soft'>): PurgeItem | string {
  switch (item.kind) {
    case 'url':
    case 'path':
      return fullUrlItem(item, FULL_URLS);
    case 'tag': {
      if (!item.value) return 'an empty surrogate key';
      if (/\s/.test(item.value)) return 'a surrogate key cannot contain spaces: Fastly separates keys with spaces';
      const bytes = Buffer.byteLength(item.value);
      if (bytes > FASTLY_MAX_KEY_BYTES) return `a surrogate key of ${bytes} bytes: Fastly keys are at most ${FASTLY_MAX_KEY_BYTES} bytes, and purges citing longer keys fail`;
      return item;
    }
    case 'all':
      if (s.soft) return 'Fastly cannot soft-purge everything (purge-all is always hard): drop --soft, or tag every object with one surrogate key (e.g. "all") and soft-purge that key';
      return item;
    default:
      return `Fastly purges URLs, surrogate keys (--tag) and everything (--all), not ${KIND_NAMES[item.kind]}`;
  }
}

/** One URL per request; keys in requests of up to 256; purge-all alone. All in wave 0 (Fastly has no in-flight limit). */
export function planFastly(items: PurgeItem[]): Batch[] {
  const batches: Batch[] = [];
  for (const kind of [...new Set(items.map((i) => i.kind))]) {
    const of = items.filter((i) => i.kind === kind);
    if (kind === 'tag') {
      for (let i = 0; i < of.length; i += FASTLY_MAX_KEYS_PER_REQUEST) batches.push({ kind, items: of.slice(i, i + FASTLY_MAX_KEYS_PER_REQUEST), wave: 0 });
    } else if (kind === 'all') {
      batches.push({ kind, items: of.slice(0, 1), wave: 0 });
    } else {
      for (const it of of) batches.push({ kind, items: [it], wave: 0 });
    }
  }
  return batches;
}

/** The requests a batch sends, as fastly-js sends them (header names as the SDK writes them; User-Agent and
 *  transport headers left out), with Fastly-Key redacted. */
export function fastlyRequests(batch: Batch, s: FastlySettings, token = '***'): RequestPreview[] {
  const base = { 'Fastly-Key': token, Accept: 'application/json' };
  const soft: Record<string, string> = s.soft ? { 'fastly-soft-purge': '1' } : {};
  const service = () => `${s.endpoint}/service/${encodeURIComponent(requireServiceId(s))}`;
  switch (batch.kind) {
    case 'url':
      return batch.items.map((it) => ({ method: 'POST', url: new URL(`${s.endpoint}/purge/${cachedUrlOf(it.value)}`).href, headers: { ...base, ...soft } }));
    case 'tag':
      return [{ method: 'POST', url: `${service()}/purge`, headers: { ...base, ...soft, 'Content-Type': 'application/json' }, body: JSON.stringify({ surrogate_keys: batch.items.map((i) => i.value) }) }];
    case 'all':
      return [{ method: 'POST', url: `${service()}/purge_all`, headers: base }];
    default:
      throw new BatchError(`Fastly cannot purge ${batch.kind} items`);
  }
}

function requireServiceId(s: FastlySettings): string {
  if (!s.serviceId) {
    throw usageError('Fastly needs a service ID to purge surrogate keys or everything', 'add --service-id <id> (or set cdn.fastly.serviceId in the config, or FASTLY_SERVICE_ID); URL purges need none');
  }
  return s.serviceId;
}

/** Milliseconds to wait from Retry-After (seconds or an HTTP date) or Fastly-RateLimit-Reset (a Unix time). */
export function fastlyRetryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const h = (name: string) => {
    const v = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const asked = retryAfterMs(h('retry-after'), now);
  if (asked !== undefined) return asked;
  const reset = h('fastly-ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset.trim())) {
    const n = Number(reset);
    // A Unix time (seconds); a small number can only be seconds from now.
    return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000;
  }
  return undefined;
}

interface SdkFailure {
  status?: number;
  body?: unknown;
  response?: { headers?: Record<string, string>; text?: string };
  error?: { code?: string; message?: string; timeout?: number };
  message?: string;
}

/** Maps a fastly-js rejection ({status, body, response, error}) to what the core expects. */
export function fastlyFailure(e: unknown, s: Pick<FastlySettings, 'tokenVar' | 'endpoint' | 'token'>, batch: Batch, now = Date.now()): Error {
  const f = (e ?? {}) as SdkFailure;
  const secrets = s.token ? [s.token] : [];
  const status = typeof f.status === 'number' ? f.status : undefined;
  if (status === undefined) {
    const code = f.error?.code ?? (e as { code?: string })?.code;
    const msg = redact(f.error?.message ?? f.message ?? String(e), secrets);
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /certificate|self[- ]signed|CERT_/i.test(`${code} ${msg}`)) {
      return connectError(`cannot reach the Fastly API at ${s.endpoint}: ${msg}`, s.endpoint === FASTLY_API ? 'check the network and any proxy between here and api.fastly.com' : 'check --endpoint (or cdn.fastly.endpoint)');
    }
    if (f.error?.timeout !== undefined || code === 'ECONNABORTED') return new TransientError(`Fastly did not answer within ${f.error?.timeout ?? '?'} ms`, { code: code ?? 'ETIMEDOUT' });
    return new TransientError(`Fastly request failed: ${msg}`, { code });
  }
  const body = f.body && typeof f.body === 'object' ? (f.body as { msg?: string; detail?: string }) : undefined;
  const text = body?.msg ? `${body.msg}${body.detail ? ` (${body.detail})` : ''}` : (f.response?.text ?? '').slice(0, 200).trim();
  const said = text ? `: ${redact(text, secrets)}` : '';
  if (status === 401 || status === 403) {
    return connectError(`Fastly refused the API token in ${s.tokenVar} (HTTP ${status}${said})`, TOKEN_HINT);
  }
  if (status === 429) {
    const wait = fastlyRetryAfterMs(f.response?.headers ?? {}, now);
    if (wait !== undefined && wait > FASTLY_LONGEST_RETRY_WAIT_MS) {
      return new BatchError(`Fastly rate limit (HTTP 429${said}): it resets in ${Math.ceil(wait / 60_000)} min, at ${new Date(now + wait).toISOString()}; run this batch again then`, { httpStatus: 429 });
    }
    return new TransientError(`Fastly rate limit (HTTP 429${said})`, { httpStatus: 429, retryAfterMs: wait });
  }
  if (status >= 500) return new TransientError(`Fastly API error (HTTP ${status}${said})`, { httpStatus: status });
  const what = batch.kind === 'url' ? batch.items[0]?.value : batch.kind === 'tag' ? `${batch.items.length} surrogate keys` : 'purge-all';
  return new BatchError(`Fastly rejected the purge of ${what} (HTTP ${status}${said})`, { httpStatus: status });
}

// ---- the SDK, loaded on the first send ---------------------------------------------------------------------
interface SdkRequest {
  url: string;
  abort(): void;
}
interface SdkClient {
  timeout: number;
  plugins: Array<(req: SdkRequest) => void> | null;
  authenticate(token: string): void;
}
interface SdkResult<T> {
  data: T;
  response: { status: number; headers: Record<string, string> };
}
interface SdkPurgeApi {
  purgeSingleUrlWithHttpInfo(o: { cached_url: string; fastly_soft_purge?: number }): Promise<SdkResult<{ status?: string; id?: string }>>;
  bulkPurgeTagWithHttpInfo(o: { service_id: string; fastly_soft_purge?: number; purge_response: { surrogate_keys: string[] } }): Promise<SdkResult<Record<string, string>>>;
  purgeAllWithHttpInfo(o: { service_id: string }): Promise<SdkResult<{ status?: string }>>;
}
interface FastlySdk {
  ApiClient: new () => SdkClient;
  PurgeApi: new (client: SdkClient) => SdkPurgeApi;
}

let sdk: FastlySdk | undefined;
function loadSdk(): FastlySdk {
  if (sdk) return sdk;
  // fastly-js is CommonJS without type declarations; require() keeps it typed by the interfaces above. Its
  // index loads every API and model (~0.5 s); the two modules a purge needs load in ~0.1 s.
  const require = createRequire(import.meta.url);
  try {
    sdk = { ApiClient: (require('fastly/dist/ApiClient.js') as { default: FastlySdk['ApiClient'] }).default, PurgeApi: (require('fastly/dist/api/PurgeApi.js') as { default: FastlySdk['PurgeApi'] }).default };
  } catch {
    sdk = require('fastly') as FastlySdk;
  }
  return sdk;
}

/** A client for one send: its own timeout, the Fastly-Key and --endpoint. fastly-js passes https://api.fastly.com
 *  to every call as an operation base path, which overrides ApiClient.basePath, so the endpoint is applied by a
 *  superagent plugin (ApiClient.plugins) that rewrites each request's URL. `inFlight` collects the requests so
 *  that an abort can cancel them. */
function purgeApi(s: FastlySettings, timeoutMs: number, inFlight: SdkRequest[]): SdkPurgeApi {
  const { ApiClient, PurgeApi } = loadSdk();
  const client = new ApiClient();
  // PurgeApi's constructor authenticates with process.env.FASTLY_API_TOKEN when set; ours comes after it.
  const api = new PurgeApi(client);
  client.authenticate(s.token as string);
  client.timeout = timeoutMs;
  client.plugins = [
    (req) => {
      if (s.endpoint !== FASTLY_API && req.url.startsWith(FASTLY_API)) req.url = s.endpoint + req.url.slice(FASTLY_API.length);
      inFlight.push(req);
    },
  ];
  return api;
}

/** Settles with the request, or rejects as soon as the signal aborts (superagent never settles an aborted
 *  request), cancelling what is in flight. The listener is removed either way: the run's signal is long-lived. */
function abortable<T>(p: () => Promise<T>, signal: AbortSignal, inFlight: SdkRequest[]): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      for (const r of inFlight) r.abort();
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let started: Promise<T>;
    try {
      started = p();
    } catch (e) {
      started = Promise.reject(e);
    }
    started.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('purge interrupted');
}

export function createProvider(settings: ProviderSettings): CdnProvider {
  const s = fastlySettings(settings);
  settings.secret(s.token);

  const sendOne = async (batch: Batch, signal: AbortSignal): Promise<BatchResult> => {
    const inFlight: SdkRequest[] = [];
    const api = purgeApi(s, settings.timeoutMs, inFlight);
    const soft = s.soft ? { fastly_soft_purge: 1 } : {};
    try {
      if (batch.kind === 'url') {
        const results: BatchResult[] = [];
        // One URL per batch from plan(); a batch built elsewhere with more is sent URL by URL.
        for (const it of batch.items) {
          const r = await abortable(() => api.purgeSingleUrlWithHttpInfo({ cached_url: cachedUrlOf(it.value), ...soft }), signal, inFlight);
          results.push({ providerId: r.data?.id, httpStatus: r.response.status, status: r.data?.status ?? 'ok' });
        }
        const ids = results.map((r) => r.providerId).filter(Boolean);
        return { ...results[0], providerId: ids.join(', ') || undefined, note: s.soft ? 'soft purge: marked stale' : undefined };
      }
      if (batch.kind === 'tag') {
        const keys = batch.items.map((i) => i.value);
        const r = await abortable(() => api.bulkPurgeTagWithHttpInfo({ service_id: requireServiceId(s), purge_response: { surrogate_keys: keys }, ...soft }), signal, inFlight);
        const map = r.data && typeof r.data === 'object' ? r.data : {};
        const ids = [...new Set(Object.values(map))];
        const missing = keys.filter((k) => !(k in map)).length;
        const notes = [s.soft ? 'soft purge: marked stale' : '', missing ? `the response named ${keys.length - missing} of ${keys.length} keys` : ''].filter(Boolean);
        return {
          providerId: ids.length <= 1 ? ids[0] : `${ids[0]} (+${ids.length - 1} more)`,
          httpStatus: r.response.status,
          status: 'ok',
          note: notes.join('; ') || undefined,
        };
      }
      if (batch.kind === 'all') {
        const r = await abortable(() => api.purgeAllWithHttpInfo({ service_id: requireServiceId(s) }), signal, inFlight);
        return { httpStatus: r.response.status, status: r.data?.status ?? 'ok' };
      }
      throw new BatchError(`Fastly cannot purge ${batch.kind} items`);
    } catch (e) {
      if (signal.aborted || e instanceof BatchError || e instanceof TransientError || (e as { kind?: string })?.kind) throw e;
      throw fastlyFailure(e, s, batch);
    }
  };

  return {
    name: 'fastly',
    supports: ['url', 'tag', 'all'],
    normalize(items) {
      const r = normalizeFastly(items, s);
      if (r.items.some((i) => i.kind === 'tag' || i.kind === 'all')) requireServiceId(s);
      return r;
    },
    plan: planFastly,
    preview: (batch) => fastlyRequests(batch, s),
    async checkCredentials() {
      if (!s.token) throw connectError('no Fastly API token (FASTLY_API_TOKEN is not set, nor FASTLY_KEY)', TOKEN_HINT);
    },
    async send(batch, signal) {
      if (!s.token) throw connectError('no Fastly API token (FASTLY_API_TOKEN is not set, nor FASTLY_KEY)', TOKEN_HINT);
      return sendOne(batch, signal);
    },
  };
}
