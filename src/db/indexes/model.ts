// The shared shapes of `perfkit db indexes`: the catalog snapshot the advisor reads, the workload it
// analyses, candidate indexes, costings, recommendations and rejections. Types only.

export type IndexMethod = 'btree' | 'hash' | 'gin' | 'gist' | 'brin';

export interface IndexColumn {
  /** A plain column name, or undefined for an expression. */
  column?: string;
  /** SQL of an expression key, e.g. lower(email). */
  expression?: string;
  direction?: 'asc' | 'desc';
  /** Set only when it differs from the direction's default (ASC → NULLS LAST, DESC → NULLS FIRST). */
  nulls?: 'first' | 'last';
  /** e.g. gin_trgm_ops, jsonb_path_ops. */
  opclass?: string;
}

export interface ColumnStats {
  nullFrac: number;
  /** pg_stats.n_distinct: > 0 a count, < 0 a fraction of rows. */
  nDistinct: number;
  correlation: number | null;
  /** Most common values' frequencies, when pg_stats has them. */
  mostCommonFreqs?: number[];
  mostCommonVals?: string[];
  /** pg_stats.avg_width in bytes, for index size estimates. */
  avgWidth?: number;
}

export interface ColumnInfo {
  name: string;
  /** format_type(atttypid, atttypmod), e.g. integer, text, timestamp with time zone, jsonb. */
  type: string;
  notNull: boolean;
  stats?: ColumnStats;
}

export interface ExistingIndex {
  name: string;
  schema: string;
  table: string;
  method: IndexMethod | string;
  columns: IndexColumn[];
  include: string[];
  /** Partial index predicate (pg_get_expr of indpred), or undefined. */
  where?: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  sizeBytes: number;
  /** idx_scan from pg_stat_user_indexes. */
  scans: number;
  /** pg_get_indexdef */
  definition: string;
}

export interface TableInfo {
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'matview' | 'partitioned';
  /** reltuples (estimated rows); n_live_tup when reltuples is unknown. */
  rows: number;
  pages: number;
  sizeBytes: number;
  columns: ColumnInfo[];
  indexes: ExistingIndex[];
  /** Rows inserted/updated/deleted per hour since the statistics reset (pg_stat_user_tables). */
  writesPerHour: { inserts: number; updates: number; deletes: number };
  /** For views: the definition SQL (pg_get_viewdef), expanded by the advisor. */
  viewDefinition?: string;
}

export interface Catalog {
  /** Keyed by "schema.name". */
  tables: Record<string, TableInfo>;
  /** The session's search_path, resolved to schema names, for unqualified table names. */
  searchPath: string[];
  serverVersionNum: number;
  /** When the statistics were reset (ISO), for "no scans since …". */
  statsReset: string | null;
  hypopg: boolean;
  /** Hours the write rates are measured over (since statsReset, or since the server started). */
  statsAgeHours?: number;
  /** The server's planner cost settings, for the heuristic coster (PostgreSQL's defaults when absent). */
  planner?: PlannerSettings;
}

export interface PlannerSettings {
  seqPageCost: number;
  randomPageCost: number;
  cpuTupleCost: number;
  cpuIndexTupleCost: number;
  cpuOperatorCost: number;
  /** block_size in bytes (8192 almost everywhere). */
  blockSize: number;
}

export type QuerySource = 'query' | 'file' | 'pg_stat_statements';

export interface WorkloadQuery {
  fingerprint: string;
  /** The text as given (literals, or $n from pg_stat_statements). */
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  source: QuerySource;
  paramCount: number;
}

export type PredicateKind =
  | 'eq' | 'in' | 'range' | 'isnull' | 'like-prefix' | 'like-infix' | 'ilike'
  | 'jsonb-contains' | 'jsonb-exists' | 'fts' | 'array-overlap' | 'join' | 'sort' | 'group';

export interface Predicate {
  /** "schema.table" */
  table: string;
  column?: string;
  expression?: string;
  kind: PredicateKind;
  direction?: 'asc' | 'desc';
  /** ORDER BY … NULLS FIRST/LAST, only when it differs from the direction's default. */
  nulls?: 'first' | 'last';
  sargable: boolean;
  /** Why it cannot use a plain index: "function lower() on customers.email", "leading wildcard in LIKE '%x'", "implicit cast of orders.id to text". */
  why?: string;
  /** For a join `a.x = b.y`: the other side, so a constant on one side carries over to the other. */
  joinWith?: { table: string; column?: string };
  /** Carried over a join from an equality on the other side (PostgreSQL's equivalence classes do the same). */
  derived?: boolean;
  /** For constant predicates (status = 'active', deleted_at IS NULL): the SQL, a partial-index candidate. */
  constantSql?: string;
  /** The constant compared with, as text (status = 'active' → active), to look up in pg_stats most_common_vals. */
  value?: string;
}

export interface CandidateIndex {
  /** Canonical and unique: "public.orders USING btree (customer_id, created_at DESC) INCLUDE (total) WHERE (deleted_at IS NULL)". */
  key: string;
  schema: string;
  table: string;
  method: IndexMethod;
  columns: IndexColumn[];
  include: string[];
  where?: string;
  /** False where the costing method cannot cost it (GIN/GiST under HypoPG 1.3): reported as uncosted. */
  costable: boolean;
  /** What it is for, in words: "equality on customer_id, then sort on created_at DESC". */
  reason: string;
  /** Fingerprints of the queries it was generated for. */
  queries: string[];
}

export type RejectCode =
  | 'not-read' | 'unparsable' | 'table-missing' | 'table-too-small' | 'not-sargable' | 'already-indexed'
  | 'below-threshold' | 'low-cost' | 'no-candidates' | 'explain-failed' | 'uncosted' | 'index-limit';

export interface Rejection {
  fingerprint: string;
  query: string;
  code: RejectCode;
  /** The reason in words, with its numbers: "table too small: customers has 312 rows (threshold 1,000)". */
  reason: string;
}

export interface QueryAnalysis {
  query: WorkloadQuery;
  kind: 'select' | 'insert' | 'update' | 'delete' | 'other';
  /** The statement in words when kind says too little: "MERGE", "CREATE INDEX", "SELECT INTO". */
  statement?: string;
  /** "schema.table" of every table it reads (views expanded). */
  tables: string[];
  /** Tables the query names that the catalog does not have, as "schema.table". */
  missingTables?: string[];
  /** Per "schema.table", every column the query reads from it (all of them for *): what INCLUDE must cover. */
  columnsRead?: Record<string, string[]>;
  /** What the parse-tree analysis could not resolve (ambiguous column, view too deep), in words. */
  problems?: string[];
  predicates: Predicate[];
  candidates: CandidateIndex[];
  /** Set when the query is out before costing (not a read, no table, too small, nothing sargable). */
  rejected?: Rejection;
}

export type CostMethod = 'hypopg' | 'trial' | 'heuristic';

/** The planner's cost of one query with a set of (hypothetical or trial) indexes present. */
export interface Costing {
  fingerprint: string;
  cost: number;
  /** Candidate keys the plan used. */
  used: string[];
  /** Candidates the coster could not build, with why (GIN under HypoPG 1.3, the server refused it). */
  uncosted?: Array<{ key: string; reason: string }>;
}

export interface Recommendation {
  table: string;
  columns: string[];
  using: IndexMethod;
  include: string[];
  where: string | null;
  ddl: string;
  method: CostMethod | 'uncosted';
  costBefore: number | null;
  costAfter: number | null;
  savingPct: number | null;
  queries: string[];
  msSavedPerHour: number | null;
  sizeBytes: number | null;
  writeOverhead: string;
  why: string;
}
