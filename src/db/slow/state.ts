// `--state <file>`: remembers how far each log file was read, so a scheduled job reads only new lines, and
// keeps the aggregate so far; each run merges its new events into it. The file is written atomically.
//
// A file is resumed at its saved offset only when it is the same file: same inode, not shorter than the
// offset, and the same first bytes (`firstLineHash`: 16 hex digits of SHA-1 over the first min(1 KiB, offset)
// bytes — a log rotated by copytruncate or re-created keeps neither). Otherwise it is read from 0.
// Compressed files cannot be resumed: unchanged ones are skipped, changed ones read whole.
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inputError, usageError } from '../../cli/errors.js';
import { writeFileAtomically } from '../../util/write-file.js';
import { Aggregator, type AggregateState } from './aggregate.js';
import { analyzeLogs, openInputs, type AnalyzeOptions, type AnalyzeResult, type LogInput } from './parallel.js';
import type { LogSource } from './read.js';
import { emptyReadStats, type ReadOptions } from './run-task.js';

export interface FileMark {
  inode: number;
  size: number;
  /** Bytes read so far: the next run starts here. */
  offset: number;
  firstLineHash: string;
}

export interface SlowState {
  version: 1;
  files: Record<string, FileMark>;
  aggregate: AggregateState;
}

export type ResumeReason = 'new' | 'resumed' | 'unchanged' | 'rotated' | 'truncated' | 'changed';
export interface Resume { path: string; start: number; skip: boolean; reason: ResumeReason }

const HASH_BYTES = 1024;

export async function loadState(file: string): Promise<SlowState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw inputError(`--state ${file}: cannot read the state file (${(e as NodeJS.ErrnoException).code})`, 'check the path and its permissions');
  }
  let s: SlowState;
  try {
    s = JSON.parse(text) as SlowState;
  } catch {
    throw inputError(`--state ${file}: not a perfkit state file (invalid JSON)`, 'delete it to start over, or name another file');
  }
  if (s?.version !== 1 || typeof s.files !== 'object' || s.aggregate?.version !== 1) {
    throw inputError(`--state ${file}: not a perfkit db slow state file (version ${String(s?.version)})`, 'delete it to start over, or name another file');
  }
  return s;
}

/** Writes to a temporary file next to it, then renames: a crash never leaves a half-written state. */
export async function saveState(file: string, state: SlowState): Promise<void> {
  await writeFileAtomically(file, JSON.stringify(state), '--state');
}

async function headHash(path: string, bytes: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return createHash('sha1').update(buf.subarray(0, bytesRead)).digest('hex').slice(0, 16);
  } finally {
    await fh.close();
  }
}

/** Where to start reading a file, given what the last run saw. */
export async function resumePoint(path: string, gzip: boolean, mark: FileMark | undefined): Promise<Resume & { inode: number; size: number }> {
  const s = await stat(path).catch(() => undefined);
  if (!s || !s.isFile()) return { path, start: 0, skip: false, reason: 'new', inode: 0, size: 0 };
  const base = { path, inode: s.ino, size: s.size };
  if (!mark) return { ...base, start: 0, skip: false, reason: 'new' };
  const same = mark.inode === s.ino && s.size >= mark.offset && (await headHash(path, Math.min(HASH_BYTES, mark.offset))) === mark.firstLineHash;
  if (gzip) {
    return same && s.size === mark.size ? { ...base, start: 0, skip: true, reason: 'unchanged' } : { ...base, start: 0, skip: false, reason: 'changed' };
  }
  if (mark.inode !== s.ino) return { ...base, start: 0, skip: false, reason: 'rotated' };
  if (s.size < mark.offset) return { ...base, start: 0, skip: false, reason: 'truncated' };
  if (!same) return { ...base, start: 0, skip: false, reason: 'rotated' };
  return { ...base, start: mark.offset, skip: s.size === mark.offset, reason: s.size === mark.offset ? 'unchanged' : 'resumed' };
}

export interface IncrementalResult extends AnalyzeResult {
  /** This run's new events only (`aggregate` is the saved aggregate plus these). */
  added: Aggregator;
  resumed: Resume[];
}

/** Reads what is new in each file since the state was saved, merges it into the saved aggregate, saves.
 *  Files are keyed by absolute path; files of earlier runs not named this time stay remembered. */
export async function analyzeIncremental(stateFile: string, specs: Array<string | LogSource>, readOpts: ReadOptions, aggOpts: AnalyzeOptions = {}): Promise<IncrementalResult> {
  const prev = await loadState(stateFile);
  const inputs = await openInputs(specs);
  const points = [];
  for (const { source } of inputs) {
    if (source.path === undefined) throw usageError('--state needs log files: stdin has no position to remember', 'pass the log files with --log, or drop --state');
    points.push({ ...(await resumePoint(source.path, source.gzip, prev?.files[resolve(source.path)])), source });
  }
  const todo: LogInput[] = points.filter((p) => !p.skip).map((p) => ({ source: p.source, start: p.start, end: p.size }));
  const run: AnalyzeResult = todo.length
    ? await analyzeLogs(todo, readOpts, aggOpts)
    : { aggregate: new Aggregator(undefined, aggOpts), stats: emptyReadStats(), threads: 1, tasks: [] };
  const total = prev ? Aggregator.fromJSON(prev.aggregate, undefined, aggOpts).merge(run.aggregate) : run.aggregate;
  const files: Record<string, FileMark> = { ...prev?.files };
  for (const p of points) {
    if (p.inode === 0) continue;
    files[resolve(p.path)] = { inode: p.inode, size: p.size, offset: p.size, firstLineHash: await headHash(p.path, Math.min(HASH_BYTES, p.size)) };
  }
  await saveState(stateFile, { version: 1, files, aggregate: total.toJSON() });
  return { ...run, aggregate: total, added: run.aggregate, resumed: points.map(({ path, start, skip, reason }) => ({ path, start, skip, reason })) };
}
