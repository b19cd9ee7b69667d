// nginx with ngx_cache_purge (FRiCKLE 2.3, Debian's libnginx-mod-http-cache-purge): PURGE on the cached
// location (`proxy_cache_purge PURGE from 127.0.0.1`), or a GET on a separate purge location
// (--purge-location /purge → GET /purge/<path>). It removes exactly one cache key: with Vary, other
// variants stay (ngx_cache_purge #16). A 404 means the key was not cached: nothing to purge.
import type { CdnProvider, ProviderSettings } from '../../cdn/provider.js';
import { createHttpPurgeProvider, targetOf } from './http-purge.js';

export function createProvider(s: ProviderSettings): CdnProvider {
  return createHttpPurgeProvider(
    {
      name: 'nginx',
      supports: ['url', 'path'],
      alsoOk: [404],
      refusedHint: 'nginx refused it: is proxy_cache_purge configured for this location, and allowed from this host?',
      request(it, r) {
        const t = targetOf(it, r);
        const headers: Array<[string, string]> = t.host ? [['Host', t.host]] : [];
        if (r.purgeLocation) {
          const loc = r.purgeLocation.replace(/\/+$/, '');
          const url = new URL(`${loc}${t.url.pathname}${t.url.search}`, t.url);
          return { method: 'GET', url, headers };
        }
        return { method: r.purgeMethod, url: t.url, headers };
      },
    },
    s,
  );
}
