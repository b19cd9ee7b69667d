// Streams one log source into LogEvents: splits bytes into lines without readline (offsets stay exact for
// byte ranges), feeds the format's state machine chunk by chunk, and refuses to return nothing quietly:
// an empty log, or one where nothing matched, is an input error saying why (exit 2).
import { parse as parseCsv } from 'csv-parse';
import { Readable } from 'node:stream';
import { inputError, usageError } from '../../cli/errors.js';
import { CsvEntries, isEntryStart, JsonEntries, StderrEntries } from './entries.js';
import type { LogEvent, LogFormat, ReadStats } from './model.js';
import { compilePrefix, describeMismatch, inferPrefix, type CompiledPrefix } from './prefix.js';
import { sourceError, type LogSource } from './log-source.js';

export { isEntryStart } from './entries.js';
export { canSplit, openLogSource, type LogSource } from './log-source.js';

export interface ReadOptions {
  /** Default 'auto': what the content looks like. */
  format?: LogFormat | 'auto';
  /** log_line_prefix for stderr logs; inferred from the first lines when absent. */
  prefix?: string;
  /** Where `prefix` came from, for the messages. Default 'flag'. */
  prefixSource?: 'flag' | 'server';
  /**
   * Parse only the entries that start in [start, end) of a plain file (see canSplit): reading starts at the
   * first entry at or after `start` and ends with the entry that contains byte `end - 1`; then it reads on (up to
   * 4 MB) only to pair its last log_statement lines with their durations and its lock waits with "acquired".
   * Ranges that tile the file give the events of the whole file (a pair completed past a range's end comes last
   * in that range). Lines are numbered as in the whole file. No empty/mismatch check is made for a range: sum
   * the stats and call checkMatched.
   */
  byteRange?: { start: number; end: number };
}

/** Lines longer than this are cut (the rest is skipped up to the newline), so one huge line cannot eat memory. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** How far past its end a byte range reads to pair its last log_statement lines and lock waits. */
const LOOKAHEAD_BYTES = 4 * 1024 * 1024;
// A stderr prefix that matches nothing, when none could be inferred: every line then counts as unparsed.
const NOTHING: CompiledPrefix = { prefix: '', regex: /(?!)/, groups: { severity: 1 }, escapes: [] };

export const emptyStats = (format: LogFormat = 'stderr'): ReadStats =>
  ({ files: [], bytes: 0, lines: 0, matched: 0, unparsed: 0, unmatchedSamples: [], format });

/** Throws the "empty log" / "0 of N lines matched" input error when a whole source gave nothing. */
export function checkMatched(name: string, s: ReadStats, head: readonly string[] = []): void {
  if (s.bytes === 0 || (s.matched === 0 && s.unparsed === 0)) {
    throw inputError(`${name}: the log is empty`, 'check the path, and where the server writes its logs (SHOW log_directory; SHOW log_filename)');
  }
  if (s.matched > 0) return;
  const sample = s.unmatchedSamples[0] ?? '';
  if (s.format !== 'stderr') {
    const what = s.format === 'csvlog' ? 'rows' : 'lines';
    throw inputError(`${name}: 0 of ${s.unparsed.toLocaleString('en-US')} ${what} are ${s.format} records; lines look like '${sample.slice(0, 80)}'`,
      'pass --format stderr, csvlog or jsonlog if the detection is wrong');
  }
  const suggestion = inferPrefix(head.length > 0 ? head : s.unmatchedSamples);
  const message = describeMismatch({ lines: s.unparsed, prefix: s.prefix, prefixSource: s.prefixSource, samples: s.unmatchedSamples, suggestion });
  throw inputError(`${name}: ${message}`, 'log_line_prefix must be the one the server wrote these lines with (SHOW log_line_prefix)');
}

/**
 * The events of a source (or of each of openLogSource's sources, in order), a chunk's worth at a time:
 * cheaper than one await per event. Adds what it saw to `stats`.
 */
export async function* readLogBatches(source: LogSource | readonly LogSource[], opts: ReadOptions, stats: ReadStats): AsyncGenerator<LogEvent[]> {
  if (!Array.isArray(source)) return yield* readOne(source as LogSource, opts, stats);
  if (opts.byteRange && source.length !== 1) throw usageError('a byte range applies to one file');
  for (const s of source as readonly LogSource[]) yield* readOne(s, opts, stats);
}

/** One event at a time; see readLogBatches. */
export async function* readLogEvents(source: LogSource | readonly LogSource[], opts: ReadOptions, stats: ReadStats): AsyncGenerator<LogEvent> {
  for await (const batch of readLogBatches(source, opts, stats)) yield* batch;
}

async function* readOne(source: LogSource, opts: ReadOptions, stats: ReadStats): AsyncGenerator<LogEvent[]> {
  const format: LogFormat = opts.format === undefined || opts.format === 'auto' ? source.format : opts.format;
  const range = opts.byteRange;
  if (range && (source.path === undefined || source.gzip || format === 'csvlog')) {
    throw usageError(`${source.name} cannot be read in byte ranges (gzip, stdin and csvlog are read whole)`);
  }
  const own: ReadStats = { ...emptyStats(format), files: [source.name] };
  let compiled: CompiledPrefix | undefined;
  if (format === 'stderr') {
    const prefix = opts.prefix ?? inferPrefix(source.head);
    own.prefix = prefix;
    own.prefixSource = opts.prefix !== undefined ? (opts.prefixSource ?? 'flag') : prefix !== undefined ? 'inferred' : undefined;
    compiled = prefix === undefined ? NOTHING : compilePrefix(prefix);
  } else {
    own.prefixSource = 'format';
  }
  const machine = format === 'csvlog' ? new CsvEntries(source.name) : format === 'jsonlog' ? new JsonEntries(source.name) : new StderrEntries(compiled!, source.name);
  try {
    if (machine instanceof CsvEntries) yield* csvBatches(source, machine, own);
    else yield* lineBatches(source, machine, compiled ?? 'jsonlog', range, own);
  } catch (e) {
    // read failures (errno, zlib, csv codes) become input errors naming the file; bugs stay bugs
    throw typeof (e as { code?: unknown } | null)?.code === 'string' ? sourceError(source.name, e) : e;
  } finally {
    own.matched = machine.matched;
    own.unparsed = machine.unparsed;
    own.unmatchedSamples = machine.samples;
    mergeStats(stats, own);
  }
  if (!range) checkMatched(source.name, own, source.head);
}

function mergeStats(into: ReadStats, s: ReadStats): void {
  into.files.push(...s.files);
  into.bytes += s.bytes;
  into.lines += s.lines;
  into.matched += s.matched;
  into.unparsed += s.unparsed;
  for (const l of s.unmatchedSamples) if (into.unmatchedSamples.length < 3) into.unmatchedSamples.push(l);
  into.format = s.format;
  into.prefix = s.prefix;
  into.prefixSource = s.prefixSource;
}

type LineMachine = StderrEntries | JsonEntries;

/** How many lines start before byte `start` (to number lines in a range exactly as a whole read does). */
async function linesBefore(source: LogSource, start: number): Promise<number> {
  let n = 0;
  let read = 0;
  for await (const chunk of source.open(0)) {
    const stop = Math.min(chunk.length, start - read);
    for (let i = chunk.indexOf(10); i >= 0 && i < stop; i = chunk.indexOf(10, i + 1)) n++;
    read += chunk.length;
    if (read >= start) break;
  }
  return n;
}

async function* lineBatches(source: LogSource, machine: LineMachine, starts: CompiledPrefix | 'jsonlog',
  range: ReadOptions['byteRange'], own: ReadStats): AsyncGenerator<LogEvent[]> {
  const start = range ? Math.max(0, range.start) : 0;
  const end = range ? range.end : Infinity;
  // From byte start-1: skip through the first newline (the line before `start`, or just that newline),
  // then skip lines up to the first one that starts an entry.
  let skipPartial = start > 0;
  let skipping = start > 0;
  let lineNo = start > 0 ? await linesBefore(source, start) : 0;
  let next = start > 0 ? start - 1 : 0; // absolute offset of the next chunk
  let carry: Buffer | undefined; // the unfinished last line, starting at carryStart
  let carryStart = 0;
  let cut = false; // carry is the kept beginning of a line longer than MAX_LINE_BYTES
  let out: LogEvent[] = [];
  let done = false;
  let ahead = false; // past the range's end, completing what its entries wait for
  let aheadBytes = 0;
  let counted: [number, number] | undefined; // the machine's counts when the range ended

  /** One line at absolute offset `at`, `bytes` long with its newline. */
  const line = (buf: Buffer, from: number, to: number, at: number, bytes: number): void => {
    if (to > from && buf[to - 1] === 13) to--;
    const text = buf.toString('utf8', from, to);
    lineNo++;
    if (!ahead && (skipping || at >= end)) {
      const isStart = isEntryStart(text, starts);
      if (skipping && !isStart) return;
      if (isStart && at >= end) {
        // the range is over: read on only to finish its log_statement/duration pairs and lock waits
        if (!machine.beginLookahead(out)) { done = true; return; }
        ahead = true;
        counted = [machine.matched, machine.unparsed];
      }
      skipping = false;
    }
    if (ahead) {
      aheadBytes += bytes;
      machine.line(text, lineNo, out);
      if (machine.outstanding === 0 || aheadBytes > LOOKAHEAD_BYTES) done = true;
      return;
    }
    own.lines++;
    own.bytes += bytes;
    machine.line(text, lineNo, out);
  };

  for await (const chunk of source.open(next)) {
    const chunkStart = next;
    next += chunk.length;
    let buf = chunk;
    let base = chunkStart;
    let pos = 0;
    if (skipPartial || cut) {
      const nl = chunk.indexOf(10);
      if (nl < 0) continue;
      if (cut) line(carry!, 0, carry!.length, carryStart, chunkStart + nl + 1 - carryStart);
      else if (chunkStart + nl >= start) lineNo++; // the partial line's newline is not among linesBefore's
      skipPartial = cut = false;
      carry = undefined;
      pos = nl + 1;
    } else if (carry) {
      buf = Buffer.concat([carry, chunk]);
      base = carryStart;
    }
    for (let nl = buf.indexOf(10, pos); nl >= 0 && !done; nl = buf.indexOf(10, pos)) {
      line(buf, pos, nl, base + pos, nl + 1 - pos);
      pos = nl + 1;
    }
    if (done) break;
    carry = pos < buf.length ? buf.subarray(pos) : undefined;
    carryStart = base + pos;
    if (carry && carry.length > MAX_LINE_BYTES) {
      carry = Buffer.from(carry.subarray(0, MAX_LINE_BYTES));
      cut = true;
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  if (!done && carry && !skipPartial) line(carry, 0, carry.length, carryStart, next - carryStart);
  machine.flush(out);
  if (counted) [machine.matched, machine.unparsed] = counted;
  if (out.length > 0) yield out;
}

async function* csvBatches(source: LogSource, machine: CsvEntries, own: ReadStats): AsyncGenerator<LogEvent[]> {
  const parser = parseCsv({ relax_column_count: true, skip_records_with_error: true, max_record_size: MAX_LINE_BYTES, info: true });
  parser.on('skip', () => { machine.unparsed++; });
  const input = Readable.from(source.open(0), { objectMode: false });
  input.on('data', (b: Buffer) => {
    own.bytes += b.length;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) own.lines++;
  });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  let out: LogEvent[] = [];
  for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const fields = r.record;
    machine.row(fields, r.info.lines - countNewlines(fields), out);
    if (out.length >= 256) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

/** info.lines is the row's last line; quoted newlines inside it move its first line up. */
function countNewlines(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) n++;
  return n;
}
