// Self-hosted caches purged over HTTP: Varnish (PURGE per URL, BAN by regex) and nginx with
// ngx_cache_purge (PURGE on the same location, or GET on a purge location). Method and header names
// match the user's VCL or nginx config. One request per URL; a batch is a group of those sent together.
import { usageError } from '../../cli/errors.js';
import { BatchError, TransientError, type Batch, type BatchResult, type CdnProvider, type ItemKind, type ProviderName, type ProviderSettings, type PurgeItem, type RequestPreview } from '../../cdn/provider.js';
import { createHttpClient, HttpFailure, type HttpClient } from '../http.js';

export interface HttpPurgeFlavour {
  name: Extract<ProviderName, 'varnish' | 'nginx'>;
  supports: readonly ItemKind[];
  /** The request that purges one item. */
  request(item: PurgeItem, s: Resolved): { method: string; url: URL; headers: Array<[string, string]> };
  /** Statuses that mean "done" besides 2xx (nginx: 404 = it was not cached). */
  alsoOk?: number[];
  refusedHint: string;
}

export interface Resolved {
  server?: URL;
  purgeMethod: string;
  banMethod: string;
  banHeader: string;
  purgeLocation?: string;
}

const PER_BATCH = 50;

export function createHttpPurgeProvider(f: HttpPurgeFlavour, s: ProviderSettings): CdnProvider {
  const str = (k: string) => (typeof s.options[k] === 'string' ? (s.options[k] as string) : undefined);
  const serverText = str('server');
  let server: URL | undefined;
  if (serverText !== undefined) {
    // A flag (or cdn.<provider>.server in the config): a wrong value is a usage error (exit 2), not a
    // connection failure.
    const fix = `write e.g. --server http://127.0.0.1:${f.name === 'varnish' ? 6081 : 8080} (where ${f.name} listens)`;
    try {
      server = new URL(serverText);
    } catch {
      throw usageError(`--server '${serverText}': not a URL`, fix);
    }
    if (server.protocol !== 'http:' && server.protocol !== 'https:') throw usageError(`--server '${serverText}': not an http(s) URL`, fix);
  }
  const r: Resolved = {
    server,
    purgeMethod: token(str('purgeMethod') ?? 'PURGE', '--purge-method', 'PURGE'),
    banMethod: token(str('banMethod') ?? 'BAN', '--ban-method', 'BAN'),
    banHeader: token(str('banHeader') ?? 'X-Ban-Url', '--ban-header', 'X-Ban-Url'),
    purgeLocation: str('purgeLocation'),
  };
  if (r.purgeLocation !== undefined && !/^\/[^\s?#]*$/.test(r.purgeLocation)) {
    throw usageError(`--purge-location '${r.purgeLocation}': not a path`, 'write the purge location’s prefix from the config, e.g. --purge-location /purge');
  }
  let client: HttpClient | undefined;
  const http = () => (client ??= createHttpClient({ maxSockets: 8 }));

  return {
    name: f.name,
    supports: f.supports,
    normalize(items) {
      const out: PurgeItem[] = [];
      const rejected: Array<{ item: PurgeItem; why: string }> = [];
      for (const it of items) {
        if (it.kind === 'path' && !r.server) rejected.push({ item: it, why: `a path needs a server to send it to: add --server http://host:port, or give full URLs` });
        else if (it.kind === 'ban' && !r.server) rejected.push({ item: it, why: 'a ban needs --server (the Varnish to send it to)' });
        else if (it.kind === 'ban') {
          try {
            new RegExp(it.value);
            out.push(it);
          } catch (e) {
            rejected.push({ item: it, why: `not a regular expression (${(e as Error).message})` });
          }
        } else out.push(it);
      }
      return { items: out, rejected };
    },
    plan(items) {
      const batches: Batch[] = [];
      for (const kind of [...new Set(items.map((i) => i.kind))]) {
        const of = items.filter((i) => i.kind === kind);
        for (let i = 0; i < of.length; i += PER_BATCH) batches.push({ kind, items: of.slice(i, i + PER_BATCH), wave: 0 });
      }
      return batches;
    },
    preview(batch) {
      return batch.items.map((it): RequestPreview => {
        const q = f.request(it, r);
        return { method: q.method, url: q.url.href, headers: Object.fromEntries(q.headers) };
      });
    },
    async checkCredentials() {
      // No credentials: the cache's ACL decides who may purge.
    },
    async send(batch, signal): Promise<BatchResult> {
      const failures: string[] = [];
      let failedStatus: number | undefined;
      let transient: TransientError | undefined;
      let okCount = 0;
      let notCached = 0;
      await Promise.all(
        batch.items.map(async (it) => {
          const q = f.request(it, r);
          try {
            const res = await http().request(q.url, { method: q.method, headers: q.headers, timeoutMs: s.timeoutMs, signal });
            if (res.status >= 200 && res.status < 300) okCount++;
            else if (f.alsoOk?.includes(res.status)) notCached++;
            else if (res.status === 429 || res.status >= 500) transient ??= new TransientError(`${q.method} ${q.url.href} → ${res.status}`, { httpStatus: res.status });
            else {
              failedStatus ??= res.status;
              failures.push(`${q.method} ${q.url.href} → ${res.status}${res.status === 403 || res.status === 405 ? ` (${f.refusedHint})` : ''}`);
            }
          } catch (e) {
            if (e instanceof HttpFailure && e.unreachable) transient ??= new TransientError(`${q.method} ${q.url.href}: ${e.message}`, { code: e.kind });
            else failures.push(`${q.method} ${q.url.href}: ${(e as Error).message}`);
          }
        }),
      );
      if (failures.length) throw new BatchError(`${failures.length} of ${batch.items.length} refused: ${failures.slice(0, 3).join('; ')}`, { httpStatus: failedStatus });
      if (transient) throw transient;
      // A ban is accepted, not yet applied (the ban lurker and lookups apply it): say so, not "purged".
      if (batch.kind === 'ban') return { status: `${okCount} ban${okCount === 1 ? '' : 's'} added`, httpStatus: 200 };
      return { status: notCached ? `${okCount} purged, ${notCached} not cached` : `${okCount} purged`, httpStatus: 200 };
    },
  };
}

/** Method and header names go on the wire as they are: an HTTP token (RFC 9110 §5.6.2), or a usage error. */
function token(v: string, flag: string, example: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v)) throw usageError(`${flag} '${v}': not an HTTP token`, `use the name your VCL or nginx config expects (letters, digits, -), e.g. ${flag} ${example}`);
  return v;
}

/** The URL to send a purge for `it` to: --server when given (with the item's Host kept), else the URL itself. */
export function targetOf(it: PurgeItem, r: Resolved): { url: URL; host?: string } {
  if (it.kind === 'path') return { url: new URL(it.value, r.server) };
  const u = new URL(it.value);
  if (!r.server) return { url: u };
  const to = new URL(u.pathname + u.search, r.server);
  return { url: to, host: u.host };
}
