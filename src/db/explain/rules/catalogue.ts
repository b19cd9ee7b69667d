// The rule catalogue, in report order: one entry per check, each data plus a detector.

import { diskSort, hashBatches, lossyBitmap } from './memory-rules.js';
import { heapFetches, readHeavy, seqScanFilter, workersNotLaunched } from './io-rules.js';
import { largeOffset, misestimate, nestedLoopExplosion } from './rows-rules.js';
import type { Rule } from './rule.js';
import { noAnalyze, staleStats } from './stats-rules.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';
import { hotspot, jitOverhead, neverExecuted, planningDominates } from './time-rules.js';

export const RULES: readonly Rule[] = [
  hotspot,
  misestimate,
  staleStats,
  seqScanFilter,
  diskSort,
  hashBatches,
  lossyBitmap,
  heapFetches,
  nestedLoopExplosion,
  largeOffset,
  readHeavy,
  workersNotLaunched,
  jitOverhead,
  planningDominates,
  neverExecuted,
  noAnalyze,
];

export interface RuleInfo {
  id: string;
  severity: string;
  title: string;
  doc: string;
  needs: string;
  thresholds: Record<string, number>;
}

/** The catalogue as plain data (for help, docs and `--rules` listings). */
export function ruleCatalogue(): RuleInfo[] {
  return RULES.map((r) => ({
    id: r.id,
    severity: r.severity,
    title: r.title,
    doc: r.doc,
    needs: r.needs,
    thresholds: { ...(DEFAULT_THRESHOLDS[r.id] as Record<string, number>) },
  }));
}
