// A static file server on 127.0.0.1 for `perfkit lighthouse --static-dir` (Lighthouse CI's staticDistDir):
// files under one folder only, index.html for folders, gzip for text as a production server would send it,
// and no caching headers beyond what a plain server sends.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { inputError } from '../cli/errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};
const TEXT = /^(text\/|application\/(json|xml|manifest\+json)|image\/svg\+xml)/;

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

export async function serveStatic(dir: string, shown: string): Promise<StaticServer> {
  let root: string;
  try {
    root = fs.realpathSync(dir);
    if (!fs.statSync(root).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw inputError(`--static-dir ${shown}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : code}`, 'give the folder your build writes (e.g. dist or build)');
  }
  const server = http.createServer((req, res) => {
    const file = resolveFile(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const gzip = TEXT.test(type) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, { 'content-type': type, ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : { 'content-length': fs.statSync(file).size }) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = fs.createReadStream(file);
    const done = () => undefined;
    if (gzip) pipeline(body, zlib.createGzip(), res, done);
    else pipeline(body, res, done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The file a path names under root, or undefined: nothing outside root, folders give their index.html. */
function resolveFile(root: string, pathname: string): string | undefined {
  const p = path.resolve(root, `.${path.posix.normalize(pathname)}`);
  if (p !== root && !p.startsWith(root + path.sep)) return undefined;
  for (const candidate of [p, path.join(p, 'index.html'), `${p}.html`]) {
    try {
      const real = fs.realpathSync(candidate);
      if ((real === root || real.startsWith(root + path.sep)) && fs.statSync(real).isFile()) return real;
    } catch {
      // try the next
    }
  }
  return undefined;
}

/** Up to `max` pages to audit when no URL is given: index.html first, then other .html files, two levels deep. */
export function discoverPages(root: string, max = 5): string[] {
  const found: string[] = [];
  const walk = (dir: string, rel: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of entries) if (e.isFile() && /\.html?$/i.test(e.name)) found.push(`${rel}/${e.name}`);
    if (depth < 2) for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(path.join(dir, e.name), `${rel}/${e.name}`, depth + 1);
  };
  walk(root, '', 0);
  const pages = found.map((f) => (f.endsWith('/index.html') ? f.slice(0, -'index.html'.length) : f));
  pages.sort((a, b) => (a === '/' ? -1 : b === '/' ? 1 : a.split('/').length - b.split('/').length || a.localeCompare(b)));
  return pages.slice(0, max);
}
