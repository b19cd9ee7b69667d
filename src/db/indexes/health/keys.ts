// fk-without-index and missing-primary-key: the keys a table should have. Pure.
import type { Finding } from '../../../report/model.js';
import type { HealthForeignKey, HealthSnapshot, TableWithoutPrimaryKey } from './model.js';
import { bytes, cols, location, qualifiedName, quoteIdent, rows } from './text.js';

const shortTable = (schema: string, table: string) => (schema === 'public' ? table : `${schema}.${table}`);

/** Foreign keys with no index that leads with their columns. On a table under fkMinRows the scan it
 *  causes is cheap, so the finding is only info there. */
export function foreignKeyFindings(s: HealthSnapshot, fkMinRows: number): Finding[] {
  return s.foreignKeys.filter((fk) => fk.indexedBy === null).map((fk) => fkFinding(fk, fkMinRows));
}

function fkFinding(fk: HealthForeignKey, fkMinRows: number): Finding {
  const table = shortTable(fk.schema, fk.table);
  const parent = shortTable(fk.referencedSchema, fk.referencedTable);
  const list = fk.columns.join(', ');
  const small = fk.tableRows < fkMinRows;
  const concurrently = fk.tableKind === 'partitioned' ? '' : ' CONCURRENTLY';
  return {
    rule: 'fk-without-index',
    severity: small ? 'info' : 'warn',
    title: `Foreign key without an index: ${table} (${list})`,
    message:
      `${fk.schema}.${fk.table} (${list}) references ${fk.referencedSchema}.${fk.referencedTable} (${fk.referencedColumns.join(', ')}), ` +
      `but no index on ${table} starts with ${fk.columns.length > 1 ? 'those columns' : list}: every DELETE from ${parent}, or UPDATE of its key, ` +
      `scans ${table} (${rows(fk.tableRows)}) for referencing rows, and joins from ${parent} to ${table} cannot use an index.` +
      (small ? ` ${table} has fewer than ${rows(fkMinRows)}, so the scan is cheap for now.` : ''),
    location: location(fk.schema, fk.table, fk.name),
    evidence: {
      constraint: fk.name,
      columns: fk.columns,
      references: `${fk.referencedSchema}.${fk.referencedTable} (${fk.referencedColumns.join(', ')})`,
      tableRows: fk.tableRows,
      tableBytes: fk.tableBytes,
      referencedRows: fk.referencedRows,
    },
    fix: `CREATE INDEX${concurrently} ON ${qualifiedName(fk.schema, fk.table)} (${cols(fk.columns)});`,
  };
}

/** Tables without a primary key. One with a unique index on NOT NULL columns already has a key in
 *  all but name (info); one without any key cannot address a row (warn). */
export function primaryKeyFindings(s: HealthSnapshot): Finding[] {
  return s.tablesWithoutPrimaryKey.map(pkFinding);
}

function pkFinding(t: TableWithoutPrimaryKey): Finding {
  const name = qualifiedName(t.schema, t.table);
  const size = `${rows(t.rows)}, ${bytes(t.sizeBytes)}`;
  const title = `Table without a primary key: ${shortTable(t.schema, t.table)}`;
  const u = t.uniqueKey;
  if (u) {
    return {
      rule: 'missing-primary-key',
      severity: 'info',
      title,
      message:
        `${t.schema}.${t.table} (${size}) has no primary key, but ${u.index} is unique on NOT NULL columns (${u.columns.join(', ')}): ` +
        `it already identifies every row. Declare it the primary key so that logical replication, ORMs and tools that look for one can use it` +
        (u.backsConstraint ? '.' : '; USING INDEX promotes the existing index without building a new one.'),
      location: location(t.schema, t.table),
      evidence: { rows: t.rows, sizeBytes: t.sizeBytes, uniqueIndex: u.index, columns: u.columns },
      fix: u.backsConstraint
        ? `ALTER TABLE ${name} ADD PRIMARY KEY (${cols(u.columns)});`
        : `ALTER TABLE ${name} ADD CONSTRAINT ${quoteIdent(`${t.table}_pkey`)} PRIMARY KEY USING INDEX ${quoteIdent(u.index)};`,
    };
  }
  const column = freeColumnName(t);
  return {
    rule: 'missing-primary-key',
    severity: 'warn',
    title,
    message:
      `${t.schema}.${t.table} (${size}) has no primary key and no unique index on NOT NULL columns: a single row cannot be addressed ` +
      `reliably, logical replication cannot publish its UPDATEs and DELETEs (no replica identity), and duplicate rows go unnoticed. ` +
      `Adding an identity column rewrites the table under an ACCESS EXCLUSIVE lock: plan a maintenance window, ` +
      `or declare an existing unique column set instead.`,
    location: location(t.schema, t.table),
    evidence: { rows: t.rows, sizeBytes: t.sizeBytes, kind: t.kind },
    fix: `ALTER TABLE ${name} ADD COLUMN ${quoteIdent(column)} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;`,
  };
}

function freeColumnName(t: TableWithoutPrimaryKey): string {
  const taken = new Set(t.columns);
  return ['id', `${t.table}_id`, 'row_id'].find((c) => !taken.has(c)) ?? `${t.table}_row_id`;
}
