// The catalog snapshot the index advisor reads: user tables, views and partitioned tables with their
// columns, pg_stats, existing indexes and write rates, plus search_path, planner costs and HypoPG presence.
import type { PgConnection } from '../../connectors/postgres.js';
import { COLUMNS_SQL, ENV_SQL, INDEXES_SQL, RELATIONS_SQL } from './catalog-sql.js';
import type { Catalog, ColumnInfo, ColumnStats, ExistingIndex, IndexColumn, TableInfo } from './model.js';

export interface CatalogOptions {
  /** Only these schemas (default: every user schema). */
  schemas?: string[];
}

type Row = Record<string, unknown>;

const KINDS: Record<string, TableInfo['kind']> = { r: 'table', v: 'view', m: 'matview', p: 'partitioned' };
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function fetchCatalog(conn: PgConnection, opts: CatalogOptions = {}): Promise<Catalog> {
  const schemas = opts.schemas?.length ? opts.schemas : null;
  const [envRows, relRows, colRows, idxRows] = await Promise.all([
    conn.query(ENV_SQL),
    conn.query(RELATIONS_SQL, [schemas]),
    conn.query(COLUMNS_SQL, [schemas]),
    conn.query(INDEXES_SQL, [schemas]),
  ]);
  const env = envRows[0] ?? {};
  // Counters over a few seconds would give absurd hourly rates; measure over at least one minute.
  const hours = Math.max(num(env.stats_age_hours), 1 / 60);
  const tables: Record<string, TableInfo> = {};
  for (const r of relRows) {
    const t = tableFrom(r, hours);
    tables[`${t.schema}.${t.name}`] = t;
  }
  for (const r of colRows) tables[`${r.schema}.${r.table}`]?.columns.push(columnFrom(r));
  for (const r of idxRows) tables[`${r.schema}.${r.table}`]?.indexes.push(indexFrom(r));
  const statsReset = env.stats_reset ? new Date(env.stats_reset as string | Date).toISOString() : null;
  return {
    tables,
    searchPath: (env.search_path as string[] | undefined) ?? [],
    serverVersionNum: num(env.version_num) || conn.info.versionNum,
    statsReset,
    hypopg: conn.hasExtension('hypopg'),
    statsAgeHours: hours,
    planner: {
      seqPageCost: num(env.seq_page_cost),
      randomPageCost: num(env.random_page_cost),
      cpuTupleCost: num(env.cpu_tuple_cost),
      cpuIndexTupleCost: num(env.cpu_index_tuple_cost),
      cpuOperatorCost: num(env.cpu_operator_cost),
      blockSize: num(env.block_size) || 8192,
    },
  };
}

function tableFrom(r: Row, hours: number): TableInfo {
  const kind = KINDS[String(r.relkind)] ?? 'table';
  const t: TableInfo = {
    schema: String(r.schema),
    name: String(r.name),
    kind,
    rows: Math.round(num(r.reltuples)),
    pages: num(r.relpages),
    sizeBytes: num(r.size_bytes),
    columns: [],
    indexes: [],
    writesPerHour: { inserts: num(r.ins) / hours, updates: num(r.upd) / hours, deletes: num(r.del) / hours },
  };
  if (r.view_definition) t.viewDefinition = String(r.view_definition);
  return t;
}

function columnFrom(r: Row): ColumnInfo {
  const c: ColumnInfo = { name: String(r.column), type: String(r.type), notNull: Boolean(r.not_null) };
  if (r.n_distinct !== null && r.n_distinct !== undefined) {
    const stats: ColumnStats = { nullFrac: num(r.null_frac), nDistinct: num(r.n_distinct), correlation: optNum(r.correlation) };
    if (Array.isArray(r.mcf)) stats.mostCommonFreqs = (r.mcf as unknown[]).map(Number);
    if (Array.isArray(r.mcv)) stats.mostCommonVals = (r.mcv as unknown[]).map((v) => (v === null ? 'NULL' : String(v)));
    if (r.avg_width !== null && r.avg_width !== undefined) stats.avgWidth = num(r.avg_width);
    c.stats = stats;
  }
  return c;
}

interface RawIndexCol {
  column: string | null;
  def: string;
  desc: boolean;
  nulls_first: boolean;
  opclass: string | null;
  key: boolean;
}

function indexFrom(r: Row): ExistingIndex {
  const cols = (r.cols as RawIndexCol[] | null) ?? [];
  const columns: IndexColumn[] = cols.filter((c) => c.key).map((c) => {
    const col: IndexColumn = c.column !== null ? { column: c.column } : { expression: c.def };
    if (c.desc) col.direction = 'desc';
    // Only when it differs from the direction's default (ASC NULLS LAST, DESC NULLS FIRST).
    if (c.nulls_first !== c.desc) col.nulls = c.nulls_first ? 'first' : 'last';
    if (c.opclass) col.opclass = c.opclass;
    return col;
  });
  const idx: ExistingIndex = {
    name: String(r.name),
    schema: String(r.schema),
    table: String(r.table),
    method: String(r.method),
    columns,
    include: cols.filter((c) => !c.key).map((c) => c.column ?? c.def),
    unique: Boolean(r.is_unique),
    primary: Boolean(r.is_primary),
    valid: Boolean(r.is_valid),
    sizeBytes: num(r.size_bytes),
    scans: num(r.scans),
    definition: String(r.definition),
  };
  if (r.predicate) idx.where = String(r.predicate);
  return idx;
}
