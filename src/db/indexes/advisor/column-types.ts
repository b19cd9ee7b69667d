// What a column's type (as format_type writes it) allows: a btree key, a trigram or GIN/GiST index,
// a cheap INCLUDE column; and which comparisons make PostgreSQL cast the column instead of the value.
import type { Catalog, ColumnInfo, TableInfo } from '../model.js';

/** Types without a default btree operator class: an index on them cannot be built (or is useless). */
const NO_BTREE = new Set(['json', 'point', 'xml', 'box', 'polygon', 'circle', 'line', 'lseg', 'path', 'tsvector', 'tsquery']);
const INTEGER = new Set(['smallint', 'integer', 'bigint']);
const FRACTIONAL = new Set(['numeric', 'real', 'double precision']);
const GIST = /^(int4range|int8range|numrange|tsrange|tstzrange|daterange|int4multirange|int8multirange|nummultirange|tsmultirange|tstzmultirange|datemultirange|box|polygon|circle|point|ltree)$/;
/** Fixed-width or small types: worth carrying in INCLUDE for an index-only scan. */
const NARROW = new Set([
  'smallint', 'integer', 'bigint', 'boolean', 'date', 'real', 'double precision', 'uuid', 'money', 'oid', 'inet', 'interval',
  'timestamp without time zone', 'timestamp with time zone', 'time without time zone', 'time with time zone', '"char"',
]);

export function baseType(type: string): string {
  return type.replace(/\(.*\)$/, '').replace(/\(.*\)(?= with)/, '');
}

export function btreeable(type: string): boolean {
  return !NO_BTREE.has(baseType(type));
}

export function isTextLike(type: string): boolean {
  return /^(text|character varying|character|varchar|char|citext|name)\b/.test(type) && !type.endsWith('[]');
}

export function isArray(type: string): boolean {
  return type.endsWith('[]');
}

export function isGistType(type: string): boolean {
  return GIST.test(baseType(type));
}

export function isIntegerType(type: string): boolean {
  return INTEGER.has(type);
}

export function isFractionalType(type: string): boolean {
  return FRACTIONAL.has(baseType(type));
}

/** varchar(n) and char(n) up to 64 characters count as narrow; text, jsonb and arrays never do. */
export function isNarrow(type: string): boolean {
  if (NARROW.has(type)) return true;
  if (/^numeric(\(\d+(,\d+)?\))?$/.test(type)) return true;
  const m = /^(character varying|character)\((\d+)\)$/.exec(type);
  return m !== null && Number(m[2]) <= 64;
}

/** The opclass a LIKE 'abc%' needs when the database collation is not C. */
export function patternOpclass(type: string): string {
  if (type.startsWith('character varying')) return 'varchar_pattern_ops';
  if (type.startsWith('character')) return 'bpchar_pattern_ops';
  return 'text_pattern_ops';
}

export function tableInfo(catalog: Catalog, table: string): TableInfo | undefined {
  return catalog.tables[table];
}

export function columnInfo(catalog: Catalog, table: string, column: string | undefined): ColumnInfo | undefined {
  return column === undefined ? undefined : catalog.tables[table]?.columns.find((c) => c.name === column);
}
