// Varnish: PURGE per URL (the VCL's `return (purge)` removes the object and all its Vary variants) and
// BAN by regex, sent with the method and header names the user's VCL expects (--purge-method,
// --ban-method, --ban-header). The VCL must allow them from perfkit's address (an ACL).
import type { CdnProvider, ProviderSettings } from '../../cdn/provider.js';
import { createHttpPurgeProvider, targetOf } from './http-purge.js';

export function createProvider(s: ProviderSettings): CdnProvider {
  return createHttpPurgeProvider(
    {
      name: 'varnish',
      supports: ['url', 'path', 'ban'],
      refusedHint: 'the VCL refused it: does its purge ACL allow this host, and does it handle this method?',
      request(it, r) {
        if (it.kind === 'ban') {
          // The regex travels in a header the VCL reads, e.g. ban("obj.http.x-url ~ " + req.http.X-Ban-Url).
          return { method: r.banMethod, url: new URL('/', r.server), headers: [[r.banHeader, it.value]] };
        }
        const t = targetOf(it, r);
        return { method: r.purgeMethod, url: t.url, headers: t.host ? [['Host', t.host]] : [] };
      },
    },
    s,
  );
}
