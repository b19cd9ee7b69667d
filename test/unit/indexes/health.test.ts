// Index health rules on hand-made snapshots: replica usage, the duplicate rules' corner cases
// (constraints, uniqueness, predicates, order), invalid-index fixes, keys, bloat thresholds and arithmetic.
import { describe, expect, it } from 'vitest';
import type { HealthIndex, HealthSnapshot } from '../../../src/db/indexes/health/model.js';
import { mergeReplicaUsage } from '../../../src/db/indexes/health/snapshot.js';
import { healthSummary, indexHealthFindings } from '../../../src/db/indexes/health/rules.js';
import { findDuplicates } from '../../../src/db/indexes/health/duplicates.js';
import { estimateBloat, exactBloat, pickExact, type BloatInputs } from '../../../src/db/indexes/health/bloat.js';

const MB = 1024 * 1024;

function idx(name: string, cols: string[], over: Partial<HealthIndex> = {}): HealthIndex {
  return {
    schema: 'public', table: 'orders', name, method: 'btree',
    columns: cols.map((c) => (c.startsWith('(') ? { expression: c.slice(1, -1) } : { column: c })),
    include: [], unique: false, primary: false, nullsNotDistinct: false, referencedBy: [],
    valid: true, ready: true, building: false, partition: false,
    sizeBytes: 20 * MB, scans: 0, tableRows: 100_000, tableKind: 'table',
    definition: `CREATE INDEX ${name} ON public.orders USING btree (${cols.join(', ')})`,
    ...over,
  };
}

function snap(over: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    database: 'shop', serverVersionNum: 150020, takenAt: '2026-11-21T12:00:00.000Z', statsReset: '2026-11-01T09:30:00.000Z',
    inRecovery: false, pgstattuple: false, indexes: [], foreignKeys: [], tablesWithoutPrimaryKey: [], indexBloat: [], tableBloat: [],
    notes: [], ...over,
  };
}

const rules = (s: HealthSnapshot, rule: string, opts = {}) => indexHealthFindings(s, opts).filter((f) => f.rule === rule);
const dropped = (indexes: HealthIndex[]) => findDuplicates(indexes).map((d) => `${d.drop.name}→${d.keep.name}`);

describe('unused-index', () => {
  const big = idx('orders_note_idx', ['note'], { sizeBytes: 42 * MB });

  it('states the size and the statistics reset, and drops CONCURRENTLY', () => {
    const [f] = rules(snap({ indexes: [big] }), 'unused-index');
    expect(f.severity).toBe('warn');
    expect(f.message).toContain('(42.0 MB) has had no scans since statistics were reset on 2026-11-01 (20 days ago)');
    expect(f.location).toBe('public.orders.orders_note_idx');
    expect(f.fix).toBe('DROP INDEX CONCURRENTLY public.orders_note_idx;');
  });

  it('skips used, small, unique, constraint, partition and invalid indexes', () => {
    const others = [
      idx('used', ['a'], { scans: 3 }), idx('small', ['b'], { sizeBytes: 9 * MB }), idx('uniq', ['c'], { unique: true }),
      idx('excl', ['d'], { constraint: { name: 'no_overlap', kind: 'exclusion' } }), idx('part', ['e'], { partition: true }),
      idx('broken', ['f'], { valid: false }),
    ];
    expect(rules(snap({ indexes: others }), 'unused-index')).toEqual([]);
    expect(rules(snap({ indexes: [idx('small', ['b'], { sizeBytes: 9 * MB })] }), 'unused-index', { unusedMinBytes: MB })).toHaveLength(1);
  });

  it('is only info while the statistics are younger than a week', () => {
    const [f] = rules(snap({ indexes: [big], statsReset: '2026-11-19T12:00:00.000Z' }), 'unused-index');
    expect(f.severity).toBe('info');
    expect(f.message).toContain('(2 days ago)');
    expect(f.message).toContain('full business cycle');
  });

  it('an index used only on a replica is not unused; unused everywhere lists each replica', () => {
    const primary = snap({ indexes: [big] });
    const replica = (scans: number) => snap({ inRecovery: true, statsReset: '2026-10-01T00:00:00.000Z', indexes: [{ ...big, scans }] });
    const usedThere = mergeReplicaUsage(primary, [{ name: 'r1', snapshot: replica(0) }, { name: 'r2', snapshot: replica(7) }]);
    expect(usedThere.indexes[0].replicaScans).toEqual([{ replica: 'r1', scans: 0 }, { replica: 'r2', scans: 7 }]);
    expect(rules(usedThere, 'unused-index')).toEqual([]);

    const nowhere = mergeReplicaUsage(primary, [{ name: 'r1', snapshot: replica(0) }, { name: 'r2', snapshot: snap({ inRecovery: true }) }]);
    const [f] = rules(nowhere, 'unused-index');
    expect(f.message).toContain('nor on the replicas r1, r2 (index missing there)');
    expect(f.evidence?.replicas).toEqual([
      { replica: 'r1', scans: 0, statsReset: '2026-10-01T00:00:00.000Z' },
      { replica: 'r2', scans: null, statsReset: '2026-11-01T09:30:00.000Z' },
    ]);
  });

  it('a replica that is not in recovery is noted', () => {
    const merged = mergeReplicaUsage(snap({ indexes: [big] }), [{ name: 'r1', snapshot: snap({ indexes: [big], notes: ['x'] }) }]);
    expect(merged.notes).toEqual(['r1 is not in recovery (not a physical replica); its index scans are counted anyway', 'r1: x']);
  });
});

describe('duplicate-index', () => {
  it('drops the prefix and keeps the wider index; names the keeper in evidence', () => {
    const s = snap({ indexes: [idx('o_cust', ['customer_id'], { scans: 5 }), idx('o_cust_created', ['customer_id', 'created_at'])] });
    const [f] = rules(s, 'duplicate-index');
    expect(f.location).toBe('public.orders.o_cust');
    expect(f.evidence?.keep).toBe('public.orders.o_cust_created');
    expect(f.message).toContain('is a prefix of o_cust_created (customer_id, created_at)');
    expect(f.message).toContain('It was scanned 5 times; those queries will use o_cust_created instead.');
    expect(f.fix).toBe('DROP INDEX CONCURRENTLY public.o_cust;');
  });

  it('of two identical, keeps the constraint one even when its name sorts last, then the unique, then the used', () => {
    const key = idx('z_key', ['email'], { unique: true, constraint: { name: 'z_key', kind: 'unique' } });
    expect(dropped([idx('a_idx', ['email'], { unique: true }), key])).toEqual(['a_idx→z_key']);
    expect(dropped([idx('a', ['x']), idx('b', ['x'], { unique: true })])).toEqual(['a→b']);
    expect(dropped([idx('a', ['x']), idx('b', ['x'], { scans: 1 })])).toEqual(['a→b']);
    expect(dropped([idx('a', ['x']), idx('b', ['x'])])).toEqual(['b→a']);
  });

  it('skips a pair that both back constraints, and never drops a key a foreign key references', () => {
    const c = (n: string) => idx(n, ['x'], { unique: true, constraint: { name: n, kind: 'unique' } });
    expect(dropped([c('a'), c('b')])).toEqual([]);
    expect(dropped([idx('a', ['x'], { unique: true, referencedBy: ['fk'] }), idx('b', ['x', 'y'])])).toEqual([]);
  });

  it('a unique index is not redundant with a wider non-unique one; the reverse is', () => {
    expect(dropped([idx('sku_key', ['sku'], { unique: true }), idx('sku_price', ['sku', 'price'])])).toEqual([]);
    expect(dropped([idx('sku', ['sku']), idx('sku_price_key', ['sku', 'price'], { unique: true })])).toEqual(['sku→sku_price_key']);
  });

  it('needs the same method, expressions, predicate, opclass and INCLUDE coverage', () => {
    expect(dropped([idx('a', ['x']), idx('b', ['x'], { method: 'hash' })])).toEqual([]);
    expect(dropped([idx('a', ['x']), idx('b', ['x'], { where: "status = 'open'" })])).toEqual([]);
    expect(dropped([idx('a', ['(lower(email))']), idx('b', ['email'])])).toEqual([]);
    expect(dropped([idx('a', ['(lower(email))']), idx('b', ['(lower(email))', 'id'])])).toEqual(['a→b']);
    expect(dropped([idx('a', ['x'], { columns: [{ column: 'x', opclass: 'text_pattern_ops' }] }), idx('b', ['x', 'y'])])).toEqual([]);
    expect(dropped([idx('a', ['x'], { include: ['total'] }), idx('b', ['x', 'y'])])).toEqual([]);
    expect(dropped([idx('a', ['x'], { include: ['total'] }), idx('b', ['x', 'total'])])).toEqual(['a→b']);
    expect(dropped([idx('a', ['x']), idx('b', ['x'], { include: ['y'] })])).toEqual(['a→b']);
    expect(dropped([idx('a', ['x'], { method: 'gist' }), idx('b', ['x', 'y'], { method: 'gist' })])).toEqual([]);
  });

  it('treats an all-reversed B-tree order as the same, a mixed one as different', () => {
    const desc = { column: 'x', direction: 'desc' as const };
    expect(dropped([idx('a', ['x'], { columns: [desc] }), idx('b', ['x', 'y'])])).toEqual(['a→b']);
    const mixed = [{ column: 'x' }, { column: 'y', direction: 'desc' as const }];
    expect(dropped([idx('a', ['x', 'y']), idx('b', ['x', 'y', 'z'], { columns: [...mixed, { column: 'z' }] })])).toEqual([]);
  });

  it('reports an unused duplicate once, as a duplicate, and counts it in the summary', () => {
    const s = snap({ indexes: [idx('a', ['x'], { sizeBytes: 30 * MB }), idx('b', ['x'], { sizeBytes: 30 * MB }), idx('big', ['q'], { sizeBytes: 12 * MB })] });
    const findings = indexHealthFindings(s);
    expect(findings.map((f) => `${f.rule} ${f.location}`)).toEqual([
      'duplicate-index public.orders.b', 'unused-index public.orders.a', 'unused-index public.orders.big',
    ]);
    expect(healthSummary(findings, s)).toEqual({ unusedIndexes: 2, unusedIndexBytes: 42 * MB, duplicateIndexes: 1 });
  });
});

describe('invalid-index', () => {
  it('rebuilds a plain one, recreates a unique one after its duplicates go, drops a REINDEX leftover', () => {
    const s = snap({ indexes: [
      idx('plain', ['x'], { valid: false }),
      idx('uniq', ['y'], { valid: false, ready: true, unique: true, definition: 'CREATE UNIQUE INDEX uniq ON public.orders USING btree (y)' }),
      idx('orders_pkey_ccnew', ['id'], { valid: false }),
      idx('being_built', ['z'], { valid: false, building: true }),
    ] });
    const fixes = Object.fromEntries(rules(s, 'invalid-index').map((f) => [f.location, f.fix]));
    expect(fixes).toEqual({
      'public.orders.plain': 'REINDEX INDEX CONCURRENTLY public.plain;',
      'public.orders.uniq': 'DROP INDEX CONCURRENTLY public.uniq;\n-- remove the duplicate values, then:\nCREATE UNIQUE INDEX CONCURRENTLY uniq ON public.orders USING btree (y);',
      'public.orders.orders_pkey_ccnew': 'DROP INDEX CONCURRENTLY public.orders_pkey_ccnew;',
    });
    expect(rules(s, 'invalid-index').every((f) => f.severity === 'error')).toBe(true);
    expect(rules(s, 'invalid-index')[1].message).toContain('still enforces uniqueness on new rows');
  });
});

describe('keys', () => {
  const fk = { schema: 'public', table: 'order_items', name: 'oi_product_fkey', columns: ['product_id'], referencedSchema: 'public',
    referencedTable: 'products', referencedColumns: ['id'], tableKind: 'table' as const, tableRows: 60_000, tableBytes: 3 * MB,
    referencedRows: 1000, indexedBy: null };

  it('fk-without-index: CREATE INDEX CONCURRENTLY on the columns; info on a small table; nothing when indexed', () => {
    const [f] = rules(snap({ foreignKeys: [fk] }), 'fk-without-index');
    expect(f).toMatchObject({ severity: 'warn', location: 'public.order_items.oi_product_fkey', fix: 'CREATE INDEX CONCURRENTLY ON public.order_items (product_id);' });
    expect(f.message).toContain('every DELETE from products, or UPDATE of its key, scans order_items (60,000 rows)');
    expect(rules(snap({ foreignKeys: [{ ...fk, tableRows: 200 }] }), 'fk-without-index')[0].severity).toBe('info');
    expect(rules(snap({ foreignKeys: [{ ...fk, columns: ['Tenant', 'order'], tableKind: 'partitioned' }] }), 'fk-without-index')[0].fix)
      .toBe('CREATE INDEX ON public.order_items ("Tenant", "order");');
    expect(rules(snap({ foreignKeys: [{ ...fk, indexedBy: 'oi_product_idx' }] }), 'fk-without-index')).toEqual([]);
  });

  it('missing-primary-key: promote a unique NOT NULL key (info), else add an identity column with a free name (warn)', () => {
    const t = { schema: 'public', table: 'rates', kind: 'table' as const, rows: 2000, sizeBytes: MB, columns: ['id', 'day'] };
    const [soft, constraint, none] = [
      { ...t, uniqueKey: { index: 'rates_day_idx', columns: ['day'], backsConstraint: false } },
      { ...t, uniqueKey: { index: 'rates_day_key', columns: ['day'], backsConstraint: true } },
      t,
    ].map((x) => rules(snap({ tablesWithoutPrimaryKey: [x] }), 'missing-primary-key')[0]);
    expect(soft).toMatchObject({ severity: 'info', fix: 'ALTER TABLE public.rates ADD CONSTRAINT rates_pkey PRIMARY KEY USING INDEX rates_day_idx;' });
    expect(constraint.fix).toBe('ALTER TABLE public.rates ADD PRIMARY KEY (day);');
    expect(none).toMatchObject({ severity: 'warn', fix: 'ALTER TABLE public.rates ADD COLUMN rates_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;' });
  });
});

describe('index-bloat', () => {
  const b = { schema: 'public', table: 'orders', name: 'o_idx', sizeBytes: 400 * MB, wastedBytes: 200 * MB, ratio: 0.5, fillfactor: 90, method: 'estimate' as const };

  it('needs both 100 MB and 30% wasted by default; REINDEX CONCURRENTLY', () => {
    const [f] = rules(snap({ indexBloat: [b] }), 'index-bloat');
    expect(f.message).toContain('is 400.0 MB, of which about 200.0 MB (50%) is space beyond what its live entries need at fillfactor 90, estimated');
    expect(f.fix).toBe('REINDEX INDEX CONCURRENTLY public.o_idx;');
    expect(rules(snap({ indexBloat: [{ ...b, wastedBytes: 99 * MB }] }), 'index-bloat')).toEqual([]);
    expect(rules(snap({ indexBloat: [{ ...b, sizeBytes: 1000 * MB, ratio: 0.2 }] }), 'index-bloat')).toEqual([]);
  });

  it('says when it was measured, and asks for VACUUM first when the table is full of dead rows', () => {
    const s = snap({
      indexBloat: [{ ...b, method: 'pgstatindex', leafDensity: 41.5 }],
      tableBloat: [{ schema: 'public', table: 'orders', sizeBytes: GB(1), deadTuplePercent: 35, freePercent: 10, scannedPercent: 60 }],
    });
    const [f] = rules(s, 'index-bloat');
    expect(f.message).toContain('measured by pgstatindex: its leaf pages are 41.5% full');
    expect(f.message).toContain('35% dead rows (pgstattuple_approx); VACUUM it first');
    expect(f.evidence).toMatchObject({ method: 'pgstatindex', table: { deadTuplePercent: 35, method: 'pgstattuple_approx' } });
  });
});

function GB(n: number) {
  return n * 1024 * MB;
}

describe('bloat arithmetic', () => {
  const x: BloatInputs = { oid: '1', tableOid: '2', schema: 'public', table: 't', name: 'i', reltuples: 100_000, relpages: 1000,
    sizeBytes: 1000 * 8192, fillfactor: 90, blockSize: 8192, hasStats: true, hasNameType: false, nullable: false, dataWidth: 4 };

  it('estimate: an int4 key packs 16-byte tuples + item pointers at 90% (ioguix)', () => {
    // (8192 - 24 - 16) * 0.9 / (8 + 8 + 4) = 366 per page → 1 + 274 pages needed of 1000.
    expect(estimateBloat(x)).toMatchObject({ wastedBytes: (1000 - 275) * 8192, method: 'estimate' });
    expect(estimateBloat({ ...x, relpages: 200 })?.wastedBytes).toBe(0);
    expect(estimateBloat({ ...x, hasStats: false })).toBeNull();
    expect(estimateBloat({ ...x, hasNameType: true })).toBeNull();
  });

  it('exact: leaf bytes repacked at the fillfactor, plus meta and internal pages', () => {
    const e = exactBloat(x, { index_size: 1000 * 8192, internal_pages: 4, leaf_pages: 995, empty_pages: 0, deleted_pages: 0, avg_leaf_density: 18 });
    expect(e).toMatchObject({ method: 'pgstatindex', leafDensity: 18, wastedBytes: (1000 - (1 + 4 + 199)) * 8192 });
  });

  it('measures the most wasteful first, within the byte budget', () => {
    const a = { ...x, oid: 'a', sizeBytes: 600 }, c = { ...x, oid: 'c', sizeBytes: 500 }, d = { ...x, oid: 'd', sizeBytes: 10 };
    const est = new Map([['a', { ...estimateBloat(x)!, wastedBytes: 1 }], ['c', { ...estimateBloat(x)!, wastedBytes: 400 }]]);
    const { picked, skipped } = pickExact([a, c, d], est, 100, 1000);
    expect(picked.map((p) => p.oid)).toEqual(['c']);
    expect(skipped.map((p) => p.oid)).toEqual(['a']);
  });
});
