// The SQL behind fetchHealthSnapshot: one tagged query per concern (server, indexes, foreign keys,
// tables without a primary key), over user relations only. PostgreSQL 13–18.

/** User tables, partitioned tables and materialized views: not catalogs, toast or temp schemas, not
 *  temporary, not owned by an extension. rows and bytes of a partitioned table are its leaves' sums;
 *  reltuples ≤ 0 means "not known yet" (-1 on 14+, 0 before), so n_live_tup stands in. */
const RELS = `rels AS (
  SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind, c.relispartition, sz.rows, sz.bytes
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(CASE WHEN lc.reltuples > 0 THEN lc.reltuples ELSE coalesce(ls.n_live_tup, 0) END), 0)::float8 AS rows,
             coalesce(sum(pg_table_size(lc.oid)), 0)::float8 AS bytes
        FROM pg_class lc LEFT JOIN pg_stat_all_tables ls ON ls.relid = lc.oid
       WHERE lc.oid IN (SELECT pt.relid FROM pg_partition_tree(c.oid) pt WHERE pt.isleaf AND c.relkind = 'p'
                        UNION ALL SELECT c.oid WHERE c.relkind <> 'p')) sz
   WHERE c.relkind IN ('r', 'p', 'm')
     AND c.relpersistence <> 't'
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname !~ '^pg_(toast|temp_)'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'))`;

/** Server facts. hidden_builds counts index builds in this database whose relation this role may not
 *  see (pg_stat_progress_create_index shows other users' rows only to pg_read_all_stats). */
export const SERVER_SQL = `/* perfkit */ SELECT current_database() AS database,
  current_setting('server_version_num')::int AS version_num, now() AS now, pg_is_in_recovery() AS in_recovery,
  (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
  (SELECT count(*) FROM pg_stat_progress_create_index p
    WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND p.relid IS NULL)::int AS hidden_builds,
  (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pgstattuple') AS pgstattuple_schema,
  current_user AS role`;

/** Every index of a user relation. A partitioned index's size and scans are its partitions' sums.
 *  Columns: pg_get_indexdef(oid, k, true) is a key's bare column or expression; ordering, NULLS,
 *  opclass (when not the default) and collation (when not the column's) come from indoption,
 *  indclass and indcollation. An index is "building" while CREATE INDEX CONCURRENTLY runs on it, or
 *  while REINDEX CONCURRENTLY fills its _ccnew copy. */
export function indexesSql(versionNum: number): string {
  const nullsNotDistinct = versionNum >= 150000 ? 'i.indnullsnotdistinct' : 'false';
  return `/* perfkit */ WITH ${RELS}
SELECT r.schema, r.name AS table, ic.relname AS name, am.amname AS method, r.relkind AS table_kind, r.rows AS table_rows,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, ${nullsNotDistinct} AS nulls_not_distinct,
       i.indisvalid AS is_valid, i.indisready AS is_ready, ic.relispartition AS is_partition, i.indnkeyatts AS nkeys,
       pg_get_indexdef(i.indexrelid) AS definition, pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       con.conname AS constraint_name, con.contype AS constraint_type,
       ARRAY(SELECT f.conname::text FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid ORDER BY 1) AS referenced_by,
       u.size_bytes, u.scans, u.last_scan,
       EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
                WHERE p.index_relid = i.indexrelid
                   OR (p.relid = i.indrelid AND p.command = 'REINDEX CONCURRENTLY' AND ic.relname ~ '_ccnew[0-9]*$')) AS building,
       (SELECT json_agg(json_build_object(
                 'def', pg_get_indexdef(i.indexrelid, k + 1, true),
                 'attnum', i.indkey[k],
                 'option', i.indoption[k],
                 'opclass', CASE WHEN NOT oc.opcdefault THEN oc.opcname END,
                 'collation', CASE WHEN i.indcollation[k] <> 0 AND i.indcollation[k] <> coalesce(att.attcollation, 0)
                                    AND coll.collname <> 'default' THEN coll.collname END) ORDER BY k)
          FROM generate_series(0, i.indnatts - 1) AS k
          LEFT JOIN pg_attribute att ON att.attrelid = i.indrelid AND att.attnum = i.indkey[k] AND i.indkey[k] <> 0
          LEFT JOIN pg_opclass oc ON oc.oid = i.indclass[k]
          LEFT JOIN pg_collation coll ON coll.oid = i.indcollation[k]) AS cols
  FROM rels r
  JOIN pg_index i ON i.indrelid = r.oid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(pg_relation_size(x.oid)), 0)::float8 AS size_bytes,
           coalesce(sum(s.idx_scan), 0)::float8 AS scans,
           max((to_jsonb(s) ->> 'last_idx_scan')::timestamptz) AS last_scan
      FROM (SELECT pt.relid AS oid FROM pg_partition_tree(i.indexrelid) pt WHERE pt.isleaf AND ic.relkind = 'I'
            UNION ALL SELECT i.indexrelid WHERE ic.relkind <> 'I') x
      LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = x.oid) u
 ORDER BY r.schema, r.name, ic.relname`;
}

/** The first n key columns of index i as a set (n = the foreign key's column count). */
const LEADING = `(SELECT array_agg(x) FROM unnest(i.indkey) WITH ORDINALITY AS u(x, o) WHERE o <= cardinality(con.conkey))`;

/** Foreign keys declared on user tables (a partitioned table's key once, not per partition), with the
 *  smallest index that serves them: valid, not partial, B-tree (or hash for one column), leading
 *  columns = the key's columns in any order. */
export const FOREIGN_KEYS_SQL = `/* perfkit */ WITH ${RELS}
SELECT r.schema, r.name AS table, con.conname AS name, r.relkind AS table_kind, r.rows AS table_rows, r.bytes AS table_bytes,
       (SELECT json_agg(a.attname ORDER BY k.o) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, o)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
       rn.nspname AS ref_schema, rt.relname AS ref_table,
       (SELECT json_agg(a.attname ORDER BY k.o) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, o)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns,
       greatest(rt.reltuples, 0)::float8 AS ref_rows,
       (SELECT ic.relname FROM pg_index i
          JOIN pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_am am ON am.oid = ic.relam
         WHERE i.indrelid = con.conrelid AND i.indisvalid AND i.indpred IS NULL
           AND (am.amname = 'btree' OR (am.amname = 'hash' AND cardinality(con.conkey) = 1))
           AND i.indnkeyatts >= cardinality(con.conkey)
           AND ${LEADING} @> con.conkey AND ${LEADING} <@ con.conkey
         ORDER BY i.indnkeyatts, ic.relname LIMIT 1) AS indexed_by
  FROM pg_constraint con
  JOIN rels r ON r.oid = con.conrelid
  JOIN pg_class rt ON rt.oid = con.confrelid
  JOIN pg_namespace rn ON rn.oid = rt.relnamespace
 WHERE con.contype = 'f' AND con.conparentid = 0
 ORDER BY r.schema, r.name, con.conname`;

/** Ordinary and partitioned tables (not partitions) without a PRIMARY KEY, with the narrowest valid,
 *  non-partial unique index on NOT NULL plain columns, if any. */
export const NO_PRIMARY_KEY_SQL = `/* perfkit */ WITH ${RELS}
SELECT r.schema, r.name AS table, r.relkind AS table_kind, r.rows, r.bytes,
       (SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a
         WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT json_build_object(
                 'index', ic.relname,
                 'columns', (SELECT json_agg(a.attname ORDER BY u.o) FROM unnest(i.indkey) WITH ORDINALITY AS u(attnum, o)
                               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.attnum WHERE u.o <= i.indnkeyatts),
                 'constraint', EXISTS (SELECT 1 FROM pg_constraint c2 WHERE c2.conindid = i.indexrelid AND c2.contype IN ('u', 'x')))
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = r.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
           AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) WITH ORDINALITY AS u(attnum, o)
                             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.attnum
                            WHERE u.o <= i.indnkeyatts AND (u.attnum = 0 OR NOT a.attnotnull))
         ORDER BY i.indnkeyatts, ic.relname LIMIT 1) AS unique_key
  FROM rels r
 WHERE r.relkind IN ('r', 'p') AND NOT r.relispartition
   AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = r.oid AND p.contype = 'p')
 ORDER BY r.schema, r.name`;
