// Reads and aggregates several log files, or byte ranges of one large file, on several threads when that is
// faster (≥ 32 MB to read and more than one core: worker threads plus the main thread), else in-process.
// Results are merged in file and byte order, so a parallel run gives exactly what a sequential one gives.
//
// Workers load the compiled dist/db/slow/worker.js. Under vitest this module runs from src/*.ts, where a
// worker .ts file cannot load in plain node: then everything runs in-process (pass `workerUrl` to point
// at a built worker); the worker path is tested from the build (test/cli/slow-workers.test.ts).
import { availableParallelism } from 'node:os';
import { Aggregator, type AggregatorOptions } from './aggregate.js';
import { loadFingerprinter } from './fingerprint.js';
import type { ReadStats } from './model.js';
import { canSplit, checkMatched, openLogSource, type LogSource } from './read.js';
import { emptyReadStats, mergeReadStats, preferCompactWasm, runTask, type LogTask, type ReadOptions } from './run-task.js';
import { runPool } from './worker-pool.js';

/** An opened log with the part to read: from `start` (a `--state` offset) to `end` (its size by default). */
export interface LogInput {
  source: LogSource;
  start?: number;
  end?: number;
}

export interface AnalyzeOptions extends AggregatorOptions {
  /** Threads to use: 'auto' (default: every core from 3 cores, else in-process), or a number; 1 reads in-process. */
  threads?: 'auto' | number;
  /** Below this many bytes to read, everything runs in-process (default 32 MB). */
  minParallelBytes?: number;
  /** A large file is split into ranges of at least this size (default 16 MB). */
  minChunkBytes?: number;
  /** The compiled worker (default: worker.js next to this module). */
  workerUrl?: URL;
}

export interface AnalyzeResult {
  aggregate: Aggregator;
  stats: ReadStats;
  /** 1 when read in-process. */
  threads: number;
  tasks: LogTask[];
}

export interface PlannedFile {
  path: string;
  /** A plain file (not gzip, stdin or csvlog): can be read from an offset, and split. */
  splittable: boolean;
  start: number;
  end: number;
  /** The end was given (a `--state` run): read exactly to it, even when the file has grown since. */
  bounded?: boolean;
}

const MB = 1024 * 1024;

/** Tasks in merge order: big splittable files are cut into about `threads` × their share of the bytes.
 *  A file gets a byte range only when it is cut, or read from an offset or to a given end. */
export function planTasks(files: PlannedFile[], threads: number, minChunkBytes = 16 * MB): LogTask[] {
  const total = files.reduce((n, f) => n + Math.max(0, f.end - f.start), 0);
  const tasks: LogTask[] = [];
  files.forEach((f, input) => {
    const len = Math.max(0, f.end - f.start);
    const share = total ? Math.round((threads * len) / total) : 1;
    const k = f.splittable && threads > 1 ? Math.max(1, Math.min(share, Math.floor(len / minChunkBytes))) : 1;
    for (let i = 0; i < k; i++) {
      const task: LogTask = { index: tasks.length, input, path: f.path };
      if (f.splittable && (k > 1 || f.start > 0 || f.bounded)) task.byteRange = { start: f.start + Math.floor((len * i) / k), end: f.start + Math.floor((len * (i + 1)) / k) };
      tasks.push(task);
    }
  });
  return tasks;
}

/** `--log` values (paths, globs) or opened sources → inputs (stdin: open it with openLogSource('-', stdin)). */
export async function openInputs(specs: Array<string | LogSource | LogInput>): Promise<LogInput[]> {
  const out: LogInput[] = [];
  for (const s of specs) {
    if (typeof s === 'string') for (const source of await openLogSource(s)) out.push({ source });
    else out.push('source' in s ? s : { source: s });
  }
  return out;
}

export async function analyzeLogs(specs: Array<string | LogSource | LogInput>, readOpts: ReadOptions, aggOpts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const { threads: wanted = 'auto', minParallelBytes = 32 * MB, minChunkBytes = 16 * MB, workerUrl, ...agg } = aggOpts;
  const inputs = await openInputs(specs);
  const forced = readOpts.format !== undefined && readOpts.format !== 'auto' ? readOpts.format : undefined;
  const files: PlannedFile[] = inputs.map(({ source, start = 0, end }) => {
    const splittable = canSplit({ ...source, format: forced ?? source.format });
    return { path: source.path ?? source.name, splittable, start: splittable ? start : 0, end: end ?? source.size ?? 0, bounded: end !== undefined };
  });
  const url = workerUrl ?? new URL('./worker.js', import.meta.url);
  // N threads are N − 1 workers plus the main thread. On 2 cores one worker only adds a second V8 heap and
  // libpg-query (~75 MB, measured by bench/slow-log) for no speed, so 'auto' uses workers from 3 cores.
  const cores = wanted === 'auto' ? (availableParallelism() >= 3 ? availableParallelism() : 1) : Math.max(1, wanted);
  const bytes = files.reduce((n, f) => n + (f.end - f.start), 0);
  // A worker .ts file (vitest runs src/) cannot load in plain node: read in-process then. stdin cannot move.
  const canUseWorkers = url.pathname.endsWith('.js') && inputs.every((i) => i.source.path !== undefined);
  const threads = canUseWorkers && cores > 1 && bytes >= minParallelBytes ? cores : 1;
  const tasks = planTasks(files, threads, minChunkBytes);
  let aggregate: Aggregator;
  const perTask: ReadStats[] = [];
  preferCompactWasm();
  const fp = await loadFingerprinter();
  if (threads === 1 || tasks.length === 1) {
    aggregate = new Aggregator(fp.fingerprint, agg);
    for (const t of tasks) perTask.push(await runTask(t, readOpts, aggregate, inputs[t.input].source));
  } else {
    const local = async (t: LogTask) => {
      const a = new Aggregator(fp.fingerprint, agg);
      return { aggregate: a, stats: await runTask(t, readOpts, a, inputs[t.input].source) };
    };
    const results = await runPool({ url, tasks, threads: Math.min(threads, tasks.length), init: { readOpts, aggOpts: agg }, local });
    aggregate = results[0].aggregate;
    for (const r of results.slice(1)) aggregate.merge(r.aggregate);
    perTask.push(...results.map((r) => r.stats));
  }
  // The reader checks "empty log" / "0 of N lines matched" itself unless it read a range; then it is ours,
  // over the whole file (a range from a --state offset, or an empty file in a --state run, may be empty).
  inputs.forEach((input, i) => {
    const parts = tasks.filter((t) => t.input === i);
    const seen = parts.map((t) => perTask[t.index]).reduce(mergeReadStats);
    if (parts.some((t) => t.byteRange) && files[i].start === 0 && seen.bytes > 0) checkMatched(input.source.name, seen, input.source.head);
  });
  const stats = perTask.reduce(mergeReadStats, emptyReadStats());
  return { aggregate, stats, threads: tasks.length > 1 ? Math.min(threads, tasks.length) : 1, tasks };
}
