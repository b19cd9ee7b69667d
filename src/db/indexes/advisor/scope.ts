// Name resolution for one query level: the relations its FROM clause brings in (tables, views,
// subqueries, CTEs) and which base-table column a column reference means.
import type { Node } from './sql-node.js';
import { names } from './sql-node.js';

/** A column of a real table, reached directly or through a view, subquery or CTE. */
export interface ColumnSource {
  /** "schema.table" */
  table: string;
  column: string;
  /** The base relation instance: o1.id = o2.parent_id on one table is still a join. */
  rel: number;
}

export interface Rel {
  id: number;
  /** The name a column reference can be qualified with: the alias, else the table name. */
  name: string;
  /** For tables: the schema, so schema.table.column references resolve. */
  schema?: string;
  /** Output columns in order; the source is undefined for computed ones (sum(x), a || b). */
  columns: Array<[string, ColumnSource | undefined]>;
  /** False for function results and missing tables: any column name might belong here. */
  known: boolean;
}

export interface Cte {
  columns: Array<[string, ColumnSource | undefined]>;
  known: boolean;
}

export class Scope {
  readonly rels: Rel[] = [];
  readonly ctes = new Map<string, Cte | 'pending'>();
  constructor(readonly parent?: Scope) {}

  cte(name: string): Cte | 'pending' | undefined {
    return this.ctes.get(name) ?? this.parent?.cte(name);
  }
}

export type Resolved =
  | { kind: 'column'; source: ColumnSource; outer: boolean }
  | { kind: 'computed' }
  | { kind: 'star'; sources: ColumnSource[] }
  | { kind: 'unknown'; problem?: string };

function lookup(rel: Rel, column: string): [string, ColumnSource | undefined] | undefined {
  return rel.columns.find(([n]) => n === column);
}

function found(entry: [string, ColumnSource | undefined], outer: boolean): Resolved {
  return entry[1] ? { kind: 'column', source: entry[1], outer } : { kind: 'computed' };
}

/** Resolves a ColumnRef's fields the way PostgreSQL does: innermost query level first, then outward. */
export function resolveColumn(ref: Node, scope: Scope): Resolved {
  const fields = ref.fields as unknown[];
  const star = fields.some((f) => f && typeof f === 'object' && 'A_Star' in f);
  const parts = names(fields);
  if (star) {
    const rels = parts.length === 0 ? scope.rels : scope.rels.filter((r) => r.name === parts[parts.length - 1]);
    return { kind: 'star', sources: rels.flatMap((r) => r.columns.map(([, s]) => s).filter((s): s is ColumnSource => s !== undefined)) };
  }
  const column = parts[parts.length - 1]!;
  const qualifier = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  const schema = parts.length >= 3 ? parts[parts.length - 3] : undefined;
  let opaque = false;
  for (let s: Scope | undefined = scope, outer = false; s; s = s.parent, outer = true) {
    if (qualifier !== undefined) {
      const rel = s.rels.find((r) => r.name === qualifier && (schema === undefined || r.schema === schema));
      if (!rel) continue;
      const entry = lookup(rel, column);
      if (entry) return found(entry, outer);
      return rel.known ? { kind: 'unknown', problem: `column ${qualifier}.${column} not found` } : { kind: 'unknown' };
    }
    const hits = s.rels.map((r) => [r, lookup(r, column)] as const).filter(([, e]) => e !== undefined);
    if (hits.length > 1) return { kind: 'unknown', problem: `column ${column} is ambiguous (${hits.map(([r]) => r.name).join(', ')})` };
    if (hits.length === 1) return found(hits[0]![1]!, outer);
    if (s.rels.some((r) => !r.known)) opaque = true;
  }
  if (opaque) return { kind: 'unknown' };
  return { kind: 'unknown', problem: `column ${qualifier ? `${qualifier}.` : ''}${column} not found in ${scope.rels.map((r) => r.name).join(', ') || 'any table'}` };
}
