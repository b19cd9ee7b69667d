// The SQL behind fetchCatalog: one query per concern (server and settings, relations with their write
// counters, columns with pg_stats, indexes), each aggregated in SQL and tagged. PostgreSQL 13–18 and PGlite.

/** User relations: not catalogs, toast or temp schemas, not owned by an extension (hypopg_list_indexes,
 *  pg_stat_statements live in public but belong to their extensions). $1: schemas, or NULL for all. */
const RELS = `rels AS (
  SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'v', 'm', 'p')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname !~ '^pg_(toast|temp_)'
     AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))
     AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'))`;

export const ENV_SQL = `/* perfkit */ SELECT current_schemas(false)::text[] AS search_path,
  current_setting('server_version_num')::int AS version_num,
  (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
  extract(epoch FROM now() - coalesce((SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()),
                                      pg_postmaster_start_time())) / 3600.0 AS stats_age_hours,
  current_setting('seq_page_cost')::float8 AS seq_page_cost,
  current_setting('random_page_cost')::float8 AS random_page_cost,
  current_setting('cpu_tuple_cost')::float8 AS cpu_tuple_cost,
  current_setting('cpu_index_tuple_cost')::float8 AS cpu_index_tuple_cost,
  current_setting('cpu_operator_cost')::float8 AS cpu_operator_cost,
  current_setting('block_size')::int AS block_size`;

// A partitioned table's rows, pages, size and write counters are its leaves' sums.
export const RELATIONS_SQL = `/* perfkit */ WITH ${RELS}
SELECT r.schema, r.name, r.relkind,
       CASE WHEN r.relkind IN ('v', 'm') THEN pg_get_viewdef(r.oid, true) END AS view_definition,
       t.reltuples, t.relpages, t.size_bytes, t.live, t.ins, t.upd, t.del
  FROM rels r
  CROSS JOIN LATERAL (
    SELECT sum(CASE WHEN lc.reltuples > 0 THEN lc.reltuples ELSE coalesce(ls.n_live_tup, 0) END)::float8 AS reltuples,
           sum(lc.relpages)::float8 AS relpages,
           sum(pg_table_size(lc.oid))::float8 AS size_bytes,
           sum(coalesce(ls.n_live_tup, 0))::float8 AS live,
           sum(coalesce(ls.n_tup_ins, 0))::float8 AS ins,
           sum(coalesce(ls.n_tup_upd, 0))::float8 AS upd,
           sum(coalesce(ls.n_tup_del, 0))::float8 AS del
      FROM pg_class lc LEFT JOIN pg_stat_all_tables ls ON ls.relid = lc.oid
     WHERE lc.oid IN (SELECT pt.relid FROM pg_partition_tree(r.oid) pt WHERE pt.isleaf AND r.relkind = 'p'
                      UNION ALL SELECT r.oid WHERE r.relkind <> 'p')) t
 ORDER BY r.schema, r.name`;

// Most common values come as text (anyarray → text → text[]), cut to 200 characters; not for array
// columns, whose values are arrays themselves.
export const COLUMNS_SQL = `/* perfkit */ WITH ${RELS}
SELECT r.schema, r.name AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, s.null_frac::float8, s.n_distinct::float8, s.correlation::float8, s.avg_width,
       CASE WHEN ty.typcategory <> 'A' THEN to_json(s.most_common_freqs) END AS mcf,
       CASE WHEN ty.typcategory <> 'A' AND s.most_common_vals IS NOT NULL THEN
         (SELECT json_agg(left(v, 200) ORDER BY o) FROM unnest(s.most_common_vals::text::text[]) WITH ORDINALITY AS u(v, o))
       END AS mcv
  FROM rels r
  JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type ty ON ty.oid = a.atttypid
  LEFT JOIN pg_stats s ON s.schemaname = r.schema AND s.tablename = r.name AND s.attname = a.attname
                      AND s.inherited = (r.relkind = 'p')
 ORDER BY r.schema, r.name, a.attnum`;

// Key columns and INCLUDE columns in order; pg_get_indexdef(oid, k, true) gives a key's bare column or
// expression (without opclass or ordering, which come from indclass and indoption).
export const INDEXES_SQL = `/* perfkit */ WITH ${RELS}
SELECT r.schema, r.name AS table, ic.relname AS name, am.amname AS method,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
       pg_relation_size(i.indexrelid)::float8 AS size_bytes, coalesce(si.idx_scan, 0)::float8 AS scans,
       pg_get_indexdef(i.indexrelid) AS definition, pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       (SELECT json_agg(json_build_object(
                 'column', att.attname,
                 'def', pg_get_indexdef(i.indexrelid, k + 1, true),
                 'desc', coalesce((i.indoption[k]::int & 1) = 1, false),
                 'nulls_first', coalesce((i.indoption[k]::int & 2) = 2, false),
                 'opclass', CASE WHEN NOT oc.opcdefault THEN oc.opcname END,
                 'key', k < i.indnkeyatts) ORDER BY k)
          FROM generate_series(0, i.indnatts - 1) AS k
          LEFT JOIN pg_attribute att ON att.attrelid = i.indrelid AND att.attnum = i.indkey[k] AND i.indkey[k] <> 0
          LEFT JOIN pg_opclass oc ON oc.oid = i.indclass[k]) AS cols
  FROM rels r
  JOIN pg_index i ON i.indrelid = r.oid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_stat_all_indexes si ON si.indexrelid = i.indexrelid
 ORDER BY r.schema, r.name, ic.relname`;
