// The index advisor's costing on the test PostgreSQL 15, on a scratch database created and dropped
// here: HypoPG (incl. generic plans re-PREPAREd after each change), trial indexes that leave nothing
// behind, the pg_stats heuristic against the same data, and the whole costing → choice → recommendation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgConnection } from '../../src/connectors/postgres.js';
import { fetchCatalog } from '../../src/db/indexes/catalog.js';
import { chooseIndexes, DEFAULT_THRESHOLDS } from '../../src/db/indexes/advisor/choose.js';
import { ExplainFailedError, type Coster } from '../../src/db/indexes/costing/coster.js';
import { createHeuristicCoster } from '../../src/db/indexes/costing/heuristic.js';
import { createHypopgCoster } from '../../src/db/indexes/costing/hypopg.js';
import { createTrialCoster } from '../../src/db/indexes/costing/trial.js';
import { costFinal, costWorkload } from '../../src/db/indexes/costing/workload.js';
import { finalizeRecommendations } from '../../src/db/indexes/advisor/finalize.js';
import type { Catalog, Predicate } from '../../src/db/indexes/model.js';
import { candidate, workloadQuery } from '../helpers/index-candidates.js';
import { createShopDb, type ScratchDb } from '../helpers/shop-db.js';

let db: ScratchDb;
let conn: PgConnection;
let catalog: Catalog;

beforeAll(async () => {
  db = await createShopDb(`perfkit_costing_${process.pid}`);
  conn = db.conn;
  catalog = await fetchCatalog(conn);
});
afterAll(() => db?.drop());

const byCustomer = candidate('orders', ['customer_id']);
const byStatus = candidate('orders', ['status']);
const literal = workloadQuery('SELECT * FROM orders WHERE customer_id = 42');
const param = workloadQuery('SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at', { paramCount: 1 });

describe('HypoPG costing', () => {
  let hypo: Coster;
  beforeAll(async () => {
    hypo = await createHypopgCoster(conn, { statementTimeoutMs: 10_000 });
  });

  it('costs a missing index lower, and the plan uses it', async () => {
    const before = await hypo.baseline(literal);
    const after = await hypo.costWith(literal, [byCustomer, byStatus]);
    expect(after.cost).toBeLessThan(before * 0.1);
    expect(after.used).toEqual([byCustomer.key]);
    expect(hypo.method).toBe('hypopg');
  });

  it('re-PREPAREs $n queries for each set, so a generic plan sees the new hypothetical index', async () => {
    const before = await hypo.baseline(param);
    const withIndex = await hypo.costWith(param, [byCustomer]);
    expect(withIndex.cost).toBeLessThan(before * 0.5);
    expect(withIndex.used).toEqual([byCustomer.key]);
    // and the index is gone again afterwards: the same query costs what it did
    expect(await hypo.baseline(param)).toBeCloseTo(before, 2);
    expect((await hypo.costWith(param, [byCustomer])).cost).toBeCloseTo(withIndex.cost, 2);
  });

  it('plans writes without running them: UPDATE … WHERE customer_id = $2 inside its read-only transaction', async () => {
    const upd = workloadQuery('UPDATE orders SET note = $1 WHERE customer_id = $2', { paramCount: 2 });
    const before = await hypo.baseline(upd);
    expect((await hypo.costWith(upd, [byCustomer])).cost).toBeLessThan(before * 0.5);
    const { rows } = await db.conn.pool.query(`SELECT count(*)::int AS n FROM orders WHERE note IS NOT NULL`);
    expect(rows[0].n).toBe(300);
  });

  it('turns a query it cannot plan into ExplainFailedError with the server message, and goes on', async () => {
    const bad = workloadQuery('SELECT * FROM orders WHERE nope = 1');
    await expect(hypo.baseline(bad)).rejects.toThrow(ExplainFailedError);
    await expect(hypo.baseline(bad)).rejects.toThrow(/column "nope" does not exist/);
    const two = workloadQuery('SELECT 1 FROM orders; DROP TABLE orders');
    await expect(hypo.baseline(two)).rejects.toThrow(/2 statements given/);
    const res = await hypo.costSet([bad, literal], [byCustomer]);
    expect(res.failures.get(bad.fingerprint)).toMatch(/nope/);
    expect(res.costings.get(literal.fingerprint)!.used).toEqual([byCustomer.key]);
  });

  it('skips what HypoPG 1.3 cannot simulate and estimates sizes', async () => {
    const gin = candidate('orders', ['note'], { method: 'gin', opclass: 'gin_trgm_ops' });
    expect(hypo.canCost(gin)).toBe(false);
    const res = await hypo.costWith(literal, [gin, byCustomer]);
    expect(res.uncosted).toEqual([{ key: gin.key, reason: 'HypoPG cannot simulate gin indexes' }]);
    const sizes = await hypo.estimateSizes([byCustomer, gin]);
    expect(sizes.get(byCustomer.key)).toBeGreaterThan(1_000_000);
    expect(sizes.has(gin.key)).toBe(false);
    expect(hypo.plansMade).toBeGreaterThan(5);
  });
});

describe('trial indexes on a scratch database', () => {
  it('costs with real indexes inside a rolled-back transaction and leaves nothing behind', async () => {
    const trial = createTrialCoster(conn, { statementTimeoutMs: 20_000, lockTimeoutMs: 2_000 });
    const before = await trial.baseline(param);
    const after = await trial.costWith(param, [byCustomer, byStatus]);
    expect(after.cost).toBeLessThan(before * 0.5);
    expect(after.used).toEqual([byCustomer.key]);
    // the real size, of a built index (B-tree deduplication makes it smaller than HypoPG's estimate)
    const sizes = await trial.estimateSizes([byCustomer]);
    expect(sizes.get(byCustomer.key)).toBeGreaterThan(300_000);
    const left = await conn.query(`SELECT relname FROM pg_class WHERE relname LIKE 'perfkit_trial_%'`);
    expect(left).toEqual([]);
    const idx = await conn.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1`);
    expect(idx.map((r) => r.indexname)).toEqual(['orders_created_desc', 'orders_pkey']);
    expect(trial.plansMade).toBe(2);
  });
});

describe('the pg_stats heuristic', () => {
  const preds: Record<string, Predicate[]> = {
    selective: [{ table: 'public.orders', column: 'customer_id', kind: 'eq', sargable: true }],
    common: [{ table: 'public.orders', column: 'status', kind: 'eq', sargable: true, constantSql: "status = 'done'" }],
    range: [{ table: 'public.orders', column: 'created_at', kind: 'range', sargable: true }],
  };
  const q = (name: string) => workloadQuery(`-- ${name}`, { fingerprint: name });

  it('orders before and after plausibly: a selective equality saves most, a common value nothing', async () => {
    const h = createHeuristicCoster(catalog, (fp) => preds[fp]);
    const sel = { before: await h.baseline(q('selective')), after: await h.costWith(q('selective'), [byCustomer]) };
    expect(sel.before).toBeGreaterThan(1_000);
    expect(sel.after.cost).toBeLessThan(sel.before * 0.2);
    expect(sel.after.used).toEqual([byCustomer.key]);
    const common = await h.costWith(q('common'), [byStatus]);
    expect(common.cost).toBe(await h.baseline(q('common')));
    expect(common.used).toEqual([]);
    // created_at is in insertion order (correlation ≈ 1): a range over it reads pages in order
    const range = await h.costWith(q('range'), [candidate('orders', ['created_at'])]);
    expect(range.cost).toBeLessThan(await h.baseline(q('range')));
    await expect(h.baseline(workloadQuery('SELECT 1'))).rejects.toThrow(/needs the query’s predicates/);
    expect((await h.estimateSizes([byCustomer])).get(byCustomer.key)).toBeGreaterThan(2_000_000);
  });

  it('agrees with HypoPG on which candidate is worth it', async () => {
    const hypo = await createHypopgCoster(conn, { statementTimeoutMs: 10_000 });
    const real = workloadQuery(`SELECT * FROM orders WHERE status = 'done'`, { fingerprint: 'common' });
    const hypoAfter = await hypo.costWith(real, [byStatus]);
    expect(hypoAfter.cost).toBeGreaterThan((await hypo.baseline(real)) * 0.5);
  });
});

describe('costing a workload and choosing', () => {
  it('recommends one index for the queries it serves, with numbers, and rejects the rest with reasons', async () => {
    const hypo = await createHypopgCoster(conn, { statementTimeoutMs: 10_000 });
    const q1 = workloadQuery('SELECT * FROM orders WHERE customer_id = $1', { paramCount: 1, calls: 600, meanMs: 12, totalMs: 7200, source: 'pg_stat_statements' });
    const q2 = workloadQuery('SELECT id FROM orders WHERE customer_id = $1 AND created_at > $2', { paramCount: 2, calls: 60, meanMs: 15, totalMs: 900, source: 'pg_stat_statements' });
    const q3 = workloadQuery(`SELECT count(*) FROM orders WHERE status = 'open'`, { calls: 10, meanMs: 20, totalMs: 200, source: 'pg_stat_statements' });
    const q4 = workloadQuery('SELECT * FROM customers WHERE id = 3', { calls: 1000, meanMs: 0.1, totalMs: 100, source: 'pg_stat_statements' });
    const wide = candidate('orders', ['customer_id', 'created_at']);
    const inputs = [
      { query: q1, tables: ['public.orders'], candidates: [byCustomer] },
      { query: q2, tables: ['public.orders'], candidates: [wide] },
      { query: q3, tables: ['public.orders'], candidates: [byStatus] },
      { query: q4, tables: ['public.customers'], candidates: [candidate('customers', ['id'])] },
    ];
    const costed = await costWorkload(hypo, inputs, { minCost: 100 });
    expect(costed.rejected).toEqual([]);
    const thresholds = DEFAULT_THRESHOLDS;
    const choice = chooseIndexes({ queries: costed.queries, costs: costed.costs, thresholds });
    const chosen = choice.chosen.map((c) => c.candidate);
    const final = await costFinal(hypo, costed.queries, chosen);
    const sizes = await hypo.estimateSizes(chosen);
    const { recommendations, rejected } = finalizeRecommendations({ ...choice, queries: costed.queries, final, method: 'hypopg', catalog, sizes, statsAgeHours: 2, thresholds });
    expect(recommendations).toHaveLength(1);
    const rec = recommendations[0]!;
    expect(rec.table).toBe('public.orders');
    expect(rec.columns[0]).toBe('customer_id');
    expect(rec.ddl).toMatch(/^CREATE INDEX CONCURRENTLY ON public\.orders USING btree \(customer_id/);
    expect(rec.queries.sort()).toEqual([q1.fingerprint, q2.fingerprint].sort());
    expect(rec.method).toBe('hypopg');
    expect(rec.savingPct).toBeGreaterThan(50);
    expect(rec.msSavedPerHour).toBeGreaterThan(0);
    expect(rec.sizeBytes).toBeGreaterThan(1_000_000);
    expect(rec.writeOverhead).toMatch(/orders gets ~.* inserts and .* updates an hour/);
    const reasons = Object.fromEntries(rejected.map((r) => [r.fingerprint, r]));
    expect(reasons[q3.fingerprint]).toMatchObject({ code: 'below-threshold' });
    expect(reasons[q3.fingerprint]!.reason).toMatch(/^saving below threshold: best candidate \(orders \(status\)\) lowers cost [\d,]+ → [\d,]+ \(\d+%\), needs 50%$/);
    expect(reasons[q4.fingerprint]).toMatchObject({ code: 'low-cost' });
    expect(reasons[q4.fingerprint]!.reason).toMatch(/^low cost: [\d.]+ \(minimum 100\)$/);
  });
});

