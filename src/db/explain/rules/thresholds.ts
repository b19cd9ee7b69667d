// Default thresholds of every rule, and how a config overrides them: nested
// ({ misestimate: { warnFactor: 5 } }) or flat ({ "misestimate.warnFactor": 5 }), as the config file has it.

import { configError } from '../../../cli/errors.js';

export interface Thresholds {
  hotspot: { infoPct: number; warnPct: number; minMs: number };
  misestimate: { warnFactor: number; errorFactor: number; minRows: number };
  'seq-scan-filter': { minRemovedPct: number; minRowsScanned: number };
  'disk-sort': { minDiskKb: number };
  'hash-batches': { minBatches: number };
  'lossy-bitmap': { minLossyBlocks: number };
  'heap-fetches': { infoPct: number; warnPct: number; minFetches: number };
  'nested-loop-explosion': { minLoops: number; minRows: number; minPctOfTime: number };
  'workers-not-launched': { minMissing: number };
  'jit-overhead': { warnPct: number; minMs: number };
  'planning-dominates': { minMs: number };
  'large-offset': { minSkippedRows: number; minRatio: number };
  'never-executed': Record<string, never>;
  'read-heavy': { minReadBlocks: number; minReadPct: number; minSharePct: number };
  'stale-stats': { minModPct: number; minModRows: number };
  'no-analyze': Record<string, never>;
}

export type RuleId = keyof Thresholds;

export const DEFAULT_THRESHOLDS: Thresholds = {
  hotspot: { infoPct: 10, warnPct: 40, minMs: 5 },
  misestimate: { warnFactor: 10, errorFactor: 1000, minRows: 100 },
  'seq-scan-filter': { minRemovedPct: 90, minRowsScanned: 10_000 },
  'disk-sort': { minDiskKb: 0 },
  'hash-batches': { minBatches: 2 },
  'lossy-bitmap': { minLossyBlocks: 1 },
  'heap-fetches': { infoPct: 10, warnPct: 40, minFetches: 100 },
  'nested-loop-explosion': { minLoops: 1000, minRows: 100_000, minPctOfTime: 30 },
  'workers-not-launched': { minMissing: 1 },
  'jit-overhead': { warnPct: 20, minMs: 10 },
  'planning-dominates': { minMs: 10 },
  'large-offset': { minSkippedRows: 1000, minRatio: 10 },
  'never-executed': {},
  'read-heavy': { minReadBlocks: 5000, minReadPct: 50, minSharePct: 50 },
  'stale-stats': { minModPct: 20, minModRows: 1000 },
  'no-analyze': {},
};

export type LintThresholds = { [K in RuleId]?: Partial<Thresholds[K]> };

/** Every threshold name as `rule.name`, for help texts and config validation. */
export function thresholdNames(): string[] {
  return Object.entries(DEFAULT_THRESHOLDS).flatMap(([rule, t]) => Object.keys(t).map((k) => `${rule}.${k}`));
}

function setOne(out: Record<string, Record<string, number>>, rule: string, name: string, value: unknown): void {
  const known = out[rule];
  if (!known || !(name in known)) {
    throw configError(
      `explain.thresholds: unknown threshold "${rule}.${name}"`,
      `known thresholds: ${thresholdNames().join(', ')}`,
    );
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw configError(`explain.thresholds: "${rule}.${name}" must be a number ≥ 0, got ${JSON.stringify(value)}`);
  }
  known[name] = value;
}

/** Defaults with the overrides applied; throws a config error naming any unknown threshold. */
export function resolveThresholds(input?: LintThresholds | Record<string, number>): Thresholds {
  const out = structuredClone(DEFAULT_THRESHOLDS) as unknown as Record<string, Record<string, number>>;
  for (const [key, value] of Object.entries(input ?? {})) {
    if (value !== null && typeof value === 'object') {
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) setOne(out, key, name, v);
    } else {
      const dot = key.lastIndexOf('.');
      setOne(out, dot === -1 ? key : key.slice(0, dot), dot === -1 ? '' : key.slice(dot + 1), value);
    }
  }
  return out as unknown as Thresholds;
}
