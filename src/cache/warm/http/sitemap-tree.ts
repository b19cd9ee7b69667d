// A sitemap and, for an index, its children: breadth first, each child read from the file beside a local
// index or fetched, bad children skipped (or fatal with --on-error stop), URLs de-duplicated, moved to
// --base-url, and ordered. Stops at the caps of source-info.ts.
import path from 'node:path';
import { inputError } from '../../../cli/errors.js';
import { decodeText } from '../../../util/read-input.js';
import { isFile, readDoc } from './read-doc.js';
import { orderUrls, parseSitemap, resolveLoc, type SitemapUrl } from './sitemap.js';
import { emptyInfo, MAX_DEPTH, MAX_SITEMAPS, MAX_URLS, skip, where, type Doc, type Source, type SourceOptions } from './source-info.js';
import { rebase, underBase } from './url-list.js';

export async function readSitemaps(o: SourceOptions, root: Doc, rootText: string, rootGzip: boolean, rootLabel: string): Promise<Source> {
  const order = o.order ?? 'lastmod';
  const info = emptyInfo('sitemap', o, order);
  const found: Array<SitemapUrl & { url: string }> = [];
  const seen = new Set<string>();
  // Document order with --limit needs only the first N; every other order must read everything.
  const stopAt = Math.min(MAX_URLS, order === 'none' && o.limit ? o.limit : MAX_URLS);
  const queue: Array<{ doc: Doc; depth: number; text?: string; gzip?: boolean }> = [{ doc: root, depth: 0, text: rootText, gzip: rootGzip }];
  let read = 0;
  while (queue.length && !o.signal.aborted) {
    const item = queue.shift()!;
    // A child named in a local index and not beside it: fetched from its <loc>.
    if (item.doc.kind === 'file' && item.doc.fallback && !(await isFile(item.doc.file))) item.doc = { kind: 'url', url: item.doc.fallback };
    const label = item.depth === 0 ? rootLabel : `sitemap ${where(item.doc, o.io.cwd)}`;
    if (read >= MAX_SITEMAPS) {
      info.truncated = true;
      break;
    }
    read++;
    let parsed: ReturnType<typeof parseSitemap>;
    let gzip = item.gzip ?? false;
    try {
      let text = item.text;
      if (text === undefined) {
        const r = await readDoc(item.doc, label, o, false);
        gzip = r.gzip;
        text = decodeText(r.bytes, label, 'sitemap');
      }
      parsed = parseSitemap(text, label);
    } catch (e) {
      if (item.depth === 0 || o.onError === 'stop') throw e;
      info.failedSitemaps.push({ location: where(item.doc, o.io.cwd), error: (e as Error).message.replace(`${label}: `, '') });
      continue;
    }
    if (parsed.kind === 'index') {
      info.sitemaps.push({ location: where(item.doc, o.io.cwd), kind: 'index', urls: 0, gzip });
      if (item.depth + 1 > MAX_DEPTH) {
        info.failedSitemaps.push({ location: where(item.doc, o.io.cwd), error: `a sitemap index nested more than ${MAX_DEPTH} deep` });
        continue;
      }
      const children = order === 'lastmod' ? orderUrls(parsed.sitemaps.map((s) => ({ ...s, priority: null })), 'lastmod') : parsed.sitemaps;
      for (const child of children) {
        const doc = childDoc(item.doc, child.loc, o.baseUrl);
        if (!doc) {
          skip(info, where(item.doc, o.io.cwd), child.loc, 'is not an http(s) URL or a path');
          continue;
        }
        queue.push({ doc, depth: item.depth + 1 });
      }
      continue;
    }
    let added = 0;
    for (const bad of parsed.invalid) skip(info, where(item.doc, o.io.cwd), bad.loc, bad.reason);
    for (const u of parsed.urls) {
      const url = pageUrl(u.loc, item.doc, o.baseUrl);
      if (!url) {
        skip(info, where(item.doc, o.io.cwd), u.loc, /^[a-z][a-z0-9+.-]*:/i.test(u.loc) ? 'is not an http(s) URL' : 'is a relative <loc> and no --base-url was given');
        continue;
      }
      if (seen.has(url.href)) {
        info.duplicates++;
        continue;
      }
      if (found.length >= stopAt) {
        info.truncated = found.length >= MAX_URLS;
        queue.length = 0;
        break;
      }
      seen.add(url.href);
      found.push({ ...u, url: url.href });
      added++;
    }
    info.sitemaps.push({ location: where(item.doc, o.io.cwd), kind: 'urlset', urls: added, gzip });
  }
  info.urlsFound = found.length;
  const urls = orderUrls(found, order).map((u) => u.url);
  if (!urls.length && !o.signal.aborted) {
    const why = info.failedSitemaps.length ? `; ${info.failedSitemaps.length} child sitemap(s) failed, e.g. ${info.failedSitemaps[0]!.location}: ${info.failedSitemaps[0]!.error}` : info.skippedCount ? `; ${info.skippedCount} <loc>(s) skipped, e.g. '${info.skipped[0]!.text}' ${info.skipped[0]!.reason}` : '';
    throw inputError(`${rootLabel}: the sitemap lists no URL${why}`, 'check the sitemap, or give a URL list');
  }
  return { info, urls };
}

/** A page's <loc> as an http(s) URL, on --base-url's origin when given. Relative locs (outside the protocol,
 *  but seen) resolve against the sitemap's URL, or go under --base-url for a local file. */
function pageUrl(loc: string, doc: Doc, base: URL | undefined): URL | null {
  let url: URL | null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(loc) || doc.kind === 'url') url = resolveLoc(loc, doc.kind === 'url' ? doc.url : undefined);
  else if (base) url = resolveLoc(underBase(loc, base).href, undefined);
  else url = null;
  return url && base ? rebase(url, base) : url;
}

/** Where a child sitemap is read from. A local index: a relative loc is a path beside it; an absolute URL
 *  is read from the file of the same name beside the index when there is one (a downloaded sitemap tree),
 *  and fetched otherwise (moved to --base-url's origin when given). A remote index: fetched. */
function childDoc(parent: Doc, loc: string, base: URL | undefined): Doc | null {
  const absolute = /^https?:\/\//i.test(loc);
  if (parent.kind === 'file') {
    const dir = path.dirname(parent.file);
    if (!absolute) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) return null;
      return { kind: 'file', file: path.resolve(dir, loc) };
    }
    const url = resolveLoc(loc, undefined);
    if (!url) return null;
    const beside = path.join(dir, path.posix.basename(decodeURIComponent(url.pathname)));
    return { kind: 'file', file: beside, fallback: base ? rebase(url, base) : url };
  }
  const url = resolveLoc(loc, parent.url);
  if (!url) return null;
  return { kind: 'url', url: base && absolute ? rebase(url, base) : url };
}
