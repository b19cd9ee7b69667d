// The one interface every costing method implements (HypoPG, trial indexes, the pg_stats heuristic),
// so that the workload costing and the chooser do not care how a cost was made.
import type { CandidateIndex, CostMethod, Costing, WorkloadQuery } from '../model.js';

export interface CostSetResult {
  /** By fingerprint, for the queries that could be planned. */
  costings: Map<string, Costing>;
  /** By fingerprint: the server's message when EXPLAIN failed (syntax, missing column, timeout). */
  failures: Map<string, string>;
}

export interface Coster {
  readonly method: CostMethod;
  /** Plans made so far (EXPLAINs with hypothetical or trial indexes, or heuristic estimates). */
  readonly plansMade: number;
  /** Whether this method can cost the candidate at all (HypoPG 1.3.1: btree, hash, brin; no GIN/GiST). */
  canCost(c: CandidateIndex): boolean;
  /** The query's cost with no new index. Throws ExplainFailedError when it cannot be planned. */
  baseline(q: WorkloadQuery): Promise<number>;
  /** The query's cost with these candidates present. Throws ExplainFailedError when it cannot be planned. */
  costWith(q: WorkloadQuery, candidates: CandidateIndex[]): Promise<Costing>;
  /** Several queries against one set of candidates, built once (what the workload costing uses). */
  costSet(queries: WorkloadQuery[], candidates: CandidateIndex[]): Promise<CostSetResult>;
  /** Estimated size in bytes by candidate key (missing when the method cannot tell). */
  estimateSizes(candidates: CandidateIndex[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** A query the method could not plan: the workload costing turns it into an `explain-failed` rejection. */
export class ExplainFailedError extends Error {
  constructor(
    readonly fingerprint: string,
    readonly serverMessage: string,
  ) {
    super(`EXPLAIN failed: ${serverMessage}`);
    this.name = 'ExplainFailedError';
  }
}

/** baseline and costWith in terms of costSet, for the implementations. */
export async function costOne(coster: Pick<Coster, 'costSet'>, q: WorkloadQuery, candidates: CandidateIndex[]): Promise<Costing> {
  const res = await coster.costSet([q], candidates);
  const failure = res.failures.get(q.fingerprint);
  const costing = res.costings.get(q.fingerprint);
  if (failure !== undefined || !costing) throw new ExplainFailedError(q.fingerprint, failure ?? 'no plan');
  return costing;
}

/** Unique queries by fingerprint (a set is planned once per query). */
export function uniqueQueries(queries: WorkloadQuery[]): WorkloadQuery[] {
  const seen = new Map<string, WorkloadQuery>();
  for (const q of queries) if (!seen.has(q.fingerprint)) seen.set(q.fingerprint, q);
  return [...seen.values()];
}

/** The parts a costing method really implements; `baseline` and `costWith` follow from `costSet`. */
export interface CosterParts {
  method: Coster['method'];
  plansMade: () => number;
  canCost: Coster['canCost'];
  costSet: Coster['costSet'];
  estimateSizes: Coster['estimateSizes'];
  close?: () => Promise<void>;
}

export function makeCoster(parts: CosterParts): Coster {
  const { costSet } = parts;
  return {
    method: parts.method,
    get plansMade() {
      return parts.plansMade();
    },
    canCost: parts.canCost,
    baseline: async (q) => (await costOne({ costSet }, q, [])).cost,
    costWith: (q, candidates) => costOne({ costSet }, q, candidates),
    costSet,
    estimateSizes: parts.estimateSizes,
    close: parts.close ?? (async () => {}),
  };
}
