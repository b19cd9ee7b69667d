// The options of `db indexes`, parsed and checked into numbers with one usage error per bad flag.
import { usageError } from '../../cli/errors.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from './advisor/choose.js';
import type { SourceOptions } from './sources.js';
import { numberFlag } from '../../util/flags.js';

export interface IndexOptions {
  query?: string[];
  file?: string;
  top?: string;
  minCalls?: string;
  minMeanMs?: string;
  method?: string;
  trialDb?: string;
  minSaving?: string;
  minCost?: string;
  minRows?: string;
  maxColumns?: string;
  maxIndexes?: string;
  replica?: string[];
  unusedMinSize?: string;
  create?: boolean;
  yes?: boolean;
}

export interface ParsedIndexOptions {
  sources: SourceOptions;
  method: 'auto' | 'hypopg' | 'trial' | 'heuristic';
  trialDb?: string;
  thresholds: Thresholds;
  minRows: number;
  maxColumns: number;
  replicas: string[];
  unusedMinBytes: number;
  create: boolean;
  yes: boolean;
}


/** '10MB', '512kB', '1GB' or bytes. */
function size(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!m) throw usageError(`${flag} '${value}': not a size`, `write e.g. ${flag} 10MB`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Number(m[1]) * unit;
}

export function parseIndexOptions(o: IndexOptions): ParsedIndexOptions {
  const method = (o.method ?? 'auto') as ParsedIndexOptions['method'];
  if (!['auto', 'hypopg', 'trial', 'heuristic'].includes(method)) {
    throw usageError(`--method '${o.method}': unknown costing method`, 'use auto, hypopg, trial or heuristic');
  }
  if (o.yes && !o.create) throw usageError('--yes only makes sense with --create', 'add --create, or drop --yes');
  const maxIndexes = o.maxIndexes === undefined ? undefined : numberFlag(o.maxIndexes, '--max-indexes', 10, { min: 1, integer: true });
  return {
    sources: {
      query: o.query,
      file: o.file,
      top: numberFlag(o.top, '--top', 100, { min: 1, integer: true }),
      minCalls: numberFlag(o.minCalls, '--min-calls', 1, { integer: true }),
      minMeanMs: numberFlag(o.minMeanMs, '--min-mean-ms', 0),
    },
    method,
    trialDb: o.trialDb,
    thresholds: {
      minSavingPct: numberFlag(o.minSaving, '--min-saving', DEFAULT_THRESHOLDS.minSavingPct),
      minCost: numberFlag(o.minCost, '--min-cost', DEFAULT_THRESHOLDS.minCost),
      ...(maxIndexes ? { maxIndexes } : {}),
    },
    minRows: numberFlag(o.minRows, '--min-rows', 1000, { integer: true }),
    maxColumns: numberFlag(o.maxColumns, '--max-columns', 3, { min: 1, integer: true }),
    replicas: o.replica ?? [],
    unusedMinBytes: size(o.unusedMinSize, '--unused-min-size', 10 * 1024 ** 2),
    create: Boolean(o.create),
    yes: Boolean(o.yes),
  };
}
