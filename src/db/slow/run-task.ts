// One unit of log work — a file, or a byte range of one — read with the log reader and aggregated. The same
// code runs in-process and inside a worker thread (worker.ts). Also merges the readers' ReadStats.
import { setFlagsFromString } from 'node:v8';
import type { Aggregator } from './aggregate.js';
import type { ReadStats } from './model.js';
import { emptyStats, openLogSource, readLogBatches, type LogSource, type ReadOptions } from './read.js';

export type { ReadOptions } from './read.js';

export interface ByteRange {
  /** Entries that start at or after `start` and before `end` are read (the reader resyncs at an entry start). */
  start: number;
  end: number;
}

export interface LogTask {
  /** Position in the merge order: files in the order given, ranges in file order. */
  index: number;
  /** Which input (after glob expansion) this task reads. */
  input: number;
  path: string;
  byteRange?: ByteRange;
}

export const emptyReadStats = emptyStats;

let compact = false;
/** Keeps libpg-query's WASM on V8's baseline compiler (Liftoff). Optimizing its huge parser function costs
 *  ~100 MB of resident memory that is never given back, for no gain here: parses are memoized, so few.
 *  Process-wide and only for code compiled afterwards: called by the log paths before libpg-query loads. */
export function preferCompactWasm(): void {
  if (!compact) setFlagsFromString('--liftoff-only');
  compact = true;
}

/** Reads one task's events into `agg`, adds the line counts to it, and returns what the reader saw.
 *  `source` is the already opened input (in-process); a worker opens `task.path` itself. */
export async function runTask(task: LogTask, readOpts: ReadOptions, agg: Aggregator, source?: LogSource): Promise<ReadStats> {
  const src = source ?? (await openLogSource(task.path))[0];
  const stats = emptyStats();
  const opts = task.byteRange ? { ...readOpts, byteRange: task.byteRange } : readOpts;
  for await (const batch of readLogBatches(src, opts, stats)) for (const e of batch) agg.add(e);
  agg.addRead(stats);
  return stats;
}

/** a then b (b read later): counts add up, samples are kept up to 3, the format and prefix are the first seen. */
export function mergeReadStats(a: ReadStats, b: ReadStats): ReadStats {
  const files = [...a.files];
  for (const f of b.files) if (!files.includes(f)) files.push(f);
  const first = a.files.length ? a : b;
  return {
    files,
    bytes: a.bytes + b.bytes,
    lines: a.lines + b.lines,
    matched: a.matched + b.matched,
    unparsed: a.unparsed + b.unparsed,
    unmatchedSamples: [...a.unmatchedSamples, ...b.unmatchedSamples].slice(0, 3),
    format: first.format,
    ...(first.prefix !== undefined ? { prefix: first.prefix } : {}),
    ...(first.prefixSource !== undefined ? { prefixSource: first.prefixSource } : {}),
  };
}
