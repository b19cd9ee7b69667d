// The pg_stats heuristic, for servers without HypoPG and no trial database (hosted PostgreSQL): a
// pure estimate of PostgreSQL's own cost model from the catalog snapshot and the query's predicates.
//
// Constants: the server's planner settings from the catalog, else PostgreSQL's defaults
//   seq_page_cost 1, random_page_cost 4, cpu_tuple_cost 0.01, cpu_index_tuple_cost 0.005,
//   cpu_operator_cost 0.0025, block_size 8192.
// Selectivity s(p) of a predicate (heuristic-selectivity.ts):
//   eq          MCV frequency when the constant is a most-common value, else (1 − null_frac) / n_distinct
//               (n_distinct < 0: a fraction of the rows), capped at the top MCV frequency; 0.005 without stats
//   in          3 × eq (the list length is unknown)
//   range       1/3 for one bound; 1/10 for two bounds on one column
//   isnull      null_frac (IS NOT NULL: 1 − null_frac)
//   like-prefix 1/10
// For each table T the query reads (N rows, P pages ≥ 1, q filter predicates on T):
//   seq(T)       = P × seq_page_cost + N × (cpu_tuple_cost + q × cpu_operator_cost)
//   index(T, I)  with s = Π s(p) over the index's leading columns that have eq/in/isnull predicates, then
//                at most one range or like-prefix column (and the predicate of a partial index);
//                not usable (= seq(T)) when no leading column matches:
//     rows       = max(1, s × N)
//     indexIO    = max(1, ⌈s × indexPages⌉) × random_page_cost,  indexPages = sizeBytes(I) / block_size
//     heapIO     = min(index scan: maxIO + c² × (minIO − maxIO) (PostgreSQL's cost_index interpolation),
//                      bitmap scan: pages × (random_page_cost − (random_page_cost − seq_page_cost) × √(pages / P)))
//                  maxIO = min(rows, P) × random_page_cost               (uncorrelated: a page per row)
//                  minIO = random_page_cost + (⌈s × P⌉ − 1) × seq_page_cost  (in heap order)
//                  c = pg_stats.correlation of the first index column (0 when unknown)
//                  pages = min(P, 2·P·rows / (2·P + rows))   (Mackert–Lohman, cache ignored)
//     index(T,I) = indexIO + rows × (cpu_index_tuple_cost + cpu_operator_cost) + heapIO
//                  + rows × (cpu_tuple_cost + (q − matched) × cpu_operator_cost)
//   sort(T)      = r × log2(r) × 2 × cpu_operator_cost for a query that sorts T's rows (r filtered rows),
//                  dropped for the index scan (never the bitmap scan) when the index returns that order
//                  (sort columns right after its equality columns, all in its direction or all reversed)
// costBefore = Σ_T seq(T) + sort(T);  costAfter = Σ_T min(seq(T) + sort(T), min over candidates on T of index(T, I) + sort)
// sizeBytes(I) = N × s(where) × (Σ avg_width of key and INCLUDE columns + 8 + 16) / 0.9 (fillfactor), ≥ one block
// Join predicates are not estimated (the outer side's row count is unknown): tables reached only by a
// join count with their sequential scan, before and after.
import type { CandidateIndex, Catalog, Costing, Predicate, TableInfo, WorkloadQuery } from '../model.js';
import { makeCoster, uniqueQueries, type Coster, type CostSetResult } from './coster.js';
import { estimateTable, heuristicSize, plannerSettings } from './heuristic-model.js';

export type PredicatesFor = (fingerprint: string) => Predicate[] | undefined;

/** The estimate for one query, or in words why there is none. */
export function heuristicCost(catalog: Catalog, predicates: Predicate[], candidates: CandidateIndex[]): Costing | string {
  const byTable = new Map<string, Predicate[]>();
  for (const p of predicates) byTable.set(p.table, [...(byTable.get(p.table) ?? []), p]);
  const pc = plannerSettings(catalog);
  let cost = 0;
  let found = 0;
  const used: string[] = [];
  for (const [key, preds] of byTable) {
    const table: TableInfo | undefined = catalog.tables[key];
    if (!table) continue;
    found++;
    const onTable = candidates.filter((c) => `${c.schema}.${c.table}` === key && c.method === 'btree');
    const est = estimateTable(table, preds, onTable, pc);
    cost += est.cost;
    if (est.used) used.push(est.used);
  }
  if (!found) return predicates.length ? 'none of its tables is in the catalog' : 'the pg_stats heuristic needs the query’s predicates, and none were found';
  return { fingerprint: '', cost: round2(cost), used };
}

export function createHeuristicCoster(catalog: Catalog, predicatesFor: PredicatesFor): Coster {
  let plansMade = 0;
  const canCost = (c: CandidateIndex) => c.method === 'btree';

  async function costSet(queries: WorkloadQuery[], candidates: CandidateIndex[]): Promise<CostSetResult> {
    const res: CostSetResult = { costings: new Map(), failures: new Map() };
    const costable = candidates.filter(canCost);
    const uncosted = candidates.filter((c) => !canCost(c)).map((c) => ({ key: c.key, reason: `the pg_stats heuristic estimates B-tree indexes only, not ${c.method}` }));
    for (const q of uniqueQueries(queries)) {
      plansMade++;
      const est = heuristicCost(catalog, predicatesFor(q.fingerprint) ?? [], costable);
      if (typeof est === 'string') {
        res.failures.set(q.fingerprint, est);
        continue;
      }
      const costing: Costing = { ...est, fingerprint: q.fingerprint };
      if (uncosted.length) costing.uncosted = uncosted;
      res.costings.set(q.fingerprint, costing);
    }
    return res;
  }

  return makeCoster({
    method: 'heuristic',
    plansMade: () => plansMade,
    canCost,
    costSet,
    estimateSizes: async (candidates) => {
      const sizes = new Map<string, number>();
      for (const c of candidates) {
        const table = catalog.tables[`${c.schema}.${c.table}`];
        if (table) sizes.set(c.key, heuristicSize(c, table, plannerSettings(catalog)));
      }
      return sizes;
    },
  });
}

const round2 = (n: number) => Math.round(n * 100) / 100;
