// Costs a whole workload with one Coster: baselines, then every candidate against every costed query
// that reads its table (so the chooser can see one index serving several queries), then, after the
// choice, each query again with all chosen indexes present. Failures become `explain-failed` rejections.
import { reject, type ChooseQuery } from '../advisor/choose.js';
import type { CandidateIndex, Costing, Rejection, WorkloadQuery } from '../model.js';
import type { Coster } from './coster.js';

export interface CostingInput {
  query: WorkloadQuery;
  /** "schema.table" of every table the query reads. */
  tables: string[];
  candidates: CandidateIndex[];
}

export interface WorkloadCosting {
  /** The chooser's input: costed queries, each with every candidate on its tables. */
  queries: ChooseQuery[];
  costs: Map<string, Map<string, Costing>>;
  /** Queries whose baseline EXPLAIN failed. */
  rejected: Rejection[];
}

export interface WorkloadOptions {
  /** Queries below this baseline are not costed further (the chooser rejects them as low cost). */
  minCost: number;
  /** Also cost candidates made for other queries on the same tables (default true). */
  shareCandidates?: boolean;
}

const tableOf = (c: CandidateIndex) => `${c.schema}.${c.table}`;

export async function costWorkload(coster: Coster, inputs: CostingInput[], opts: WorkloadOptions): Promise<WorkloadCosting> {
  const rejected: Rejection[] = [];
  const base = await coster.costSet(inputs.map((i) => i.query), []);
  const queries: ChooseQuery[] = [];
  const pool = new Map<string, CandidateIndex>();
  for (const i of inputs) for (const c of i.candidates) if (!pool.has(c.key)) pool.set(c.key, c);
  for (const i of inputs) {
    const fp = i.query.fingerprint;
    const b = base.costings.get(fp);
    if (!b) {
      rejected.push(reject(i, 'explain-failed', `EXPLAIN failed: ${base.failures.get(fp) ?? 'no plan'}`));
      continue;
    }
    const own = new Set(i.candidates.map((c) => c.key));
    const tables = new Set(i.tables);
    const candidates = opts.shareCandidates === false ? i.candidates : [...pool.values()].filter((c) => own.has(c.key) || tables.has(tableOf(c)));
    queries.push({ query: i.query, baseline: b.cost, candidates });
  }
  const costs = new Map<string, Map<string, Costing>>(queries.map((q) => [q.query.fingerprint, new Map()]));
  const worth = queries.filter((q) => q.baseline >= opts.minCost);
  for (const c of pool.values()) {
    const users = worth.filter((q) => q.candidates.some((x) => x.key === c.key));
    if (!users.length) continue;
    if (!coster.canCost(c)) {
      for (const q of users) (q.uncosted ??= []).push({ key: c.key, reason: `${coster.method} cannot cost ${c.method} indexes` });
      continue;
    }
    const res = await coster.costSet(users.map((q) => q.query), [c]);
    for (const q of users) {
      const costing = res.costings.get(q.query.fingerprint);
      const skipped = costing?.uncosted?.find((u) => u.key === c.key);
      if (skipped) (q.uncosted ??= []).push(skipped);
      else if (costing) costs.get(q.query.fingerprint)!.set(c.key, costing);
    }
  }
  return { queries, costs, rejected };
}

/** Each query with every chosen index on its tables present, sets shared by several queries planned once. */
export async function costFinal(coster: Coster, queries: ChooseQuery[], chosen: CandidateIndex[]): Promise<Map<string, Costing>> {
  const groups = new Map<string, { set: CandidateIndex[]; queries: WorkloadQuery[] }>();
  for (const q of queries) {
    const keys = new Set(q.candidates.map((c) => c.key));
    const tables = new Set(q.candidates.map(tableOf));
    const set = chosen.filter((c) => keys.has(c.key) || tables.has(tableOf(c)));
    if (!set.length) continue;
    const sig = set.map((c) => c.key).join('\n');
    const g = groups.get(sig) ?? { set, queries: [] };
    g.queries.push(q.query);
    groups.set(sig, g);
  }
  const final = new Map<string, Costing>();
  for (const g of groups.values()) {
    const res = await coster.costSet(g.queries, g.set);
    for (const [fp, costing] of res.costings) final.set(fp, costing);
  }
  return final;
}
