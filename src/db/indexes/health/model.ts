// The shapes of index health: what fetchHealthSnapshot reads from one server (indexes with their usage,
// foreign keys, tables without a primary key, bloat) and what the pure health rules decide from. Types only.
import type { IndexColumn } from '../model.js';

export type ConstraintKind = 'primary' | 'unique' | 'exclusion';
export type RelationKind = 'table' | 'partitioned' | 'matview';

export interface HealthIndexColumn extends IndexColumn {
  /** A collation other than the column's own (COLLATE "C"), by name. */
  collation?: string;
}

export interface HealthIndex {
  schema: string;
  table: string;
  name: string;
  method: string;
  /** Key columns in order (INCLUDE columns are in `include`). */
  columns: HealthIndexColumn[];
  include: string[];
  /** Partial index predicate (pg_get_expr of indpred), or undefined. */
  where?: string;
  unique: boolean;
  primary: boolean;
  /** UNIQUE NULLS NOT DISTINCT (PostgreSQL 15+). */
  nullsNotDistinct: boolean;
  /** The PRIMARY KEY, UNIQUE or EXCLUDE constraint this index implements (pg_constraint.conindid). */
  constraint?: { name: string; kind: ConstraintKind };
  /** Foreign keys that reference the table through this (unique) index: it cannot be dropped without them. */
  referencedBy: string[];
  valid: boolean;
  /** Maintained on writes (indisready); an invalid index that is ready still costs every INSERT/UPDATE. */
  ready: boolean;
  /** Being built right now by CREATE INDEX / REINDEX CONCURRENTLY (pg_stat_progress_create_index). */
  building: boolean;
  /** An index of one partition, attached to a partitioned index: managed through its parent. */
  partition: boolean;
  /** pg_relation_size; for a partitioned index, the sum of its partitions' indexes. */
  sizeBytes: number;
  /** idx_scan since the statistics reset; for a partitioned index, the sum over its partitions. */
  scans: number;
  /** pg_stat_user_indexes.last_idx_scan (PostgreSQL 16+), ISO; undefined before 16. */
  lastScan?: string | null;
  tableRows: number;
  tableKind: RelationKind;
  /** pg_get_indexdef */
  definition: string;
  /** idx_scan of the same index on each replica (mergeReplicaUsage); null when the replica lacks it. */
  replicaScans?: Array<{ replica: string; scans: number | null }>;
}

export interface HealthForeignKey {
  schema: string;
  table: string;
  /** The constraint's name. */
  name: string;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
  tableKind: RelationKind;
  tableRows: number;
  tableBytes: number;
  referencedRows: number;
  /** A valid, non-partial B-tree (or hash, for one column) index whose first len(columns) key columns
   *  are the foreign key's columns as a set; null when there is none. */
  indexedBy: string | null;
}

export interface TableWithoutPrimaryKey {
  schema: string;
  table: string;
  kind: RelationKind;
  rows: number;
  sizeBytes: number;
  /** Column names, to pick a free name for a new key column. */
  columns: string[];
  /** A valid, non-partial unique index on NOT NULL plain columns: a primary key in all but name. */
  uniqueKey?: { index: string; columns: string[]; backsConstraint: boolean };
}

export type BloatMethod = 'estimate' | 'pgstatindex';

export interface IndexBloat {
  schema: string;
  table: string;
  name: string;
  sizeBytes: number;
  /** Bytes beyond what the live entries need at the index's fillfactor. */
  wastedBytes: number;
  /** wastedBytes / sizeBytes */
  ratio: number;
  fillfactor: number;
  method: BloatMethod;
  /** pgstatindex's avg_leaf_density (%), when measured. */
  leafDensity?: number;
}

/** pgstattuple_approx of a table whose indexes were measured exactly. */
export interface TableBloat {
  schema: string;
  table: string;
  sizeBytes: number;
  deadTuplePercent: number;
  freePercent: number;
  /** Share of the table pgstattuple_approx had to read (the rest is all-visible). */
  scannedPercent: number;
}

export interface ReplicaInfo {
  name: string;
  statsReset: string | null;
  takenAt: string;
  inRecovery: boolean;
}

export interface HealthSnapshot {
  database: string;
  serverVersionNum: number;
  /** now() on the server, ISO. */
  takenAt: string;
  /** pg_stat_database.stats_reset of this database (ISO), or null when never reset. */
  statsReset: string | null;
  inRecovery: boolean;
  /** pgstattuple is installed and did not refuse this role: indexes from exactBloatMinBytes are measured. */
  pgstattuple: boolean;
  indexes: HealthIndex[];
  foreignKeys: HealthForeignKey[];
  tablesWithoutPrimaryKey: TableWithoutPrimaryKey[];
  indexBloat: IndexBloat[];
  tableBloat: TableBloat[];
  /** Set by mergeReplicaUsage. */
  replicas?: ReplicaInfo[];
  /** What could not be read and why, in words (privileges, timeouts, missing statistics). */
  notes: string[];
}
