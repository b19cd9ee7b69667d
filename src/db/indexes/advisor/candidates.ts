// Candidate indexes for a query (or a workload): per table, B-tree key orders built from its predicates,
// partial variants for selective constant predicates, INCLUDE variants that allow an index-only scan,
// expression indexes for function-wrapped columns, and GIN/GiST/trigram candidates marked uncosted.
import { btreeVariants, itemId } from './btree-candidates.js';
import type { KeyItem, KeyPlan, KeyVariant } from './btree-candidates.js';
import type { CandidateFields } from './candidate-key.js';
import { makeCandidate, mergeCandidates } from './candidate-key.js';
import { btreeable, columnInfo, isNarrow, isTextLike, patternOpclass } from './column-types.js';
import type { CandidateIndex, Catalog, Predicate, QueryAnalysis, TableInfo } from '../model.js';
import { constantFraction, distinctValues, eqFraction, isCommonValue, isNotNullTest, percent } from './selectivity.js';
import { specialVariants } from './special-candidates.js';

export interface CandidateOptions {
  /** Most key columns in one candidate (default 3). */
  maxColumns?: number;
  /** Tables with fewer rows get no candidates (default 1,000): a sequential scan is as good. */
  minRows?: number;
  /** A constant predicate keeping at most this share of rows makes a partial index (default 0.2). */
  partialMaxFraction?: number;
  /** Most INCLUDE columns (default 3). */
  maxInclude?: number;
}

const DEFAULTS = { maxColumns: 3, minRows: 1000, partialMaxFraction: 0.2, maxInclude: 3 };
/** At most this many distinct values for an equality to become a partial index's WHERE. */
const ENUM_LIKE_MAX_DISTINCT = 10;

/** Candidates for one query, or for many with the same index from different queries merged into one. */
export function buildCandidates(analysis: QueryAnalysis | readonly QueryAnalysis[], catalog: Catalog, opts: CandidateOptions = {}): CandidateIndex[] {
  if (Array.isArray(analysis)) return mergeCandidates(analysis.flatMap((a: QueryAnalysis) => buildCandidates(a, catalog, opts)));
  const a = analysis as QueryAnalysis;
  if (a.kind !== 'select') return [];
  const o = { ...DEFAULTS, ...opts };
  const out: CandidateIndex[] = [];
  for (const table of new Set(a.predicates.map((p) => p.table))) {
    const info = catalog.tables[table];
    if (!info || info.kind === 'view' || info.rows < o.minRows) continue;
    const base = { schema: info.schema, table: info.name, include: [] as string[], queries: [a.query.fingerprint] };
    for (const v of tableVariants(a, table, info, catalog, o)) out.push(makeCandidate({ ...base, ...v }));
    const where = partialWhere(a.predicates.filter((p) => p.table === table), info, o.partialMaxFraction);
    for (const s of specialVariants(a.predicates.filter((p) => p.table === table), catalog)) {
      out.push(makeCandidate({ ...base, method: s.method, columns: s.columns, costable: false, reason: s.reason }));
      if (where) out.push(makeCandidate({ ...base, method: s.method, columns: s.columns, costable: false, reason: `${s.reason}, only rows where ${where.words}`, where: where.sql }));
    }
  }
  return mergeCandidates(out);
}

type Fields = Pick<CandidateFields, 'method' | 'columns' | 'include' | 'where' | 'costable' | 'reason'>;

function tableVariants(a: QueryAnalysis, table: string, info: TableInfo, catalog: Catalog, o: typeof DEFAULTS): Fields[] {
  const preds = a.predicates.filter((p) => p.table === table);
  const plan = keyPlan(a.predicates, table, info, catalog);
  const inKeepsOrder = catalog.serverVersionNum >= 170000;
  const out: Fields[] = [];
  const emit = (variants: KeyVariant[], where?: { sql: string; words: string; columns: string[] }): void => {
    for (const v of variants) {
      const fields: Fields = {
        method: 'btree', columns: v.items.map((i) => i.column), include: [], costable: true,
        reason: v.reason + (where ? `, only rows where ${where.words}` : ''), ...(where ? { where: where.sql } : {}),
      };
      out.push(fields);
      if (!v.full) continue;
      const cover = covering(a, table, info, v.items, where?.columns ?? [], catalog, o.maxInclude);
      if (cover === 'covered') fields.reason += '; it holds every column the query reads from the table (index-only scan)';
      else if (cover) out.push({ ...fields, include: cover, reason: `${fields.reason}, with INCLUDE (${cover.join(', ')}) for an index-only scan` });
    }
  };
  emit(btreeVariants(plan, o.maxColumns, inKeepsOrder));
  const partial = partialPlan(preds, plan, info, o.partialMaxFraction);
  if (partial) emit(btreeVariants(partial.plan, o.maxColumns, inKeepsOrder), partial.where);
  return out;
}

function keyPlan(all: Predicate[], table: string, info: TableInfo, catalog: Catalog): KeyPlan {
  const plan: KeyPlan = { eq: [], ranges: [], sorts: [], joins: [], groups: [] };
  const usable = (p: Predicate): boolean =>
    p.expression !== undefined || (p.sargable && p.column !== undefined && btreeable(columnInfo(catalog, table, p.column)?.type ?? 'text'));
  const item = (p: Predicate, role: KeyItem['role']): KeyItem => {
    const col = columnInfo(catalog, table, p.column);
    const id = p.expression ?? p.column ?? '?';
    return { column: p.expression !== undefined ? { expression: p.expression } : { column: p.column }, label: id, role, fraction: eqFraction(col, info.rows) };
  };
  // ORDER BY / GROUP BY help an index on this table only if every item is on it.
  const sorts = all.filter((p) => p.kind === 'sort');
  const sortsHere = sorts.length > 0 && sorts.every((p) => p.table === table && usable(p));
  const groups = all.filter((p) => p.kind === 'group');
  const groupsHere = groups.length > 0 && groups.every((p) => p.table === table && usable(p));
  for (const p of all.filter((x) => x.table === table && usable(x))) {
    const type = columnInfo(catalog, table, p.column)?.type ?? '';
    if (p.kind === 'eq' || p.kind === 'in') plan.eq.push(item(p, p.kind));
    else if (p.kind === 'isnull' && !isNotNullTest(p)) {
      // IS NULL matching most rows (deleted_at on a table that rarely deletes) is no key column.
      const nulls = columnInfo(catalog, table, p.column)?.stats?.nullFrac;
      if (nulls === undefined || nulls <= 0.5) plan.ranges.push({ ...item(p, 'isnull'), fraction: nulls });
    } else if (p.kind === 'range') plan.ranges.push(item(p, 'range'));
    else if (p.kind === 'like-prefix' && (p.expression !== undefined || isTextLike(type))) {
      const it = item(p, 'range');
      plan.ranges.push({ ...it, label: `${it.label} (LIKE prefix)`, column: { ...it.column, opclass: p.expression !== undefined ? 'text_pattern_ops' : patternOpclass(type) } });
    } else if (p.kind === 'join') plan.joins.push(item(p, 'join'));
    else if (p.kind === 'sort' && sortsHere) {
      const it = item(p, 'sort');
      const label = `${it.label}${p.direction === 'desc' ? ' DESC' : ''}${p.nulls ? ` NULLS ${p.nulls.toUpperCase()}` : ''}`;
      // ASC is said explicitly on sort columns (the key prints only DESC) so alreadyServed knows the order matters.
      plan.sorts.push({ ...it, label, column: { ...it.column, direction: p.direction ?? 'asc', ...(p.nulls ? { nulls: p.nulls } : {}) } });
    } else if (p.kind === 'group' && groupsHere) plan.groups.push(item(p, 'group'));
  }
  // An equality beats an IN on the same column; a column with an equality gains nothing from its range or join.
  const eqIds = new Set(plan.eq.filter((i) => i.role === 'eq').map(itemId));
  plan.eq = plan.eq.filter((i) => i.role === 'eq' || !eqIds.has(itemId(i))).filter((i, n, arr) => arr.findIndex((x) => itemId(x) === itemId(i)) === n);
  const keyIds = new Set(plan.eq.map(itemId));
  plan.ranges = plan.ranges.filter((i) => !keyIds.has(itemId(i)));
  plan.joins = plan.joins.filter((i) => !keyIds.has(itemId(i)));
  return plan;
}

interface Selective {
  p: Predicate;
  f: number;
}
interface Where {
  sql: string;
  words: string;
  columns: string[];
}

/** Constant predicates (status = 'active', deleted_at IS NULL) keeping few enough rows for a partial index, most selective first. */
function selectiveConstants(preds: Predicate[], info: TableInfo, maxFraction: number): Selective[] {
  return preds
    .filter((p) => p.column !== undefined && p.constantSql !== undefined)
    .map((p) => ({ p, col: info.columns.find((c) => c.name === p.column) }))
    // Equality makes a partial index only on an enum-like column (status, kind, a flag): a partial index
    // on store_id = 7 would fit one literal of one query, not the application's other values.
    .filter(({ p, col }) => p.kind === 'isnull' || (p.kind === 'eq' && isCommonValue(p, col) && (distinctValues(col, info.rows) ?? Infinity) <= ENUM_LIKE_MAX_DISTINCT))
    .map(({ p, col }) => ({ p, f: constantFraction(p, col, info.rows) }))
    .filter((x): x is Selective => x.f !== undefined && x.f <= maxFraction)
    .sort((x, y) => x.f - y.f);
}

function whereOf(selective: Selective[]): Where {
  return {
    sql: selective.map((x) => x.p.constantSql!).sort().join(' AND '),
    words: selective.map((x) => `${x.p.constantSql} (${percent(x.f)} of rows)`).join(' and '),
    columns: selective.map((x) => x.p.column!),
  };
}

function partialWhere(preds: Predicate[], info: TableInfo, maxFraction: number): Where | undefined {
  const selective = selectiveConstants(preds, info, maxFraction);
  return selective.length > 0 ? whereOf(selective) : undefined;
}

/** Selective constant predicates become the partial index's WHERE, and leave its key. */
function partialPlan(preds: Predicate[], plan: KeyPlan, info: TableInfo, maxFraction: number): { plan: KeyPlan; where: Where } | undefined {
  const selective = selectiveConstants(preds, info, maxFraction);
  if (selective.length === 0) return undefined;
  const cols = new Set(selective.map((x) => x.p.column!));
  const keep = (i: KeyItem): boolean => !cols.has(i.column.column ?? '');
  const rest: KeyPlan = { ...plan, eq: plan.eq.filter(keep), ranges: plan.ranges.filter(keep) };
  let inWhere = selective;
  if (rest.eq.length + rest.ranges.length + rest.sorts.length + rest.joins.length + rest.groups.length === 0) {
    // Nothing left to key on: the most selective constant becomes the key, the others the WHERE.
    const lead = [...plan.eq, ...plan.ranges].find((i) => i.column.column === selective[0]!.p.column);
    if (selective.length < 2 || !lead) return undefined;
    if (lead.role === 'isnull') rest.ranges = [lead];
    else rest.eq = [lead];
    inWhere = selective.slice(1);
  }
  return { plan: rest, where: whereOf(inWhere) };
}

/** INCLUDE columns that make an index-only scan possible: the rest of what the query reads, if few and narrow. */
function covering(a: QueryAnalysis, table: string, info: TableInfo, items: KeyItem[], whereColumns: string[], catalog: Catalog, maxInclude: number):
  string[] | 'covered' | undefined {
  const read = a.columnsRead?.[table];
  if (!read || catalog.serverVersionNum < 110000 || items.some((i) => i.column.expression !== undefined || i.column.opclass)) return undefined;
  const inKey = new Set([...items.map((i) => i.column.column!), ...whereColumns]);
  const rest = read.filter((c) => !inKey.has(c)).sort();
  if (rest.length === 0) return 'covered';
  if (rest.length > maxInclude) return undefined;
  const narrow = rest.every((c) => isNarrow(info.columns.find((x) => x.name === c)?.type ?? 'text'));
  return narrow ? rest : undefined;
}
