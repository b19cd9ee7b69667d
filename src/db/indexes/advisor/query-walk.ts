// Walks one statement level by level: builds each level's scope from its CTEs and FROM clause (tables,
// views expanded from their definitions, subqueries), records the tables and columns it reads, and
// classifies its WHERE and JOIN conditions into predicates on base tables.
import { parseSync } from 'libpg-query';
import { classify } from './classify.js';
import { joinPair } from './compare.js';
import type { Catalog, Predicate, TableInfo } from '../model.js';
import type { Env } from './operands.js';
import { sortAndGroup } from './sort-group.js';
import type { ColumnSource, Rel } from './scope.js';
import { resolveColumn, Scope } from './scope.js';
import type { Node } from './sql-node.js';
import { kindOf, names, unwrap } from './sql-node.js';

/** Views inside views inside views…: past this depth the advisor stops expanding and says so. */
export const MAX_VIEW_DEPTH = 8;
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

export type Output = Array<[string, ColumnSource | undefined]>;
/** Outputs with a * over a relation whose columns are unknown: more columns may exist than are listed. */
const INCOMPLETE = new WeakSet<Output>();

export interface WalkState {
  catalog: Catalog;
  predicates: Predicate[];
  tables: Set<string>;
  missing: Set<string>;
  read: Map<string, Set<string>>;
  problems: Set<string>;
  nextRel: number;
  viewDepth: number;
  sublinks: WeakMap<object, Output>;
}

export function newState(catalog: Catalog): WalkState {
  return { catalog, predicates: [], tables: new Set(), missing: new Set(), read: new Map(), problems: new Set(), nextRel: 1, viewDepth: 0, sublinks: new WeakMap() };
}

/** One SELECT level (or set operation); returns its output columns and where each comes from. */
export function walkSelect(sel: Node, st: WalkState, parent: Scope | undefined, top: boolean): Output {
  const scope = new Scope(parent);
  for (const cte of sel.withClause?.ctes ?? []) walkCte(unwrap(cte, 'CommonTableExpr')!, st, scope);
  if (sel.op && sel.op !== 'SETOP_NONE') {
    const left = walkSelect(sel.larg, st, scope, false);
    walkSelect(sel.rarg, st, scope, false);
    // A column of a UNION comes from both branches: no single base column to push a predicate to.
    const out: Output = left.map(([n]) => [n, undefined]);
    if (INCOMPLETE.has(left)) INCOMPLETE.add(out);
    return out;
  }
  const conditions: unknown[] = [];
  for (const item of sel.fromClause ?? []) fromItem(item, st, scope, conditions);
  if (sel.whereClause) conditions.push(sel.whereClause);
  const env: Env = { scope, catalog: st.catalog, sublinks: st.sublinks };
  // ORDER BY matters at the top, and in a subquery with LIMIT (the top-N per row of a LATERAL join).
  const ordering = top || sel.limitCount ? sortAndGroup(sel, env, top) : { predicates: [], visit: [] };
  visit([sel.targetList, sel.havingClause, sel.windowClause, sel.distinctClause, ...conditions, ...ordering.visit], st, scope);
  for (const c of conditions) st.predicates.push(...classify(c, env));
  st.predicates.push(...ordering.predicates);
  const limited = Boolean(sel.limitCount || sel.limitOffset);
  const cols = output(sel.targetList ?? [], scope);
  const out: Output = cols.map(([n, s]) => [n, limited ? undefined : s]);
  if (INCOMPLETE.has(cols)) INCOMPLETE.add(out);
  return out;
}

/** UPDATE / DELETE: the target table and its joins are read to find the rows. */
export function walkModify(body: Node, st: WalkState): void {
  const scope = new Scope();
  for (const cte of body.withClause?.ctes ?? []) walkCte(unwrap(cte, 'CommonTableExpr')!, st, scope);
  const conditions: unknown[] = [];
  for (const item of [{ RangeVar: body.relation }, ...(body.fromClause ?? []), ...(body.usingClause ?? [])]) fromItem(item, st, scope, conditions);
  if (body.whereClause) conditions.push(body.whereClause);
  visit([body.targetList, ...conditions], st, scope);
  const env: Env = { scope, catalog: st.catalog, sublinks: st.sublinks };
  for (const c of conditions) st.predicates.push(...classify(c, env));
}

function walkCte(cte: Node, st: WalkState, scope: Scope): void {
  scope.ctes.set(cte.ctename, 'pending');
  const query = unwrap(cte.ctequery, 'SelectStmt');
  const out = query ? walkSelect(query, st, scope, false) : [];
  if (!query) walkModify(Object.values(cte.ctequery as Node)[0] as Node, st);
  scope.ctes.set(cte.ctename, { columns: renamed(out, names(cte.aliascolnames)), known: !INCOMPLETE.has(out) });
}

/** Applies an alias column list, `AS v(x, y)`; VALUES has no output names of its own, so the list may be longer. */
function renamed(out: Output, colnames: string[]): Output {
  const cols: Output = out.map(([n, s], i) => [colnames[i] ?? n, s]);
  for (let i = out.length; i < colnames.length; i++) cols.push([colnames[i]!, undefined]);
  if (INCOMPLETE.has(out)) INCOMPLETE.add(cols);
  return cols;
}

function fromItem(item: unknown, st: WalkState, scope: Scope, conditions: unknown[]): Rel[] {
  const kind = kindOf(item);
  const v = kind ? (item as Node)[kind] : undefined;
  const add = (rel: Omit<Rel, 'id'>, id = st.nextRel++): Rel[] => {
    const r = { id, ...rel };
    scope.rels.push(r);
    return [r];
  };
  if (kind === 'RangeVar') {
    const id = st.nextRel++;
    return add(rangeVar(v, st, scope, id), id);
  }
  if (kind === 'JoinExpr') {
    const left = fromItem(v.larg, st, scope, conditions);
    const right = fromItem(v.rarg, st, scope, conditions);
    if (v.quals) conditions.push(v.quals);
    const using = v.isNatural ? left.flatMap((r) => r.columns.map(([n]) => n)) : names(v.usingClause);
    for (const col of new Set(using)) {
      const a = left.map((r) => r.columns.find(([n]) => n === col)?.[1]).find(Boolean);
      const b = right.map((r) => r.columns.find(([n]) => n === col)?.[1]).find(Boolean);
      if (a && b) st.predicates.push(...joinPair(a, b));
    }
    return [...left, ...right];
  }
  const alias = v?.alias?.aliasname as string | undefined;
  const colnames = names(v?.alias?.colnames);
  if (kind === 'RangeSubselect') {
    const out = walkSelect(unwrap(v.subquery, 'SelectStmt') ?? {}, st, scope, false);
    return add({ name: alias ?? '', columns: renamed(out, colnames), known: !INCOMPLETE.has(out) });
  }
  // Functions, VALUES, JSON_TABLE…: columns we cannot see; references to them are left alone.
  return add({ name: alias ?? '', columns: colnames.map((n) => [n, undefined]), known: false });
}

function rangeVar(v: Node, st: WalkState, scope: Scope, id: number): Omit<Rel, 'id'> {
  const relname = v.relname as string;
  const schema = v.schemaname as string | undefined;
  const name = (v.alias?.aliasname as string | undefined) ?? relname;
  const colnames = names(v.alias?.colnames);
  const opaque = { name, schema, columns: [], known: false };
  const cte = schema === undefined ? scope.cte(relname) : undefined;
  if (cte === 'pending') return opaque;
  if (cte) return { name, columns: renamed(cte.columns, colnames), known: cte.known };
  const found = findTable(st.catalog, schema, relname);
  if (!found) {
    if ((schema && SYSTEM_SCHEMAS.has(schema)) || (!schema && relname.startsWith('pg_'))) {
      st.problems.add(`system catalog ${schema ?? 'pg_catalog'}.${relname} is not analysed`);
    } else st.missing.add(`${schema ?? st.catalog.searchPath[0] ?? 'public'}.${relname}`);
    return opaque;
  }
  const [key, info] = found;
  if (info.kind === 'view') return { ...view(key, info, st), name, schema: info.schema };
  st.tables.add(key);
  return { name, schema: info.schema, columns: renamed(info.columns.map((c) => [c.name, { table: key, column: c.name, rel: id }]), colnames), known: true };
}

function findTable(catalog: Catalog, schema: string | undefined, name: string): [string, TableInfo] | undefined {
  for (const s of schema ? [schema] : catalog.searchPath) {
    const info = catalog.tables[`${s}.${name}`];
    if (info) return [`${s}.${name}`, info];
  }
  return undefined;
}

/** A view is read as the query it stands for: its WHERE becomes predicates on its base tables. */
function view(key: string, info: TableInfo, st: WalkState): Omit<Rel, 'id' | 'name'> {
  const opaque = { columns: [], known: false };
  if (!info.viewDefinition) {
    st.problems.add(`view ${key} has no definition in the catalog, so it is not expanded`);
    return opaque;
  }
  if (st.viewDepth >= MAX_VIEW_DEPTH) {
    st.problems.add(`view ${key} is nested more than ${MAX_VIEW_DEPTH} views deep, so it is not expanded`);
    return opaque;
  }
  let sel: Node | undefined;
  try {
    sel = unwrap((parseSync(info.viewDefinition) as Node).stmts?.[0]?.stmt, 'SelectStmt');
  } catch {
    sel = undefined;
  }
  if (!sel) {
    st.problems.add(`the definition of view ${key} could not be parsed, so it is not expanded`);
    return opaque;
  }
  st.viewDepth++;
  try {
    const out = walkSelect(sel, st, undefined, false);
    return { columns: out, known: !INCOMPLETE.has(out) };
  } finally {
    st.viewDepth--;
  }
}

/** Marks the columns an expression reads, and walks the subqueries inside it with this level as their parent. */
function visit(node: unknown, st: WalkState, scope: Scope): void {
  if (Array.isArray(node)) return node.forEach((n) => visit(n, st, scope));
  if (!node || typeof node !== 'object') return;
  const kind = kindOf(node);
  if (kind === 'ColumnRef') {
    const r = resolveColumn((node as Node).ColumnRef, scope);
    if (r.kind === 'column') markRead(st, r.source);
    else if (r.kind === 'star') r.sources.forEach((s) => markRead(st, s));
    else if (r.kind === 'unknown' && r.problem) st.problems.add(r.problem);
    return;
  }
  if (kind === 'SubLink') {
    const link = (node as Node).SubLink;
    visit(link.testexpr, st, scope);
    const sub = unwrap(link.subselect, 'SelectStmt');
    if (sub) st.sublinks.set(link, walkSelect(sub, st, scope, false));
    return;
  }
  for (const v of Object.values(node)) visit(v, st, scope);
}

function markRead(st: WalkState, s: ColumnSource): void {
  const set = st.read.get(s.table) ?? new Set<string>();
  set.add(s.column);
  st.read.set(s.table, set);
}

function output(targets: unknown[], scope: Scope): Output {
  let complete = true;
  const out = targets.flatMap((t): Output => {
    const rt = unwrap(t, 'ResTarget');
    const ref = unwrap(rt?.val, 'ColumnRef');
    if (ref && (ref.fields as unknown[]).some((f) => kindOf(f) === 'A_Star')) {
      const q = names(ref.fields);
      const rels = scope.rels.filter((r) => q.length === 0 || r.name === q[q.length - 1]);
      if (rels.some((r) => !r.known)) complete = false;
      return rels.flatMap((r) => r.columns);
    }
    const r = ref ? resolveColumn(ref, scope) : undefined;
    const fallback = ref ? names(ref.fields).at(-1) : names(unwrap(rt?.val, 'FuncCall')?.funcname).at(-1);
    return [[rt?.name ?? fallback ?? '?column?', r?.kind === 'column' ? r.source : undefined]];
  });
  if (!complete) INCOMPLETE.add(out);
  return out;
}
