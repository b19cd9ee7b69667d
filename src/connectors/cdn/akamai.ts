// Akamai Fast Purge (CCU v3) for `perfkit cdn invalidate`: invalidate or delete, by URL, CP code or cache tag,
// on production or staging. Requests are signed with EdgeGrid by the official akamai-edgegrid library (loaded
// on the first send) from an .edgerc section; bodies are chunked under the API's 50,000-byte limit. v3 has no
// status endpoint: waitFor waits the largest estimatedSeconds the API gave.
import { fullUrlItem } from './common.js';
import { loadEdgerc, type EdgercCredentials } from './edgerc.js';
export { loadEdgerc, parseEdgerc, type EdgercCredentials } from './edgerc.js';
import { retryAfterMs } from '../../util/retry.js';
import os from 'node:os';
import path from 'node:path';
import { connectError, runtimeError, usageError, type PerfkitError } from '../../cli/errors.js';
import { BatchError, TransientError, type Batch, type BatchResult, type CdnProvider, type ItemKind, type PurgeItem, type ProviderSettings, type RequestPreview, type WaitOptions } from '../../cdn/provider.js';
import { redact } from '../../util/redact.js';

/** "Purge requests have a body size limit of 50KB" — 413 "exceeds the maximum message body size, which is
 *  50,000 bytes" (techdocs.akamai.com/purge-cache/reference/rate-limiting, …/reference/413). */
export const AKAMAI_MAX_BODY_BYTES = 50_000;
/** The object token buckets (same rate-limiting page): a request needing more objects than its bucket holds
 *  could never be accepted, so no batch asks for more. */
export const AKAMAI_MAX_OBJECTS: Readonly<Record<'url' | 'cpcode' | 'tag', number>> = { url: 10_000, cpcode: 300, tag: 5_000 };
/** "A single tag can't exceed 128 characters" (techdocs …/purge-content-cache-tag). */
export const AKAMAI_MAX_TAG_CHARS = 128;
/** Allowed cache tag characters (the same page): letters, digits and & ' ^ - $ ! ` # % . + ~ _ | — RFC 7230
 *  token characters without '*'. */
const TAG_CHARS = /^[A-Za-z0-9&'^\-$!`#%.+~_|]+$/;
/** "Wait five seconds, then retry" (techdocs …/reference/429). */
export const AKAMAI_RATE_LIMIT_WAIT_MS = 5_000;
/** What the docs and the CLI say a purge takes when the API gives no estimate. */
export const AKAMAI_DEFAULT_ESTIMATE_S = 5;
const LONGEST_RETRY_WAIT_MS = 5 * 60_000;

const KIND_NAMES: Record<string, string> = { url: 'URLs', path: 'paths', tag: 'tags', prefix: 'prefixes', host: 'hosts', cpcode: 'CP codes', ban: 'ban expressions', all: 'everything' };
const FULL_URLS = 'Akamai purges full URLs: give https://host/path or use --base-url';
const PURGE_KINDS = ['url', 'cpcode', 'tag'] as const;
type AkamaiKind = (typeof PURGE_KINDS)[number];

export interface AkamaiSettings {
  edgercPath: string;
  /** As the user wrote it (~/.edgerc), for messages. */
  edgercShown: string;
  section: string;
  network: 'production' | 'staging';
  action: 'invalidate' | 'delete';
  /** Overrides the host from .edgerc: a full base URL (http://127.0.0.1:8443) or a host name. */
  endpoint?: string;
}

/** Reads settings.options (flags over config cdn.akamai) and the environment. */
export function akamaiSettings(s: ProviderSettings): AkamaiSettings {
  const str = (k: string) => (typeof s.options[k] === 'string' && s.options[k] !== '' ? (s.options[k] as string) : undefined);
  const edgercShown = str('edgerc') ?? (s.env.AKAMAI_EDGERC || '~/.edgerc');
  const home = s.env.HOME || os.homedir();
  const edgercPath = edgercShown === '~' || edgercShown.startsWith('~/') ? path.join(home, edgercShown.slice(1)) : path.resolve(s.cwd, edgercShown);
  const network = str('network') ?? 'production';
  if (network !== 'production' && network !== 'staging') throw usageError(`--network '${network}': unknown`, 'use production or staging');
  const del = s.options.delete === true || s.options.delete === 'true';
  let endpoint = str('endpoint');
  if (endpoint !== undefined) {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
    let u: URL;
    try {
      u = new URL(withScheme);
    } catch {
      throw usageError(`--endpoint '${endpoint}': not a URL or host`, 'leave it out to use the host in .edgerc');
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw usageError(`--endpoint '${endpoint}': not an http(s) URL`, 'leave it out to use the host in .edgerc');
    endpoint = u.origin;
  }
  return { edgercPath, edgercShown, section: str('section') ?? (s.env.AKAMAI_EDGERC_SECTION || 'ccu'), network, action: del ? 'delete' : 'invalidate', endpoint };
}

/** Keeps absolute http(s) URLs (fragment dropped), numeric CP codes, and cache tags within Akamai's rules. */
export function normalizeAkamai(items: PurgeItem[]): { items: PurgeItem[]; rejected: Array<{ item: PurgeItem; why: string }> } {
  const out: PurgeItem[] = [];
  const rejected: Array<{ item: PurgeItem; why: string }> = [];
  for (const item of items) {
    const r = check(item);
    if (typeof r === 'string') rejected.push({ item, why: r });
    else if (bodyBytes(r.kind as AkamaiKind, [r.value]) > AKAMAI_MAX_BODY_BYTES) rejected.push({ item, why: `too long: one request with it alone would exceed Akamai's ${AKAMAI_MAX_BODY_BYTES}-byte body limit` });
    else out.push(r);
  }
  return { items: out, rejected };
}

function check(item: PurgeItem): PurgeItem | string {
  switch (item.kind) {
    case 'url':
    case 'path':
      return fullUrlItem(item, FULL_URLS);
    case 'cpcode': {
      const v = item.value.trim();
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) === 0) return 'not a CP code: CP codes are positive whole numbers, e.g. 123456';
      return { kind: 'cpcode', value: String(Number(v)) };
    }
    case 'tag': {
      if (!item.value) return 'an empty cache tag';
      if ([...item.value].length > AKAMAI_MAX_TAG_CHARS) return `a cache tag of ${[...item.value].length} characters: Akamai tags are at most ${AKAMAI_MAX_TAG_CHARS}, and a longer one silently purges nothing`;
      if (!TAG_CHARS.test(item.value)) {
        const bad = [...item.value].find((c) => !TAG_CHARS.test(c));
        return `'${bad === ' ' ? 'space' : bad}' is not allowed in an Akamai cache tag (letters, digits and & ' ^ - $ ! \` # % . + ~ _ | only)`;
      }
      return item;
    }
    default:
      return `Akamai purges URLs, CP codes (--cpcode) and cache tags (--tag), not ${item.kind === 'all' ? 'everything (--all): purge its CP codes instead' : KIND_NAMES[item.kind]}`;
  }
}

/** The JSON body of one request: {"objects":[…]}, CP codes as numbers. */
export function akamaiBody(kind: ItemKind, values: string[]): string {
  return JSON.stringify({ objects: kind === 'cpcode' ? values.map(Number) : values });
}

function bodyBytes(kind: AkamaiKind, values: string[]): number {
  return Buffer.byteLength(akamaiBody(kind, values));
}

/** One kind per request; as many objects as fit in 50,000 bytes and the kind's token bucket. Wave 0. */
export function planAkamai(items: PurgeItem[]): Batch[] {
  const batches: Batch[] = [];
  const empty = Buffer.byteLength('{"objects":[]}');
  for (const kind of [...new Set(items.map((i) => i.kind))]) {
    const max = AKAMAI_MAX_OBJECTS[kind as AkamaiKind] ?? 1;
    let cur: PurgeItem[] = [];
    let bytes = empty;
    for (const it of items.filter((i) => i.kind === kind)) {
      const size = kind === 'cpcode' ? String(Number(it.value)).length : Buffer.byteLength(JSON.stringify(it.value));
      const add = size + (cur.length ? 1 : 0);
      if (cur.length && (bytes + add > AKAMAI_MAX_BODY_BYTES || cur.length >= max)) {
        batches.push({ kind, items: cur, wave: 0 });
        cur = [];
        bytes = empty;
      }
      bytes += size + (cur.length ? 1 : 0);
      cur.push(it);
    }
    if (cur.length) batches.push({ kind, items: cur, wave: 0 });
  }
  return batches;
}

export function akamaiPath(s: Pick<AkamaiSettings, 'action' | 'network'>, kind: ItemKind): string {
  return `/ccu/v3/${s.action}/${kind}/${s.network}`;
}

/** Milliseconds to wait after a 429: Retry-After when given; else enough for the object bucket to refill for
 *  this request (X-Ratelimit-Remaining-Objects, -Limit-Per-Second-Objects), and never less than the 5 s the
 *  docs ask for. */
export function akamaiRetryAfterMs(headers: Record<string, string | string[] | undefined>, objects: number, now = Date.now()): number {
  const h = (name: string) => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const asked = retryAfterMs(h('retry-after'), now);
  if (asked !== undefined) return asked;
  const remaining = Number(h('x-ratelimit-remaining-objects'));
  const perSecond = Number(h('x-ratelimit-limit-per-second-objects'));
  let refill = 0;
  if (Number.isFinite(remaining) && perSecond > 0 && objects > remaining) refill = Math.ceil(((objects - remaining) / perSecond) * 1000);
  return Math.max(AKAMAI_RATE_LIMIT_WAIT_MS, refill);
}

interface Problem {
  title?: string;
  detail?: string;
  httpStatus?: number;
  status?: number;
  supportId?: string;
}

/** Maps a failed response (or a transport error) to what the core expects. */
export function akamaiFailure(
  status: number | undefined,
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
  ctx: { batch: Batch; creds: Pick<EdgercCredentials, 'where'>; secrets: string[]; base: string; code?: string; message?: string },
  now = Date.now(),
): Error | PerfkitError {
  const clean = (t: string) => redact(t, ctx.secrets);
  if (status === undefined) {
    const code = ctx.code;
    const msg = clean(ctx.message ?? 'no response');
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /certificate|self[- ]signed|CERT_/i.test(`${code} ${msg}`)) {
      return connectError(`cannot reach the Akamai API at ${ctx.base}: ${msg}`, `check the host in ${ctx.creds.where} (or --endpoint), and the network`);
    }
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return new TransientError(`Akamai did not answer in time (${msg})`, { code });
    return new TransientError(`Akamai request failed: ${msg}`, { code });
  }
  const p: Problem = body && typeof body === 'object' ? (body as Problem) : {};
  const text = [p.title, p.detail].filter(Boolean).join(': ') || (typeof body === 'string' ? body.slice(0, 200).trim() : '');
  const said = text ? `: ${clean(text)}` : '';
  const support = p.supportId ? ` (supportId ${p.supportId})` : '';
  if (status === 401) {
    return connectError(
      `Akamai refused the credentials in ${ctx.creds.where} (HTTP 401${said})`,
      'check client_token, client_secret, access_token and host there (copy them again from Control Center → Identity & access → API clients); a clock more than a little off also fails the signature',
    );
  }
  if (status === 403) {
    return connectError(
      `Akamai refused this purge to the API client in ${ctx.creds.where} (HTTP 403${said})`,
      'the API client needs the "CCU APIs" grant with READ-WRITE access, and access to the CP codes and hosts it purges',
    );
  }
  if (status === 429) {
    const wait = akamaiRetryAfterMs(headers, ctx.batch.items.length, now);
    if (wait > LONGEST_RETRY_WAIT_MS) return new BatchError(`Akamai rate limit (HTTP 429${said})${support}: asked to wait ${Math.ceil(wait / 60_000)} min; run this batch again later`, { httpStatus: 429 });
    return new TransientError(`Akamai rate limit (HTTP 429${said})`, { httpStatus: 429, retryAfterMs: wait });
  }
  // 507 was the old "purge rate exceeded"; 408 is a request the server gave up waiting for.
  if (status >= 500 || status === 408) return new TransientError(`Akamai API error (HTTP ${status}${said})${support}`, { httpStatus: status });
  const hint = status === 413 ? ` (the body is over ${AKAMAI_MAX_BODY_BYTES} bytes)` : '';
  return new BatchError(`Akamai rejected the purge of ${ctx.batch.items.length} ${ctx.batch.kind} objects (HTTP ${status}${said})${hint}${support}`, { httpStatus: status });
}

// ---- akamai-edgegrid, loaded on the first send -------------------------------------------------------------
interface EdgeGridResponse {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}
interface EdgeGridError {
  code?: string;
  message?: string;
  response?: EdgeGridResponse;
}
interface EdgeGridClient {
  config: { host: string };
  auth(req: Record<string, unknown>): EdgeGridClient;
  send(cb: (err: EdgeGridError | null, res?: EdgeGridResponse) => void): EdgeGridClient;
}

/** Waits the largest estimatedSeconds of what was sent, in steps of at most a second (a countdown on
 *  o.onProgress, the signal checked between steps). Fails at once when that exceeds o.timeoutMs. */
export async function waitForEstimates(sent: Array<{ batch: Batch; result: BatchResult }>, o: WaitOptions, network: string): Promise<void> {
  const seconds = Math.max(0, ...sent.map((x) => x.result.estimatedSeconds ?? AKAMAI_DEFAULT_ESTIMATE_S));
  let left = seconds * 1000;
  if (left > o.timeoutMs) {
    throw runtimeError(
      `Akamai estimates ${seconds} s for this purge on ${network}, longer than the wait timeout (${Math.round(o.timeoutMs / 1000)} s)`,
      'the purge was accepted; raise --wait-timeout to wait for it, or drop --wait (Fast Purge v3 has no status to poll)',
    );
  }
  while (left > 0) {
    if (o.signal.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('wait interrupted');
    o.onProgress(`Akamai ${network}: about ${Math.ceil(left / 1000)} s until the purge completes (the API's estimate; v3 has no status to poll)`);
    const step = Math.min(1000, left);
    await o.sleep(step);
    left -= step;
  }
}

export function createProvider(settings: ProviderSettings): CdnProvider {
  const s = akamaiSettings(settings);
  let creds: EdgercCredentials | undefined;
  const credentials = () => {
    if (!creds) {
      creds = loadEdgerc(s, settings.env);
      for (const k of ['client_token', 'client_secret', 'access_token'] as const) settings.secret(creds[k]);
    }
    return creds;
  };
  const baseUrl = () => s.endpoint ?? `https://${credentials().host}`;
  let client: EdgeGridClient | undefined;
  const edgegrid = async (): Promise<EdgeGridClient> => {
    if (client) return client;
    const c = credentials();
    const { default: EdgeGrid } = await import('akamai-edgegrid');
    // One client for the run: its constructor adds interceptors to the global axios. auth() and send() run
    // back to back without an await, so concurrent sends never see each other's signed request.
    const eg = new EdgeGrid(c.client_token, c.client_secret, c.access_token, c.host) as unknown as EdgeGridClient;
    // The library adds https:// to the .edgerc host; --endpoint (a proxy, a test server) replaces that base,
    // and the signature is computed over the URL actually requested.
    if (s.endpoint) eg.config.host = s.endpoint;
    return (client = eg);
  };

  return {
    name: 'akamai',
    supports: PURGE_KINDS,
    normalize: normalizeAkamai,
    plan: planAkamai,
    preview(batch) {
      let base: string;
      try {
        base = baseUrl();
      } catch {
        base = `https://<host from [${s.section}] of ${s.edgercShown}>`;
      }
      const req: RequestPreview = {
        method: 'POST',
        url: `${base}${akamaiPath(s, batch.kind)}`,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: '***' },
        body: akamaiBody(batch.kind, batch.items.map((i) => i.value)),
      };
      return [req];
    },
    async checkCredentials() {
      credentials();
    },
    async send(batch, signal) {
      if (!(PURGE_KINDS as readonly string[]).includes(batch.kind)) throw new BatchError(`Akamai cannot purge ${batch.kind} items`);
      const c = credentials();
      const eg = await edgegrid();
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('purge interrupted');
      const body = akamaiBody(batch.kind, batch.items.map((i) => i.value));
      const ctx = { batch, creds: c, secrets: [c.client_token, c.client_secret, c.access_token], base: baseUrl() };
      let res: EdgeGridResponse;
      try {
        res = await new Promise<EdgeGridResponse>((resolve, reject) => {
          // A fresh request object per attempt: auth() signs it with a new timestamp and nonce.
          eg.auth({
            path: akamaiPath(s, batch.kind),
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body,
            timeout: settings.timeoutMs,
            signal,
          }).send((err, r) => (err ? reject(err) : resolve(r as EdgeGridResponse)));
        });
      } catch (e) {
        if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('purge interrupted');
        const err = e as EdgeGridError;
        if (err.response) throw akamaiFailure(err.response.status, err.response.headers ?? {}, err.response.data, ctx);
        throw akamaiFailure(undefined, {}, undefined, { ...ctx, code: err.code, message: err.message });
      }
      const d = (res.data && typeof res.data === 'object' ? res.data : {}) as { detail?: string; estimatedSeconds?: number; purgeId?: string; supportId?: string };
      return {
        providerId: d.purgeId ?? d.supportId,
        httpStatus: res.status,
        estimatedSeconds: typeof d.estimatedSeconds === 'number' ? d.estimatedSeconds : undefined,
        status: d.detail ?? 'Request accepted',
        note: [`${s.action} on ${s.network}`, d.supportId ? `supportId ${d.supportId}` : ''].filter(Boolean).join('; '),
      };
    },
    waitFor: (sent, o) => waitForEstimates(sent, o, s.network),
  };
}
