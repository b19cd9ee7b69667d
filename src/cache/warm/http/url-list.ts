// One line of a URL list (`--from urls.txt`, or '-' for stdin), and --base-url. Pure.
//
//   # a comment line, and blank lines, are skipped; so is " # a trailing comment"
//   https://www.example.com/pricing       an absolute http(s) URL
//   /blog/2024/launch                      a path: needs --base-url
// --base-url names the site root every URL goes to: a path is put under it, an absolute URL keeps its
// path and query but takes the base's scheme, host and port (production's list warming staging, or one
// cache node). The fragment (#…) is dropped: it is never sent to a server.

export type UrlLine =
  | { kind: 'skip' }
  | { kind: 'url'; url: string }
  | { kind: 'relative'; text: string }
  | { kind: 'bad'; text: string; reason: string };

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function parseUrlLine(raw: string, base: URL | undefined): UrlLine {
  const text = raw.replace(/^\uFEFF/, '').replace(/\s+#.*$/, '').trim();
  if (!text || text.startsWith('#')) return { kind: 'skip' };
  if (/\s/.test(text)) return { kind: 'bad', text, reason: 'holds a space (one URL per line; encode spaces as %20)' };
  let u: URL;
  if (SCHEME.test(text)) {
    const scheme = text.slice(0, text.indexOf(':')).toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') return { kind: 'bad', text, reason: `is a ${scheme}: URL, not http(s)` };
    try {
      u = new URL(text);
    } catch {
      return { kind: 'bad', text, reason: 'is not a valid URL' };
    }
    if (!u.hostname) return { kind: 'bad', text, reason: 'has no host' };
    if (base) u = rebase(u, base);
  } else {
    if (!base) return { kind: 'relative', text };
    try {
      u = underBase(text, base);
    } catch {
      return { kind: 'bad', text, reason: 'is not a valid URL path' };
    }
  }
  u.hash = '';
  return { kind: 'url', url: u.href };
}

/** A path under the base's root: '/about' and 'about' under https://x.com/shop → https://x.com/shop/about. */
export function underBase(path: string, base: URL): URL {
  const root = new URL(base.href);
  if (!root.pathname.endsWith('/')) root.pathname += '/';
  root.search = '';
  root.hash = '';
  return new URL(path.replace(/^\/+/, ''), root);
}

/** Moves a URL to the base's scheme, host and port, keeping path and query; a base path is put in front. */
export function rebase(url: URL, base: URL): URL {
  const out = new URL(url.href);
  out.protocol = base.protocol;
  out.host = base.host;
  const prefix = base.pathname.replace(/\/+$/, '');
  if (prefix && out.pathname !== prefix && !out.pathname.startsWith(`${prefix}/`)) out.pathname = `${prefix}${out.pathname}`;
  return out;
}
