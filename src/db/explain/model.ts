// The plan model: one typed tree that both the JSON and the text parser produce, with the derived
// numbers (inclusive/exclusive time, exclusive buffers, share of total) the rules and views read.

export interface Buffers {
  sharedHit: number;
  sharedRead: number;
  sharedDirtied: number;
  sharedWritten: number;
  tempRead: number;
  tempWritten: number;
  localHit: number;
  localRead: number;
}

export const BUFFER_KEYS: ReadonlyArray<keyof Buffers> = [
  'sharedHit', 'sharedRead', 'sharedDirtied', 'sharedWritten', 'tempRead', 'tempWritten', 'localHit', 'localRead',
];

export interface Jit {
  functions: number;
  generationMs: number;
  inliningMs: number;
  optimizationMs: number;
  emissionMs: number;
  totalMs: number;
}

export interface Trigger {
  name: string;
  constraint?: string;
  relation?: string;
  timeMs: number;
  calls: number;
}

export interface PlanNode {
  /** Preorder index: the root is 0. */
  id: number;
  parentId: number | null;
  depth: number;
  children: PlanNode[];
  nodeType: string;
  /** As EXPLAIN's text format names it, without schema: `Seq Scan on orders o`, `Hash Left Join`. */
  label: string;
  /** Ancestor labels and this one, joined with ` > `. */
  path: string;
  relation?: string;
  schema?: string;
  alias?: string;
  indexName?: string;
  cteName?: string;
  functionName?: string;
  parentRelationship?: string;
  subplanName?: string;
  joinType?: string;
  strategy?: string;
  partialMode?: string;
  operation?: string;
  parallelAware: boolean;
  costs?: { startup: number; total: number };
  planRows?: number;
  planWidth?: number;
  /** Per loop, as EXPLAIN reports it (averaged across workers for parallel nodes). */
  actualRows?: number;
  actualLoops?: number;
  actualStartupMs?: number;
  actualTotalMs?: number;
  /** Wall time spent in this node and its children: total time × loops, ÷ (workers + 1) under a Gather. */
  inclusiveMs?: number;
  /** inclusiveMs minus the children's (see timing.ts for InitPlans and CTEs); never below 0. */
  exclusiveMs?: number;
  /** exclusiveMs as a percentage of the plan's total time. */
  pctOfTotal?: number;
  rowsRemovedByFilter?: number;
  rowsRemovedByJoinFilter?: number;
  rowsRemovedByIndexRecheck?: number;
  heapFetches?: number;
  exactHeapBlocks?: number;
  lossyHeapBlocks?: number;
  sortKey?: string[];
  sortMethod?: string;
  sortSpaceKb?: number;
  sortSpaceType?: string;
  hashBuckets?: number;
  originalHashBuckets?: number;
  hashBatches?: number;
  originalHashBatches?: number;
  /** HashAggregate spill (PostgreSQL 13+). */
  hashAggBatches?: number;
  diskUsageKb?: number;
  peakMemoryKb?: number;
  workersPlanned?: number;
  workersLaunched?: number;
  /** Inclusive, as EXPLAIN reports them; present when the plan has BUFFERS. */
  buffers?: Buffers;
  exclusiveBuffers?: Buffers;
  filter?: string;
  indexCond?: string;
  recheckCond?: string;
  hashCond?: string;
  mergeCond?: string;
  joinFilter?: string;
  groupKey?: string[];
  /** Per-worker details (JSON "Workers"), as key/values. */
  workers?: Array<Record<string, unknown>>;
  /** Analyzed, and the node ran zero times. */
  neverExecuted: boolean;
  /** The node's original key/values (JSON keys), without "Plans". */
  raw: Record<string, unknown>;
}

export interface Plan {
  root: PlanNode;
  /** All nodes in preorder; nodes[i].id === i. */
  nodes: PlanNode[];
  planningMs?: number;
  executionMs?: number;
  /** The time percentages are shares of: executionMs, or the root's inclusive time. */
  totalMs?: number;
  jit?: Jit;
  settings?: Record<string, string>;
  triggers?: Trigger[];
  planningBuffers?: Buffers;
  analyzed: boolean;
  /** Actual times are present (ANALYZE without TIMING OFF). */
  timed: boolean;
  hasBuffers: boolean;
  format: 'json' | 'text';
  /** Top-level keys other than the plan tree and the ones above (e.g. "Query Identifier"). */
  extra: Record<string, unknown>;
}

/** Per-table statistics for the live-only stale-stats rule (from pg_stat_user_tables). */
export interface TableStats {
  relation: string;
  schema?: string;
  nLiveTup: number;
  nModSinceAnalyze: number;
  lastAnalyze: string | null;
  lastAutoanalyze: string | null;
}
