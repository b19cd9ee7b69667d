// The shapes of a warm source (what was read, from where, what was skipped) and the caps on reading it,
// shared by the URL-list and sitemap readers.
//
// Caps (so that a wrong or hostile sitemap cannot exhaust memory): at most MAX_URLS distinct URLs are
// kept (a warn finding says when more were left unread), at most MAX_SITEMAPS sitemap documents are
// read, an index may point to indexes at most MAX_DEPTH deep, and one document may hold at most
// MAX_DOC_BYTES (50 MiB, the sitemaps.org limit) after gunzip.
import path from 'node:path';
import type { Io } from '../../../cli/io.js';
import type { HttpClient } from '../../../connectors/http.js';
import type { SitemapOrder } from './sitemap.js';

export const MAX_URLS = 100_000;
export const MAX_SITEMAPS = 1_000;
export const MAX_DEPTH = 3;
export const MAX_DOC_BYTES = 50 * 1024 * 1024;
const MAX_SKIPPED_SHOWN = 20;

export interface SourceInfo {
  kind: 'url-list' | 'sitemap';
  /** what --from named */
  from: string;
  sitemaps: Array<{ location: string; kind: 'urlset' | 'index'; urls: number; gzip: boolean }>;
  failedSitemaps: Array<{ location: string; error: string }>;
  /** skipped lines of a URL list, or <loc>s that are not http(s) URLs (the first 20) */
  skipped: Array<{ where: string; text: string; reason: string }>;
  skippedCount: number;
  duplicates: number;
  /** distinct URLs read, before --limit */
  urlsFound: number;
  /** reading stopped at MAX_URLS (or at --limit for a list in document order) */
  truncated: boolean;
  cap: number;
  order: SitemapOrder | 'list';
  limit: number | null;
}

export interface SourceOptions {
  from: string;
  baseUrl: URL | undefined;
  order: SitemapOrder | undefined;
  limit: number | undefined;
  onError: 'continue' | 'stop';
  timeoutMs: number;
  io: Io;
  signal: AbortSignal;
  /** created on first use: a local URL list never opens a socket */
  client: () => HttpClient;
}

export interface Source {
  info: SourceInfo;
  urls: string[];
}

/** A sitemap document: a file (with the URL to fetch when the file is not there), or a URL. */
export type Doc = { kind: 'file'; file: string; fallback?: URL } | { kind: 'url'; url: URL };

export function emptyInfo(kind: SourceInfo['kind'], o: SourceOptions, order: SourceInfo['order']): SourceInfo {
  return { kind, from: o.from, sitemaps: [], failedSitemaps: [], skipped: [], skippedCount: 0, duplicates: 0, urlsFound: 0, truncated: false, cap: MAX_URLS, order, limit: o.limit ?? null };
}

export function skip(info: SourceInfo, at: string, text: string, reason: string): void {
  info.skippedCount++;
  if (info.skipped.length < MAX_SKIPPED_SHOWN) info.skipped.push({ where: at, text: cut(text, 200), reason });
}

export const cut = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A document for messages and the report: a file relative to the working directory when inside it. */
export function where(doc: Doc, cwd: string): string {
  if (doc.kind === 'url') return doc.url.href;
  const rel = path.relative(cwd, doc.file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : doc.file;
}
