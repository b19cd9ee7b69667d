// comparePlans: a node-by-node diff of two plans of the same query (before/after an index, a
// rewrite or a setting), with totals, for `db explain --compare`.

import type { Summary } from '../../report/model.js';
import type { Plan, PlanNode } from './model.js';
import { summarizePlan } from './summary.js';

export interface NodeStats {
  exclusiveMs: number | null;
  inclusiveMs: number | null;
  actualRows: number | null;
  loops: number | null;
  planRows: number | null;
  totalCost: number | null;
  sharedHit: number | null;
  sharedRead: number | null;
}

export interface MatchedNode {
  path: string;
  label: string;
  beforeId: number;
  afterId: number;
  before: NodeStats;
  after: NodeStats;
  /** after − before, where both are known. */
  delta: NodeStats;
}

export interface LoneNode {
  path: string;
  label: string;
  id: number;
  stats: NodeStats;
}

export interface PlanDiff {
  totals: { before: Summary; after: Summary; delta: Summary; speedup: number | null };
  matched: MatchedNode[];
  added: LoneNode[];
  removed: LoneNode[];
}

const r3 = (v: number | undefined) => (v === undefined ? null : Math.round(v * 1000) / 1000);

function statsOf(n: PlanNode): NodeStats {
  return {
    exclusiveMs: r3(n.exclusiveMs),
    inclusiveMs: r3(n.inclusiveMs),
    actualRows: n.actualRows ?? null,
    loops: n.actualLoops ?? null,
    planRows: n.planRows ?? null,
    totalCost: n.costs?.total ?? null,
    sharedHit: n.buffers?.sharedHit ?? null,
    sharedRead: n.buffers?.sharedRead ?? null,
  };
}

function deltaOf(a: NodeStats, b: NodeStats): NodeStats {
  const out = {} as NodeStats;
  for (const k of Object.keys(a) as Array<keyof NodeStats>) {
    const x = a[k];
    const y = b[k];
    out[k] = x === null || y === null ? null : Math.round((y - x) * 1000) / 1000;
  }
  return out;
}

/** path + occurrence number, so two identical branches still pair up in order. */
function keyed(plan: Plan): Map<string, PlanNode> {
  const seen = new Map<string, number>();
  const out = new Map<string, PlanNode>();
  for (const n of plan.nodes) {
    const k = seen.get(n.path) ?? 0;
    seen.set(n.path, k + 1);
    out.set(`${n.path}#${k}`, n);
  }
  return out;
}

export function comparePlans(before: Plan, after: Plan): PlanDiff {
  const pairs = new Map<PlanNode, PlanNode>(); // after → before
  const usedBefore = new Set<PlanNode>();
  const beforeKeys = keyed(before);
  for (const [key, a] of keyed(after)) {
    const b = beforeKeys.get(key);
    if (b) {
      pairs.set(a, b);
      usedBefore.add(b);
    }
  }
  // Second pass: same label at the same depth, preferring a node whose parent is the matched parent.
  for (const a of after.nodes) {
    if (pairs.has(a)) continue;
    const parentMatch = a.parentId === null ? undefined : pairs.get(after.nodes[a.parentId]!);
    const candidates = before.nodes.filter((b) => !usedBefore.has(b) && b.label === a.label && b.depth === a.depth);
    const b = candidates.find((c) => parentMatch && c.parentId === parentMatch.id) ?? candidates[0];
    if (b) {
      pairs.set(a, b);
      usedBefore.add(b);
    }
  }
  const matched: MatchedNode[] = [];
  const added: LoneNode[] = [];
  for (const a of after.nodes) {
    const b = pairs.get(a);
    if (!b) {
      added.push({ path: a.path, label: a.label, id: a.id, stats: statsOf(a) });
      continue;
    }
    const sb = statsOf(b);
    const sa = statsOf(a);
    matched.push({ path: a.path, label: a.label, beforeId: b.id, afterId: a.id, before: sb, after: sa, delta: deltaOf(sb, sa) });
  }
  const removed = before.nodes
    .filter((b) => !usedBefore.has(b))
    .map((b) => ({ path: b.path, label: b.label, id: b.id, stats: statsOf(b) }));
  const tb = summarizePlan(before);
  const ta = summarizePlan(after);
  const delta: Summary = {};
  for (const k of Object.keys(tb)) delta[k] = Math.round(((ta[k] ?? 0) - (tb[k] ?? 0)) * 1000) / 1000;
  const speedup = tb['executionMs'] && ta['executionMs'] ? Math.round((tb['executionMs'] / ta['executionMs']) * 100) / 100 : null;
  return { totals: { before: tb, after: ta, delta, speedup }, matched, added, removed };
}
