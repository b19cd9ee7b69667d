// Where items come from: NDJSON and CSV files (plain or gzip, or stdin), streamed line by line, and SQL
// queries over the PostgreSQL connector, streamed with a cursor. Records are numbered; a record that
// cannot be read carries its error and line number instead of a value.
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { inputError } from '../../cli/errors.js';
import type { RawRecord } from './items.js';

export interface SourceRecord {
  /** 1-based record number: what --resume counts. */
  n: number;
  line: number;
  raw?: RawRecord;
  error?: string;
}

export interface Source {
  kind: 'ndjson' | 'csv' | 'sql';
  label: string;
  records(): AsyncGenerator<SourceRecord>;
  /** For progress: bytes of the file read so far, and its size (compressed bytes for gzip). */
  bytesRead(): number;
  totalBytes?: number;
  /** For a checkpoint: which file this was. */
  identity?: { path: string; size: number; mtimeMs: number };
  /** NDJSON only: the lines as byte ranges, for the fast path. */
  chunks?: () => AsyncGenerator<LineChunk>;
}

export type FileFormat = 'ndjson' | 'csv';

export function fileFormatOf(from: string): FileFormat | undefined {
  const f = from.toLowerCase().replace(/\.gz$/, '');
  if (f.endsWith('.ndjson') || f.endsWith('.jsonl') || f.endsWith('.json')) return 'ndjson';
  if (f.endsWith('.csv')) return 'csv';
  return undefined;
}

async function openInput(path: string, flag: string, stdin: () => Readable): Promise<{ stream: Readable; file?: ReadStream; identity?: Source['identity'] }> {
  if (path === '-') return { stream: stdin() };
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw inputError(`${flag} ${path}: cannot read (${code === 'ENOENT' ? 'no such file' : code})`, `check the path given to ${flag}`);
  }
  if (!st.isFile()) throw inputError(`${flag} ${path}: not a file`, `give ${flag} a .ndjson or .csv file`);
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const head = await new Promise<Buffer>((resolve) => {
    // Gzip by its magic bytes, whatever the name says.
    const fh = createReadStream(path, { start: 0, end: 1 });
    const parts: Buffer[] = [];
    fh.on('data', (d) => parts.push(d as Buffer));
    fh.on('end', () => resolve(Buffer.concat(parts)));
    fh.on('error', () => resolve(Buffer.alloc(0)));
  });
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  return { stream: gz ? file.pipe(createGunzip()) : file, file, identity: { path, size: st.size, mtimeMs: st.mtimeMs } };
}

/** Lines of an NDJSON input as byte ranges of one buffer: no line is decoded unless the general path needs it. */
export interface LineChunk {
  buf: Buffer;
  starts: number[];
  ends: number[];
  lines: number[];
}

export async function ndjsonSource(path: string, flag: string, stdin: () => Readable): Promise<Source> {
  const { stream, file, identity } = await openInput(path, flag, stdin);
  async function* chunks(): AsyncGenerator<LineChunk> {
    let carry: Buffer | undefined;
    let line = 0;
    const split = (buf: Buffer, final: boolean): LineChunk => {
      const c: LineChunk = { buf, starts: [], ends: [], lines: [] };
      let s = 0;
      for (;;) {
        let nl = buf.indexOf(10, s);
        if (nl < 0) {
          if (!final) break;
          nl = buf.length;
          if (s >= nl) break;
        }
        line++;
        let e = nl;
        if (e > s && buf[e - 1] === 13) e--;
        // Blank lines are not records.
        let k = s;
        while (k < e && (buf[k] === 32 || buf[k] === 9)) k++;
        if (k < e) {
          c.starts.push(s);
          c.ends.push(e);
          c.lines.push(line);
        }
        s = nl + 1;
        if (s >= buf.length) break;
      }
      carry = final || s >= buf.length ? undefined : buf.subarray(s);
      return c;
    };
    try {
      for await (const chunk of stream) {
        let buf = chunk as Buffer;
        if (carry) {
          // Only the line that straddles the two chunks is copied, not the whole chunk.
          const nl = buf.indexOf(10);
          if (nl < 0) {
            carry = Buffer.concat([carry, buf]);
            continue;
          }
          const joined = Buffer.concat([carry, buf.subarray(0, nl + 1)]);
          carry = undefined;
          yield split(joined, false);
          buf = buf.subarray(nl + 1);
          if (!buf.length) continue;
        }
        yield split(buf, false);
      }
    } catch (e) {
      throw inputError(`${flag} ${path}: cannot read after line ${line} (${(e as Error).message})`, 'check that the file is complete (a gzip file cut short cannot be read to the end)');
    }
    if (carry) yield split(carry, true);
  }
  return {
    kind: 'ndjson',
    label: path === '-' ? 'stdin (NDJSON)' : path,
    identity,
    totalBytes: identity?.size,
    bytesRead: () => file?.bytesRead ?? 0,
    chunks,
    async *records() {
      let n = 0;
      for await (const c of chunks()) {
        for (let i = 0; i < c.starts.length; i++) {
          n++;
          yield parseNdjsonLine(c.buf.toString('utf8', c.starts[i], c.ends[i]), n, c.lines[i]);
        }
      }
    },
  };
}

/** The general path for one NDJSON line: JSON.parse, with the error in words. */
export function parseNdjsonLine(text: string, n: number, line: number): SourceRecord {
  try {
    return { n, line, raw: JSON.parse(text) as RawRecord };
  } catch (e) {
    return { n, line, error: `not JSON (${(e as Error).message.replace(/^Unexpected token/, 'unexpected token').slice(0, 80)})` };
  }
}

export async function csvSource(path: string, flag: string, stdin: () => Readable): Promise<Source> {
  const { stream, file, identity } = await openInput(path, flag, stdin);
  const { parse } = await import('csv-parse');
  return {
    kind: 'csv',
    label: path === '-' ? 'stdin (CSV)' : path,
    identity,
    totalBytes: identity?.size,
    bytesRead: () => file?.bytesRead ?? 0,
    async *records() {
      const parser = stream.pipe(parse({ relax_column_count: true, skip_empty_lines: true, info: true, bom: true }));
      let n = 0;
      let columns: string[] = ['key', 'value', 'ttl'];
      let first = true;
      try {
        for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
          const row = rec.record;
          const line = rec.info.lines;
          if (first) {
            first = false;
            // A header row names the columns (key, value, and optionally ttl and type, in any order).
            if (row.includes('key') && row.includes('value')) {
              columns = row.map((c) => c.trim());
              continue;
            }
          }
          n++;
          if (row.length < 2 || row.length > columns.length) {
            yield { n, line, error: `${row.length} column${row.length === 1 ? '' : 's'}, expected ${columns.length === 2 ? 2 : `2 to ${columns.length}`} (${columns.join(',')})` };
            continue;
          }
          const raw: Record<string, unknown> = {};
          row.forEach((v, i) => (raw[columns[i]] = v));
          // A JSON value in a cell (an object or array) is taken as such, so hashes and sets can come from CSV too.
          const v = raw.value;
          if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
            try {
              raw.value = JSON.parse(v);
            } catch {
              // a string that happens to start with a bracket
            }
          }
          yield { n, line, raw };
        }
      } catch (e) {
        const err = e as { message?: string; lines?: number };
        throw inputError(`${flag} ${path}: not valid CSV${err.lines ? ` at line ${err.lines}` : ''} (${err.message?.replace(/^Invalid /, 'invalid ') ?? e})`, 'quote fields that contain commas or quotes, and close every quote');
      }
    },
  };
}

/** `sql:SELECT … AS key, … AS value [, … AS ttl] [, … AS type] FROM …`, read 1,000 rows at a time. */
export function sqlSource(sql: string, cursorOf: (sql: string) => AsyncGenerator<Record<string, unknown>[]>): Source {
  return {
    kind: 'sql',
    label: `sql:${sql.length > 60 ? `${sql.slice(0, 59)}…` : sql}`,
    bytesRead: () => 0,
    async *records() {
      let n = 0;
      let checked = false;
      for await (const rows of cursorOf(sql)) {
        if (!checked && rows.length) {
          checked = true;
          const cols = Object.keys(rows[0]);
          if (!cols.includes('key') || !cols.includes('value')) {
            throw inputError(`--from sql:…: the query returns columns ${cols.join(', ')}, not key and value`, 'name them: SELECT id AS key, payload AS value [, 3600 AS ttl] FROM …');
          }
        }
        for (const row of rows) {
          n++;
          yield { n, line: n, raw: row as RawRecord };
        }
      }
    },
  };
}
