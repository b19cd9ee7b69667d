// The workload-wide choice of indexes: a greedy pick by weighted benefit (calls × mean time × relative
// cost saving, summed over every query an index serves), so one index serving several queries beats
// several narrow ones; then narrower picks covered by a wider pick are folded into it. Every query
// ends up served by a pick or rejected with its reason in words and numbers. Pure.
import { candidateLabel } from './ddl.js';
import { fmtCost, fmtPct, savingOf } from './format.js';
import type { CandidateIndex, Costing, IndexColumn, Rejection, WorkloadQuery } from '../model.js';

export interface Thresholds {
  /** A candidate counts for a query only if it lowers the query's cost by this much (dexter: 50). */
  minSavingPct: number;
  /** Queries cheaper than this are not worth an index (dexter's --min-cost: 100). */
  minCost: number;
  /** At most this many indexes (no limit when absent). */
  maxIndexes?: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { minSavingPct: 50, minCost: 100 };

export interface ChooseQuery {
  query: WorkloadQuery;
  baseline: number;
  candidates: CandidateIndex[];
  /** Candidates the costing method could not build for this query, with why. */
  uncosted?: Array<{ key: string; reason: string }>;
}

export interface ChooseInput {
  queries: ChooseQuery[];
  /** fingerprint → candidate key → costing with that one candidate present. */
  costs: Map<string, Map<string, Costing>>;
  thresholds: Thresholds;
}

export interface QueryGain {
  fingerprint: string;
  before: number;
  after: number;
}

export interface ChosenIndex {
  candidate: CandidateIndex;
  /** Fingerprints of the queries it serves. */
  queries: string[];
  perQuery: QueryGain[];
  /** Σ over its queries of one execution's planner cost, before and after. */
  costBefore: number;
  costAfter: number;
  savingPct: number;
  /** Keys of narrower picks this one covers (their prefix is its prefix). */
  covers: string[];
}

export interface ChooseResult {
  chosen: ChosenIndex[];
  rejected: Rejection[];
}

/** A query's weight: calls × mean time; a query without timings (--query) weighs 1. */
export const weightOf = (q: WorkloadQuery): number => (q.calls * q.meanMs > 0 ? q.calls * q.meanMs : 1);

export function chooseIndexes(input: ChooseInput): ChooseResult {
  const t = input.thresholds;
  const need = t.minSavingPct / 100;
  const rejected: Rejection[] = [];
  const live = input.queries.filter((q) => {
    if (q.baseline >= t.minCost) return true;
    rejected.push(reject(q, 'low-cost', `low cost: ${fmtCost(q.baseline)} (minimum ${fmtCost(t.minCost)})`));
    return false;
  });
  const byKey = new Map<string, CandidateIndex>();
  for (const q of live) for (const c of q.candidates) byKey.set(c.key, c);
  const cost = (q: ChooseQuery, key: string) => input.costs.get(q.query.fingerprint)?.get(key)?.cost;
  const current = new Map(live.map((q) => [q.query.fingerprint, q.baseline]));
  const picks = new Map<string, ChosenIndex>();

  while (t.maxIndexes === undefined || picks.size < t.maxIndexes) {
    let best: { c: CandidateIndex; benefit: number; served: QueryGain[] } | undefined;
    for (const c of byKey.values()) {
      if (picks.has(c.key)) continue;
      let benefit = 0;
      const served: QueryGain[] = [];
      for (const q of live) {
        const after = cost(q, c.key);
        const now = current.get(q.query.fingerprint)!;
        if (after === undefined || savingOf(now, after) < need) continue;
        benefit += (weightOf(q.query) * (now - after)) / q.baseline;
        served.push({ fingerprint: q.query.fingerprint, before: q.baseline, after });
      }
      if (benefit > 0 && (!best || better(c, benefit, best.c, best.benefit))) best = { c, benefit, served };
    }
    if (!best) break;
    for (const g of best.served) current.set(g.fingerprint, g.after);
    picks.set(best.c.key, summarize(best.c, best.served, []));
  }

  const chosen = foldPrefixes([...picks.values()], (fp, key) => {
    const q = live.find((x) => x.query.fingerprint === fp);
    return q ? cost(q, key) : undefined;
  });
  const served = new Set(chosen.flatMap((c) => c.queries));
  for (const q of live) if (!served.has(q.query.fingerprint)) rejected.push(whyNot(q, input, need, t.maxIndexes));
  return { chosen, rejected };
}

/** Higher benefit; on a tie the narrower index, then the key (for a stable order). */
function better(c: CandidateIndex, benefit: number, other: CandidateIndex, otherBenefit: number): boolean {
  if (Math.abs(benefit - otherBenefit) > 1e-9 * Math.max(benefit, otherBenefit)) return benefit > otherBenefit;
  const width = c.columns.length + c.include.length - (other.columns.length + other.include.length);
  return width !== 0 ? width < 0 : c.key < other.key;
}

function summarize(candidate: CandidateIndex, perQuery: QueryGain[], covers: string[]): ChosenIndex {
  const costBefore = perQuery.reduce((s, g) => s + g.before, 0);
  const costAfter = perQuery.reduce((s, g) => s + g.after, 0);
  const savingPct = Math.round(savingOf(costBefore, costAfter) * 1000) / 10;
  return { candidate, queries: perQuery.map((g) => g.fingerprint), perQuery, costBefore, costAfter, savingPct, covers };
}

/** Drops a pick whose key columns are a prefix of a wider pick's (same table, method and predicate); the wider one takes its queries. */
function foldPrefixes(picks: ChosenIndex[], cost: (fp: string, key: string) => number | undefined): ChosenIndex[] {
  const out = [...picks];
  for (const narrow of picks) {
    const wide = out.find((w) => w !== narrow && covers(w.candidate, narrow.candidate));
    if (!wide) continue;
    out.splice(out.indexOf(narrow), 1);
    const gains = [...wide.perQuery];
    for (const g of narrow.perQuery) {
      if (gains.some((x) => x.fingerprint === g.fingerprint)) continue;
      gains.push({ ...g, after: cost(g.fingerprint, wide.candidate.key) ?? g.after });
    }
    out[out.indexOf(wide)] = summarize(wide.candidate, gains, [...wide.covers, narrow.candidate.key, ...narrow.covers]);
  }
  return out;
}

/** Whether `wide` serves everything `narrow` does: same table, method and WHERE, narrow's key columns lead wide's. */
export function covers(wide: CandidateIndex, narrow: CandidateIndex): boolean {
  if (wide.key === narrow.key || wide.schema !== narrow.schema || wide.table !== narrow.table) return false;
  if (wide.method !== narrow.method || (wide.where ?? '') !== (narrow.where ?? '')) return false;
  if (narrow.columns.length > wide.columns.length) return false;
  if (!narrow.columns.every((c, i) => sameColumn(c, wide.columns[i]!))) return false;
  const wideAll = new Set([...wide.columns.map((c) => c.column), ...wide.include]);
  return narrow.include.every((c) => wideAll.has(c)) && (narrow.columns.length < wide.columns.length || wide.include.length > narrow.include.length);
}

function sameColumn(a: IndexColumn, b: IndexColumn): boolean {
  return a.column === b.column && a.expression === b.expression && (a.direction ?? 'asc') === (b.direction ?? 'asc') && a.opclass === b.opclass;
}

function whyNot(q: ChooseQuery, input: ChooseInput, need: number, maxIndexes: number | undefined): Rejection {
  const costs = input.costs.get(q.query.fingerprint);
  const options = q.candidates
    .map((c) => ({ c, after: costs?.get(c.key)?.cost }))
    .filter((o): o is { c: CandidateIndex; after: number } => o.after !== undefined)
    .sort((a, b) => a.after - b.after || a.c.key.localeCompare(b.c.key));
  if (!q.candidates.length) return reject(q, 'no-candidates', 'no index candidates: nothing in the query an index could serve');
  if (!options.length) {
    const why = q.uncosted?.length
      ? q.uncosted.map((u) => `${labelOf(q, u.key)}: ${u.reason}`).join('; ')
      : q.candidates.map((c) => candidateLabel(c)).join(', ');
    return reject(q, 'uncosted', `uncosted: no candidate could be costed (${why})`);
  }
  const best = options[0]!;
  const saving = savingOf(q.baseline, best.after);
  const numbers = `${fmtCost(q.baseline)} → ${fmtCost(best.after)} (${fmtPct(saving)})`;
  if (saving >= need && maxIndexes !== undefined) {
    return reject(q, 'index-limit', `not chosen: the limit of ${maxIndexes} indexes was reached; best candidate (${candidateLabel(best.c)}) would lower cost ${numbers}`);
  }
  return reject(q, 'below-threshold', `saving below threshold: best candidate (${candidateLabel(best.c)}) lowers cost ${numbers}, needs ${fmtPct(need)}`);
}

function labelOf(q: ChooseQuery, key: string): string {
  const c = q.candidates.find((x) => x.key === key);
  return c ? candidateLabel(c) : key;
}

export function reject(q: { query: WorkloadQuery }, code: Rejection['code'], reason: string): Rejection {
  return { fingerprint: q.query.fingerprint, query: q.query.query, code, reason };
}
