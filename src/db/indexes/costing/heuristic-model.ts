// The arithmetic of the pg_stats heuristic (the formula is written out at the top of heuristic.ts):
// sequential scan, index scan with the cost_index correlation interpolation, sort, and index size.
import type { CandidateIndex, Catalog, IndexColumn, PlannerSettings, Predicate, TableInfo } from '../model.js';
import { BTREE_KINDS, FILTER_KINDS, columnStats, eqSelectivity, normalizeSql, predicateSelectivity, sameTarget } from './heuristic-selectivity.js';

export const DEFAULT_PLANNER: PlannerSettings = {
  seqPageCost: 1,
  randomPageCost: 4,
  cpuTupleCost: 0.01,
  cpuIndexTupleCost: 0.005,
  cpuOperatorCost: 0.0025,
  blockSize: 8192,
};

export function plannerSettings(catalog: Catalog): PlannerSettings {
  return { ...DEFAULT_PLANNER, ...(catalog.planner ?? {}) };
}

const EQ_KINDS = new Set(['eq', 'in', 'isnull']);

/** The cheapest way to read the table's rows for this query, and the candidate it takes (if any). */
export function estimateTable(table: TableInfo, preds: Predicate[], candidates: CandidateIndex[], pc: PlannerSettings) {
  const N = Math.max(0, table.rows);
  const P = Math.max(1, table.pages || Math.ceil(table.sizeBytes / pc.blockSize));
  const filters = preds.filter((p) => FILTER_KINDS.has(p.kind));
  const sorts = preds.filter((p) => p.kind === 'sort');
  const selAll = filters.reduce((s, p) => s * predicateSelectivity(p, table, filters), 1);
  const filtered = Math.max(1, selAll * N);
  const sortCost = sorts.length ? filtered * Math.log2(Math.max(2, filtered)) * 2 * pc.cpuOperatorCost : 0;
  const seq = P * pc.seqPageCost + N * (pc.cpuTupleCost + filters.length * pc.cpuOperatorCost) + sortCost;
  let best = { cost: seq, used: undefined as string | undefined };
  for (const c of candidates) {
    const idx = indexScanCost(c, table, filters, sorts, { N, P, filtered, sortCost }, pc);
    if (idx < best.cost) best = { cost: idx, used: c.key };
  }
  return best;
}

interface Shape {
  N: number;
  P: number;
  filtered: number;
  sortCost: number;
}

function indexScanCost(c: CandidateIndex, table: TableInfo, filters: Predicate[], sorts: Predicate[], t: Shape, pc: PlannerSettings): number {
  let s = 1;
  let matched = 0;
  if (c.where) {
    const wherePred = filters.find((p) => p.constantSql !== undefined && normalizeSql(p.constantSql) === normalizeSql(c.where!));
    if (!wherePred) return Infinity; // the query does not imply the partial index's predicate
    s *= predicateSelectivity(wherePred, table, filters);
    matched++;
  }
  let eqColumns = 0;
  let leading = 0;
  for (const col of c.columns) {
    const ps = filters.filter((p) => BTREE_KINDS.has(p.kind) && sameTarget(p, col) && p.sargable !== false);
    if (!ps.length) break;
    leading++;
    s *= ps.reduce((acc, p) => acc * predicateSelectivity(p, table, filters), 1);
    matched += ps.length;
    if (!ps.every((p) => EQ_KINDS.has(p.kind))) break;
    eqColumns++;
  }
  if (!leading) return Infinity;
  const rows = Math.max(1, s * t.N);
  const indexPages = heuristicSize(c, table, pc) / pc.blockSize;
  const indexIO = Math.max(1, Math.ceil(s * indexPages)) * pc.randomPageCost;
  const maxIO = Math.min(rows, t.P) * pc.randomPageCost;
  const minIO = pc.randomPageCost + (Math.ceil(s * t.P) - 1) * pc.seqPageCost;
  const corr = columnStats(table, c.columns[0]?.column)?.correlation ?? 0;
  const heapIO = maxIO + corr * corr * (minIO - maxIO);
  // A bitmap heap scan reads each page once, in order (Mackert–Lohman pages, cost_bitmap_heap_scan's page cost).
  const pagesFetched = Math.min(t.P, (2 * t.P * rows) / (2 * t.P + rows));
  const perPage = pc.randomPageCost - (pc.randomPageCost - pc.seqPageCost) * Math.sqrt(pagesFetched / t.P);
  const bitmapIO = pagesFetched * perPage;
  const cpu = rows * (pc.cpuIndexTupleCost + pc.cpuOperatorCost) + rows * (pc.cpuTupleCost + Math.max(0, filters.length - matched) * pc.cpuOperatorCost);
  const ordered = sorts.length > 0 && deliversOrder(c.columns.slice(eqColumns), sorts);
  return indexIO + cpu + Math.min(heapIO + (ordered ? 0 : t.sortCost), bitmapIO + t.sortCost);
}

/** The sort columns follow the equality columns in the index, all in its direction or all reversed. */
function deliversOrder(rest: IndexColumn[], sorts: Predicate[]): boolean {
  if (rest.length < sorts.length) return false;
  const dir = (d: string | undefined) => (d === 'desc' ? 'desc' : 'asc');
  const same = sorts.every((p, i) => sameTarget(p, rest[i]!) && dir(p.direction) === dir(rest[i]!.direction));
  const reversed = sorts.every((p, i) => sameTarget(p, rest[i]!) && dir(p.direction) !== dir(rest[i]!.direction));
  return same || reversed;
}

/** rows × s(where) × (Σ avg_width + 8 + 16) / 0.9, at least one block. */
export function heuristicSize(c: CandidateIndex, table: TableInfo, pc: PlannerSettings = DEFAULT_PLANNER): number {
  const widths = [...c.columns.map((col) => col.column), ...c.include].map((name) => columnWidth(table, name));
  const width = widths.reduce((a, b) => a + b, 0);
  const bytes = (Math.max(0, table.rows) * whereFraction(c.where, table) * (width + 8 + 16)) / 0.9;
  return Math.max(pc.blockSize, Math.round(bytes));
}

const TYPE_WIDTHS: Array<[RegExp, number]> = [
  [/^boolean$/, 1], [/^smallint$/, 2], [/^(integer|real|date|oid)$/, 4],
  [/^(bigint|double precision|timestamp|time)/, 8], [/^uuid$/, 16], [/^(text|character varying|varchar|character)/, 32],
];

function columnWidth(table: TableInfo, name: string | undefined): number {
  const col = name === undefined ? undefined : table.columns.find((c) => c.name === name);
  if (col?.stats?.avgWidth !== undefined) return col.stats.avgWidth;
  if (!col) return 16; // an expression
  return TYPE_WIDTHS.find(([re]) => re.test(col.type))?.[1] ?? 16;
}

/** Share of the rows a partial index holds, for `col IS [NOT] NULL` and `col = const`; 1 otherwise. */
function whereFraction(where: string | undefined, table: TableInfo): number {
  if (!where) return 1;
  const w = normalizeSql(where);
  const isNull = /^"?([\w$]+)"? is (not )?null$/.exec(w);
  if (isNull) {
    const nf = columnStats(table, isNull[1])?.nullFrac;
    if (nf !== undefined) return isNull[2] ? 1 - nf : nf;
  }
  const eq = /^"?([\w$]+)"?=/.exec(w);
  if (eq) return eqSelectivity(columnStats(table, eq[1]), table.rows, where);
  return 1;
}
