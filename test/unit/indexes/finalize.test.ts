// Recommendations from the picks and a final costing with every pick present: time saved per hour,
// shared credit for joins, queries the final plan leaves out, and the write-overhead sentence.
import { describe, expect, it } from 'vitest';
import { chooseIndexes, DEFAULT_THRESHOLDS, type ChooseQuery } from '../../../src/db/indexes/advisor/choose.js';
import { finalizeRecommendations, writeOverhead } from '../../../src/db/indexes/advisor/finalize.js';
import type { Catalog, Costing, TableInfo } from '../../../src/db/indexes/model.js';
import { candidate, workloadQuery } from '../../helpers/index-candidates.js';

const table = (name: string, w: TableInfo['writesPerHour']): TableInfo => ({
  schema: 'public', name, kind: 'table', rows: 1e5, pages: 1000, sizeBytes: 8e6, columns: [], indexes: [], writesPerHour: w,
});
const catalog: Catalog = {
  tables: { 'public.orders': table('orders', { inserts: 1234, updates: 300, deletes: 0 }), 'public.customers': table('customers', { inserts: 0, updates: 0, deletes: 0 }) },
  searchPath: ['public'], serverVersionNum: 150000, statsReset: null, hypopg: true,
};
const byCustomer = candidate('orders', ['customer_id']);
const byEmail = candidate('customers', ['email']);
const q = (fp: string, calls: number, meanMs: number) => workloadQuery(`-- ${fp}`, { fingerprint: fp, calls, meanMs, totalMs: calls * meanMs, source: 'pg_stat_statements' });

describe('finalizeRecommendations', () => {
  it('fills the numbers from the final costing and credits a join half to each index it uses', () => {
    const queries: ChooseQuery[] = [
      { query: q('one', 100, 10), baseline: 1000, candidates: [byCustomer] },
      { query: q('join', 20, 50), baseline: 4000, candidates: [byCustomer, byEmail] },
      { query: q('lost', 10, 10), baseline: 1000, candidates: [byCustomer] },
    ];
    const single = (fp: string, key: string, cost: number): [string, Costing] => [key, { fingerprint: fp, cost, used: [key] }];
    const costs = new Map([
      ['one', new Map([single('one', byCustomer.key, 100)])],
      ['join', new Map([single('join', byCustomer.key, 1500), single('join', byEmail.key, 600)])],
      ['lost', new Map([single('lost', byCustomer.key, 200)])],
    ]);
    const choice = chooseIndexes({ queries, costs, thresholds: DEFAULT_THRESHOLDS });
    expect(choice.chosen.map((c) => c.candidate.key).sort()).toEqual([byCustomer.key, byEmail.key].sort());
    const final = new Map<string, Costing>([
      ['one', { fingerprint: 'one', cost: 100, used: [byCustomer.key] }],
      ['join', { fingerprint: 'join', cost: 400, used: [byCustomer.key, byEmail.key] }],
      ['lost', { fingerprint: 'lost', cost: 990, used: [] }],
    ]);
    const sizes = new Map([[byCustomer.key, 2_000_000]]);
    const { recommendations, rejected } = finalizeRecommendations({ ...choice, queries, final, method: 'hypopg', catalog, sizes, statsAgeHours: 10, thresholds: DEFAULT_THRESHOLDS });
    const rc = recommendations.find((r) => r.table === 'public.orders')!;
    expect(rc).toMatchObject({
      columns: ['customer_id'], using: 'btree', include: [], where: null, method: 'hypopg',
      ddl: 'CREATE INDEX CONCURRENTLY ON public.orders USING btree (customer_id);',
      queries: ['one', 'join'], costBefore: 5000, costAfter: 500, savingPct: 90, sizeBytes: 2_000_000,
    });
    // one: 10 calls/h × 10 ms × 90 %; join: 2 calls/h × 50 ms × 90 % ÷ 2 indexes
    expect(rc.msSavedPerHour).toBe(90 + 45);
    expect(rc.writeOverhead).toBe('orders gets ~1,200 inserts and 300 updates an hour; each insert (and each update that changes an indexed column or cannot stay HOT) maintains this index too');
    expect(rc.why).toMatch(/orders \(customer_id\) serves 2 queries, planner cost 5,000 → 500 \(−90%\)/);
    const re = recommendations.find((r) => r.table === 'public.customers')!;
    expect(re).toMatchObject({ queries: ['join'], msSavedPerHour: 45, sizeBytes: null });
    expect(re.writeOverhead).toMatch(/^read-only table/);
    expect(rejected).toEqual([
      { fingerprint: 'lost', query: '-- lost', code: 'below-threshold', reason: 'saving below threshold: with all recommended indexes present the planner keeps its plan: cost 1,000 → 990 (1%), needs 50%' },
    ]);
  });

  it('has no time saved without call rates, and serves a rejected query the final plan helps', () => {
    const lit = workloadQuery('SELECT 1', { fingerprint: 'lit' });
    const weak = workloadQuery('SELECT 2', { fingerprint: 'weak' });
    const queries: ChooseQuery[] = [
      { query: lit, baseline: 1000, candidates: [byCustomer] },
      { query: weak, baseline: 1000, candidates: [byCustomer] },
    ];
    const costs = new Map([
      ['lit', new Map([[byCustomer.key, { fingerprint: 'lit', cost: 10, used: [byCustomer.key] }]])],
      ['weak', new Map([[byCustomer.key, { fingerprint: 'weak', cost: 700, used: [byCustomer.key] }]])],
    ]);
    const choice = chooseIndexes({ queries, costs, thresholds: DEFAULT_THRESHOLDS });
    expect(choice.rejected.map((r) => r.fingerprint)).toEqual(['weak']);
    const final = new Map([
      ['lit', { fingerprint: 'lit', cost: 10, used: [byCustomer.key] }],
      ['weak', { fingerprint: 'weak', cost: 300, used: [byCustomer.key] }],
    ]);
    const { recommendations, rejected } = finalizeRecommendations({ ...choice, queries, final, method: 'trial', catalog, sizes: new Map(), statsAgeHours: null, thresholds: DEFAULT_THRESHOLDS });
    expect(recommendations[0]).toMatchObject({ queries: ['lit', 'weak'], msSavedPerHour: null, method: 'trial' });
    expect(rejected).toEqual([]);
  });
});

describe('writeOverhead', () => {
  it('says how often the table is written, in round numbers', () => {
    expect(writeOverhead(table('t', { inserts: 12.4, updates: 0, deletes: 7 }), 't')).toMatch(/^t gets ~12 inserts and 7 deletes an hour/);
    expect(writeOverhead(table('t', { inserts: 0.1, updates: 0, deletes: 0 }), 't')).toMatch(/^read-only table: t had no inserts/);
    expect(writeOverhead(undefined, 't')).toBe('no write statistics for t');
  });
});
