// Sitemap parsing (sitemaps.org protocol: <urlset> and <sitemapindex>) and ordering. Pure:
// takes the document's text, returns entries; reading files, fetching URLs and gunzip live in source.ts.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { inputError } from '../../../cli/errors.js';
export { rebase } from './url-list.js';

export interface SitemapUrl {
  loc: string;
  /** ms since epoch, or null when absent or not a W3C datetime */
  lastmod: number | null;
  /** 0.0–1.0, or null when absent or out of range (the protocol's default is 0.5) */
  priority: number | null;
}

export type ParsedSitemap =
  | { kind: 'urlset'; urls: SitemapUrl[]; invalid: Array<{ loc: string; reason: string }> }
  | { kind: 'index'; sitemaps: Array<{ loc: string; lastmod: number | null }> };

export type SitemapOrder = 'lastmod' | 'priority' | 'none';

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => name === 'url' || name === 'sitemap',
});

/** Parses one sitemap document. `label` names it in errors (the file or URL). */
export function parseSitemap(text: string, label: string): ParsedSitemap {
  const xml = text.replace(/^\uFEFF/, '');
  const head = xml.trimStart().slice(0, 40).replace(/\s+/g, ' ');
  if (!xml.trimStart().startsWith('<')) {
    throw inputError(`${label}: not XML (it starts with '${cut(head)}')`, 'give a sitemap (<urlset> or <sitemapindex>, optionally gzipped), or a URL list with one URL per line as a .txt file');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const e = valid.err;
    if (/^\s*<!doctype html|^\s*<html/i.test(xml)) throw inputError(`${label}: is an HTML page, not a sitemap`, 'give the sitemap’s URL (often /sitemap.xml, listed in /robots.txt)');
    throw inputError(`${label}: not well-formed XML (line ${e.line}${e.col ? `, column ${e.col}` : ''}: ${e.msg})`, 'give a valid sitemap (<urlset> or <sitemapindex>)');
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (e) {
    throw inputError(`${label}: not well-formed XML (${(e as Error).message})`, 'give a valid sitemap (<urlset> or <sitemapindex>)');
  }
  const roots = Object.keys(doc).filter((k) => !k.startsWith('?') && !k.startsWith('#'));
  if (roots.includes('urlset')) return urlsetOf(doc.urlset);
  if (roots.includes('sitemapindex')) return indexOf(doc.sitemapindex);
  const root = roots[0];
  if (root && /^html$/i.test(root)) throw inputError(`${label}: is an HTML page, not a sitemap`, 'give the sitemap’s URL (often /sitemap.xml, listed in /robots.txt)');
  throw inputError(`${label}: XML, but not a sitemap (root element <${root ?? '?'}>, expected <urlset> or <sitemapindex>)`, 'give a sitemap as defined at sitemaps.org, or a URL list as a .txt file');
}

function urlsetOf(node: unknown): ParsedSitemap {
  const items = asRecord(node).url;
  const urls: SitemapUrl[] = [];
  const invalid: Array<{ loc: string; reason: string }> = [];
  for (const item of Array.isArray(items) ? items : []) {
    const r = asRecord(item);
    const loc = text(r.loc);
    if (!loc) {
      invalid.push({ loc: '', reason: '<url> without <loc>' });
      continue;
    }
    urls.push({ loc, lastmod: parseLastmod(text(r.lastmod)), priority: parsePriority(text(r.priority)) });
  }
  return { kind: 'urlset', urls, invalid };
}

function indexOf(node: unknown): ParsedSitemap {
  const items = asRecord(node).sitemap;
  const sitemaps: Array<{ loc: string; lastmod: number | null }> = [];
  for (const item of Array.isArray(items) ? items : []) {
    const r = asRecord(item);
    const loc = text(r.loc);
    if (loc) sitemaps.push({ loc, lastmod: parseLastmod(text(r.lastmod)) });
  }
  return { kind: 'index', sitemaps };
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
const cut = (s: string, n = 30) => (s.length > n ? `${s.slice(0, n)}…` : s);

// W3C Datetime: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm(:ss(.s))(Z|±hh:mm)
const W3C = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function parseLastmod(s: string): number | null {
  if (!s || !W3C.test(s)) return null;
  const full = s.length === 4 ? `${s}-01-01` : s.length === 7 ? `${s}-01` : s;
  const t = Date.parse(full);
  return Number.isFinite(t) ? t : null;
}

export function parsePriority(s: string): number | null {
  if (!s) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
}

/** lastmod: newest first, undated last. priority: highest first (absent = 0.5), then newest.
 *  none: document order. Stable: ties keep document order. */
export function orderUrls<T extends { lastmod: number | null; priority: number | null }>(urls: T[], order: SitemapOrder): T[] {
  if (order === 'none') return urls.slice();
  const byLastmod = (a: T, b: T) => (b.lastmod ?? -Infinity) - (a.lastmod ?? -Infinity) || 0;
  const cmp = order === 'lastmod' ? byLastmod : (a: T, b: T) => (b.priority ?? 0.5) - (a.priority ?? 0.5) || byLastmod(a, b);
  return urls
    .map((u, i) => ({ u, i }))
    .sort((a, b) => {
      const c = cmp(a.u, b.u);
      return Number.isNaN(c) || c === 0 ? a.i - b.i : c;
    })
    .map((x) => x.u);
}

/** A <loc> as an absolute http(s) URL: relative locs (outside the protocol, but seen) resolve against
 *  `against`; null when it cannot be an http(s) URL. */
export function resolveLoc(loc: string, against: URL | undefined): URL | null {
  try {
    const u = new URL(loc, against);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    u.hash = '';
    return u;
  } catch {
    return null;
  }
}
