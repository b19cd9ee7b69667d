// A real, throwaway Varnish in front of a local origin, for HTTP cache-warm tests.
//
// startOrigin(): a node:http server on a free loopback port. Every page is cacheable
// (`Cache-Control: public, max-age=300`) and Varies on Accept-Encoding and Accept-Language; the body is
// gzip- or brotli-encoded per Accept-Encoding. Paths holding a special segment: /private/ (Cache-Control: private),
// /cookie/ (Set-Cookie), /flaky/ (429 with Retry-After: 1 on the first request of each path),
// /missing/ (404), /slow/ (answers after 150 ms), and any path ending in /sitemap….xml(.gz) (the file
// of that name in fixtures/web/sitemaps). It records every request it gets.
//
// startVarnish(): varnishd in the foreground (-F) with its own working directory (-n), on a free
// 127.0.0.1 port, malloc storage, and a VCL that sets X-Cache: HIT|MISS from obj.hits in vcl_deliver,
// except on paths holding /age/, where X-Cache and X-Varnish are left out so that only Age tells (or the
// test's own VCL: opts.vcl, e.g. the cdn purge tests' PURGE/BAN ACL). By default it runs
// with http_gzip_support=off, so that Varnish keeps Accept-Encoding as sent and every encoding is its
// own object (with it on, Varnish fetches and stores one gzipped object per URL and serves every
// Accept-Encoding from it, gunzipping for clients without gzip: gzip, br and identity share one object).
// Kept by PID (manager and child), stopped by PID, killed on exit. Throws (never skips) when varnishd is
// missing: `bash scripts/setup-services.sh` installs it.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { fixture } from './cli.js';
import { httpReady, startForkingServer } from './processes.js';

const HOST = '127.0.0.1';
const SETUP = 'install it with `bash scripts/setup-services.sh` (Debian package varnish)';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

// ---- the origin ---------------------------------------------------------------------------------------
export interface OriginRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** performance.now() when the request arrived */
  at: number;
}

export interface Origin {
  port: number;
  url: string;
  /** every request the origin received, in order */
  requests: OriginRequest[];
  count(pathPrefix?: string): number;
  reset(): void;
  stop(): Promise<void>;
}

export async function startOrigin(): Promise<Origin> {
  const requests: OriginRequest[] = [];
  const flaky = new Set<string>();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, at: performance.now() });
    const url = new URL(req.url ?? '/', 'http://origin');
    const p = url.pathname;
    if (/\/sitemap[^/]*\.xml(\.gz)?$/.test(p)) {
      const file = fixture(`web/sitemaps/${path.basename(p)}`);
      if (!existsSync(file)) return void res.writeHead(404).end('no such sitemap');
      res.writeHead(200, { 'Content-Type': p.endsWith('.gz') ? 'application/gzip' : 'application/xml', 'Cache-Control': 'public, max-age=60' });
      return void res.end(readFileSync(file));
    }
    if (p.includes('/missing/')) return void res.writeHead(404, { 'Cache-Control': 'public, max-age=60' }).end('not found');
    if (p.includes('/slow/')) {
      setTimeout(() => res.writeHead(200, { 'Cache-Control': 'public, max-age=300' }).end('slow'), 150);
      return;
    }
    if (p.includes('/flaky/') && !flaky.has(p)) {
      flaky.add(p);
      return void res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'text/plain' }).end('slow down');
    }
    const lang = String(req.headers['accept-language'] ?? 'en').split(',')[0]!.trim() || 'en';
    const html = Buffer.from(`<!doctype html><html lang="${lang}"><title>${p}</title><p>${'perfkit '.repeat(200)}</p></html>`);
    const ae = String(req.headers['accept-encoding'] ?? '').split(',').map((s) => s.trim().split(';')[0]);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Language': lang,
      'Cache-Control': 'public, max-age=300',
      Vary: 'Accept-Encoding, Accept-Language',
    };
    if (p.includes('/private/')) headers['Cache-Control'] = 'private, max-age=300';
    if (p.includes('/cookie/')) headers['Set-Cookie'] = 'session=abc123; Path=/; HttpOnly';
    let body = html;
    if (ae.includes('gzip')) {
      body = gzipSync(html);
      headers['Content-Encoding'] = 'gzip';
    } else if (ae.includes('br')) {
      body = brotliCompressSync(html);
      headers['Content-Encoding'] = 'br';
    }
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://${HOST}:${port}`,
    requests,
    count: (prefix = '') => requests.filter((r) => r.url.startsWith(prefix)).length,
    reset: () => {
      requests.length = 0;
      flaky.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- varnishd -------------------------------------------------------------------------------------------
export interface VarnishOptions {
  backendPort: number;
  /** Varnish's own gzip handling (one gzipped object serves every Accept-Encoding); default false */
  gzipSupport?: boolean;
  /** A VCL of the test's own instead of the default one (the purge tests: PURGE/BAN with an ACL). It gets
   *  the origin's port, and must answer `GET ${READY_PATH}` with synth(200): that is how startVarnish
   *  knows it is up. */
  vcl?: (backendPort: number) => string;
}

/** The path startVarnish polls until Varnish answers it with 200. */
export const READY_PATH = '/__perfkit_ready';

export interface Varnish {
  port: number;
  url: string;
  /** the manager process (varnishd -F) */
  pid: number;
  stop(): Promise<void>;
}

function vcl(backendPort: number): string {
  return `vcl 4.1;
backend origin { .host = "${HOST}"; .port = "${backendPort}"; }
sub vcl_recv {
  if (req.url == "${READY_PATH}") { return (synth(200, "ready")); }
}
sub vcl_deliver {
  if (req.url ~ "/age/") {
    unset resp.http.X-Varnish;
  } elsif (obj.hits > 0) {
    set resp.http.X-Cache = "HIT";
  } else {
    set resp.http.X-Cache = "MISS";
  }
}
`;
}

function varnishdPath(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin', '/usr/local/sbin')) {
    if (dir && existsSync(path.join(dir, 'varnishd'))) return path.join(dir, 'varnishd');
  }
  throw new Error(`varnishd is not installed: ${SETUP}`);
}

function ready(port: number): Promise<boolean> {
  return httpReady(port, READY_PATH, (res) => res.statusCode === 200 && /varnish/i.test(String(res.headers.server ?? '') + String(res.headers['x-varnish'] ?? 'x')));
}


export async function startVarnish(opts: VarnishOptions): Promise<Varnish> {
  const bin = varnishdPath();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-varnish-'));
  // varnishd drops root for its own users (varnish, vcache) before it reads the VCL: let them in.
  chmodSync(dir, 0o755);
  const vclFile = path.join(dir, 'perfkit.vcl');
  writeFileSync(vclFile, (opts.vcl ?? vcl)(opts.backendPort), { mode: 0o644 });
  const server = await startForkingServer({
    name: 'varnishd',
    bin,
    dir,
    setup: SETUP,
    args: (port) => ['-F', '-n', path.join(dir, 'work'), '-a', `${HOST}:${port}`, '-T', 'none', '-f', vclFile, '-s', 'malloc,32m', '-l', '2m', '-p', `http_gzip_support=${opts.gzipSupport ? 'on' : 'off'}`],
    ready,
    retryOn: /could not get socket|address already in use/i,
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: STOP_TIMEOUT_MS,
  });
  return { port: server.port, url: `http://${HOST}:${server.port}`, pid: server.pid, stop: server.stop };
}
