// Turns EXPLAIN's JSON shape (what FORMAT JSON prints, or what the text parser rebuilds) into the
// typed Plan tree, then derives the timing and buffer numbers.

import { BUFFER_KEYS, type Buffers, type Jit, type Plan, type PlanNode, type Trigger } from './model.js';
import { nodeLabel, pathSegment } from './label.js';
import { computeTiming } from './timing.js';

type Raw = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strList = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : undefined;

const BUFFER_JSON_KEYS: Record<keyof Buffers, string> = {
  sharedHit: 'Shared Hit Blocks',
  sharedRead: 'Shared Read Blocks',
  sharedDirtied: 'Shared Dirtied Blocks',
  sharedWritten: 'Shared Written Blocks',
  tempRead: 'Temp Read Blocks',
  tempWritten: 'Temp Written Blocks',
  localHit: 'Local Hit Blocks',
  localRead: 'Local Read Blocks',
};

function hasBufferKeys(raw: Raw): boolean {
  return BUFFER_KEYS.some((k) => BUFFER_JSON_KEYS[k] in raw);
}

function readBuffers(raw: Raw): Buffers {
  const b = {} as Buffers;
  for (const k of BUFFER_KEYS) b[k] = num(raw[BUFFER_JSON_KEYS[k]]) ?? 0;
  return b;
}

function readJit(raw: unknown): Jit | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const j = raw as Raw;
  const timing = (j['Timing'] ?? {}) as Raw;
  // PostgreSQL 17 reports Generation as {Deform, Total}.
  const part = (v: unknown): number => num(v) ?? num((v as Raw | undefined)?.['Total']) ?? 0;
  return {
    functions: num(j['Functions']) ?? 0,
    generationMs: part(timing['Generation']),
    inliningMs: part(timing['Inlining']),
    optimizationMs: part(timing['Optimization']),
    emissionMs: part(timing['Emission']),
    totalMs: part(timing['Total']),
  };
}

function readTriggers(raw: unknown): Trigger[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.map((t: Raw) => {
    const trigger: Trigger = { name: str(t['Trigger Name']) ?? '?', timeMs: num(t['Time']) ?? 0, calls: num(t['Calls']) ?? 0 };
    const constraint = str(t['Constraint Name']);
    const relation = str(t['Relation']);
    if (constraint) trigger.constraint = constraint;
    if (relation) trigger.relation = relation;
    return trigger;
  });
}

function readSettings(raw: unknown): Record<string, string> | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  return Object.fromEntries(Object.entries(raw as Raw).map(([k, v]) => [k, String(v)]));
}

/** Optional fields copied as-is when present: model key → JSON key. */
const NUMBER_FIELDS: Array<[keyof PlanNode, string]> = [
  ['planRows', 'Plan Rows'], ['planWidth', 'Plan Width'], ['actualRows', 'Actual Rows'], ['actualLoops', 'Actual Loops'],
  ['actualStartupMs', 'Actual Startup Time'], ['actualTotalMs', 'Actual Total Time'],
  ['rowsRemovedByFilter', 'Rows Removed by Filter'], ['rowsRemovedByJoinFilter', 'Rows Removed by Join Filter'],
  ['rowsRemovedByIndexRecheck', 'Rows Removed by Index Recheck'], ['heapFetches', 'Heap Fetches'],
  ['exactHeapBlocks', 'Exact Heap Blocks'], ['lossyHeapBlocks', 'Lossy Heap Blocks'],
  ['sortSpaceKb', 'Sort Space Used'], ['hashBuckets', 'Hash Buckets'], ['originalHashBuckets', 'Original Hash Buckets'],
  ['hashBatches', 'Hash Batches'], ['originalHashBatches', 'Original Hash Batches'], ['hashAggBatches', 'HashAgg Batches'],
  ['diskUsageKb', 'Disk Usage'], ['peakMemoryKb', 'Peak Memory Usage'],
  ['workersPlanned', 'Workers Planned'], ['workersLaunched', 'Workers Launched'],
];

const STRING_FIELDS: Array<[keyof PlanNode, string]> = [
  ['relation', 'Relation Name'], ['schema', 'Schema'], ['alias', 'Alias'], ['indexName', 'Index Name'],
  ['cteName', 'CTE Name'], ['functionName', 'Function Name'], ['parentRelationship', 'Parent Relationship'],
  ['subplanName', 'Subplan Name'], ['joinType', 'Join Type'], ['strategy', 'Strategy'], ['partialMode', 'Partial Mode'],
  ['operation', 'Operation'], ['sortMethod', 'Sort Method'], ['sortSpaceType', 'Sort Space Type'],
  ['filter', 'Filter'], ['indexCond', 'Index Cond'], ['recheckCond', 'Recheck Cond'], ['hashCond', 'Hash Cond'],
  ['mergeCond', 'Merge Cond'], ['joinFilter', 'Join Filter'],
];

interface BuildState {
  nodes: PlanNode[];
  analyzed: boolean;
  timed: boolean;
  hasBuffers: boolean;
}

function buildNode(raw: Raw, parent: PlanNode | null, state: BuildState): PlanNode {
  const { Plans: _plans, ...own } = raw;
  const label = nodeLabel(own);
  const segment = pathSegment(own, label);
  const node: PlanNode = {
    id: state.nodes.length,
    parentId: parent ? parent.id : null,
    depth: parent ? parent.depth + 1 : 0,
    children: [],
    nodeType: str(own['Node Type']) ?? '?',
    label,
    path: parent ? `${parent.path} > ${segment}` : segment,
    parallelAware: own['Parallel Aware'] === true,
    neverExecuted: false,
    raw: own,
  };
  state.nodes.push(node);
  const target = node as unknown as Record<string, unknown>;
  for (const [field, key] of NUMBER_FIELDS) {
    const v = num(own[key]);
    if (v !== undefined) target[field] = v;
  }
  for (const [field, key] of STRING_FIELDS) {
    const v = str(own[key]);
    if (v !== undefined) target[field] = v;
  }
  const startup = num(own['Startup Cost']);
  const total = num(own['Total Cost']);
  if (startup !== undefined && total !== undefined) node.costs = { startup, total };
  const sortKey = strList(own['Sort Key']);
  if (sortKey) node.sortKey = sortKey;
  const groupKey = strList(own['Group Key']);
  if (groupKey) node.groupKey = groupKey;
  if (Array.isArray(own['Workers'])) node.workers = own['Workers'] as Array<Record<string, unknown>>;
  if (node.actualLoops !== undefined) state.analyzed = true;
  if (node.actualTotalMs !== undefined && node.actualLoops !== 0) state.timed = true;
  if (hasBufferKeys(own)) state.hasBuffers = true;
  node.neverExecuted = node.actualLoops === 0;
  if (Array.isArray(raw['Plans'])) {
    for (const child of raw['Plans'] as Raw[]) node.children.push(buildNode(child, node, state));
  }
  return node;
}

const TOP_KEYS = new Set(['Plan', 'Planning Time', 'Execution Time', 'JIT', 'Settings', 'Triggers', 'Planning']);

/** Builds the Plan from one EXPLAIN JSON document: `{ "Plan": {...}, "Planning Time": ..., ... }`. */
export function buildPlan(doc: Raw, format: 'json' | 'text'): Plan {
  const state: BuildState = { nodes: [], analyzed: false, timed: false, hasBuffers: false };
  const root = buildNode(doc['Plan'] as Raw, null, state);
  if (state.hasBuffers) {
    for (const n of state.nodes) n.buffers = readBuffers(n.raw);
  }
  const plan: Plan = {
    root,
    nodes: state.nodes,
    analyzed: state.analyzed,
    timed: state.timed,
    hasBuffers: state.hasBuffers,
    format,
    extra: Object.fromEntries(Object.entries(doc).filter(([k]) => !TOP_KEYS.has(k))),
  };
  const planning = num(doc['Planning Time']);
  const execution = num(doc['Execution Time']);
  if (planning !== undefined) plan.planningMs = planning;
  if (execution !== undefined) plan.executionMs = execution;
  const jit = readJit(doc['JIT']);
  if (jit) plan.jit = jit;
  const settings = readSettings(doc['Settings']);
  if (settings) plan.settings = settings;
  const triggers = readTriggers(doc['Triggers']);
  if (triggers && triggers.length > 0) plan.triggers = triggers;
  const planningRaw = doc['Planning'];
  if (planningRaw && typeof planningRaw === 'object' && hasBufferKeys(planningRaw as Raw)) {
    plan.planningBuffers = readBuffers(planningRaw as Raw);
  }
  computeTiming(plan);
  return plan;
}
