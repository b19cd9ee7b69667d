// Queries out before costing, each with its reason in words and numbers, and when an existing index
// already does a candidate's job (prefix, directions, partial predicate, expression, INCLUDE, method).
import { describe, expect, it } from 'vitest';
import { makeCandidate } from '../../../src/db/indexes/advisor/candidate-key.js';
import type { CandidateIndex, ExistingIndex, IndexColumn, IndexMethod } from '../../../src/db/indexes/model.js';
import { alreadyServed, preRejections } from '../../../src/db/indexes/advisor/reject.js';
import { analyse } from './analyse-sql.js';
import { shopCatalog } from './catalog.fixture.js';

const rejected = async (sql: string, minRows?: number): Promise<[string, string] | undefined> => {
  const r = (await analyse(sql, undefined, { minRows })).rejected;
  return r && [r.code, r.reason];
};

describe('pre-costing rejections, in words', () => {
  it.each([
    ['UPDATE orders SET status = $1 WHERE customer_id = $2', 'not a read query (UPDATE)'],
    ['DELETE FROM orders WHERE id = $1', 'not a read query (DELETE)'],
    ['INSERT INTO settings VALUES ($1, $2)', 'not a read query (INSERT)'],
    ['MERGE INTO orders o USING customers c ON o.customer_id = c.id WHEN MATCHED THEN DELETE', 'not a read query (MERGE)'],
    ['VACUUM orders', 'not a read query (VACUUM)'],
  ])('%s', async (sql, reason) => {
    expect(await rejected(sql)).toEqual(['not-read', reason]);
  });

  it('a table that does not exist, with the near miss', async () => {
    expect(await rejected('SELECT * FROM ordrs WHERE id = $1')).toEqual(['table-missing', 'table missing: public.ordrs does not exist (did you mean public.orders?)']);
    expect(await rejected('SELECT * FROM invoices i JOIN payments p ON p.invoice_id = i.id')).toEqual([
      'table-missing', 'tables missing: public.invoices, public.payments do not exist',
    ]);
  });

  it('tables too small, with their row counts and the threshold', async () => {
    expect(await rejected('SELECT * FROM settings WHERE key = $1')).toEqual(['table-too-small', 'table too small: public.settings has 40 rows (an index pays off from 1,000)']);
    expect(await rejected('SELECT * FROM settings s JOIN countries c ON c.code = s.value')).toEqual([
      'table-too-small', 'tables too small: public.settings has 40 rows, public.countries has 250 rows (an index pays off from 1,000)',
    ]);
    expect(await rejected('SELECT * FROM countries WHERE name = $1', 100)).toBeUndefined();
  });

  it('predicates no index can serve, naming the function, the cast or the arithmetic', async () => {
    expect(await rejected('SELECT * FROM orders WHERE id::text = $1')).toEqual(['not-sargable', 'predicate not sargable: cast of orders.id to text: remove the cast instead']);
    expect(await rejected('SELECT * FROM customers WHERE unaccent(name) = $1')).toEqual([
      'not-sargable', 'predicate not sargable: function unaccent() on customers.name: unaccent() is not known to be IMMUTABLE, which an expression index needs',
    ]);
    expect(await rejected("SELECT * FROM orders WHERE created_at + interval '7 days' < now() AND status <> 'cancelled'")).toEqual([
      'not-sargable',
      'predicate not sargable: arithmetic (+) on orders.created_at: move the arithmetic to the other side of the comparison; <> on orders.status: an index finds the rows that match, not those that differ',
    ]);
  });

  it('a leading wildcard or lower() is not rejected: a trigram or expression index can serve it', async () => {
    expect(await rejected("SELECT id FROM products WHERE name LIKE '%shoe%'")).toBeUndefined();
    expect((await analyse('SELECT id FROM products WHERE lower(sku) = $1')).rejected).toBeUndefined();
  });

  it('nothing to index', async () => {
    expect(await rejected('SELECT count(*) FROM events')).toEqual([
      'no-candidates', 'no candidate columns: no WHERE, JOIN, ORDER BY or GROUP BY on a table column (it reads all of public.events)',
    ]);
    expect(await rejected('SELECT now()')).toEqual(['no-candidates', 'no candidate columns: the query reads no table']);
    expect(await rejected('SELECT relname FROM pg_class WHERE oid = $1')).toEqual(['no-candidates', 'no candidate columns: the query reads only system catalogs (pg_catalog.pg_class)']);
    expect(await rejected('SELECT id FROM events WHERE meta IS NULL')).toEqual(['no-candidates', 'no candidate columns: events.meta is json, which has no btree operator class']);
    expect(await rejected('SELECT id FROM customers WHERE deleted_at IS NULL')).toEqual([
      'no-candidates', 'no candidate columns: deleted_at IS NULL keeps 97% of the rows of customers',
    ]);
  });

  it('every query ends with candidates or a reason, odd ones included', async () => {
    const odd = [
      'SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY created_at) FROM orders WHERE status = $1',
      'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT * FROM t JOIN orders ON orders.id = t.n',
      'SELECT * FROM (SELECT id FROM orders UNION SELECT id FROM customers) u WHERE u.id = $1',
      'SELECT status, count(*) FROM orders GROUP BY GROUPING SETS ((status), ())',
      "SELECT * FROM orders WHERE CASE WHEN status = 'x' THEN true END",
      'SELECT tags[1] FROM products WHERE tags[1] = $1',
      'SELECT * FROM orders ORDER BY random() LIMIT 1',
      'SELECT coalesce(note, $1) FROM orders WHERE coalesce(status, $2) = $3',
      'SELECT * FROM orders o JOIN LATERAL jsonb_to_record(o.note::jsonb) AS r(a int) ON true WHERE r.a = 1',
      'SELECT * FROM orders NATURAL JOIN customers',
      'BEGIN',
    ];
    for (const sql of odd) {
      const a = await analyse(sql);
      expect(a.rejected !== undefined || a.candidates.length > 0, sql).toBe(true);
    }
  });

  it('judges a query whose candidates were not built yet by building them', async () => {
    const a = await analyse("SELECT id FROM products WHERE name ILIKE '%shoe%'");
    expect(preRejections({ ...a, candidates: [] }, shopCatalog())).toBeUndefined();
  });

  it('already served by an existing index, named', async () => {
    expect(await rejected('SELECT * FROM orders WHERE customer_id = $1')).toEqual(['already-indexed', 'already served by public.orders_customer_id_idx']);
    expect(await rejected('SELECT id FROM customers WHERE lower(email) = lower($1)')).toEqual(['already-indexed', 'already served by public.customers_email_lower_idx']);
    expect(await rejected("SELECT * FROM orders WHERE status = 'pending' ORDER BY created_at DESC LIMIT 10")).toBeUndefined();
  });
});

function cand(columns: IndexColumn[], more: Partial<CandidateIndex> = {}): CandidateIndex {
  return makeCandidate({ schema: 'public', table: 'orders', method: 'btree', columns, include: [], costable: true, reason: '', queries: [], ...more });
}

function existing(columns: IndexColumn[], more: Partial<ExistingIndex> = {}): ExistingIndex {
  return {
    name: 'ix', schema: 'public', table: 'orders', method: 'btree', columns, include: [], unique: false, primary: false, valid: true,
    sizeBytes: 0, scans: 0, definition: '', ...more,
  };
}

const c = (column: string, direction?: 'asc' | 'desc', nulls?: 'first' | 'last'): IndexColumn => ({ column, ...(direction ? { direction } : {}), ...(nulls ? { nulls } : {}) });

describe('alreadyServed', () => {
  it('the candidate’s columns as the leading columns of a valid index on the same table', () => {
    expect(alreadyServed(cand([c('customer_id')]), [existing([c('customer_id'), c('created_at')])])).toBe('public.ix');
    expect(alreadyServed(cand([c('created_at')]), [existing([c('customer_id'), c('created_at')])])).toBeUndefined();
    expect(alreadyServed(cand([c('customer_id'), c('status')]), [existing([c('customer_id')])])).toBeUndefined();
    expect(alreadyServed(cand([c('customer_id')]), [existing([c('customer_id')], { valid: false })])).toBeUndefined();
    expect(alreadyServed(cand([c('customer_id')]), [existing([c('customer_id')], { table: 'customers' })])).toBeUndefined();
  });

  it('sort directions equal or all reversed (a backward scan), NULLS placement included', () => {
    const wanted = cand([c('customer_id'), c('created_at', 'desc')]);
    expect(alreadyServed(wanted, [existing([c('customer_id'), c('created_at')])])).toBe('public.ix');
    // ORDER BY status DESC, created_at: ASC said on a sort column, so the mix must match.
    const mixed = cand([c('status', 'desc'), c('created_at', 'asc')]);
    expect(alreadyServed(mixed, [existing([c('status'), c('created_at')])])).toBeUndefined();
    expect(alreadyServed(mixed, [existing([c('status'), c('created_at', 'desc')])])).toBe('public.ix');
    const nullsLast = cand([c('shipped_at', 'desc', 'last')]);
    expect(alreadyServed(nullsLast, [existing([c('shipped_at')])])).toBeUndefined();
    expect(alreadyServed(nullsLast, [existing([c('shipped_at', undefined, 'first')])])).toBe('public.ix');
  });

  it('the same partial predicate, compared loosely with pg_get_expr’s casts and parentheses', () => {
    const pending = existing([c('created_at', 'desc')], { name: 'orders_pending_created_idx', where: "(status = 'pending'::text)" });
    expect(alreadyServed(cand([c('created_at')], { where: "status = 'pending'" }), [pending])).toBe('public.orders_pending_created_idx');
    expect(alreadyServed(cand([c('created_at')]), [pending])).toBeUndefined();
    expect(alreadyServed(cand([c('customer_id')], { where: 'deleted_at IS NULL' }), [existing([c('customer_id')])])).toBeUndefined();
    const two = existing([c('customer_id')], { where: "((deleted_at IS NULL) AND ((status)::text = 'pending'::text))" });
    expect(alreadyServed(cand([c('customer_id')], { where: "status = 'pending' AND deleted_at IS NULL" }), [two])).toBe('public.ix');
  });

  it('expressions as pg_get_indexdef writes them; INCLUDE columns must be in the index', () => {
    const lower = existing([{ expression: 'lower((email)::text)' }], { table: 'customers' });
    expect(alreadyServed(cand([{ expression: 'lower(email)' }], { table: 'customers' }), [lower])).toBe('public.ix');
    expect(alreadyServed(cand([{ expression: 'upper(email)' }], { table: 'customers' }), [lower])).toBeUndefined();
    const covering = cand([c('customer_id')], { include: ['total'] });
    expect(alreadyServed(covering, [existing([c('customer_id')])])).toBeUndefined();
    expect(alreadyServed(covering, [existing([c('customer_id'), c('total')])])).toBe('public.ix');
    expect(alreadyServed(covering, [existing([c('customer_id')], { include: ['status', 'total'] })])).toBe('public.ix');
  });

  it('the same method and operator class', () => {
    const gin = (columns: IndexColumn[], method: IndexMethod = 'gin'): CandidateIndex => cand(columns, { table: 'products', method });
    const tagsGin = shopCatalog().tables['public.products']!.indexes.find((i) => i.name === 'products_tags_gin')!;
    expect(alreadyServed(gin([c('tags')]), [tagsGin])).toBe('public.products_tags_gin');
    expect(alreadyServed(gin([c('tags')], 'gist'), [tagsGin])).toBeUndefined();
    expect(alreadyServed(gin([{ column: 'name', opclass: 'gin_trgm_ops' }]), [existing([c('name')], { table: 'products', method: 'gin' })])).toBeUndefined();
    expect(alreadyServed(cand([c('external_ref')]), [existing([{ column: 'external_ref', opclass: 'varchar_ops' }])])).toBe('public.ix');
    expect(alreadyServed(cand([{ column: 'external_ref', opclass: 'varchar_pattern_ops' }]), [existing([c('external_ref')])])).toBeUndefined();
  });
});
