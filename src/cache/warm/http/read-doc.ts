// Reading one source document: a local file (size-checked), or a URL (fetched with redirects, size-capped),
// gunzipped when it starts with gzip's magic bytes (twice at most: a .xml.gz served with
// Content-Encoding: gzip arrives gzipped twice). One input or connection error per way it can fail.
import { open, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { connectError, inputError, isPerfkitError, runtimeError } from '../../../cli/errors.js';
import { HttpFailure } from '../../../connectors/http.js';
import { MAX_DOC_BYTES, type Doc, type SourceOptions } from './source-info.js';

const gunzipAsync = promisify(gunzip);

export async function readDoc(doc: Doc, label: string, o: SourceOptions, top: boolean): Promise<{ bytes: Buffer; gzip: boolean }> {
  let raw: Buffer;
  if (doc.kind === 'file') {
    raw = await readLocal(doc.file, label);
  } else {
    raw = await fetchDoc(doc.url, label, o, top);
  }
  let gzip = false;
  // Twice at most: a .xml.gz served with Content-Encoding: gzip arrives gzipped twice.
  for (let i = 0; i < 2 && raw[0] === 0x1f && raw[1] === 0x8b; i++) {
    gzip = true;
    raw = await gunzipDoc(raw, label);
  }
  return { bytes: raw, gzip };
}

export async function gunzipDoc(raw: Buffer, label: string): Promise<Buffer> {
  try {
    return await gunzipAsync(raw, { maxOutputLength: MAX_DOC_BYTES });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw inputError(`${label}: more than ${MAX_DOC_BYTES / 1024 / 1024} MiB after gunzip`, 'split the sitemap (the protocol allows 50 MB and 50,000 URLs per file) and list the parts in a sitemap index');
    throw inputError(`${label}: starts like gzip but does not decompress (${(e as Error).message})`, 'give an intact .xml.gz, or the uncompressed .xml');
  }
}

export async function isFile(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false);
}

function fsWhy(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied' : String(code ?? (e as Error).message);
}

async function readLocal(file: string, label: string): Promise<Buffer> {
  try {
    const s = await stat(file);
    if (s.isFile() && s.size > MAX_DOC_BYTES) throw inputError(`${label}: ${Math.round(s.size / 1024 / 1024)} MiB, more than the ${MAX_DOC_BYTES / 1024 / 1024} MiB perfkit reads from one sitemap`, 'split it into several sitemaps listed in a sitemap index');
    return await readFile(file);
  } catch (e) {
    if (isPerfkitError(e)) throw e;
    throw inputError(`${label}: cannot read it (${fsWhy(e)})`, 'check the path given to --from');
  }
}

export async function peek(file: string, label: string): Promise<Buffer> {
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(8192);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      if (bytesRead === 0) throw inputError(`${label}: the file is empty`, 'give a URL list with one URL per line, or a sitemap');
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (isPerfkitError(e)) throw e;
    throw inputError(`${label}: cannot read it (${fsWhy(e)})`, 'check the path given to --from');
  }
}

async function fetchDoc(url: URL, label: string, o: SourceOptions, top: boolean): Promise<Buffer> {
  let res;
  try {
    res = await o.client().fetchBody(url, {
      headers: [['Accept', 'application/xml, text/xml, text/plain, */*'], ['Accept-Encoding', 'gzip'], ['User-Agent', 'perfkit (cache warm; sitemap)']],
      timeoutMs: Math.max(o.timeoutMs, 30_000),
      maxBytes: MAX_DOC_BYTES,
      signal: o.signal,
    });
  } catch (e) {
    if (e instanceof HttpFailure) {
      if (e.kind === 'too-large') throw inputError(`${label}: more than ${MAX_DOC_BYTES / 1024 / 1024} MiB`, 'split the sitemap into several listed in a sitemap index');
      if (top && e.unreachable) throw connectError(`${label}: cannot fetch the sitemap (${e.message})`, `check that ${url.host} is up and the URL is right`, e);
      throw runtimeError(`${label}: cannot fetch the sitemap (${e.message})`, `check that ${url.host} is up and the URL is right`, e);
    }
    throw e;
  }
  if (res.status < 200 || res.status >= 300) {
    const hint = res.status >= 500 ? `${url.host} failed; try again later` : 'check the sitemap URL (robots.txt lists it as Sitemap: …)';
    if (res.status >= 500) throw runtimeError(`${label}: HTTP ${res.status} fetching the sitemap`, hint);
    throw inputError(`${label}: HTTP ${res.status} fetching the sitemap`, hint);
  }
  return res.body;
}
