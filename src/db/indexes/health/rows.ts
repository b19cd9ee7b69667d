// Turns the health queries' rows into the HealthSnapshot model: index keys from indkey/indoption/
// indclass, constraint kinds, relation kinds, bloat inputs. Pure.
import type { IndexMethod } from '../model.js';
import type { HealthForeignKey, HealthIndex, HealthIndexColumn, RelationKind, TableWithoutPrimaryKey } from './model.js';
import type { BloatInputs } from './bloat.js';

type Row = Record<string, unknown>;

export function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const KINDS: Record<string, RelationKind> = { r: 'table', p: 'partitioned', m: 'matview' };
const CONSTRAINTS = { p: 'primary', u: 'unique', x: 'exclusion' } as const;

interface RawColumn {
  def: string;
  attnum: number;
  option: number;
  opclass: string | null;
  collation: string | null;
}

function toColumn(c: RawColumn, method: string): HealthIndexColumn {
  const col: HealthIndexColumn = c.attnum !== 0 ? { column: unquote(c.def) } : { expression: c.def };
  if (method === 'btree') {
    const desc = (c.option & 1) === 1;
    const nullsFirst = (c.option & 2) === 2;
    if (desc) col.direction = 'desc';
    if (nullsFirst !== desc) col.nulls = nullsFirst ? 'first' : 'last';
  }
  if (c.opclass) col.opclass = c.opclass;
  if (c.collation) col.collation = c.collation;
  return col;
}

/** pg_get_indexdef quotes a column name when it must; the model holds bare names. */
function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s;
}

export function toIndex(r: Row): HealthIndex {
  const method = String(r.method) as IndexMethod;
  const cols = (r.cols as RawColumn[] | null) ?? [];
  const nkeys = Number(r.nkeys);
  const ct = r.constraint_type as keyof typeof CONSTRAINTS | null;
  return {
    schema: String(r.schema),
    table: String(r.table),
    name: String(r.name),
    method,
    columns: cols.slice(0, nkeys).map((c) => toColumn(c, method)),
    include: cols.slice(nkeys).map((c) => unquote(c.def)),
    ...(r.predicate ? { where: String(r.predicate) } : {}),
    unique: Boolean(r.is_unique),
    primary: Boolean(r.is_primary),
    nullsNotDistinct: Boolean(r.nulls_not_distinct),
    ...(ct ? { constraint: { name: String(r.constraint_name), kind: CONSTRAINTS[ct] } } : {}),
    referencedBy: (r.referenced_by as string[] | null) ?? [],
    valid: Boolean(r.is_valid),
    ready: Boolean(r.is_ready),
    building: Boolean(r.building),
    partition: Boolean(r.is_partition),
    sizeBytes: Number(r.size_bytes),
    scans: Number(r.scans),
    ...('last_scan' in r && r.last_scan !== null ? { lastScan: iso(r.last_scan) } : {}),
    tableRows: Number(r.table_rows),
    tableKind: KINDS[String(r.table_kind)] ?? 'table',
    definition: String(r.definition),
  };
}

export function toForeignKey(r: Row): HealthForeignKey {
  return {
    schema: String(r.schema),
    table: String(r.table),
    name: String(r.name),
    columns: (r.columns as string[] | null) ?? [],
    referencedSchema: String(r.ref_schema),
    referencedTable: String(r.ref_table),
    referencedColumns: (r.ref_columns as string[] | null) ?? [],
    tableKind: KINDS[String(r.table_kind)] ?? 'table',
    tableRows: Number(r.table_rows),
    tableBytes: Number(r.table_bytes),
    referencedRows: Number(r.ref_rows),
    indexedBy: (r.indexed_by as string | null) ?? null,
  };
}

export function toNoPk(r: Row): TableWithoutPrimaryKey {
  const u = r.unique_key as { index: string; columns: string[]; constraint: boolean } | null;
  return {
    schema: String(r.schema),
    table: String(r.table),
    kind: KINDS[String(r.table_kind)] ?? 'table',
    rows: Number(r.rows),
    sizeBytes: Number(r.bytes),
    columns: (r.columns as string[] | null) ?? [],
    ...(u ? { uniqueKey: { index: u.index, columns: u.columns, backsConstraint: u.constraint } } : {}),
  };
}

export function toBloatInputs(r: Row): BloatInputs {
  return {
    oid: String(r.oid),
    tableOid: String(r.table_oid),
    schema: String(r.schema),
    table: String(r.table),
    name: String(r.name),
    reltuples: Number(r.reltuples),
    relpages: Number(r.relpages),
    sizeBytes: Number(r.size_bytes),
    fillfactor: Number(r.fillfactor),
    blockSize: Number(r.block_size),
    hasStats: Boolean(r.has_stats),
    hasNameType: Boolean(r.has_name_type),
    nullable: Boolean(r.nullable),
    dataWidth: Number(r.data_width),
  };
}
