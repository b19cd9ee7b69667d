// The advisor pipeline, shared by `db indexes`, `perfkit demo` and the benchmark: analyse each query
// (predicates, candidates, early rejections), cost the rest with one Coster, choose workload-wide,
// cost again with every pick present, and turn uncostable GIN/GiST/trigram advice into `uncosted`
// recommendations. Every query ends under a recommendation or in `rejected`.
import { pgParser } from '../../statement.js';
import { chooseIndexes, reject, type ChooseQuery, type Thresholds } from './choose.js';
import { finalizeRecommendations, indexShape } from './finalize.js';
import { extractPredicates, type ParseTree } from './predicates.js';
import { buildCandidates } from './candidates.js';
import { preRejections } from './reject.js';
import { alreadyServed } from './served.js';
import { costFinal, costWorkload, type CostingInput } from '../costing/workload.js';
import type { Coster } from '../costing/coster.js';
import type { CandidateIndex, Catalog, Predicate, QueryAnalysis, Recommendation, Rejection, WorkloadQuery } from '../model.js';

export interface AdviseOptions {
  thresholds: Thresholds;
  minRows: number;
  maxColumns: number;
  statsAgeHours: number | null;
  progress?: (text: string) => void;
}

export interface Advice {
  recommendations: Recommendation[];
  rejected: Rejection[];
  plansMade: number;
  analysed: number;
  /** pg_stat_statements entries that read only system catalogs (monitoring, not the workload). */
  ignored?: number;
}

/** Parses and analyses each query; returns the ones worth costing and the early rejections. */
export async function analyseWorkload(catalog: Catalog, workload: WorkloadQuery[], opts: Pick<AdviseOptions, 'minRows' | 'maxColumns'>) {
  const pg = await pgParser();
  const inputs: CostingInput[] = [];
  const rejected: Rejection[] = [];
  const predicates = new Map<string, Predicate[]>();
  /** fingerprint → an existing index that already serves one of its candidates. */
  const servedBy = new Map<string, string>();
  let ignored = 0;
  for (const q of workload) {
    let analysis: QueryAnalysis;
    try {
      const pa = extractPredicates(pg.parseSync(q.query) as ParseTree, catalog);
      analysis = { query: q, kind: pa.kind, tables: pa.tables, predicates: pa.predicates, candidates: [], statement: pa.statement, missingTables: pa.missingTables, columnsRead: pa.columnsRead, problems: pa.problems };
      // Monitoring statements in pg_stat_statements (perfkit's own among them: PostgreSQL 18 drops the
      // leading /* perfkit */ comment) read only catalogs: not the application's workload.
      if (q.source === 'pg_stat_statements' && !pa.tables.length && !pa.missingTables.length) {
        ignored++;
        continue;
      }
    } catch (e) {
      rejected.push(reject({ query: q }, 'unparsable', `unparsable: ${(e as Error).message.split('\n')[0]}`));
      continue;
    }
    analysis.candidates = buildCandidates(analysis, catalog, { maxColumns: opts.maxColumns, minRows: opts.minRows });
    const early = preRejections(analysis, catalog, { minRows: opts.minRows });
    if (early) {
      rejected.push(early);
      continue;
    }
    predicates.set(q.fingerprint, analysis.predicates);
    const fresh = analysis.candidates.filter((c) => {
      const by = alreadyServed(c, catalog.tables[`${c.schema}.${c.table}`]?.indexes ?? []);
      // A primary key serving a join column does not make the query's filter "already indexed".
      if (by && !servedBy.has(q.fingerprint) && !/^join /.test(c.reason)) servedBy.set(q.fingerprint, by);
      return !by;
    });
    inputs.push({ query: q, tables: analysis.tables, candidates: fresh });
  }
  return { inputs, rejected, predicates, servedBy, ignored };
}

/** The coster is made once the workload is analysed: the heuristic one needs each query's predicates. */
export type CosterFactory = (predicatesFor: (fingerprint: string) => Predicate[] | undefined) => Promise<Coster>;

export async function advise(catalog: Catalog, workload: WorkloadQuery[], makeCoster: CosterFactory, opts: AdviseOptions): Promise<Advice> {
  opts.progress?.(`analysing ${workload.length} queries`);
  const { inputs, rejected, predicates, servedBy, ignored } = await analyseWorkload(catalog, workload, opts);
  const coster = await makeCoster((fp) => predicates.get(fp));
  let advice: Advice;
  try {
    advice = await adviseWith(coster, catalog, inputs, rejected, workload.length - ignored, opts);
    advice.ignored = ignored;
  } finally {
    await coster.close();
  }
  // A query one of whose candidates an existing index already is, and that no new index improves
  // enough, is served already: say so, with the numbers of the best remaining candidate.
  advice.rejected = advice.rejected.map((r) => {
    const by = servedBy.get(r.fingerprint);
    if (!by || (r.code !== 'below-threshold' && r.code !== 'no-candidates' && r.code !== 'low-cost')) return r;
    return { ...r, code: 'already-indexed', reason: `already served by ${by}; ${r.reason.replace(/^saving below threshold: /, 'no new index does better: ')}` };
  });
  return advice;
}

async function adviseWith(coster: Coster, catalog: Catalog, inputs: CostingInput[], rejected: Rejection[], analysed: number, opts: AdviseOptions): Promise<Advice> {
  opts.progress?.(`costing ${inputs.length} queries with ${coster.method}`);
  const costed = await costWorkload(coster, inputs, { minCost: opts.thresholds.minCost });
  const choice = chooseIndexes({ queries: costed.queries, costs: costed.costs, thresholds: opts.thresholds });
  const picked = choice.chosen.map((c) => c.candidate);
  opts.progress?.(`checking ${picked.length} chosen indexes together`);
  const final = await costFinal(coster, costed.queries, picked);
  const sizes = await coster.estimateSizes(picked);
  const done = finalizeRecommendations({
    ...choice, queries: costed.queries, final, method: coster.method, catalog, sizes,
    statsAgeHours: opts.statsAgeHours, thresholds: opts.thresholds,
  });
  const { recommendations, rejected: still } = uncostedAdvice(done.recommendations, [...costed.rejected, ...done.rejected], costed.queries, catalog);
  return { recommendations, rejected: [...rejected, ...still], plansMade: coster.plansMade, analysed };
}

/** A query left with only uncostable candidates (GIN, GiST, trigram) gets the best of them as advice
 *  marked `uncosted`, instead of a rejection: the index is real help the costing method cannot see. */
function uncostedAdvice(recs: Recommendation[], rejected: Rejection[], queries: ChooseQuery[], catalog: Catalog) {
  const byKey = new Map<string, { candidate: CandidateIndex; queries: string[]; reason: string }>();
  const still: Rejection[] = [];
  for (const r of rejected) {
    const q = queries.find((x) => x.query.fingerprint === r.fingerprint);
    // Its own GIN/GiST/trigram candidate, when nothing costable was good enough: real advice, uncosted.
    const own = q?.uncosted?.find((x) => q.candidates.find((c) => c.key === x.key)?.queries.includes(r.fingerprint));
    const u = r.code === 'uncosted' || r.code === 'below-threshold' ? own ?? (r.code === 'uncosted' ? q?.uncosted?.[0] : undefined) : undefined;
    const candidate = u && q?.candidates.find((c) => c.key === u.key);
    if (!candidate || !u) {
      still.push(r);
      continue;
    }
    const entry = byKey.get(candidate.key) ?? { candidate, queries: [], reason: u.reason };
    entry.queries.push(r.fingerprint);
    byKey.set(candidate.key, entry);
  }
  const extra: Recommendation[] = [...byKey.values()].map(({ candidate: c, queries: fps, reason }) => ({
    ...indexShape(c, catalog),
    method: 'uncosted',
    costBefore: null,
    costAfter: null,
    savingPct: null,
    queries: fps,
    msSavedPerHour: null,
    sizeBytes: null,
    why: `${c.reason}; uncosted: ${reason}`,
  }));
  return { recommendations: [...recs, ...extra], rejected: still };
}
