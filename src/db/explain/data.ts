// planToData: the plan as the report's JSON payload — a tree of plain nodes (children, no parent
// links, no raw copies), with the derived numbers rounded; views render from this, not from Plan.

import type { Buffers, Jit, Plan, PlanNode, Trigger } from './model.js';

export interface PlanNodeData {
  id: number;
  label: string;
  nodeType: string;
  path: string;
  relation?: string;
  schema?: string;
  alias?: string;
  indexName?: string;
  parentRelationship?: string;
  subplanName?: string;
  joinType?: string;
  startupCost?: number;
  totalCost?: number;
  planRows?: number;
  planWidth?: number;
  actualRows?: number;
  loops?: number;
  actualStartupMs?: number;
  actualTotalMs?: number;
  inclusiveMs?: number;
  exclusiveMs?: number;
  pctOfTotal?: number;
  neverExecuted?: true;
  filter?: string;
  indexCond?: string;
  recheckCond?: string;
  hashCond?: string;
  mergeCond?: string;
  joinFilter?: string;
  sortKey?: string[];
  groupKey?: string[];
  rowsRemovedByFilter?: number;
  rowsRemovedByJoinFilter?: number;
  rowsRemovedByIndexRecheck?: number;
  heapFetches?: number;
  exactHeapBlocks?: number;
  lossyHeapBlocks?: number;
  sortMethod?: string;
  sortSpaceKb?: number;
  sortSpaceType?: string;
  hashBuckets?: number;
  hashBatches?: number;
  originalHashBatches?: number;
  hashAggBatches?: number;
  diskUsageKb?: number;
  peakMemoryKb?: number;
  workersPlanned?: number;
  workersLaunched?: number;
  buffers?: Buffers;
  exclusiveBuffers?: Buffers;
  children?: PlanNodeData[];
}

export interface PlanData {
  format: 'json' | 'text';
  analyzed: boolean;
  timed: boolean;
  hasBuffers: boolean;
  nodeCount: number;
  planningMs?: number;
  executionMs?: number;
  totalMs?: number;
  totalCost?: number;
  jit?: Jit;
  settings?: Record<string, string>;
  triggers?: Trigger[];
  root: PlanNodeData;
}

const COPIED = [
  'relation', 'schema', 'alias', 'indexName', 'parentRelationship', 'subplanName', 'joinType', 'planRows', 'planWidth',
  'actualRows', 'filter', 'indexCond', 'recheckCond', 'hashCond', 'mergeCond', 'joinFilter', 'sortKey', 'groupKey',
  'rowsRemovedByFilter', 'rowsRemovedByJoinFilter', 'rowsRemovedByIndexRecheck', 'heapFetches', 'exactHeapBlocks',
  'lossyHeapBlocks', 'sortMethod', 'sortSpaceKb', 'sortSpaceType', 'hashBuckets', 'hashBatches', 'originalHashBatches',
  'hashAggBatches', 'diskUsageKb', 'peakMemoryKb', 'workersPlanned', 'workersLaunched', 'buffers', 'exclusiveBuffers',
] as const satisfies ReadonlyArray<keyof PlanNode & keyof PlanNodeData>;

const r = (v: number | undefined, digits: number) => (v === undefined ? undefined : Math.round(v * 10 ** digits) / 10 ** digits);

function nodeData(n: PlanNode): PlanNodeData {
  const d: PlanNodeData = { id: n.id, label: n.label, nodeType: n.nodeType, path: n.path };
  const target = d as unknown as Record<string, unknown>;
  for (const key of COPIED) if (n[key] !== undefined) target[key] = n[key];
  const numbers: Array<[keyof PlanNodeData, number | undefined, number]> = [
    ['startupCost', n.costs?.startup, 2], ['totalCost', n.costs?.total, 2], ['loops', n.actualLoops, 0],
    ['actualStartupMs', n.actualStartupMs, 3], ['actualTotalMs', n.actualTotalMs, 3],
    ['inclusiveMs', n.inclusiveMs, 3], ['exclusiveMs', n.exclusiveMs, 3], ['pctOfTotal', n.pctOfTotal, 2],
  ];
  for (const [key, v, digits] of numbers) if (v !== undefined) target[key] = r(v, digits);
  if (n.neverExecuted) d.neverExecuted = true;
  if (n.children.length > 0) d.children = n.children.map(nodeData);
  return d;
}

export function planToData(plan: Plan): PlanData {
  const data: PlanData = {
    format: plan.format,
    analyzed: plan.analyzed,
    timed: plan.timed,
    hasBuffers: plan.hasBuffers,
    nodeCount: plan.nodes.length,
    root: nodeData(plan.root),
  };
  if (plan.planningMs !== undefined) data.planningMs = plan.planningMs;
  if (plan.executionMs !== undefined) data.executionMs = plan.executionMs;
  if (plan.totalMs !== undefined) data.totalMs = r(plan.totalMs, 3)!;
  if (plan.root.costs) data.totalCost = plan.root.costs.total;
  if (plan.jit) data.jit = plan.jit;
  if (plan.settings) data.settings = plan.settings;
  if (plan.triggers && plan.triggers.length > 0) data.triggers = plan.triggers;
  return data;
}
