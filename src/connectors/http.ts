// HTTP connector: keep-alive node:http/https agents with a socket cap, one request at a time per call,
// a per-request deadline and the caller's abort signal. Bodies are streamed and discarded (counted), or
// collected up to a byte cap for documents perfkit reads (sitemaps). Redirects are not followed unless
// asked: a cache stores the redirect itself. Failures come back as HttpFailure with a kind.
import http from 'node:http';
import { connectError } from '../cli/errors.js';
import https from 'node:https';

export type HttpHeaders = Record<string, string | string[] | undefined>;

export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
  /** body bytes received (as sent: compressed if the server compressed) */
  bytes: number;
  /** from sending to the last body byte */
  ms: number;
  /** from sending to the response head */
  ttfbMs: number;
}

export type HttpFailureKind = 'refused' | 'dns' | 'timeout' | 'reset' | 'tls' | 'aborted' | 'too-large' | 'protocol' | 'other';

export class HttpFailure extends Error {
  readonly kind: HttpFailureKind;
  readonly code: string | undefined;
  readonly url: string;
  constructor(kind: HttpFailureKind, message: string, url: string, code?: string) {
    super(message);
    this.name = 'HttpFailure';
    this.kind = kind;
    this.code = code;
    this.url = url;
  }
  /** The request never got an HTTP answer from the host: nothing listens, no such host, no answer in time. */
  get unreachable(): boolean {
    return this.kind === 'refused' || this.kind === 'dns' || this.kind === 'timeout' || this.kind === 'reset' || this.kind === 'tls';
  }
}

export interface RequestOptions {
  method: string;
  headers: Array<[string, string]>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpClient {
  /** Sends one request, reads and discards the body; resolves with the response, rejects with HttpFailure. */
  request(url: URL, opts: RequestOptions): Promise<HttpResponse>;
  /** GET with the body kept (at most maxBytes), following up to 5 redirects. */
  fetchBody(url: URL, opts: Omit<RequestOptions, 'method'> & { maxBytes: number }): Promise<HttpResponse & { body: Buffer; url: URL }>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

export function createHttpClient(opts: { maxSockets: number }): HttpClient {
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets, scheduling: 'lifo' as const };
  const agents = { http: new http.Agent(agentOpts), https: new https.Agent(agentOpts) };

  function send(url: URL, o: RequestOptions, sink: (chunk: Buffer) => void): Promise<HttpResponse> {
    const lib = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? agents.https : agents.http;
    const deadline = AbortSignal.timeout(o.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
    const headers: Record<string, string> = {};
    for (const [n, v] of o.headers) headers[n] = v;
    const started = performance.now();
    return new Promise<HttpResponse>((resolve, reject) => {
      if (signal.aborted) return reject(failureOf(signal.reason, url, o, deadline));
      const req = lib.request(url, { method: o.method, headers, agent, signal });
      req.on('error', (e) => reject(failureOf(e, url, o, deadline)));
      req.on('response', (res) => {
        const ttfbMs = performance.now() - started;
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          try {
            sink(c);
          } catch (e) {
            res.destroy(e as Error);
          }
        });
        res.on('error', (e) => reject(failureOf(e, url, o, deadline)));
        res.on('aborted', () => reject(new HttpFailure('reset', `${url.host}: the connection closed mid-body`, url.href, 'ECONNRESET')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, ms: performance.now() - started, ttfbMs }));
      });
      req.end();
    });
  }

  return {
    request: (url, o) => send(url, o, () => {}),
    async fetchBody(url, o) {
      let current = url;
      for (let hop = 0; hop <= 5; hop++) {
        const chunks: Buffer[] = [];
        let size = 0;
        const res = await send(current, { ...o, method: 'GET' }, (c) => {
          size += c.length;
          if (size > o.maxBytes) throw new HttpFailure('too-large', `${current.href}: larger than ${o.maxBytes} bytes`, current.href);
          chunks.push(c);
        });
        const location = res.headers.location;
        if (res.status >= 300 && res.status < 400 && typeof location === 'string' && hop < 5) {
          current = new URL(location, current);
          continue;
        }
        return { ...res, body: Buffer.concat(chunks), url: current };
      }
      throw new HttpFailure('protocol', `${url.href}: more than 5 redirects`, url.href);
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);

function failureOf(e: unknown, url: URL, o: RequestOptions, deadline: AbortSignal): HttpFailure {
  if (e instanceof HttpFailure) return e;
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code;
  const host = url.host;
  if (deadline.aborted && !o.signal?.aborted) return new HttpFailure('timeout', `${host}: no complete answer within ${Math.round(o.timeoutMs)} ms`, url.href, 'ETIMEDOUT');
  if (o.signal?.aborted || err?.name === 'AbortError') return new HttpFailure('aborted', `${host}: request aborted`, url.href, 'ABORT_ERR');
  if (err?.name === 'HttpFailure') return err as unknown as HttpFailure;
  if (code && REFUSED.has(code)) return new HttpFailure('refused', `${host}: connection refused (${code})`, url.href, code);
  if (code && DNS.has(code)) return new HttpFailure('dns', `${url.hostname}: no such host (${code})`, url.href, code);
  if (code && RESET.has(code)) return new HttpFailure('reset', `${host}: connection reset (${code})`, url.href, code);
  if (code === 'ETIMEDOUT') return new HttpFailure('timeout', `${host}: connection timed out`, url.href, code);
  if (code && (/^ERR_TLS|CERT|SSL/.test(code) || /certificate|ssl|tls/i.test(err.message))) return new HttpFailure('tls', `${host}: TLS failed (${code})`, url.href, code);
  if (code === 'HPE_INVALID_CONSTANT' || code?.startsWith('HPE_')) return new HttpFailure('protocol', `${host}: not an HTTP answer (${code})`, url.href, code);
  return new HttpFailure('other', `${host}: ${err?.message ?? String(e)}`, url.href, code);
}

/** One TCP connection before the run: an unreachable target is an error (exit 3), not a run of errors. */
export async function assertReachable(u: URL, timeoutMs: number): Promise<void> {
  const net = await import('node:net');
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    const s = net.connect({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port });
    const t = setTimeout(() => {
      s.destroy();
      reject(connectError(`cannot reach ${u.host}: no answer within ${timeoutMs} ms`, 'check the URL, and that the server listens there'));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      const why = e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ENOTFOUND' ? `host '${u.hostname}' not found` : e.message;
      reject(connectError(`cannot reach ${u.host}: ${why}`, 'start the server, or check the URL (perfkit loadtest sends load only to the target you give)'));
    });
  });
}
