// Where the URLs to warm come from: a URL list (a file, or '-' for stdin, read line by line), or a
// sitemap (a file or an http(s) URL; see sitemap-tree.ts). Which one: the name (.txt, .xml, .xml.gz),
// else the first bytes ('<' or gzip's magic bytes mean a sitemap).
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { inputError, usageError } from '../../../cli/errors.js';
import { decodeText } from '../../../util/read-input.js';
import { gunzipDoc, peek, readDoc } from './read-doc.js';
import { readSitemaps } from './sitemap-tree.js';
import { cut, emptyInfo, MAX_DOC_BYTES, MAX_URLS, skip, type Doc, type Source, type SourceOptions } from './source-info.js';
import { parseUrlLine } from './url-list.js';

export { MAX_DEPTH, MAX_DOC_BYTES, MAX_SITEMAPS, MAX_URLS, type Source, type SourceInfo, type SourceOptions } from './source-info.js';

export async function loadSource(o: SourceOptions): Promise<Source> {
  const remote = /^https?:\/\//i.test(o.from);
  const label = `--from ${o.from}`;
  if (o.from === '-') return stdin(o);
  let doc: Doc;
  if (remote) {
    let url: URL;
    try {
      url = new URL(o.from);
    } catch {
      throw usageError(`${label}: not a valid URL`, 'write e.g. --from https://www.example.com/sitemap.xml');
    }
    doc = { kind: 'url', url };
  } else {
    doc = { kind: 'file', file: path.resolve(o.io.cwd, o.from) };
  }
  const name = (remote ? (doc as { url: URL }).url.pathname : o.from).toLowerCase();
  const namedXml = /\.xml(\.gz)?$/.test(name);
  const namedList = /\.txt$/.test(name);

  if (doc.kind === 'file' && !namedXml && !/\.gz$/.test(name)) {
    // A local file not named as XML: sniff its first bytes, and stream it line by line when it is a list.
    const headBytes = await peek(doc.file, label);
    const looksXml = headBytes.toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('<');
    const gz = headBytes[0] === 0x1f && headBytes[1] === 0x8b;
    if (!gz && (namedList || !looksXml)) {
      if (headBytes.includes(0)) throw inputError(`${label}: a binary file, not a URL list`, 'give a text file with one URL per line, or a sitemap');
      const stream = createReadStream(doc.file);
      try {
        return await urlList(o, stream, o.from);
      } finally {
        stream.destroy();
      }
    }
  }
  const { bytes, gzip } = await readDoc(doc, label, o, true);
  const text = decodeText(bytes, label, remote ? 'sitemap' : 'sitemap or URL list');
  if (!namedXml && (namedList || !text.replace(/^\uFEFF/, '').trimStart().startsWith('<'))) {
    return urlList(o, text, o.from);
  }
  return readSitemaps(o, doc, text, gzip, label);
}

/** stdin: a URL list, streamed; or a sitemap (it starts with '<' or gzip's magic bytes), read whole. */
async function stdin(o: SourceOptions): Promise<Source> {
  const it = (o.io.stdinStream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const rest = async function* () {
    if (head.length) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value);
  };
  const xml = head.toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('<') || (head[0] === 0x1f && head[1] === 0x8b);
  if (!xml) return urlList(o, Readable.from(rest()), 'stdin');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of rest()) {
    size += c.length;
    if (size > MAX_DOC_BYTES) throw inputError(`--from -: more than ${MAX_DOC_BYTES / 1024 / 1024} MiB on stdin`, 'split the sitemap into several listed in a sitemap index');
    chunks.push(c);
  }
  let bytes: Buffer = Buffer.concat(chunks);
  const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gzip) bytes = await gunzipDoc(bytes, '--from -');
  return readSitemaps(o, { kind: 'file', file: path.join(o.io.cwd, '(stdin)') }, decodeText(bytes, '--from -', 'sitemap'), gzip, '--from -');
}

/** URLs handed over in memory (by another command), read as a URL list would be. */
export function urlsSource(urls: string[], o: SourceOptions): Promise<Source> {
  return urlList(o, urls.join('\n'), o.from);
}

// ---- URL lists -------------------------------------------------------------------------------------------
async function urlList(o: SourceOptions, input: NodeJS.ReadableStream | string, where: string): Promise<Source> {
  const info = emptyInfo('url-list', o, 'list');
  const seen = new Set<string>();
  const urls: string[] = [];
  const stopAt = Math.min(MAX_URLS, o.limit ?? MAX_URLS);
  const lines = typeof input === 'string' ? input.split(/\r?\n/) : createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    const parsed = parseUrlLine(line, o.baseUrl);
    if (parsed.kind === 'skip') continue;
    if (parsed.kind === 'relative') {
      throw usageError(`--from ${where} line ${n}: '${parsed.text}' is a relative URL and no --base-url was given`, 'add --base-url https://your-site.example (relative lines are joined to it)');
    }
    if (parsed.kind === 'bad') {
      if (o.onError === 'stop') throw inputError(`--from ${where} line ${n}: '${cut(parsed.text)}' ${parsed.reason}`, 'fix or remove the line, or pass --on-error continue to skip bad lines');
      skip(info, `line ${n}`, parsed.text, parsed.reason);
      continue;
    }
    if (seen.has(parsed.url)) {
      info.duplicates++;
      continue;
    }
    if (urls.length >= stopAt) {
      info.truncated = urls.length >= MAX_URLS;
      break;
    }
    seen.add(parsed.url);
    urls.push(parsed.url);
  }
  info.urlsFound = urls.length;
  if (!urls.length) {
    const why = info.skippedCount ? ` (${info.skippedCount} bad line${info.skippedCount > 1 ? 's' : ''}, e.g. ${info.skipped[0]?.where}: ${info.skipped[0]?.reason})` : '';
    throw inputError(`--from ${where}: no URL to warm${why}`, 'give a list with one http(s) URL (or a path, with --base-url) per line, or a sitemap');
  }
  return { info, urls };
}
