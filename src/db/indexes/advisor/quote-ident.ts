// Quoting identifiers for generated DDL the way PostgreSQL's quote_ident does: bare when the name is
// lower-case letters, digits, _ and $ (not leading) and not a reserved keyword; double-quoted otherwise.

// pg_get_keywords() rows whose catcode is not 'U' (reserved, column-name and type/function-name
// keywords), PostgreSQL 13–18: these must be quoted when used as identifiers.
const KEYWORDS = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast char ' +
    'character check coalesce collate collation column concurrently constraint create cross current_catalog current_date ' +
    'current_role current_schema current_time current_timestamp current_user dec decimal default deferrable desc distinct do ' +
    'else end except exists extract false fetch float for foreign freeze from full grant greatest group grouping having ilike ' +
    'in initially inner inout int integer intersect interval into is isnull join json json_array json_arrayagg json_exists ' +
    'json_object json_objectagg json_query json_scalar json_serialize json_table json_value lateral leading least left like ' +
    'limit localtime localtimestamp merge_action national natural nchar none normalize not notnull null nullif numeric offset ' +
    'on only or order out outer overlaps overlay placing position precision primary real references returning right row ' +
    'select session_user setof similar smallint some substring symmetric system_user table tablesample then time timestamp ' +
    'to trailing treat trim true union unique user using values varchar variadic verbose when where window with ' +
    'xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

const SIMPLE = /^[a-z_][a-z0-9_$]*$/;

export function quoteIdent(name: string): string {
  return SIMPLE.test(name) && !KEYWORDS.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** schema.name, each part quoted when needed. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
