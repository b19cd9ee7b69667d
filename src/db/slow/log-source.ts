// Opening `--log <file|glob|->`: glob expansion (wildcards in the last path segment), gzip by magic bytes,
// binary detection, format sniffing, and the first lines for prefix inference. I/O lives here and in read.ts.
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { inputError, PerfkitError } from '../../cli/errors.js';
import type { LogFormat } from './model.js';

export interface LogSource {
  /** The file as named to the user, or "stdin". */
  name: string;
  /** Undefined for stdin. */
  path?: string;
  gzip: boolean;
  /** Bytes on disk (compressed when gzip); undefined for stdin. */
  size?: number;
  /** The format the content looks like (jsonlog: '{' lines; csvlog: a csv row starting with a timestamp). */
  format: LogFormat;
  /** The first lines (up to ~1,000) of the decompressed content, for prefix inference and messages. */
  head: string[];
  /** The decompressed bytes from `start` (plain files only; stdin can be read once). */
  open(start?: number): AsyncIterable<Buffer>;
}

const HEAD_BYTES = 256 * 1024;
const HEAD_LINES = 1000;
const BINARY_PROBE = 8 * 1024;
const HINT = 'perfkit reads PostgreSQL server logs: stderr (any log_line_prefix), csvlog or jsonlog, plain or gzip';

/** Maps a read failure to an input error that names the file. */
export function sourceError(name: string, e: unknown): PerfkitError {
  if (e instanceof PerfkitError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return inputError(`cannot read ${name}: no such file`, 'check the path (globs: quote them, e.g. --log "pg/*.log")', e);
  if (err.code === 'EACCES') return inputError(`cannot read ${name}: permission denied`, 'run as a user that can read the server logs', e);
  if (err.code === 'EISDIR') return inputError(`${name} is a directory`, 'pass a file, or a glob such as --log "dir/*.log"', e);
  if (typeof err.code === 'string' && err.code.startsWith('Z_')) {
    return inputError(`${name}: corrupt or truncated gzip data (${err.message})`, 'the file may still be being written, or was cut; gunzip -t checks it', e);
  }
  return inputError(`cannot read ${name}: ${err.message ?? String(e)}`, HINT, e);
}

const globRegex = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** A path, or a glob with * ? [...] in its last segment → matching files, sorted by name. */
export async function expandLogSpec(spec: string): Promise<string[]> {
  const name = basename(spec);
  if (!/[*?[]/.test(name)) return [spec];
  try {
    await stat(spec);
    return [spec]; // a file whose name really has a wildcard character
  } catch { /* a glob */ }
  const dir = dirname(spec);
  if (/[*?[]/.test(dir)) throw inputError(`unsupported glob '${spec}': wildcards only in the file name`, 'e.g. --log "/var/log/postgresql/postgresql-*.log"');
  const re = globRegex(name);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    throw sourceError(dir, e);
  }
  const files = entries.filter((f) => re.test(f)).sort().map((f) => (dir === '.' && !spec.startsWith('./') ? f : join(dir, f)));
  if (files.length === 0) throw inputError(`no file matches '${spec}'`, 'check the directory and the pattern');
  return files;
}

const CSV_ROW = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [^,]*)?,(?:"(?:[^"]|"")*"|),(?:"(?:[^"]|"")*"|),\d*,/;

export function sniffFormat(head: readonly string[], name: string): LogFormat {
  const first = head.find((l) => l.trim() !== '');
  if (first !== undefined) {
    if (first.startsWith('{')) return 'jsonlog';
    if (CSV_ROW.test(first)) return 'csvlog';
  }
  if (/\.csv(\.gz)?$/i.test(name)) return 'csvlog';
  if (/\.json(\.gz)?$/i.test(name)) return 'jsonlog';
  return 'stderr';
}

/** Reads the head of a decompressed stream; returns it and the iterator positioned after it. */
async function readHead(name: string, it: AsyncIterator<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    while (size < HEAD_BYTES) {
      const r = await it.next();
      if (r.done) break;
      chunks.push(r.value);
      size += r.value.length;
    }
  } catch (e) {
    throw sourceError(name, e);
  }
  const probe = Buffer.concat(chunks).subarray(0, BINARY_PROBE);
  if (probe.includes(0)) throw inputError(`${name} is not a text log: it has NUL bytes in its first 8 KB`, HINT);
  return chunks;
}

function headLines(chunks: Buffer[]): string[] {
  const text = Buffer.concat(chunks).toString('utf8');
  const lines = text.split('\n', HEAD_LINES + 1);
  if (lines.length > HEAD_LINES || !text.endsWith('\n')) lines.pop(); // the last one may be cut
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

// pipeline: an error on either side (ENOENT, a truncated gzip) reaches whoever iterates the output
const gunzipped = (raw: Readable): AsyncIterable<Buffer> => pipeline(raw, createGunzip(), () => {});

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function fileSource(path: string): Promise<LogSource> {
  let size: number;
  let gzip: boolean;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = st.size;
    gzip = await isGzip(path);
  } catch (e) {
    throw sourceError(path, e);
  }
  const openAt = (start = 0): AsyncIterable<Buffer> => {
    if (gzip && start > 0) throw new Error('a gzip file cannot be read from a byte offset');
    const raw = createReadStream(path, { start, highWaterMark: 256 * 1024 });
    return gzip ? gunzipped(raw) : raw;
  };
  const it = openAt(0)[Symbol.asyncIterator]();
  let chunks: Buffer[];
  try {
    chunks = await readHead(path, it);
  } finally {
    await it.return?.();
  }
  const head = headLines(chunks);
  return { name: path, path, gzip, size, format: sniffFormat(head, path), head, open: openAt };
}

async function stdinSource(stdin: NodeJS.ReadableStream): Promise<LogSource> {
  const rawIt = (stdin as Readable)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await rawIt.next().catch((e: unknown) => { throw sourceError('stdin', e); });
  const firstChunk = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const gzip = firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b;
  async function* raw(): AsyncGenerator<Buffer> {
    if (firstChunk.length > 0) yield firstChunk;
    if (first.done) return;
    for (let r = await rawIt.next(); !r.done; r = await rawIt.next()) yield Buffer.from(r.value);
  }
  const decoded = gzip ? gunzipped(Readable.from(raw(), { objectMode: false })) : raw();
  const it = decoded[Symbol.asyncIterator]();
  const chunks = await readHead('stdin', it);
  let used = false;
  async function* replay(): AsyncGenerator<Buffer> {
    yield* chunks;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  const head = headLines(chunks);
  return {
    name: 'stdin', gzip, format: sniffFormat(head, 'stdin'), head,
    open(start = 0) {
      if (used || start > 0) throw new Error('stdin can be read once, from its start');
      used = true;
      return replay();
    },
  };
}

/** `--log` value → its sources: one file, the files a glob matches, or stdin for "-". */
export async function openLogSource(spec: string, stdin?: NodeJS.ReadableStream): Promise<LogSource[]> {
  if (spec === '-') {
    if (!stdin) throw inputError('--log - reads stdin, but there is no stdin here', 'pass a file instead');
    return [await stdinSource(stdin)];
  }
  const files = await expandLogSpec(spec);
  const sources: LogSource[] = [];
  for (const f of files) sources.push(await fileSource(f));
  return sources;
}

/** True when the source can be read in byte ranges (parallel parsing): a plain file, not csvlog. */
export const canSplit = (s: LogSource): boolean => s.path !== undefined && !s.gzip && s.format !== 'csvlog';
