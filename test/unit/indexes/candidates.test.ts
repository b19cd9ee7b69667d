// Candidate indexes from predicates: column order (equality, range, sort), direction, INCLUDE, partial,
// expression, trigram, GIN and GiST candidates, and one candidate per index across queries.
import { describe, expect, it } from 'vitest';
import { buildCandidates } from '../../../src/db/indexes/advisor/candidates.js';
import { analyse, keys } from './analyse-sql.js';
import { shopCatalog } from './catalog.fixture.js';

const keysOf = async (sql: string, ...rest: Parameters<typeof analyse> extends [string, ...infer R] ? R : never): Promise<string[]> =>
  keys((await analyse(sql, ...rest)).candidates);

describe('B-tree column order', () => {
  it('equality first, then one range column, then the sort it also serves: three columns, with DESC', async () => {
    const a = await analyse('SELECT id, total FROM orders WHERE customer_id = $1 AND status = $2 AND created_at > $3 ORDER BY created_at DESC LIMIT 20');
    expect(a.candidates[0]).toMatchObject({
      key: 'public.orders USING btree (customer_id, status, created_at DESC)', costable: true,
      reason: 'equality on customer_id, status, then range and sort on created_at DESC',
    });
    expect(keys(a.candidates)).toEqual([
      'orders USING btree (customer_id, status, created_at DESC)',
      'orders USING btree (customer_id, status, created_at DESC) INCLUDE (id, total)',
      'orders USING btree (customer_id, status)',
      'orders USING btree (customer_id)',
    ]);
  });

  it('orders equality columns by selectivity (pg_stats n_distinct), whatever the query order', async () => {
    expect((await keysOf('SELECT * FROM orders WHERE status = $1 AND customer_id = $2'))[0]).toBe('orders USING btree (customer_id, status)');
  });

  it('an IN and an equality on the same column: the equality wins, once', async () => {
    expect((await keysOf('SELECT * FROM orders WHERE status IN ($1, $2) AND status = $3 AND customer_id = $4'))[0]).toBe('orders USING btree (customer_id, status)');
  });

  it('stops at maxColumns', async () => {
    const k = await keysOf('SELECT * FROM orders WHERE customer_id = $1 AND status = $2 AND created_at > $3', undefined, { maxColumns: 2 });
    expect(k[0]).toBe('orders USING btree (customer_id, status)');
  });

  it('puts sort columns after equality only; after a range column they would not be in order', async () => {
    const k = await keysOf('SELECT * FROM orders WHERE customer_id = $1 AND created_at > $2 ORDER BY total DESC LIMIT 5');
    expect(k).toContain('orders USING btree (customer_id, created_at)');
    expect(k).toContain('orders USING btree (customer_id, total DESC)');
    expect(k.some((x) => x.includes('created_at, total'))).toBe(false);
  });

  it('a sort after an IN list only from PostgreSQL 17, which returns IN scans in index order', async () => {
    const sql = 'SELECT * FROM orders WHERE status IN ($1, $2) ORDER BY created_at DESC LIMIT 10';
    expect(await keysOf(sql)).toContain('orders USING btree (status, created_at DESC)');
    const pg16 = { ...shopCatalog(), serverVersionNum: 160_004 };
    expect(await keysOf(sql, pg16)).toEqual(['orders USING btree (status)', 'orders USING btree (created_at DESC)']);
  });

  it('keeps NULLS LAST on a DESC sort of a nullable column', async () => {
    expect(await keysOf('SELECT id FROM orders ORDER BY shipped_at DESC NULLS LAST LIMIT 10')).toContain('orders USING btree (shipped_at DESC NULLS LAST)');
  });

  it('no sort candidate when ORDER BY spans two tables', async () => {
    const k = await keysOf('SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY c.name, o.created_at LIMIT 10');
    expect(k.some((x) => /created_at|name/.test(x))).toBe(false);
  });

  it('join columns, with the table’s equality columns; GROUP BY columns after equality', async () => {
    const k = await keysOf('SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE i.product_id = $1');
    expect(k).toContain('order_items USING btree (order_id)');
    expect(k).toContain('order_items USING btree (order_id, product_id)');
    expect(k).toContain('order_items USING btree (product_id)');
    expect((await keysOf('SELECT status, count(*) FROM orders WHERE customer_id = $1 GROUP BY status'))[0]).toBe('orders USING btree (customer_id, status)');
  });

  it('LIKE prefix gets a pattern operator class', async () => {
    expect(await keysOf("SELECT * FROM products WHERE sku LIKE 'AB-%'")).toEqual(['products USING btree (sku varchar_pattern_ops)']);
  });

  it('skips columns without a btree operator class (json, point)', async () => {
    const k = await keysOf('SELECT id FROM events WHERE meta IS NULL AND location IS NULL AND type = $1');
    expect(k).toEqual(['events USING btree (type)']);
  });
});

describe('INCLUDE for an index-only scan', () => {
  it('adds the other columns read when few and narrow', async () => {
    expect(await keysOf('SELECT total, created_at FROM orders WHERE customer_id = $1')).toEqual([
      'orders USING btree (customer_id)', 'orders USING btree (customer_id) INCLUDE (created_at, total)',
    ]);
  });

  it('not for text columns, nor more than three', async () => {
    expect(await keysOf('SELECT id, note FROM orders WHERE customer_id = $1')).toEqual(['orders USING btree (customer_id)']);
    expect(await keysOf('SELECT id, total, created_at, shipped_at FROM orders WHERE customer_id = $1')).toEqual(['orders USING btree (customer_id)']);
  });

  it('says so when the key already holds every column read', async () => {
    const a = await analyse('SELECT customer_id, created_at FROM orders WHERE customer_id = $1 ORDER BY created_at');
    expect(a.candidates[0]?.reason).toBe('equality on customer_id, then sort on created_at; it holds every column the query reads from the table (index-only scan)');
  });
});

describe('partial indexes for selective constant predicates', () => {
  it('WHERE deleted_at IS NULL when pg_stats says few rows are NULL', async () => {
    const a = await analyse('SELECT id, price FROM products WHERE category_id = $1 AND deleted_at IS NULL');
    const partial = a.candidates.find((c) => c.where);
    expect(partial).toMatchObject({
      key: 'public.products USING btree (category_id) WHERE (deleted_at IS NULL)',
      reason: 'equality on category_id, only rows where deleted_at IS NULL (12% of rows)',
    });
  });

  it('not when most rows match (customers are rarely deleted), and then deleted_at is no key column either', async () => {
    expect(await keysOf('SELECT * FROM customers WHERE country = $1 AND deleted_at IS NULL')).toEqual(['customers USING btree (country)']);
  });

  it("WHERE status = 'active' when it is a selective common value, not when most rows have it", async () => {
    expect(await keysOf("SELECT * FROM customers WHERE status = 'active' AND country = $1")).toContain("customers USING btree (country) WHERE (status = 'active')");
    const k = await keysOf("SELECT * FROM customers WHERE status = 'inactive' AND country = $1");
    expect(k).toEqual(['customers USING btree (country, status)', 'customers USING btree (country)']);
  });

  it('not for a literal that is no common value (category_id = 5 is one query’s constant)', async () => {
    expect((await keysOf('SELECT * FROM products WHERE category_id = 5 AND price > $1')).some((k) => k.includes('WHERE'))).toBe(false);
  });
});

describe('expression, trigram, GIN and GiST candidates', () => {
  it('an expression index for lower(email) = $1', async () => {
    const a = await analyse('SELECT id FROM customers WHERE lower(email) = lower($1)');
    expect(a.candidates).toEqual([expect.objectContaining({ key: 'public.customers USING btree ((lower(email)))', reason: 'equality on lower(email)', costable: true })]);
  });

  it('a trigram GIN for ILIKE, uncosted', async () => {
    const a = await analyse("SELECT id FROM products WHERE name ILIKE '%shoe%'");
    expect(a.candidates).toEqual([
      expect.objectContaining({
        key: 'public.products USING gin (name gin_trgm_ops)', costable: false,
        reason: 'trigram index for ILIKE on products.name (needs CREATE EXTENSION pg_trgm)',
      }),
    ]);
  });

  it('GIN jsonb_path_ops for @> alone, jsonb_ops when ? is used too', async () => {
    expect(await keysOf('SELECT id FROM events WHERE payload @> $1')).toEqual(['events USING gin (payload jsonb_path_ops)']);
    expect(await keysOf("SELECT id FROM events WHERE payload @> $1 AND payload ? 'coupon'")).toEqual(['events USING gin (payload)']);
  });

  it('GIN for full-text search and arrays, GiST for ranges', async () => {
    expect(await keysOf('SELECT id FROM products WHERE search @@ to_tsquery($1)')).toEqual(['products USING gin (search)']);
    expect(await keysOf("SELECT id FROM products WHERE to_tsvector('english', description) @@ to_tsquery($1)")).toEqual([
      "products USING gin ((to_tsvector('english', description)))",
    ]);
    expect(await keysOf('SELECT id FROM products WHERE tags @> ARRAY[$1]')).toEqual(['products USING gin (tags)']);
    expect(await keysOf('SELECT id FROM events WHERE during && tstzrange($1, $2)')).toEqual(['events USING gist (during)']);
    expect(await keysOf("SELECT id FROM products WHERE category_path ~ 'shoes.*'")).toEqual(['products USING gist (category_path)']);
  });

  it('a partial trigram index when a selective constant predicate goes with it', async () => {
    expect(await keysOf("SELECT id FROM products WHERE name ILIKE '%shoe%' AND deleted_at IS NULL")).toContain(
      'products USING gin (name gin_trgm_ops) WHERE (deleted_at IS NULL)',
    );
  });
});

describe('across queries and tables', () => {
  it('merges the same index from two queries into one candidate with both fingerprints', async () => {
    const a = await analyse('SELECT * FROM orders WHERE customer_id = $1');
    const b = await analyse('SELECT id FROM orders WHERE customer_id = $1 AND status = $2');
    const all = buildCandidates([a, b], shopCatalog());
    const byCustomer = all.filter((c) => c.key === 'public.orders USING btree (customer_id)');
    expect(byCustomer).toHaveLength(1);
    expect(byCustomer[0]!.queries).toEqual([a.query.fingerprint, b.query.fingerprint]);
  });

  it('views give candidates on their base tables; small tables and writes give none', async () => {
    expect((await keysOf('SELECT id FROM active_customers WHERE email = $1'))[0]).toBe('customers USING btree (email)');
    expect(await keysOf('SELECT c.name FROM customers cu JOIN countries c ON c.code = cu.country WHERE c.name = $1')).toEqual(['customers USING btree (country)']);
    expect(await keysOf('UPDATE orders SET status = $1 WHERE customer_id = $2')).toEqual([]);
  });
});

describe('joins, row comparisons and OR', () => {
  it('a LATERAL top-N per row: the correlated column, then the sort', async () => {
    const k = await keysOf('SELECT * FROM customers c, LATERAL (SELECT id, total FROM orders o WHERE o.customer_id = c.id ORDER BY created_at DESC LIMIT 3) x WHERE c.country = $1');
    expect(k[0]).toBe('orders USING btree (customer_id, created_at DESC)');
  });

  it('a join with VALUES or a function: the table side is still a join column', async () => {
    const a = await analyse('SELECT o.* FROM (VALUES (1), (2)) v(x) JOIN orders o ON o.customer_id = v.x');
    expect(keys(a.candidates)).toEqual(['orders USING btree (customer_id)']);
    expect(a.rejected?.reason).toBe('already served by public.orders_customer_id_idx');
  });

  it('keyset pagination with a row comparison', async () => {
    expect((await keysOf('SELECT * FROM orders WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 50'))[0]).toBe(
      'orders USING btree (created_at DESC, id DESC)',
    );
  });

  it('OR of conditions on one column is one index scanned per branch', async () => {
    expect(await keysOf('SELECT id FROM orders WHERE shipped_at < $1 OR shipped_at IS NULL')).toEqual([
      'orders USING btree (shipped_at)', 'orders USING btree (shipped_at) INCLUDE (id)',
    ]);
  });
});
