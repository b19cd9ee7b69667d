// The pg_stats heuristic on a hand-made catalog: the documented formula's numbers, selectivities from
// MCVs and n_distinct, partial indexes, sort order, and sizes.
import { describe, expect, it } from 'vitest';
import { createHeuristicCoster, heuristicCost } from '../../../src/db/indexes/costing/heuristic.js';
import { heuristicSize } from '../../../src/db/indexes/costing/heuristic-model.js';
import type { Catalog, Predicate, TableInfo } from '../../../src/db/indexes/model.js';
import { candidate, workloadQuery } from '../../helpers/index-candidates.js';

const orders: TableInfo = {
  schema: 'public', name: 'orders', kind: 'table', rows: 100_000, pages: 1000, sizeBytes: 8_192_000, indexes: [],
  writesPerHour: { inserts: 0, updates: 0, deletes: 0 },
  columns: [
    { name: 'customer_id', type: 'integer', notNull: true, stats: { nullFrac: 0, nDistinct: 5000, correlation: 0, avgWidth: 4 } },
    { name: 'status', type: 'text', notNull: true, stats: { nullFrac: 0, nDistinct: 3, correlation: 0.3, avgWidth: 5, mostCommonVals: ['done', 'open', 'cancelled'], mostCommonFreqs: [0.9, 0.09, 0.01] } },
    { name: 'created_at', type: 'timestamp with time zone', notNull: true, stats: { nullFrac: 0, nDistinct: -1, correlation: 1, avgWidth: 8 } },
    { name: 'deleted_at', type: 'timestamp with time zone', notNull: false, stats: { nullFrac: 0.98, nDistinct: 10, correlation: 0, avgWidth: 8 } },
  ],
};
const catalog: Catalog = { tables: { 'public.orders': orders }, searchPath: ['public'], serverVersionNum: 150000, statsReset: null, hypopg: false };
const p = (column: string, kind: Predicate['kind'], extra: Partial<Predicate> = {}): Predicate => ({ table: 'public.orders', column, kind, sargable: true, ...extra });

describe('heuristic costing', () => {
  it('follows the documented formula for a selective equality', () => {
    const byCustomer = candidate('orders', ['customer_id']);
    const before = heuristicCost(catalog, [p('customer_id', 'eq')], []);
    const after = heuristicCost(catalog, [p('customer_id', 'eq')], [byCustomer]);
    // seq: 1000 pages × 1 + 100,000 rows × (0.01 + 1 × 0.0025)
    expect(before).toMatchObject({ cost: 2250, used: [] });
    // 20 rows: 1 index page × 4 + 20 × (0.005 + 0.0025) + 20 × 0.01, and the heap read by a bitmap scan:
    // 2·1000·20 / (2·1000 + 20) = 19.8 pages × (4 − 3 × √(19.8 / 1000)) = 70.9 (an index scan: 20 × 4 = 80)
    expect(after).toMatchObject({ cost: 75.2, used: [byCustomer.key] });
  });

  it('uses MCV frequencies, null_frac, correlation and partial predicates', () => {
    const byStatus = candidate('orders', ['status']);
    const done = [p('status', 'eq', { constantSql: "status = 'done'" })];
    const rare = [p('status', 'eq', { constantSql: "status = 'cancelled'" })];
    expect(heuristicCost(catalog, done, [byStatus])).toMatchObject({ used: [] }); // 90 % of the rows: seq scan stays
    expect(heuristicCost(catalog, rare, [byStatus])).toMatchObject({ used: [byStatus.key] });
    const range = [p('created_at', 'range')];
    const correlated = heuristicCost(catalog, range, [candidate('orders', ['created_at'])]) as { cost: number };
    expect(correlated.cost).toBeLessThan((heuristicCost(catalog, range, []) as { cost: number }).cost);
    const live = [p('deleted_at', 'isnull', { constantSql: 'deleted_at IS NULL' }), p('customer_id', 'eq')];
    const partial = candidate('orders', ['customer_id'], { where: 'deleted_at IS NULL' });
    expect(heuristicCost(catalog, live, [partial])).toMatchObject({ used: [partial.key] });
    expect(heuristicCost(catalog, [p('customer_id', 'eq')], [partial])).toMatchObject({ used: [] });
  });

  it('drops the sort when the index returns rows in order', () => {
    const byDate = candidate('orders', ['created_at DESC']);
    const range = p('created_at', 'range');
    const sorted = [range, p('created_at', 'sort')];
    const cost = (preds: Predicate[], cands = [byDate]) => (heuristicCost(catalog, preds, cands) as { cost: number }).cost;
    expect(cost(sorted, [])).toBeGreaterThan(cost([range], []) + 1000); // ~33,000 rows to sort
    expect(cost(sorted)).toBe(cost([range])); // read backwards in index order: no sort
    expect(cost([range, p('customer_id', 'sort')])).toBeGreaterThan(cost([range]));
  });

  it('estimates sizes from avg_width, and the share a partial index holds', () => {
    expect(heuristicSize(candidate('orders', ['customer_id']), orders)).toBe(Math.round((100_000 * (4 + 24)) / 0.9));
    expect(heuristicSize(candidate('orders', ['customer_id'], { where: 'deleted_at IS NOT NULL' }), orders)).toBe(Math.round((2_000 * 28) / 0.9));
  });

  it('as a Coster: B-tree only, and a failure when it has no predicates', async () => {
    const preds: Record<string, Predicate[]> = { q: [p('customer_id', 'eq')] };
    const h = createHeuristicCoster(catalog, (fp) => preds[fp]);
    const gin = candidate('orders', ['tags'], { method: 'gin' });
    const res = await h.costWith(workloadQuery('x', { fingerprint: 'q' }), [gin]);
    expect(res.uncosted).toEqual([{ key: gin.key, reason: 'the pg_stats heuristic estimates B-tree indexes only, not gin' }]);
    const none = await h.costSet([workloadQuery('y', { fingerprint: 'none' })], []);
    expect(none.failures.get('none')).toMatch(/needs the query’s predicates/);
    expect(h.plansMade).toBe(2);
  });
});
