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
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpReady, startForkingServer } from './processes.js';

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
  return httpReady(port, NGINX_READY_PATH, (res) => res.statusCode === 200 && /nginx/i.test(String(res.headers.server ?? '')));
}


export async function startNginx(opts: NginxOptions): Promise<Nginx> {
  const bin = nginxPath();
  if (!existsSync(NGINX_PURGE_MODULE)) throw new Error(`the nginx cache purge module ${NGINX_PURGE_MODULE} is missing: ${SETUP}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-nginx-'));
  for (const d of ['logs', 'tmp', 'cache']) mkdirSync(path.join(dir, d));
  const conf = path.join(dir, 'nginx.conf');
  const errorLogFile = path.join(dir, 'logs', 'error.log');
  const errorLog = () => (existsSync(errorLogFile) ? readFileSync(errorLogFile, 'utf8') : '');
  const server = await startForkingServer({
    name: 'nginx',
    bin,
    dir,
    setup: SETUP,
    // -e: the error log before the conf is read (else /var/log/nginx/error.log); -g: foreground, our pid file.
    args: (port) => {
      writeFileSync(conf, nginxConf({ ...opts, port, dir }));
      return ['-p', `${dir}/`, '-c', conf, '-e', errorLogFile, '-g', `daemon off; pid ${dir}/nginx.pid;`];
    },
    ready,
    log: errorLog,
    retryOn: /address already in use/i,
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: STOP_TIMEOUT_MS,
  });
  return { port: server.port, url: `http://${HOST}:${server.port}`, pid: server.pid, dir, errorLog, stop: server.stop };
}
