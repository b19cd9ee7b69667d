// A real, throwaway nginx with ngx_cache_purge (Debian's libnginx-mod-http-cache-purge, FRiCKLE 2.3) in
// front of a local origin (startOrigin() in ./varnish.ts), for the `cdn invalidate --provider nginx` tests.
//
// startNginx(): nginx in the foreground (daemon off) with its own prefix, conf, pid file, logs, temp paths
// and proxy cache in a temp dir, on a free 127.0.0.1 port. The conf:
//   - location /        proxy_pass to the origin, proxy_cache with proxy_cache_key $scheme$host$request_uri,
//                       `add_header X-Cache-Status $upstream_cache_status always`;
//   - location ~ ^/purge(/.*)$   `allow <purgeAllow>; deny all; proxy_cache_purge <zone> $scheme$host$1$is_args$args`:
//                       the purge key must equal proxy_cache_key. It is built from $host, not $proxy_host:
//                       $proxy_host is empty in a location without proxy_pass, so a key using it never matches;
//   - opts.sameLocationMethod adds `proxy_cache_purge <METHOD> from 127.0.0.1` to location / as well. Beware:
//                       Debian's FRiCKLE 2.3 crashes the worker (signal 11) on such a request with nginx ≥ 1.11.6
//                       (FRiCKLE/ngx_cache_purge#68, nginx-modules/ngx_cache_purge#2): the client sees the
//                       connection reset. Only the separate purge location works with this package.
// As root, it runs its workers as root (`user root;`) so they can use the private temp dir.
// Kept by PID (master and workers), stopped by PID, killed on exit. Throws (never skips) when nginx or the
// module is missing: `bash scripts/setup-services.sh` installs them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis-server.js';
import { childrenOf, killPid, track, untrack, type Tracked as Live } from './processes.js';

const HOST = '127.0.0.1';
const SETUP = 'install them with `bash scripts/setup-services.sh` (Debian packages nginx and libnginx-mod-http-cache-purge)';
export const NGINX_PURGE_MODULE = '/usr/lib/nginx/modules/ngx_http_cache_purge_module.so';
export const NGINX_READY_PATH = '/__perfkit_ready';
const ZONE = 'perfkit';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export interface NginxOptions {
  backendPort: number;
  /** who may use the purge location (`allow` lines before `deny all`); default ['127.0.0.1'] */
  purgeAllow?: string[];
  /** also `proxy_cache_purge <method> from 127.0.0.1` on location / (see the warning above) */
  sameLocationMethod?: string;
}

export interface Nginx {
  port: number;
  url: string;
  /** the master process */
  pid: number;
  /** the temp prefix: nginx.conf, logs/, cache/ */
  dir: string;
  /** the error log so far (for failure messages and crash checks) */
  errorLog(): string;
  stop(): Promise<void>;
}

function nginxPath(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin', '/usr/local/sbin')) {
    if (dir && existsSync(path.join(dir, 'nginx'))) return path.join(dir, 'nginx');
  }
  throw new Error(`nginx is not installed: ${SETUP}`);
}

export function nginxConf(o: NginxOptions & { port: number; dir: string }): string {
  const allow = (o.purgeAllow ?? [HOST]).map((a) => `      allow ${a};`).join('\n');
  const asRoot = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `load_module ${NGINX_PURGE_MODULE};
${asRoot}worker_processes 1;
error_log ${o.dir}/logs/error.log info;
events { worker_connections 256; }
http {
  access_log ${o.dir}/logs/access.log;
  client_body_temp_path ${o.dir}/tmp/body;
  proxy_temp_path ${o.dir}/tmp/proxy;
  fastcgi_temp_path ${o.dir}/tmp/fastcgi;
  uwsgi_temp_path ${o.dir}/tmp/uwsgi;
  scgi_temp_path ${o.dir}/tmp/scgi;
  proxy_cache_path ${o.dir}/cache levels=1:2 keys_zone=${ZONE}:1m inactive=10m;
  server {
    listen ${HOST}:${o.port};
    location = ${NGINX_READY_PATH} { return 200 "ready\\n"; }
    location ~ ^/purge(/.*)$ {
${allow}
      deny all;
      proxy_cache_purge ${ZONE} $scheme$host$1$is_args$args;
    }
    location / {
      proxy_pass http://${HOST}:${o.backendPort};
      proxy_cache ${ZONE};
      proxy_cache_key $scheme$host$request_uri;
      proxy_cache_valid 200 5m;
      add_header X-Cache-Status $upstream_cache_status always;${o.sameLocationMethod ? `\n      proxy_cache_purge ${o.sameLocationMethod} from ${HOST};` : ''}
    }
  }
}
`;
}

function ready(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: NGINX_READY_PATH, timeout: 1_000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 && /nginx/i.test(String(res.headers.server ?? ''))));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startNginx(opts: NginxOptions): Promise<Nginx> {
  const bin = nginxPath();
  if (!existsSync(NGINX_PURGE_MODULE)) throw new Error(`the nginx cache purge module ${NGINX_PURGE_MODULE} is missing: ${SETUP}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-nginx-'));
  for (const d of ['logs', 'tmp', 'cache']) mkdirSync(path.join(dir, d));
  const conf = path.join(dir, 'nginx.conf');
  const errorLogFile = path.join(dir, 'logs', 'error.log');
  const errorLog = () => (existsSync(errorLogFile) ? readFileSync(errorLogFile, 'utf8') : '');
  let lastLog = '';
  for (let attempt = 0; attempt < 6; attempt++) {
    const port = await freePort();
    writeFileSync(conf, nginxConf({ ...opts, port, dir }));
    // -e: the error log before the conf is read (else /var/log/nginx/error.log); -g: foreground, our pid file.
    const args = ['-p', `${dir}/`, '-c', conf, '-e', errorLogFile, '-g', `daemon off; pid ${dir}/nginx.pid;`];
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const entry: Live = { child, dir };
    track(entry);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    let up = false;
    while (Date.now() < deadline) {
      const r = await Promise.race([spawnError.then((e) => ({ kind: 'error' as const, e })), exited.then(() => ({ kind: 'exited' as const })), ready(port).then((ok) => ({ kind: 'probe' as const, ok }))]);
      if (r.kind === 'error') {
        untrack(entry);
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`could not start nginx: ${r.e.message}; ${SETUP}`);
      }
      if (r.kind === 'exited') break;
      if (r.ok && child.exitCode === null) {
        up = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    if (up) {
      const master = child.pid!;
      let stopped = false;
      return {
        port,
        url: `http://${HOST}:${port}`,
        pid: master,
        dir,
        errorLog,
        async stop() {
          if (stopped) return;
          stopped = true;
          const workers = childrenOf(master);
          killPid(master, 'SIGTERM'); // fast shutdown: the master stops its workers
          if (!(await waitExit(child, STOP_TIMEOUT_MS))) killPid(master, 'SIGKILL');
          await waitExit(child, STOP_TIMEOUT_MS);
          for (const w of workers) if (existsSync(`/proc/${w}`)) killPid(w, 'SIGKILL');
          untrack(entry);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    lastLog = `${out}\n${errorLog()}`;
    if (child.exitCode === null) {
      for (const w of childrenOf(child.pid!)) killPid(w, 'SIGKILL');
      child.kill('SIGKILL');
      await waitExit(child, STOP_TIMEOUT_MS);
    }
    untrack(entry);
    if (!/address already in use/i.test(lastLog)) break;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`nginx exited or did not answer within ${START_TIMEOUT_MS} ms:\n${lastLog.trim().split('\n').slice(-15).join('\n')}`);
}
