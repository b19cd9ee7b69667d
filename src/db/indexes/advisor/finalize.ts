// Turns the chooser's picks into Recommendations once every query has been costed again with ALL
// picks present (the caller runs that costing): per query the final cost and the indexes its plan
// uses, time saved per hour, estimated size, DDL and the write overhead of the table. Pure.
import { candidateDdl, candidateLabel, indexElement } from './ddl.js';
import { fmtCost, fmtPct, fmtRate, savingOf } from './format.js';
import { reject, type ChooseQuery, type ChosenIndex, type Thresholds } from './choose.js';
import type { CandidateIndex, Catalog, CostMethod, Costing, Recommendation, Rejection, TableInfo } from '../model.js';

export interface FinalizeInput {
  chosen: ChosenIndex[];
  /** The queries given to chooseIndexes (baselines, calls, mean times). */
  queries: ChooseQuery[];
  /** The chooser's rejections: kept, unless a query turns out served once every pick is present. */
  rejected: Rejection[];
  /** fingerprint → costing with every chosen index on the query's tables present. */
  final: Map<string, Costing>;
  method: CostMethod;
  catalog: Catalog;
  /** Estimated size by candidate key (hypopg_relation_size, the trial build, or the heuristic). */
  sizes: Map<string, number>;
  /** Hours the calls were counted over (pg_stat_statements since its reset); null when unknown. */
  statsAgeHours: number | null;
  thresholds: Thresholds;
}

export interface FinalizeResult {
  recommendations: Recommendation[];
  rejected: Rejection[];
}

interface Served {
  q: ChooseQuery;
  before: number;
  after: number;
  /** Chosen keys the final plan uses (a join can use several: each is credited 1/k of the saving). */
  keys: string[];
}

export function finalizeRecommendations(input: FinalizeInput): FinalizeResult {
  const need = input.thresholds.minSavingPct / 100;
  const chosenKeys = new Set(input.chosen.map((c) => c.candidate.key));
  const claimed = new Map<string, string[]>();
  for (const c of input.chosen) for (const fp of c.queries) claimed.set(fp, [...(claimed.get(fp) ?? []), c.candidate.key]);
  const served: Served[] = [];
  const rejectedAt = new Map(input.rejected.map((r) => [r.fingerprint, r]));
  for (const q of input.queries) {
    const fp = q.query.fingerprint;
    const f = input.final.get(fp);
    if (!f) {
      // No final plan (it failed or was not run): keep the chooser's verdict and its single-index numbers.
      const keys = claimed.get(fp);
      if (keys) served.push({ q, before: q.baseline, after: Math.min(...gainsFor(input.chosen, fp)), keys });
      continue;
    }
    const keys = f.used.filter((k) => chosenKeys.has(k));
    const saving = savingOf(q.baseline, f.cost);
    if (keys.length && saving >= need && q.baseline >= input.thresholds.minCost) {
      served.push({ q, before: q.baseline, after: f.cost, keys });
      rejectedAt.delete(fp);
    } else if (claimed.has(fp)) {
      const what = keys.length ? `lowers its cost only ${fmtCost(q.baseline)} → ${fmtCost(f.cost)} (${fmtPct(saving)})` : `keeps its plan: cost ${fmtCost(q.baseline)} → ${fmtCost(f.cost)} (${fmtPct(saving)})`;
      rejectedAt.set(fp, reject(q, 'below-threshold', `saving below threshold: with all recommended indexes present the planner ${what}, needs ${fmtPct(need)}`));
    }
  }
  const recommendations: Recommendation[] = [];
  for (const c of input.chosen) {
    const mine = served.filter((s) => s.keys.includes(c.candidate.key));
    if (mine.length) recommendations.push(recommend(c, mine, input));
  }
  recommendations.sort((a, b) => (b.msSavedPerHour ?? -1) - (a.msSavedPerHour ?? -1) || (b.costBefore! - b.costAfter!) - (a.costBefore! - a.costAfter!));
  return { recommendations, rejected: [...rejectedAt.values()] };
}

function labelOf(key: string, queries: ChooseQuery[]): string {
  for (const q of queries) {
    const c = q.candidates.find((x) => x.key === key);
    if (c) return candidateLabel(c);
  }
  return key;
}

function gainsFor(chosen: ChosenIndex[], fp: string): number[] {
  return chosen.flatMap((c) => c.perQuery.filter((g) => g.fingerprint === fp).map((g) => g.after));
}

function recommend(c: ChosenIndex, mine: Served[], input: FinalizeInput): Recommendation {
  const cand = c.candidate;
  const costBefore = round(mine.reduce((s, m) => s + m.before, 0));
  const costAfter = round(mine.reduce((s, m) => s + m.after, 0));
  const saving = savingOf(costBefore, costAfter);
  const n = mine.length;
  const labels = c.covers.map((k) => labelOf(k, input.queries));
  const covered = labels.length ? `; covers the narrower ${labels.join(', ')}` : '';
  return {
    ...indexShape(cand, input.catalog),
    method: input.method,
    costBefore,
    costAfter,
    savingPct: Math.round(saving * 1000) / 10,
    queries: mine.map((m) => m.q.query.fingerprint),
    msSavedPerHour: msSaved(mine, input.statsAgeHours),
    sizeBytes: input.sizes.get(cand.key) ?? null,
    why: `${cand.reason}: ${candidateLabel(cand)} serves ${n} ${n === 1 ? 'query' : 'queries'}, planner cost ${fmtCost(costBefore)} → ${fmtCost(costAfter)} (−${fmtPct(saving)})${covered}`,
  };
}

/** Σ calls/hour × mean ms × saving, each query's share split between the recommended indexes it uses. */
function msSaved(mine: Served[], statsAgeHours: number | null): number | null {
  if (!statsAgeHours || statsAgeHours <= 0) return null;
  const timed = mine.filter((m) => m.q.query.source !== 'query' && m.q.query.calls > 0 && m.q.query.meanMs > 0);
  if (!timed.length) return null;
  const ms = timed.reduce((s, m) => s + ((m.q.query.calls / statsAgeHours) * m.q.query.meanMs * savingOf(m.before, m.after)) / m.keys.length, 0);
  return round(ms);
}

/** "orders gets ~1,200 inserts and 300 updates an hour; each maintains this index too" */
/** What a recommendation says about the index itself, whichever way it was costed. */
export function indexShape(c: CandidateIndex, catalog: Catalog) {
  return {
    table: `${c.schema}.${c.table}`,
    columns: c.columns.map(indexElement),
    using: c.method,
    include: c.include,
    where: c.where ?? null,
    ddl: candidateDdl(c, { concurrently: true }),
    writeOverhead: writeOverhead(catalog.tables[`${c.schema}.${c.table}`], `${c.schema}.${c.table}`),
  };
}

export function writeOverhead(table: TableInfo | undefined, name: string): string {
  if (!table) return `no write statistics for ${name}`;
  const w = table.writesPerHour;
  const parts = [
    [w.inserts, 'inserts'],
    [w.updates, 'updates'],
    [w.deletes, 'deletes'],
  ].filter(([n]) => (n as number) >= 0.5).map(([n, what]) => `${fmtRate(n as number)} ${what}`);
  if (!parts.length) return `read-only table: ${table.name} had no inserts, updates or deletes since the statistics reset; no write overhead`;
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `${table.name} gets ~${list} an hour; each insert (and each update that changes an indexed column or cannot stay HOT) maintains this index too`;
}

const round = (n: number) => Math.round(n * 100) / 100;
