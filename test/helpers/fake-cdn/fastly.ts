// A local stand-in for the Fastly purge API (https://api.fastly.com), close enough for the real fastly-js
// client: POST /purge/<host/path>, POST /service/{id}/purge/{key}, POST /service/{id}/purge (≤ 256 keys, as a
// JSON body or a Surrogate-Key header), POST /service/{id}/purge_all; Fastly-Key auth on every call; soft purges
// recorded; 429 and 5xx injected on demand. Every request is recorded for assertions. Listens on a free loopback
// port; servers still open when the process exits are closed.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

export interface FastlyPurge {
  kind: 'url' | 'key' | 'all';
  /** host/path for URLs, the key for keys, the service for purge-all. */
  value: string;
  service?: string;
  soft: boolean;
  id: string;
}

export interface FastlyInjection {
  /** The status to answer with; left out, the request is answered normally (after delayMs). */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** How many matching requests get it (default 1). */
  times?: number;
  /** Retry-After, in seconds. */
  retryAfter?: number;
  /** Fastly-RateLimit-Reset, as seconds from now (sent as a Unix time). */
  resetIn?: number;
  headers?: Record<string, string>;
  body?: unknown;
  match?: (r: RecordedRequest) => boolean;
}

export interface FakeFastly {
  /** Base URL, for --endpoint: http://127.0.0.1:PORT */
  url: string;
  token: string;
  requests: RecordedRequest[];
  purges: FastlyPurge[];
  inject(i: FastlyInjection): void;
  /** Forgets recorded requests, purges and unused injections (between tests). */
  reset(): void;
  stop(): Promise<void>;
}

export const FASTLY_BAD_CREDENTIALS = { msg: 'Provided credentials are missing or invalid' };
const MAX_KEYS = 256;

const live = new Set<Server>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const s of live) s.close();
  });
}

/** Starts the fake. `services`: the service IDs that exist (any when left out). */
export async function startFakeFastly(opts: { token?: string; services?: string[] } = {}): Promise<FakeFastly> {
  hookExit();
  const token = opts.token ?? `fastly-test-${randomUUID()}`;
  const requests: RecordedRequest[] = [];
  const purges: FastlyPurge[] = [];
  const injections: Array<FastlyInjection & { left: number }> = [];
  let remaining = 1000;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: {}, body };
    for (const [k, v] of Object.entries(req.headers)) rec.headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
    requests.push(rec);

    const inj = injections.find((i) => i.left > 0 && (!i.match || i.match(rec)));
    if (inj) inj.left--;
    if (inj?.delayMs) {
      setTimeout(() => answer(rec, res, body, inj), inj.delayMs);
      return;
    }
    answer(rec, res, body, inj);
  };

  const answer = (rec: RecordedRequest, res: ServerResponse, body: string, inj: FastlyInjection | undefined) => {
    if (res.destroyed) return;
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    if (inj?.status !== undefined) {
      const h: Record<string, string> = { ...inj.headers };
      if (inj.retryAfter !== undefined) h['Retry-After'] = String(inj.retryAfter);
      if (inj.resetIn !== undefined) h['Fastly-RateLimit-Reset'] = String(Math.floor(Date.now() / 1000) + inj.resetIn);
      if (inj.status === 429) h['Fastly-RateLimit-Remaining'] ??= '0';
      const fallback = inj.status === 429 ? { msg: 'Too many requests', detail: 'Rate limit exceeded' } : { msg: 'Internal error', detail: `injected ${inj.status}` };
      return send(res, inj.status, inj.body ?? fallback, h);
    }

    if (rec.headers['fastly-key'] !== token) return send(res, 401, FASTLY_BAD_CREDENTIALS);
    if (rec.method !== 'POST') return send(res, 405, { msg: 'Method not allowed', detail: `${rec.method} is not allowed here` });
    const soft = rec.headers['fastly-soft-purge'] !== undefined;
    const rateHeaders = { 'Fastly-RateLimit-Remaining': String(remaining), 'Fastly-RateLimit-Reset': reset };
    const id = () => `${Math.floor(Math.random() * 900) + 100}-${Math.floor(Date.now() / 1000)}-${Math.floor(Math.random() * 1e6)}`;

    if (rec.path.startsWith('/purge/')) {
      const target = rec.path.slice('/purge/'.length);
      if (!target) return send(res, 400, { msg: 'Bad request', detail: 'no URL to purge' });
      const p: FastlyPurge = { kind: 'url', value: target, soft, id: id() };
      purges.push(p);
      return send(res, 200, { status: 'ok', id: p.id }, rateHeaders);
    }
    const m = /^\/service\/([^/]+)\/(purge_all|purge)(?:\/(.+))?$/.exec(rec.path.split('?')[0]!);
    if (!m) return send(res, 404, { msg: 'Record not found', detail: `no route for ${rec.path}` });
    const service = decodeURIComponent(m[1]!);
    if (opts.services && !opts.services.includes(service)) return send(res, 404, { msg: 'Record not found', detail: `Cannot find service '${service}'` });

    if (m[2] === 'purge_all') {
      if (m[3]) return send(res, 404, { msg: 'Record not found' });
      remaining--;
      purges.push({ kind: 'all', value: service, service, soft, id: id() });
      return send(res, 200, { status: 'ok' }, { ...rateHeaders, 'Fastly-RateLimit-Remaining': String(remaining) });
    }
    if (m[3]) {
      // One key in the path.
      const p: FastlyPurge = { kind: 'key', value: decodeURIComponent(m[3]), service, soft, id: id() };
      purges.push(p);
      return send(res, 200, { status: 'ok', id: p.id }, rateHeaders);
    }
    // Batch: a JSON body {"surrogate_keys":[…]} or a Surrogate-Key header.
    let keys: string[];
    if (body.length) {
      if (!/application\/json/.test(rec.headers['content-type'] ?? '')) return send(res, 415, { msg: 'Unsupported media type', detail: 'send application/json' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return send(res, 400, { msg: 'Bad request', detail: 'the body is not JSON' });
      }
      const sk = (parsed as { surrogate_keys?: unknown }).surrogate_keys;
      if (!Array.isArray(sk) || !sk.every((k) => typeof k === 'string')) return send(res, 400, { msg: 'Bad request', detail: 'surrogate_keys must be an array of strings' });
      keys = sk as string[];
    } else {
      keys = (rec.headers['surrogate-key'] ?? '').split(/\s+/).filter(Boolean);
    }
    if (!keys.length) return send(res, 400, { msg: 'Bad request', detail: 'no surrogate keys given' });
    if (keys.length > MAX_KEYS) return send(res, 400, { msg: 'Bad request', detail: `Too many keys: ${keys.length} (at most ${MAX_KEYS} per request)` });
    const out: Record<string, string> = {};
    for (const k of keys) {
      const p: FastlyPurge = { kind: 'key', value: k, service, soft, id: id() };
      purges.push(p);
      out[k] = p.id;
    }
    return send(res, 200, out, rateHeaders);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  live.add(server);
  const { port } = server.address() as { port: number };
  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    purges,
    inject(i) {
      injections.push({ ...i, left: i.times ?? 1 });
    },
    reset() {
      requests.length = 0;
      purges.length = 0;
      injections.length = 0;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      live.delete(server);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
