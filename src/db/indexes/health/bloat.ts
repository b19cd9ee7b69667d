// B-tree bloat: the ioguix/pgexperts estimate (the one pghero shows) from pg_class and pg_stats, and,
// when pgstattuple is installed and allowed, exact numbers from pgstatindex (indexes) and
// pgstattuple_approx (their tables). The SQL lives here with the arithmetic that reads it.
import type { IndexBloat, TableBloat } from './model.js';

/** Per valid B-tree index with pages: what the estimate needs. A key column (or expression) without
 *  pg_stats row (not analyzed, or a column this role may not SELECT) makes has_stats false. */
export const BLOAT_INPUTS_SQL = `/* perfkit */ WITH idx AS (
  SELECT i.indexrelid, i.indrelid, i.indnatts, i.indkey, n.nspname, t.relname AS tbl, c.relname AS idx,
         c.reltuples::float8 AS reltuples, c.relpages::float8 AS relpages, pg_relation_size(c.oid)::float8 AS size_bytes,
         coalesce((SELECT substring(o FROM '^fillfactor=([0-9]+)')::int FROM unnest(c.reloptions) AS o
                    WHERE o LIKE 'fillfactor=%'), 90) AS fillfactor
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree') AND c.relkind = 'i' AND c.relpages > 0
     AND i.indisvalid AND c.relpersistence <> 't'
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
), cols AS (
  SELECT x.indexrelid, s.null_frac, s.avg_width, coalesce(a1.atttypid, a2.atttypid) = 'pg_catalog.name'::regtype AS is_name
    FROM idx x
   CROSS JOIN generate_series(0, x.indnatts - 1) AS k
    LEFT JOIN pg_attribute a1 ON x.indkey[k] <> 0 AND a1.attrelid = x.indrelid AND a1.attnum = x.indkey[k]
    LEFT JOIN pg_attribute a2 ON x.indkey[k] = 0 AND a2.attrelid = x.indexrelid AND a2.attnum = k + 1
    LEFT JOIN pg_stats s ON s.schemaname = x.nspname AND NOT s.inherited
                        AND s.tablename = CASE WHEN x.indkey[k] = 0 THEN x.idx ELSE x.tbl END
                        AND s.attname = coalesce(a1.attname, a2.attname)
)
SELECT x.indexrelid::text AS oid, x.indrelid::text AS table_oid, x.nspname AS schema, x.tbl AS table, x.idx AS name,
       x.reltuples, x.relpages, x.size_bytes, x.fillfactor, current_setting('block_size')::int AS block_size,
       count(c.avg_width) = count(*) AS has_stats, coalesce(bool_or(c.is_name), false) AS has_name_type,
       max(coalesce(c.null_frac, 0)) > 0 AS nullable,
       sum((1 - coalesce(c.null_frac, 0)) * coalesce(c.avg_width, 0))::float8 AS data_width
  FROM idx x JOIN cols c ON c.indexrelid = x.indexrelid
 GROUP BY x.indexrelid, x.indrelid, x.nspname, x.tbl, x.idx, x.reltuples, x.relpages, x.size_bytes, x.fillfactor
 ORDER BY x.nspname, x.tbl, x.idx`;

export interface BloatInputs {
  oid: string;
  tableOid: string;
  schema: string;
  table: string;
  name: string;
  reltuples: number;
  relpages: number;
  sizeBytes: number;
  fillfactor: number;
  blockSize: number;
  hasStats: boolean;
  hasNameType: boolean;
  nullable: boolean;
  dataWidth: number;
}

const MAXALIGN = 8;
const PAGE_HEADER = 24;
const BTREE_OPAQUE = 16;
const ITEM_ID = 4;
const align = (n: number) => Math.ceil(n / MAXALIGN) * MAXALIGN;

/** The estimate: live entries packed at the fillfactor need this many pages (+1 for the metapage);
 *  the rest of relpages is waste. Null when it cannot be trusted: no statistics, a `name` column
 *  (avg_width understates its 64 fixed bytes), or never analyzed. */
export function estimateBloat(x: BloatInputs): IndexBloat | null {
  if (!x.hasStats || x.hasNameType || x.reltuples < 0 || x.relpages <= 0) return null;
  // IndexTupleData is 8 bytes, plus a 4-byte null bitmap when a column can be null.
  const tuple = align(x.nullable ? 12 : 8) + align(x.dataWidth) + ITEM_ID;
  const perPage = Math.max(1, Math.floor(((x.blockSize - PAGE_HEADER - BTREE_OPAQUE) * x.fillfactor) / 100 / tuple));
  const expectedPages = 1 + Math.ceil(x.reltuples / perPage);
  const wastedPages = Math.max(0, x.relpages - expectedPages);
  const size = x.relpages * x.blockSize;
  return {
    schema: x.schema,
    table: x.table,
    name: x.name,
    sizeBytes: x.sizeBytes,
    wastedBytes: wastedPages * x.blockSize,
    ratio: size > 0 ? (wastedPages * x.blockSize) / size : 0,
    fillfactor: x.fillfactor,
    method: 'estimate',
  };
}

/** pgstatindex of the given indexes ($1: oid[]); the schema is where pgstattuple lives. */
export function pgstatindexSql(schema: string): string {
  return `/* perfkit */ SELECT c.oid::text AS oid, s.index_size::float8, s.internal_pages::float8, s.leaf_pages::float8,
       s.empty_pages::float8, s.deleted_pages::float8, s.avg_leaf_density::float8
  FROM pg_class c CROSS JOIN LATERAL ${quoteSchema(schema)}.pgstatindex(c.oid::regclass) s
 WHERE c.oid = ANY ($1::oid[])`;
}

/** pgstattuple_approx of the given tables ($1: oid[]): it reads only pages not marked all-visible. */
export function pgstattupleApproxSql(schema: string): string {
  return `/* perfkit */ SELECT n.nspname AS schema, c.relname AS table, s.table_len::float8, s.scanned_percent::float8,
       s.dead_tuple_percent::float8, s.approx_free_percent::float8
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN LATERAL ${quoteSchema(schema)}.pgstattuple_approx(c.oid::regclass) s
 WHERE c.oid = ANY ($1::oid[]) AND c.relkind IN ('r', 'm')`;
}

function quoteSchema(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

export interface PgstatindexRow {
  index_size: number;
  internal_pages: number;
  leaf_pages: number;
  empty_pages: number;
  deleted_pages: number;
  avg_leaf_density: number;
}

/** Exact waste: the leaf pages' live bytes repacked at the fillfactor, plus the metapage and internal
 *  pages, against the real size. Empty and deleted pages are all waste. */
export function exactBloat(x: BloatInputs, s: PgstatindexRow): IndexBloat {
  const density = Number.isFinite(s.avg_leaf_density) ? s.avg_leaf_density : 0;
  const neededLeaves = Math.ceil((s.leaf_pages * density) / x.fillfactor);
  const neededBytes = (1 + s.internal_pages + neededLeaves) * x.blockSize;
  const wasted = Math.max(0, s.index_size - neededBytes);
  return {
    schema: x.schema,
    table: x.table,
    name: x.name,
    sizeBytes: s.index_size,
    wastedBytes: wasted,
    ratio: s.index_size > 0 ? wasted / s.index_size : 0,
    fillfactor: x.fillfactor,
    method: 'pgstatindex',
    leafDensity: density,
  };
}

/** Which indexes to measure with pgstatindex: at least minBytes (a smaller one cannot waste the
 *  threshold), the most wasteful by estimate first, until maxBytes have been read. */
export function pickExact(inputs: BloatInputs[], estimates: Map<string, IndexBloat | null>, minBytes: number, maxBytes: number) {
  const eligible = inputs
    .filter((x) => x.sizeBytes >= minBytes)
    .sort((a, b) => (estimates.get(b.oid)?.wastedBytes ?? b.sizeBytes) - (estimates.get(a.oid)?.wastedBytes ?? a.sizeBytes));
  const picked: BloatInputs[] = [];
  const skipped: BloatInputs[] = [];
  let total = 0;
  for (const x of eligible) {
    if (total + x.sizeBytes > maxBytes) skipped.push(x);
    else {
      picked.push(x);
      total += x.sizeBytes;
    }
  }
  return { picked, skipped };
}

export interface ApproxRow {
  schema: string;
  table: string;
  table_len: number;
  scanned_percent: number;
  dead_tuple_percent: number;
  approx_free_percent: number;
}

export function tableBloatOf(r: ApproxRow): TableBloat {
  return {
    schema: r.schema,
    table: r.table,
    sizeBytes: r.table_len,
    deadTuplePercent: r.dead_tuple_percent,
    freePercent: r.approx_free_percent,
    scannedPercent: r.scanned_percent,
  };
}
