// Whether an existing index already does a candidate's job: same method, the candidate's key as its
// leading columns (same operator classes, sort directions equal or all reversed), the same partial
// predicate, and the candidate's INCLUDE columns somewhere in it.
import type { CandidateIndex, ExistingIndex, IndexColumn } from '../model.js';

/** Operator classes that change what an index can do; any other name is a type's default class. */
const SPECIAL_OPCLASS = /pattern_ops$|trgm_ops$|^jsonb_path_ops$|^inet_ops$/;

/** pg_get_expr text and perfkit's text compared loosely: lower((email)::text) is lower(email). */
const CAST = /::("char"|character varying|double precision|(?:timestamp|time) with(?:out)? time zone|bit varying|[a-z_][a-z0-9_]*)(\(\d+(?:,\s*\d+)?\))?(\[\])?/g;
/** Casts pg_get_expr adds around text columns and literals, which perfkit's SQL leaves out. */
const TEXT_TYPES = new Set(['text', 'character varying', 'varchar', 'bpchar', 'unknown']);

/** pg_get_expr text and perfkit's text compared loosely: lower((email)::text) is lower(email). */
export function normalizeSql(sql: string): string {
  return sql
    .toLowerCase()
    .replace(CAST, (m, type: string) => (TEXT_TYPES.has(type) ? '' : m))
    .replace(/"/g, '')
    .replace(/[\s()]/g, '');
}

function opclassOf(c: IndexColumn): string {
  return c.opclass && SPECIAL_OPCLASS.test(c.opclass) ? c.opclass : '';
}

function sameKey(a: IndexColumn, b: IndexColumn): boolean {
  if ((a.expression === undefined) !== (b.expression === undefined)) return false;
  const same = a.expression !== undefined ? normalizeSql(a.expression) === normalizeSql(b.expression!) : a.column === b.column;
  return same && opclassOf(a) === opclassOf(b);
}

/** ASC NULLS LAST / DESC NULLS FIRST are the defaults; a backward scan reverses both. */
function order(c: IndexColumn): string {
  const dir = c.direction ?? 'asc';
  return `${dir} ${c.nulls ?? (dir === 'desc' ? 'first' : 'last')}`;
}

function reversed(o: string): string {
  const [dir, nulls] = o.split(' ');
  return `${dir === 'asc' ? 'desc' : 'asc'} ${nulls === 'first' ? 'last' : 'first'}`;
}

/** Directions matter only where the candidate asks for one (its sort columns). */
function directionsFit(candidate: IndexColumn[], existing: IndexColumn[]): boolean {
  const pairs = candidate.map((c, i) => [c, existing[i]!] as const).filter(([c]) => c.direction !== undefined || c.nulls !== undefined);
  return pairs.every(([c, e]) => order(c) === order(e)) || pairs.every(([c, e]) => reversed(order(c)) === order(e));
}

function whereFits(candidate: string | undefined, existing: string | undefined): boolean {
  if (candidate === undefined) return existing === undefined;
  if (existing === undefined) return false;
  const parts = (s: string): string => s.split(/\s+and\s+/i).map(normalizeSql).sort().join(' AND ');
  return parts(candidate) === parts(existing);
}

/** The qualified name of an existing index that already serves the candidate, or undefined. */
export function alreadyServed(candidate: CandidateIndex, existing: readonly ExistingIndex[]): string | undefined {
  for (const e of existing) {
    if (!e.valid || e.schema !== candidate.schema || e.table !== candidate.table || e.method !== candidate.method) continue;
    if (e.columns.length < candidate.columns.length) continue;
    if (!candidate.columns.every((c, i) => sameKey(c, e.columns[i]!))) continue;
    // GIN has no column order: a GIN index on (a, b) serves a candidate on (b) as well, but keep it simple and exact.
    if (candidate.method !== 'btree' && e.columns.length !== candidate.columns.length) continue;
    if (!directionsFit(candidate.columns, e.columns)) continue;
    if (!whereFits(candidate.where, e.where)) continue;
    const has = new Set([...e.columns.map((c) => c.column).filter((c): c is string => c !== undefined), ...e.include]);
    if (!candidate.include.every((c) => has.has(c))) continue;
    return `${e.schema}.${e.name}`;
  }
  return undefined;
}
