// The greedy, workload-wide choice: shared indexes win, wider picks absorb their prefixes, thresholds
// hold, and every query is either served or rejected with a reason a user can read.
import { describe, expect, it } from 'vitest';
import { chooseIndexes, covers, DEFAULT_THRESHOLDS, type ChooseQuery, type Thresholds } from '../../../src/db/indexes/advisor/choose.js';
import type { CandidateIndex, Costing } from '../../../src/db/indexes/model.js';
import { candidate, workloadQuery } from '../../helpers/index-candidates.js';

/** costs: fingerprint → [candidate, cost] pairs. */
function setup(spec: Array<{ fp: string; baseline: number; calls?: number; meanMs?: number; costs: Array<[CandidateIndex, number]>; extra?: CandidateIndex[] }>) {
  const queries: ChooseQuery[] = spec.map((s) => ({
    query: workloadQuery(`-- ${s.fp}`, { fingerprint: s.fp, calls: s.calls ?? 0, meanMs: s.meanMs ?? 0, source: 'pg_stat_statements' }),
    baseline: s.baseline,
    candidates: [...s.costs.map(([c]) => c), ...(s.extra ?? [])],
  }));
  const costs = new Map<string, Map<string, Costing>>(
    spec.map((s) => [s.fp, new Map(s.costs.map(([c, cost]) => [c.key, { fingerprint: s.fp, cost, used: [c.key] }]))]),
  );
  return (thresholds: Thresholds = DEFAULT_THRESHOLDS) => chooseIndexes({ queries, costs, thresholds });
}

const a = candidate('orders', ['customer_id']);
const ab = candidate('orders', ['customer_id', 'created_at DESC']);
const st = candidate('orders', ['status']);
const em = candidate('customers', ['email']);

describe('chooseIndexes', () => {
  it('prefers one wide index serving three queries over three narrow ones', () => {
    const n1 = candidate('orders', ['a']);
    const n2 = candidate('orders', ['b']);
    const n3 = candidate('orders', ['c']);
    const wide = candidate('orders', ['x', 'y']);
    const run = setup([
      { fp: 'q1', baseline: 1000, costs: [[n1, 100], [wide, 150]] },
      { fp: 'q2', baseline: 1000, costs: [[n2, 100], [wide, 150]] },
      { fp: 'q3', baseline: 1000, costs: [[n3, 100], [wide, 150]] },
    ]);
    const { chosen, rejected } = run();
    expect(chosen.map((c) => c.candidate.key)).toEqual([wide.key]);
    expect(chosen[0]).toMatchObject({ queries: ['q1', 'q2', 'q3'], costBefore: 3000, costAfter: 450, savingPct: 85 });
    expect(rejected).toEqual([]);
  });

  it('weighs queries by calls × mean time', () => {
    const run = setup([
      { fp: 'hot', baseline: 1000, calls: 10_000, meanMs: 5, costs: [[a, 100]] },
      { fp: 'cold1', baseline: 1000, calls: 1, meanMs: 5, costs: [[st, 100]] },
      { fp: 'cold2', baseline: 1000, calls: 1, meanMs: 5, costs: [[st, 100]] },
    ]);
    expect(run({ ...DEFAULT_THRESHOLDS, maxIndexes: 1 }).chosen.map((c) => c.candidate.key)).toEqual([a.key]);
  });

  it('folds a narrower pick into a wider one with the same prefix', () => {
    const run = setup([
      { fp: 'q1', baseline: 1000, costs: [[a, 100]] },
      { fp: 'q2', baseline: 1000, costs: [[a, 400], [ab, 50]] },
      { fp: 'q3', baseline: 1000, costs: [[a, 100]] },
    ]);
    const { chosen, rejected } = run();
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.candidate.key).toBe(ab.key);
    expect(chosen[0]!.covers).toEqual([a.key]);
    expect(chosen[0]!.queries.sort()).toEqual(['q1', 'q2', 'q3']);
    // q1 and q3 have no costing with the wide index: they keep the narrow one's numbers until the final costing
    expect(chosen[0]!.perQuery.find((g) => g.fingerprint === 'q1')).toEqual({ fingerprint: 'q1', before: 1000, after: 100 });
    expect(rejected).toEqual([]);
  });

  it('does not add an index whose extra saving on already-served queries is small', () => {
    const run = setup([
      { fp: 'q1', baseline: 1000, costs: [[a, 100], [st, 80]] },
      { fp: 'q2', baseline: 1000, costs: [[a, 100]] },
    ]);
    expect(run().chosen.map((c) => c.candidate.key)).toEqual([a.key]);
  });

  it('accounts for every query, each rejection in words and numbers', () => {
    const gin = candidate('orders', ['tags'], { method: 'gin' });
    const run = setup([
      { fp: 'served', baseline: 5000, costs: [[a, 10]] },
      { fp: 'cheap', baseline: 42, costs: [[a, 8]] },
      { fp: 'weak', baseline: 1234, costs: [[st, 987], [a, 1200]] },
      { fp: 'worse', baseline: 500, costs: [[st, 900]] },
      { fp: 'none', baseline: 800, costs: [] },
      { fp: 'gin', baseline: 900, costs: [], extra: [gin] },
    ]);
    const { chosen, rejected } = run();
    const fps = [...chosen.flatMap((c) => c.queries), ...rejected.map((r) => r.fingerprint)].sort();
    expect(fps).toEqual(['cheap', 'gin', 'none', 'served', 'weak', 'worse']);
    const why = Object.fromEntries(rejected.map((r) => [r.fingerprint, `${r.code}: ${r.reason}`]));
    expect(why).toEqual({
      cheap: 'low-cost: low cost: 42 (minimum 100)',
      weak: 'below-threshold: saving below threshold: best candidate (orders (status)) lowers cost 1,234 → 987 (20%), needs 50%',
      worse: 'below-threshold: saving below threshold: best candidate (orders (status)) lowers cost 500 → 900 (0%), needs 50%',
      none: 'no-candidates: no index candidates: nothing in the query an index could serve',
      gin: 'uncosted: uncosted: no candidate could be costed (orders USING gin (tags))',
    });
    expect(rejected.find((r) => r.fingerprint === 'cheap')!.query).toBe('-- cheap');
  });

  it('applies the thresholds it is given', () => {
    const run = setup([
      { fp: 'weak', baseline: 1234, costs: [[st, 987]] },
      { fp: 'big', baseline: 900, costs: [[a, 90]] },
      { fp: 'other', baseline: 900, costs: [[em, 80]] },
    ]);
    expect(run({ minSavingPct: 10, minCost: 100 }).chosen.map((c) => c.candidate.key).sort()).toEqual([a.key, em.key, st.key].sort());
    const strict = run({ minSavingPct: 50, minCost: 1000 });
    expect(strict.chosen).toEqual([]);
    expect(strict.rejected.map((r) => r.code).sort()).toEqual(['below-threshold', 'low-cost', 'low-cost']);
    const limited = run({ minSavingPct: 50, minCost: 100, maxIndexes: 1 });
    expect(limited.chosen.map((c) => c.candidate.key)).toEqual([em.key]);
    expect(limited.rejected.find((r) => r.fingerprint === 'big')).toMatchObject({
      code: 'index-limit',
      reason: 'not chosen: the limit of 1 indexes was reached; best candidate (orders (customer_id)) would lower cost 900 → 90 (90%)',
    });
  });

  it('breaks ties toward the narrower index', () => {
    const run = setup([{ fp: 'q', baseline: 1000, costs: [[ab, 100], [a, 100]] }]);
    expect(run().chosen.map((c) => c.candidate.key)).toEqual([a.key]);
  });
});

describe('covers', () => {
  it('is a key-column prefix on the same table, method and predicate', () => {
    expect(covers(ab, a)).toBe(true);
    expect(covers(a, ab)).toBe(false);
    expect(covers(candidate('orders', ['customer_id', 'x']), candidate('orders', ['x']))).toBe(false);
    expect(covers(ab, candidate('orders', ['customer_id'], { where: 'deleted_at IS NULL' }))).toBe(false);
    expect(covers(ab, candidate('orders', ['customer_id'], { method: 'hash' }))).toBe(false);
    expect(covers(ab, candidate('orders', ['customer_id DESC']))).toBe(false);
    expect(covers(candidate('orders', ['customer_id'], { include: ['total'] }), a)).toBe(true);
    expect(covers(a, candidate('orders', ['customer_id'], { include: ['total'] }))).toBe(false);
    expect(covers(candidate('orders', ['customer_id', 'total']), candidate('orders', ['customer_id'], { include: ['total'] }))).toBe(true);
  });
});
