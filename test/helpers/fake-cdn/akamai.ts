// A local stand-in for Akamai Fast Purge v3, close enough for the real akamai-edgegrid signer:
// POST /ccu/v3/{invalidate|delete}/{url|cpcode|tag}[/{production|staging}] with {"objects":[…]}. It VERIFIES
// each EdgeGrid signature (EG1-HMAC-SHA256, recomputed with the client secret as akamai-edgegrid computes it)
// and answers 401 in Akamai's problem+json shape when it does not match; it enforces the 50,000-byte body
// limit (413), one object type per request, CP codes as integers; answers 201 with a configurable
// estimatedSeconds; and injects 429 (with X-Ratelimit-* and optionally Retry-After) or 5xx on demand.
// Plain HTTP by default (for --endpoint); HTTPS with a throwaway self-signed certificate for 127.0.0.1 when
// asked (openssl), as the library builds https:// URLs from the .edgerc host. Every request is recorded.
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import os from 'node:os';
import path from 'node:path';

export interface AkamaiCredentials {
  client_token: string;
  client_secret: string;
  access_token: string;
}

export interface RecordedAkamaiRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The signature check: ok, or why it failed. */
  auth: { ok: boolean; why?: string };
}

export interface AkamaiPurge {
  action: 'invalidate' | 'delete';
  type: 'url' | 'cpcode' | 'tag';
  network: 'production' | 'staging';
  objects: Array<string | number>;
  purgeId: string;
  estimatedSeconds: number;
}

export interface AkamaiInjection {
  status: number;
  times?: number;
  /** Retry-After in seconds (Akamai's documented 429 has none; the X-Ratelimit-* headers are always sent). */
  retryAfter?: number;
  /** 429 only: which bucket ran out. 'objects' reports 0 objects left at 200 objects/s. */
  limit?: 'requests' | 'objects';
  headers?: Record<string, string>;
  body?: unknown;
  match?: (r: RecordedAkamaiRequest) => boolean;
}

export interface FakeAkamai {
  /** http(s)://127.0.0.1:PORT, for --endpoint */
  url: string;
  /** 127.0.0.1:PORT, for the host line of an .edgerc */
  host: string;
  tls: boolean;
  /** The self-signed certificate (PEM) with tls, for a custom CA or NODE_EXTRA_CA_CERTS. */
  caFile?: string;
  ca?: string;
  credentials: AkamaiCredentials;
  requests: RecordedAkamaiRequest[];
  purges: AkamaiPurge[];
  estimatedSeconds: number;
  inject(i: AkamaiInjection): void;
  /** Forgets recorded requests, purges and unused injections (between tests). */
  reset(): void;
  /** Writes an .edgerc into the fake's temporary folder and returns its path. */
  writeEdgerc(o?: { section?: string; host?: string; credentials?: Partial<AkamaiCredentials>; omit?: Array<keyof AkamaiCredentials | 'host'>; extra?: string }): string;
  stop(): Promise<void>;
}

export const AKAMAI_MAX_BODY = 50_000;
/** akamai-edgegrid hashes at most this many characters of a POST body (helpers.MAX_BODY). */
const SIGNED_BODY_MAX = 131_072;
const CLOCK_SKEW_S = 300;

const live = new Set<{ server: Server; dir: string }>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const l of live) {
      l.server.close();
      rmSync(l.dir, { recursive: true, force: true });
    }
  });
}

const b64hmac = (data: string, key: string) => createHmac('sha256', key).update(data).digest('base64');

/** The EdgeGrid signature of a request, as akamai-edgegrid computes it (src/auth.js, src/helpers.js). */
export function edgegridSignature(o: { method: string; scheme: string; host: string; pathAndQuery: string; body: string; authWithoutSignature: string; timestamp: string; clientSecret: string }): string {
  const contentHash = o.method.toUpperCase() === 'POST' && o.body.length > 0 ? createHash('sha256').update(o.body.slice(0, SIGNED_BODY_MAX)).digest('base64') : '';
  const data = [o.method.toUpperCase(), o.scheme, o.host, o.pathAndQuery, '', contentHash, o.authWithoutSignature].join('\t');
  return b64hmac(data, b64hmac(o.timestamp, o.clientSecret));
}

function parseTimestamp(t: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})\+0000$/.exec(t);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

function selfSignedCert(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`openssl could not make a test certificate (is openssl installed?): ${(e as Error).message}`);
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

export async function startFakeAkamai(opts: { tls?: boolean; estimatedSeconds?: number; credentials?: Partial<AkamaiCredentials> } = {}): Promise<FakeAkamai> {
  hookExit();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-fake-akamai-'));
  const credentials: AkamaiCredentials = {
    client_token: `akab-client-${randomBytes(8).toString('hex')}`,
    client_secret: randomBytes(24).toString('base64'),
    access_token: `akab-access-${randomBytes(8).toString('hex')}`,
    ...opts.credentials,
  };
  const tls = Boolean(opts.tls);
  const requests: RecordedAkamaiRequest[] = [];
  const purges: AkamaiPurge[] = [];
  const injections: Array<AkamaiInjection & { left: number }> = [];
  const nonces = new Set<string>();
  const supportId = () => `17PY${Date.now()}${Math.floor(Math.random() * 1e6)}-${Math.floor(Math.random() * 1e9)}`;
  let hostForProblems = '';
  let fake: FakeAkamai;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json') => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };
  const problem = (res: ServerResponse, rec: RecordedAkamaiRequest, status: number, title: string, detail: string) =>
    send(res, status, { type: 'https://problems.luna.akamaiapis.net/-/pep-authn/deny', title, status, detail, instance: `${hostForProblems}${rec.path}`, method: rec.method, requestId: randomBytes(4).toString('hex'), requestTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }, {}, 'application/problem+json');

  /** Checks the Authorization header; undefined when it is valid. */
  const verify = (rec: RecordedAkamaiRequest): string | undefined => {
    const h = rec.headers.authorization ?? '';
    const m = /^EG1-HMAC-SHA256 client_token=([^;]*);access_token=([^;]*);timestamp=([^;]*);nonce=([^;]*);signature=(.*)$/.exec(h);
    if (!m) return 'Invalid authorization header';
    const [, clientToken, accessToken, timestamp, nonce, signature] = m as unknown as string[];
    if (clientToken !== credentials.client_token) return 'Invalid authorization client token';
    if (accessToken !== credentials.access_token) return 'Invalid authorization access token';
    const at = parseTimestamp(timestamp!);
    if (at === undefined || Math.abs(Date.now() - at) > CLOCK_SKEW_S * 1000) return 'Invalid timestamp';
    if (nonces.has(nonce!)) return 'Invalid nonce: it was used before';
    const expected = edgegridSignature({
      method: rec.method,
      scheme: tls ? 'https' : 'http',
      host: rec.headers.host ?? '',
      pathAndQuery: rec.path,
      body: rec.body,
      authWithoutSignature: h.slice(0, h.indexOf('signature=')),
      timestamp: timestamp!,
      clientSecret: credentials.client_secret,
    });
    if (expected !== signature) return 'The signature does not match';
    nonces.add(nonce!);
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const rec: RecordedAkamaiRequest = { method: req.method ?? '', path: req.url ?? '', headers: {}, body, auth: { ok: false } };
    for (const [k, v] of Object.entries(req.headers)) rec.headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
    requests.push(rec);

    const why = verify(rec);
    rec.auth = why ? { ok: false, why } : { ok: true };
    if (why) return problem(res, rec, 401, 'Not authorized', why);

    const inj = injections.find((i) => i.left > 0 && (!i.match || i.match(rec)));
    if (inj) {
      inj.left--;
      const h: Record<string, string> = { ...inj.headers };
      if (inj.retryAfter !== undefined) h['Retry-After'] = String(inj.retryAfter);
      if (inj.status === 429) {
        const objectsOut = inj.limit === 'objects';
        Object.assign(h, {
          'X-Ratelimit-Remaining': objectsOut ? '99' : '0',
          'X-Ratelimit-Limit-Per-Second': '50.00',
          'X-Ratelimit-Limit': '100',
          'X-Ratelimit-Remaining-Objects': objectsOut ? '0' : '9904',
          'X-Ratelimit-Limit-Per-Second-Objects': '200.00',
          'X-Ratelimit-Limit-Objects': '10000',
          ...inj.headers,
        });
        const body429 = inj.body ?? { supportId: supportId(), title: objectsOut ? 'URL Rate Limit exceeded' : 'Rate Limit exceeded', httpStatus: 429, describedBy: 'https://developer.akamai.com/api/core_features/fast_purge/v3.html#httpcodes', rateLimit: 100, rateLimitCurrentRequestSize: 1, rateLimitRemaining: 0 };
        return send(res, 429, body429, h, 'application/api-problem+json');
      }
      return send(res, inj.status, inj.body ?? { type: 'internal_error', title: 'Internal Server Error', httpStatus: inj.status, detail: `injected ${inj.status}`, supportId: supportId() }, h, 'application/problem+json');
    }

    const m = /^\/ccu\/v3\/(invalidate|delete)\/(url|cpcode|tag)(?:\/(production|staging))?$/.exec(rec.path);
    if (!m) return send(res, 404, { title: 'Not found', httpStatus: 404, detail: `no such resource: ${rec.path}`, supportId: supportId() });
    if (rec.method !== 'POST') return send(res, 405, { title: 'Method not allowed', httpStatus: 405, detail: `${rec.method} is not allowed`, supportId: supportId() });
    if (Buffer.byteLength(body) > AKAMAI_MAX_BODY) {
      return send(res, 413, { title: 'Request Entity Too Large', httpStatus: 413, detail: `The request body is ${Buffer.byteLength(body)} bytes; the maximum is ${AKAMAI_MAX_BODY}`, supportId: supportId() });
    }
    if (!/application\/json/.test(rec.headers['content-type'] ?? '')) return send(res, 415, { title: 'Unsupported Media Type', httpStatus: 415, detail: 'send application/json', supportId: supportId() });
    let parsed: { objects?: unknown; hostname?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return send(res, 400, { title: 'Bad request', httpStatus: 400, detail: 'The request body is not valid JSON', supportId: supportId() });
    }
    const type = m[2] as AkamaiPurge['type'];
    const objects = parsed.objects;
    const bad = (detail: string) => send(res, 400, { title: 'Bad request', httpStatus: 400, detail, supportId: supportId() });
    if (!Array.isArray(objects) || !objects.length) return bad('objects must be a non-empty array');
    if (type === 'cpcode' && !objects.every((o) => Number.isInteger(o))) return bad('CP codes must be integers');
    if (type !== 'cpcode' && !objects.every((o) => typeof o === 'string' && o.length > 0)) return bad(`${type} objects must be non-empty strings`);
    if (type === 'url' && parsed.hostname === undefined && !objects.every((o) => /^https?:\/\/[^/]/.test(o as string))) return bad('URLs must be absolute unless hostname is given');
    const p: AkamaiPurge = { action: m[1] as AkamaiPurge['action'], type, network: (m[3] ?? 'production') as AkamaiPurge['network'], objects: objects as Array<string | number>, purgeId: randomUUID(), estimatedSeconds: fake.estimatedSeconds };
    purges.push(p);
    return send(res, 201, { httpStatus: 201, detail: 'Request accepted', estimatedSeconds: p.estimatedSeconds, purgeId: p.purgeId, supportId: supportId() });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  };
  let cert: ReturnType<typeof selfSignedCert> | undefined;
  let server: Server;
  try {
    cert = tls ? selfSignedCert(dir) : undefined;
    server = cert ? createHttpsServer({ key: cert.key, cert: cert.cert }, onRequest) : createHttpServer(onRequest);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const entry = { server, dir };
  live.add(entry);
  const { port } = server.address() as { port: number };
  const host = `127.0.0.1:${port}`;
  hostForProblems = `${tls ? 'https' : 'http'}://${host}`;
  let stopped = false;
  let edgercs = 0;
  fake = {
    url: hostForProblems,
    host,
    tls,
    caFile: cert?.certFile,
    ca: cert?.cert,
    credentials,
    requests,
    purges,
    estimatedSeconds: opts.estimatedSeconds ?? 5,
    inject(i) {
      injections.push({ ...i, left: i.times ?? 1 });
    },
    reset() {
      requests.length = 0;
      purges.length = 0;
      injections.length = 0;
    },
    writeEdgerc(o = {}) {
      const c = { ...credentials, ...o.credentials };
      const lines = [`[${o.section ?? 'ccu'}]`];
      const values: Record<string, string> = { client_secret: c.client_secret, host: o.host ?? host, access_token: c.access_token, client_token: c.client_token };
      for (const [k, v] of Object.entries(values)) if (!o.omit?.includes(k as keyof AkamaiCredentials)) lines.push(`${k} = ${v}`);
      const file = path.join(dir, `edgerc-${++edgercs}`);
      writeFileSync(file, `; written by the fake Akamai for a test\n${lines.join('\n')}\n${o.extra ?? ''}`);
      return file;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      live.delete(entry);
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fake;
}
