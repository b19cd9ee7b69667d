// Derived numbers, following pev2: inclusive time (per-loop time × loops, ÷ workers + 1 under a
// Gather), exclusive time and buffers (own minus children's, never below 0), share of the total.
// InitPlans are not subtracted from the node that holds them but from the node whose expressions
// use their result (that is where PostgreSQL runs them); a CTE's work is taken off the CTE Scans
// that read it, first come first served.

import { BUFFER_KEYS, type Buffers, type Plan, type PlanNode } from './model.js';

const isGather = (n: PlanNode) => n.nodeType === 'Gather' || n.nodeType === 'Gather Merge';
const isSideChild = (n: PlanNode) => n.parentRelationship === 'InitPlan' || n.parentRelationship === 'SubPlan';

function setDivisors(node: PlanNode, divisor: number, out: Map<PlanNode, number>): void {
  out.set(node, divisor);
  for (const child of node.children) {
    let d = isSideChild(child) ? 1 : divisor;
    if (isGather(node) && !isSideChild(child)) d = (node.workersLaunched ?? node.workersPlanned ?? 0) + 1;
    setDivisors(child, d, out);
  }
}

function subtractBuffers(target: Buffers, minus: Buffers): void {
  for (const k of BUFFER_KEYS) target[k] -= minus[k];
}

/** The text of a node's own expressions, to find which node uses an InitPlan's result. */
function expressionText(n: PlanNode): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(n.raw)) {
    if (k === 'Subplan Name' || k === 'Workers') continue;
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') parts.push(item);
  }
  return parts.join('\n');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How an InitPlan's result is referred to: `$2` (PostgreSQL ≤ 15) or `(InitPlan 1)` (16+). */
function initPlanRefs(name: string): RegExp {
  const returns = /\(returns (.+)\)\s*$/.exec(name);
  if (returns) {
    const params = returns[1]!.split(',').map((p) => p.trim()).filter((p) => p.startsWith('$'));
    if (params.length > 0) return new RegExp(params.map((p) => `${escapeRe(p)}(?!\\d)`).join('|'));
  }
  return new RegExp(escapeRe(`(${name.trim()})`));
}

/** The node and everything below it, in preorder. */
function subtree(n: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const stack = [n];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    out.push(cur);
    for (let i = cur.children.length - 1; i >= 0; i--) stack.push(cur.children[i]!);
  }
  return out;
}

/** Takes an amount of time and buffers off `targets` in order, each down to 0 at most. */
function distribute(targets: PlanNode[], ms: number, buffers: Buffers | undefined): void {
  let leftMs = ms;
  const left = buffers ? { ...buffers } : undefined;
  for (const t of targets) {
    if (t.exclusiveMs !== undefined) {
      const take = Math.min(Math.max(t.exclusiveMs, 0), leftMs);
      t.exclusiveMs -= take;
      leftMs -= take;
    }
    if (left && t.exclusiveBuffers) {
      for (const k of BUFFER_KEYS) {
        const take = Math.min(Math.max(t.exclusiveBuffers[k], 0), left[k]);
        t.exclusiveBuffers[k] -= take;
        left[k] -= take;
      }
    }
  }
}

function adjustInitPlans(plan: Plan): void {
  const initPlans = plan.nodes.filter((n) => n.parentRelationship === 'InitPlan' && n.subplanName);
  if (initPlans.length === 0) return;
  const texts = new Map<PlanNode, string>();
  const textOf = (n: PlanNode) => {
    let t = texts.get(n);
    if (t === undefined) texts.set(n, (t = expressionText(n)));
    return t;
  };
  for (const sub of initPlans) {
    const name = sub.subplanName!;
    const ms = sub.inclusiveMs ?? 0;
    // An InitPlan or CTE is visible only inside the node that holds it.
    const holder = sub.parentId !== null ? plan.nodes[sub.parentId]! : sub;
    const own = new Set(subtree(sub));
    const scope = subtree(holder).filter((n) => !own.has(n));
    if (name.startsWith('CTE ')) {
      const cte = name.slice(4).trim().replace(/^"(.*)"$/, '$1');
      distribute(scope.filter((n) => n.nodeType === 'CTE Scan' && n.cteName === cte), ms, sub.buffers);
      continue;
    }
    const refs = initPlanRefs(name);
    const consumer = scope.find((n) => refs.test(textOf(n))) ?? holder;
    if (consumer.exclusiveMs !== undefined) consumer.exclusiveMs -= ms;
    if (consumer.exclusiveBuffers && sub.buffers) subtractBuffers(consumer.exclusiveBuffers, sub.buffers);
  }
}

export function computeTiming(plan: Plan): void {
  const divisors = new Map<PlanNode, number>();
  setDivisors(plan.root, 1, divisors);
  for (const n of plan.nodes) {
    if (n.neverExecuted && plan.timed) n.inclusiveMs = 0;
    else if (n.actualTotalMs !== undefined && n.actualLoops !== undefined) {
      n.inclusiveMs = (n.actualTotalMs * n.actualLoops) / (divisors.get(n) ?? 1);
    }
  }
  for (const n of plan.nodes) {
    const main = n.children.filter((c) => c.parentRelationship !== 'InitPlan');
    if (n.inclusiveMs !== undefined) {
      n.exclusiveMs = main.reduce((acc, c) => acc - (c.inclusiveMs ?? 0), n.inclusiveMs);
    }
    if (n.buffers) {
      const own = { ...n.buffers };
      for (const c of main) if (c.buffers) subtractBuffers(own, c.buffers);
      n.exclusiveBuffers = own;
    }
  }
  adjustInitPlans(plan);
  const total = plan.executionMs ?? plan.root.inclusiveMs;
  if (total !== undefined && plan.timed) plan.totalMs = total;
  for (const n of plan.nodes) {
    if (n.exclusiveMs !== undefined) n.exclusiveMs = Math.max(0, n.exclusiveMs);
    if (n.exclusiveBuffers) for (const k of BUFFER_KEYS) n.exclusiveBuffers[k] = Math.max(0, n.exclusiveBuffers[k]);
    if (n.exclusiveMs !== undefined && plan.totalMs) n.pctOfTotal = (n.exclusiveMs / plan.totalMs) * 100;
  }
}
