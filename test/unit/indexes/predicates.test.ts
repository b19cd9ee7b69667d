// Reading predicates out of parse trees: every predicate kind, which table each column belongs to
// (aliases, unqualified names, views, CTEs, subqueries), and why a predicate cannot use a plain index.
import { describe, expect, it } from 'vitest';
import { analyse, compact } from './analyse-sql.js';
import { shopCatalog } from './catalog.fixture.js';

const why = async (sql: string): Promise<string[]> => (await analyse(sql)).predicates.filter((p) => !p.sargable).map((p) => p.why!);

describe('predicate kinds', () => {
  it('equality, IN, range and IS NULL, with $n parameters as pg_stat_statements writes them', async () => {
    const a = await analyse('SELECT * FROM orders WHERE customer_id = $1 AND status IN ($2, $3) AND created_at >= $4 AND shipped_at IS NULL AND total BETWEEN $5 AND $6 AND id = ANY($7)');
    expect(compact(a)).toEqual([
      'orders.customer_id eq', 'orders.status in', 'orders.created_at range', 'orders.shipped_at isnull', 'orders.total range', 'orders.id in',
    ]);
    expect(a.predicates.find((p) => p.kind === 'isnull')?.constantSql).toBe('shipped_at IS NULL');
  });

  it('keeps the constant of an equality for pg_stats, and reads boolean columns as equalities', async () => {
    const a = await analyse("SELECT id FROM customers WHERE status = 'active' AND marketing AND NOT (deleted_at IS NOT NULL)");
    expect(a.predicates[0]).toMatchObject({ column: 'status', kind: 'eq', constantSql: "status = 'active'", value: 'active', sargable: true });
    expect(a.predicates[1]).toMatchObject({ column: 'marketing', kind: 'eq', constantSql: 'marketing', value: 'true' });
    const b = await analyse('SELECT id FROM customers WHERE NOT marketing');
    expect(b.predicates[0]).toMatchObject({ column: 'marketing', constantSql: 'NOT marketing', value: 'false' });
  });

  it('LIKE with a prefix, a leading wildcard or a parameter, and ILIKE', async () => {
    const a = await analyse("SELECT * FROM products WHERE sku LIKE 'AB-%' AND name LIKE '%shoe%' AND description ILIKE $1 AND name LIKE $2");
    expect(compact(a)).toEqual(['products.sku like-prefix', 'products.name like-infix ✗', 'products.description ilike ✗', 'products.name like-infix ✗']);
    expect(a.predicates.map((p) => p.why)).toEqual([
      "LIKE 'AB-%' on products.sku uses a btree only with text_pattern_ops or the C collation",
      "leading wildcard in LIKE '%shoe%' on products.name",
      'ILIKE on products.description: a btree cannot serve it (a trigram index can)',
      'LIKE with a parameter pattern on products.name: a btree serves only a fixed prefix (a trigram index serves any pattern)',
    ]);
  });

  it('jsonb containment and key tests, full-text search, arrays and ranges', async () => {
    const a = await analyse(
      "SELECT * FROM events e JOIN products p ON p.id = (e.payload->>'product_id')::int WHERE e.payload @> $1 AND e.payload ? 'coupon' AND e.during && tstzrange($2, $3) " +
        "AND p.search @@ to_tsquery($4) AND p.tags && ARRAY['sale'] AND to_tsvector('english', p.description) @@ plainto_tsquery($5)",
    );
    expect(compact(a)).toEqual([
      'events.payload jsonb-contains', 'events.payload jsonb-exists', 'events.during array-overlap', 'products.search fts', 'products.tags array-overlap',
      "products.description fts (to_tsvector('english', description))",
    ]);
  });

  it('ORDER BY with direction and NULLS, by ordinal and by output name; GROUP BY', async () => {
    const a = await analyse('SELECT customer_id, shipped_at AS s FROM orders ORDER BY created_at DESC NULLS LAST, 2 DESC NULLS LAST, s ASC NULLS FIRST');
    // created_at is NOT NULL, so its NULLS placement does not matter; shipped_at's does.
    expect(compact(a)).toEqual(['orders.created_at sort desc', 'orders.shipped_at sort desc nulls last', 'orders.shipped_at sort asc nulls first']);
    const g = await analyse('SELECT status, count(*) FROM orders GROUP BY 1');
    expect(compact(g)).toEqual(['orders.status group']);
  });
});

describe('not sargable, in words', () => {
  it('a function, a cast, arithmetic on the column', async () => {
    expect(await why('SELECT * FROM customers WHERE lower(email) = $1')).toEqual(['function lower() on customers.email']);
    expect((await analyse('SELECT * FROM customers WHERE lower(email) = $1')).predicates[0]?.expression).toBe('lower(email)');
    expect(await why("SELECT * FROM orders WHERE id::text = '5'")).toEqual(['cast of orders.id to text: remove the cast instead']);
    expect(await why("SELECT * FROM orders WHERE created_at + interval '1 day' > now()")).toEqual([
      'arithmetic (+) on orders.created_at: move the arithmetic to the other side of the comparison',
    ]);
    expect(await why('SELECT * FROM customers WHERE unaccent(name) = $1')).toEqual([
      'function unaccent() on customers.name: unaccent() is not known to be IMMUTABLE, which an expression index needs',
    ]);
  });

  it('an implicit cast: an integer column compared with a numeric value', async () => {
    expect(await why('SELECT * FROM order_items WHERE quantity = 1.5 AND product_id = $1::numeric')).toEqual([
      'implicit cast of order_items.quantity (integer) to numeric: compare it with an integer value',
      'implicit cast of order_items.product_id (integer) to numeric: compare it with an integer value',
    ]);
    expect(await why("SELECT * FROM order_items WHERE quantity = '2' AND order_id = $1::int")).toEqual([]);
  });

  it('<>, NOT IN, NOT LIKE and OR across columns; OR on one column is an IN', async () => {
    expect(await why("SELECT * FROM orders WHERE status <> 'cancelled' AND customer_id NOT IN (1, 2) AND note NOT LIKE 'x%'")).toEqual([
      '<> on orders.status: an index finds the rows that match, not those that differ',
      'NOT IN on orders.customer_id: an index finds the rows that match, not those that differ',
      'NOT LIKE on orders.note: no index serves a negated pattern',
    ]);
    expect(await why('SELECT * FROM orders WHERE status = $1 OR total > $2')).toEqual([
      'OR across orders.status, orders.total: each branch needs its own index',
      'OR across orders.status, orders.total: each branch needs its own index',
    ]);
    const a = await analyse("SELECT * FROM orders WHERE (status = 'pending' AND customer_id = $1) OR (status = 'shipped' AND customer_id = $2)");
    expect(compact(a)).toEqual(['orders.status in', 'orders.customer_id in']);
  });
});

describe('which table a column belongs to', () => {
  it('qualified by alias, unqualified when unique, ambiguous said as a problem', async () => {
    const a = await analyse('SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE email = $1 AND total > 100 AND c.country = $2');
    expect(compact(a)).toEqual(['customers.id join', 'orders.customer_id join', 'customers.email eq', 'orders.total range', 'customers.country eq']);
    const b = await analyse('SELECT id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE status = $1');
    expect(b.problems).toEqual(['column id is ambiguous (o, c)', 'column status is ambiguous (o, c)']);
  });

  it('JOIN USING, a self-join, correlated EXISTS and IN (subquery) are joins', async () => {
    // Both sides are orders.customer_id: one predicate.
    expect(compact(await analyse('SELECT * FROM orders a JOIN orders b USING (customer_id)'))).toEqual(['orders.customer_id join']);
    expect(compact(await analyse('SELECT * FROM orders a JOIN orders b ON b.id = a.customer_id'))).toEqual(['orders.id join', 'orders.customer_id join']);
    const a = await analyse('SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.product_id = $1) AND o.customer_id IN (SELECT id FROM customers WHERE country = $2)');
    expect(compact(a)).toEqual(['order_items.order_id join', 'orders.id join', 'order_items.product_id eq', 'customers.country eq', 'orders.customer_id join', 'customers.id join']);
  });

  it('views are expanded into their base tables, with their own WHERE, nested views too', async () => {
    const a = await analyse('SELECT id FROM active_customers WHERE email = $1 ORDER BY created_at DESC');
    expect(a.tables).toEqual(['public.customers']);
    expect(compact(a)).toEqual(['customers.deleted_at isnull', 'customers.email eq', 'customers.created_at sort desc']);
    const b = await analyse('SELECT * FROM recent_buyers WHERE ordered_at > $1');
    expect(b.tables).toEqual(['public.customers', 'public.orders']);
    expect(compact(b)).toContain('orders.created_at range');
    expect(compact(b)).toContain('orders.customer_id join');
  });

  it('stops expanding a view that refers to itself, and says so', async () => {
    const catalog = shopCatalog();
    catalog.tables['public.loop'] = { ...catalog.tables['public.active_customers']!, name: 'loop', viewDefinition: 'SELECT * FROM loop WHERE id > 0' };
    const a = await analyse('SELECT * FROM loop', catalog);
    expect(a.problems).toEqual(['view public.loop is nested more than 8 views deep, so it is not expanded']);
  });

  it('CTEs and subqueries in FROM pass predicates through to base tables, except below a LIMIT', async () => {
    const a = await analyse('WITH recent AS (SELECT * FROM orders WHERE created_at > $1) SELECT r.id FROM recent r WHERE r.customer_id = $2');
    expect(compact(a)).toEqual(['orders.created_at range', 'orders.customer_id eq']);
    const b = await analyse('SELECT * FROM (SELECT customer_id AS cid, total FROM orders) s WHERE s.cid = $1');
    expect(compact(b)).toEqual(['orders.customer_id eq']);
    const c = await analyse('SELECT * FROM (SELECT customer_id FROM orders ORDER BY created_at DESC LIMIT 10) s WHERE s.customer_id = $1');
    // The outer customer_id = $1 is not pushed below LIMIT; the subquery's own ORDER BY … LIMIT counts.
    expect(compact(c)).toEqual(['orders.created_at sort desc']);
  });

  it('records the columns a query reads, all of them for *', async () => {
    const a = await analyse('SELECT o.id, o.total FROM orders o WHERE o.customer_id = $1');
    expect(a.columnsRead).toEqual({ 'public.orders': ['id', 'total', 'customer_id'] });
    const b = await analyse('SELECT * FROM countries');
    expect(b.columnsRead).toEqual({ 'public.countries': ['code', 'name'] });
  });
});

describe('statement kind and tables', () => {
  it.each([
    ['SELECT 1 FROM orders', 'select', 'SELECT'],
    ['UPDATE orders SET status = $1 WHERE id = $2', 'update', 'UPDATE'],
    ['DELETE FROM orders WHERE id = $1', 'delete', 'DELETE'],
    ['INSERT INTO orders (customer_id) SELECT id FROM customers WHERE country = $1', 'insert', 'INSERT'],
    ['MERGE INTO orders o USING customers c ON o.customer_id = c.id WHEN MATCHED THEN DELETE', 'other', 'MERGE'],
    ['SELECT * INTO archive FROM orders', 'other', 'SELECT INTO'],
    ['WITH d AS (DELETE FROM orders WHERE id = $1 RETURNING *) SELECT * FROM d', 'other', 'DELETE in WITH'],
    ['CREATE INDEX ON orders (status)', 'other', 'CREATE INDEX'],
  ])('%s → %s', async (sql, kind, statement) => {
    expect(await analyse(sql)).toMatchObject({ kind, statement });
  });

  it('missing tables and system catalogs', async () => {
    const a = await analyse('SELECT * FROM ordrs o JOIN sales.invoices i ON i.order_id = o.id');
    expect(a.missingTables).toEqual(['public.ordrs', 'sales.invoices']);
    const b = await analyse('SELECT relname FROM pg_class');
    expect(b).toMatchObject({ tables: [], missingTables: [], problems: ['system catalog pg_catalog.pg_class is not analysed'] });
  });
});
