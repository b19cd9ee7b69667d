// A local Cloudflare API v4 purge endpoint for tests that drive the real `cloudflare` SDK:
// POST /client/v4/zones/:zone/purge_cache with Bearer (or X-Auth-Email + X-Auth-Key) auth, one kind per
// request, the per-request limits, Cloudflare's envelope {success, errors, messages, result} for success and
// failure, and injected failures (429 with Retry-After, 5xx). Every request is recorded.
// Loopback only, a free port; stop() closes it.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Date.now() when it arrived */
  at: number;
  /** the parsed JSON body, when it parsed */
  json?: Record<string, unknown>;
}

export interface Injected {
  status: number;
  /** Cloudflare error code in the body (default: 971 for 429, 10000-ish otherwise) */
  code?: number;
  message?: string;
  retryAfter?: string;
  times?: number;
}

export interface FakeCloudflare {
  /** http://127.0.0.1:PORT/client/v4 — give it to the SDK as `baseURL` */
  url: string;
  requests: RecordedRequest[];
  /** What was purged, request by request. */
  purges: Array<{ zone: string; body: Record<string, unknown>; id: string }>;
  inject(f: Injected): void;
  stop(): Promise<void>;
}

export interface FakeCloudflareOptions {
  tokens?: string[];
  /** legacy global API keys: email → key */
  keys?: Record<string, string>;
  zones?: string[];
  /** URLs per request (default 100; Enterprise 500) */
  maxFiles?: number;
  /** tags, hosts or prefixes per request (default 100) */
  maxFlex?: number;
}

const KINDS = ['files', 'tags', 'hosts', 'prefixes', 'purge_everything'] as const;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: Array<{ code: number; message: string }>,
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

export async function startFakeCloudflare(opts: FakeCloudflareOptions = {}): Promise<FakeCloudflare> {
  const tokens = new Set(opts.tokens ?? ['cf-test-token-0123456789abcdef']);
  const keys = opts.keys ?? {};
  const zones = new Set(opts.zones ?? ['023e105f4ecef8ad9ca31a8372d0c353']);
  const maxFiles = opts.maxFiles ?? 100;
  const maxFlex = opts.maxFlex ?? 100;
  const requests: RecordedRequest[] = [];
  const purges: FakeCloudflare['purges'] = [];
  const injected: Injected[] = [];

  function handle(req: RecordedRequest): Record<string, unknown> {
    const m = /^\/client\/v4\/zones\/([^/]+)\/purge_cache$/.exec(req.path.split('?')[0]!);
    if (!m) throw new ApiError(404, [{ code: 7000, message: 'No route for that URI' }]);
    if (req.method !== 'POST') throw new ApiError(405, [{ code: 10405, message: 'Method not allowed for api_token authentication scheme' }]);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const email = req.headers['x-auth-email'];
    const key = req.headers['x-auth-key'];
    const ok = bearer !== undefined ? tokens.has(bearer) : email !== undefined && key !== undefined && keys[email] === key;
    if (!ok) throw new ApiError(403, [{ code: 10000, message: 'Authentication error' }]);
    const inj = injected[0];
    if (inj) {
      if (--inj.times! <= 0) injected.shift();
      const code = inj.code ?? (inj.status === 429 ? 971 : 10001);
      const message = inj.message ?? (inj.status === 429 ? 'Please wait and consider throttling your request speed' : 'Internal error');
      throw new ApiError(inj.status, [{ code, message }], inj.retryAfter ? { 'Retry-After': inj.retryAfter } : {});
    }
    const zone = decodeURIComponent(m[1]!);
    if (!zones.has(zone)) {
      throw new ApiError(400, [{ code: 7003, message: `Could not route to /zones/${zone}/purge_cache, perhaps your object identifier is invalid?` }, { code: 7000, message: 'No route for that URI' }]);
    }
    const body = req.json;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, [{ code: 1012, message: 'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"' }]);
    const present = KINDS.filter((k) => k in body);
    const extra = Object.keys(body).filter((k) => !(KINDS as readonly string[]).includes(k));
    if (present.length !== 1 || extra.length) throw new ApiError(400, [{ code: 1012, message: 'Request must contain exactly one of "purge_everything", "files", "tags", "hosts" or "prefixes"' }]);
    const kind = present[0]!;
    if (kind === 'purge_everything') {
      if (body.purge_everything !== true) throw new ApiError(400, [{ code: 1012, message: 'purge_everything must be true' }]);
    } else {
      const list = body[kind];
      if (!Array.isArray(list) || !list.length) throw new ApiError(400, [{ code: 1012, message: `${kind} must be a non-empty array` }]);
      const max = kind === 'files' ? maxFiles : maxFlex;
      if (list.length > max) throw new ApiError(400, [{ code: 1019, message: `Too many ${kind} in one request: at most ${max} allowed` }]);
      for (const x of list) {
        if (kind === 'files') {
          const url = typeof x === 'string' ? x : x && typeof x === 'object' ? (x as { url?: unknown }).url : undefined;
          const headers = x && typeof x === 'object' ? (x as { headers?: unknown }).headers : undefined;
          if (typeof url !== 'string' || !/^https?:\/\/[^/]/.test(url)) throw new ApiError(400, [{ code: 1016, message: `Invalid url: ${JSON.stringify(url)}` }]);
          if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string'))) {
            throw new ApiError(400, [{ code: 1016, message: 'headers must be an object of strings' }]);
          }
        } else if (typeof x !== 'string' || !x) {
          throw new ApiError(400, [{ code: 1012, message: `${kind} must be strings` }]);
        } else if (kind === 'prefixes' && (/^[a-z]+:\/\//i.test(x) || /[?#]/.test(x))) {
          throw new ApiError(400, [{ code: 1020, message: `Invalid prefix '${x}': no scheme, query string or fragment` }]);
        }
      }
    }
    purges.push({ zone, body, id: zone });
    // The purge result's id is the zone's identifier.
    return { success: true, errors: [], messages: [], result: { id: zone } };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: {}, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      for (const [k, v] of Object.entries(req.headers)) rec.headers[k] = Array.isArray(v) ? v.join(',') : (v ?? '');
      try {
        rec.json = rec.body ? (JSON.parse(rec.body) as Record<string, unknown>) : undefined;
      } catch {
        // recorded as text; handle() answers 400
      }
      requests.push(rec);
      const ray = `${randomBytes(8).toString('hex')}-FRA`;
      try {
        const out = handle(rec);
        res.writeHead(200, { 'Content-Type': 'application/json', 'cf-ray': ray });
        res.end(JSON.stringify(out));
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError(500, [{ code: 10001, message: (e as Error).message }]);
        res.writeHead(err.status, { 'Content-Type': 'application/json', 'cf-ray': ray, ...err.headers });
        res.end(JSON.stringify({ success: false, errors: err.errors, messages: [], result: null }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
  return {
    url,
    requests,
    purges,
    inject: (f) => void injected.push({ times: 1, ...f }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
