// A hand-written catalog of a small shop, as the catalog reader would return it: tables with pg_stats
// numbers, a view over a view, existing indexes (a primary key, a plain one, a partial one, an expression one).
import type { Catalog, ColumnInfo, ColumnStats, ExistingIndex, IndexColumn, TableInfo } from '../../../src/db/indexes/model.js';

function col(name: string, type: string, stats?: Partial<ColumnStats> & { nDistinct: number }, notNull = false): ColumnInfo {
  return { name, type, notNull, ...(stats ? { stats: { nullFrac: 0, correlation: null, ...stats } } : {}) };
}

function idx(table: string, name: string, columns: IndexColumn[], more: Partial<ExistingIndex> = {}): ExistingIndex {
  return {
    name, schema: 'public', table, method: 'btree', columns, include: [], unique: false, primary: false, valid: true,
    sizeBytes: 8192 * 100, scans: 1000, definition: `CREATE INDEX ${name} ON public.${table} USING btree (…)`, ...more,
  };
}

function table(name: string, rows: number, columns: ColumnInfo[], indexes: ExistingIndex[] = [], more: Partial<TableInfo> = {}): TableInfo {
  return {
    schema: 'public', name, kind: 'table', rows, pages: Math.ceil(rows / 60), sizeBytes: Math.ceil(rows / 60) * 8192, columns, indexes,
    writesPerHour: { inserts: rows / 1000, updates: rows / 5000, deletes: 0 }, ...more,
  };
}

const customers = table('customers', 50_000, [
  col('id', 'bigint', { nDistinct: -1 }, true),
  col('email', 'character varying(255)', { nDistinct: -1 }, true),
  col('name', 'text', { nDistinct: -0.8 }),
  col('country', 'character(2)', { nDistinct: 40 }),
  col('status', 'text', { nDistinct: 3, mostCommonVals: ['inactive', 'active', 'banned'], mostCommonFreqs: [0.8, 0.15, 0.05] }, true),
  col('created_at', 'timestamp with time zone', { nDistinct: -0.95, correlation: 0.99 }, true),
  col('deleted_at', 'timestamp with time zone', { nDistinct: 1200, nullFrac: 0.97 }),
  col('marketing', 'boolean', { nDistinct: 2, mostCommonVals: ['f', 't'], mostCommonFreqs: [0.93, 0.07] }, true),
], [
  idx('customers', 'customers_pkey', [{ column: 'id' }], { unique: true, primary: true }),
  idx('customers', 'customers_email_lower_idx', [{ expression: 'lower((email)::text)' }], { unique: true }),
]);

const orders = table('orders', 2_000_000, [
  col('id', 'bigint', { nDistinct: -1 }, true),
  col('customer_id', 'bigint', { nDistinct: 45_000 }, true),
  col('status', 'text', { nDistinct: 4, mostCommonVals: ['delivered', 'shipped', 'pending', 'cancelled'], mostCommonFreqs: [0.7, 0.15, 0.1, 0.05] }, true),
  col('total', 'numeric(12,2)', { nDistinct: -0.3 }, true),
  col('created_at', 'timestamp with time zone', { nDistinct: -0.98, correlation: 0.99 }, true),
  col('shipped_at', 'timestamp with time zone', { nDistinct: -0.8, nullFrac: 0.25 }),
  col('deleted_at', 'timestamp with time zone', { nDistinct: 900, nullFrac: 0.98 }),
  col('note', 'text', { nDistinct: 500, nullFrac: 0.9 }),
  col('external_ref', 'character varying(64)', { nDistinct: -1, nullFrac: 0.5 }),
], [
  idx('orders', 'orders_pkey', [{ column: 'id' }], { unique: true, primary: true }),
  idx('orders', 'orders_customer_id_idx', [{ column: 'customer_id' }]),
  idx('orders', 'orders_pending_created_idx', [{ column: 'created_at', direction: 'desc' }], { where: "(status = 'pending'::text)" }),
]);

const orderItems = table('order_items', 6_000_000, [
  col('id', 'bigint', { nDistinct: -1 }, true),
  col('order_id', 'bigint', { nDistinct: 1_900_000 }, true),
  col('product_id', 'integer', { nDistinct: 18_000 }, true),
  col('quantity', 'integer', { nDistinct: 20 }, true),
  col('unit_price', 'numeric(10,2)', { nDistinct: 4000 }, true),
], [idx('order_items', 'order_items_pkey', [{ column: 'id' }], { unique: true, primary: true })]);

const products = table('products', 20_000, [
  col('id', 'integer', { nDistinct: -1 }, true),
  col('sku', 'character varying(32)', { nDistinct: -1 }, true),
  col('name', 'text', { nDistinct: -0.9 }, true),
  col('category_id', 'integer', { nDistinct: 120 }, true),
  col('price', 'numeric(10,2)', { nDistinct: 3000 }, true),
  col('tags', 'text[]', { nDistinct: -0.5 }),
  col('search', 'tsvector', { nDistinct: -1 }),
  col('description', 'text', { nDistinct: -0.9 }),
  col('deleted_at', 'timestamp with time zone', { nDistinct: 5000, nullFrac: 0.12 }),
  col('category_path', 'ltree', { nDistinct: 120 }),
], [
  idx('products', 'products_pkey', [{ column: 'id' }], { unique: true, primary: true }),
  idx('products', 'products_sku_key', [{ column: 'sku' }], { unique: true }),
  idx('products', 'products_tags_gin', [{ column: 'tags' }], { method: 'gin' }),
]);

const events = table('events', 10_000_000, [
  col('id', 'bigint', { nDistinct: -1 }, true),
  col('customer_id', 'bigint', { nDistinct: 40_000 }),
  col('type', 'text', { nDistinct: 12, mostCommonVals: ['page_view', 'click', 'purchase'], mostCommonFreqs: [0.6, 0.3, 0.02] }, true),
  col('payload', 'jsonb', { nDistinct: -0.9 }, true),
  col('meta', 'json'),
  col('location', 'point'),
  col('during', 'tstzrange'),
  col('created_at', 'timestamp with time zone', { nDistinct: -0.99, correlation: 1 }, true),
], [idx('events', 'events_pkey', [{ column: 'id' }], { unique: true, primary: true })]);

const countries = table('countries', 250, [col('code', 'character(2)', { nDistinct: -1 }, true), col('name', 'text', { nDistinct: -1 }, true)], [
  idx('countries', 'countries_pkey', [{ column: 'code' }], { unique: true, primary: true }),
]);

const settings = table('settings', 40, [col('key', 'text', { nDistinct: -1 }, true), col('value', 'text')]);

const activeCustomers = table('active_customers', 0, [
  col('id', 'bigint'), col('email', 'character varying(255)'), col('name', 'text'), col('country', 'character(2)'), col('created_at', 'timestamp with time zone'),
], [], {
  kind: 'view',
  viewDefinition: ` SELECT customers.id,
    customers.email,
    customers.name,
    customers.country,
    customers.created_at
   FROM customers
  WHERE (customers.deleted_at IS NULL);`,
});

const recentBuyers = table('recent_buyers', 0, [col('id', 'bigint'), col('email', 'character varying(255)'), col('ordered_at', 'timestamp with time zone')], [], {
  kind: 'view',
  viewDefinition: ` SELECT c.id,
    c.email,
    o.created_at AS ordered_at
   FROM (active_customers c
     JOIN orders o ON ((o.customer_id = c.id)))
  WHERE (o.status <> 'cancelled'::text);`,
});

export function shopCatalog(): Catalog {
  const tables = [customers, orders, orderItems, products, events, countries, settings, activeCustomers, recentBuyers];
  return {
    tables: Object.fromEntries(tables.map((t) => [`${t.schema}.${t.name}`, structuredClone(t)])),
    searchPath: ['public'],
    serverVersionNum: 170_004,
    statsReset: null,
    hypopg: true,
  };
}
