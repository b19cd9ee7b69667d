// The human view of `db explain`: the plan tree as a table, settings/JIT/triggers, the live
// statement and the before/after comparison — built from the report's data, as every view is.

import type { Section } from '../../report/model.js';
import type { PlanDiff } from './compare.js';
import type { PlanData, PlanNodeData } from './data.js';

export interface LiveInfo {
  sql: string;
  statementKind: string;
  writes: boolean;
  analyzed: boolean;
  method: string;
  rolledBack: boolean;
  readOnly: boolean;
  params: number;
}

export interface ExplainData {
  plan: PlanData;
  live?: LiveInfo;
  compare?: PlanDiff;
}

type Cell = string | number | null;

const fixed = (v: number | undefined | null, digits = 2): Cell => (v === undefined || v === null ? null : Number(v.toFixed(digits)));

function nodeCell(n: PlanNodeData, depth: number): string {
  const name = `${n.subplanName ? `${n.subplanName}: ` : ''}${n.label}${n.neverExecuted ? ' (never executed)' : ''}`;
  return depth === 0 ? name : `${'  '.repeat(depth - 1)}→ ${name}`;
}

function walk(n: PlanNodeData, depth: number, visit: (n: PlanNodeData, depth: number) => void): void {
  const stack: Array<[PlanNodeData, number]> = [[n, depth]];
  while (stack.length > 0) {
    const [cur, d] = stack.pop()!;
    visit(cur, d);
    const kids = cur.children ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, d + 1]);
  }
}

function planTitle(p: PlanData): string {
  const parts = [p.analyzed ? 'analyzed' : 'estimates only'];
  if (p.planningMs !== undefined) parts.push(`planning ${p.planningMs} ms`);
  if (p.executionMs !== undefined) parts.push(`execution ${p.executionMs} ms`);
  if (p.totalCost !== undefined) parts.push(`cost ${p.totalCost}`);
  return `Plan (${parts.join(', ')})`;
}

/** The plan tree: one row per node, labels indented by depth with →. */
export function planSections(p: PlanData): Section[] {
  const rows: Cell[][] = [];
  const sections: Section[] = [];
  if (p.analyzed) {
    walk(p.root, 0, (n, d) => {
      const ran = !n.neverExecuted;
      rows.push([
        nodeCell(n, d), n.planRows ?? null, ran ? (n.actualRows ?? null) : null, n.loops ?? null,
        ran ? fixed(n.exclusiveMs) : null, ran ? fixed(n.inclusiveMs) : null, ran ? fixed(n.pctOfTotal, 1) : null,
        n.buffers?.sharedHit ?? null, n.buffers?.sharedRead ?? null,
      ]);
    });
    sections.push({
      title: planTitle(p),
      kind: 'table',
      columns: ['node', 'est rows', 'actual rows', 'loops', 'excl ms', 'incl ms', '% total', 'shared hit', 'shared read'],
      rows,
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    });
  } else {
    walk(p.root, 0, (n, d) => rows.push([nodeCell(n, d), n.planRows ?? null, n.planWidth ?? null, n.startupCost ?? null, n.totalCost ?? null]));
    sections.push({
      title: planTitle(p),
      kind: 'table',
      columns: ['node', 'est rows', 'width', 'startup cost', 'total cost'],
      rows,
      align: ['left', 'right', 'right', 'right', 'right'],
    });
  }
  const notes: string[] = [];
  if (p.jit) {
    notes.push(`JIT: ${p.jit.functions} functions, ${p.jit.totalMs} ms (generation ${p.jit.generationMs}, inlining ${p.jit.inliningMs}, ` +
      `optimization ${p.jit.optimizationMs}, emission ${p.jit.emissionMs})`);
  }
  for (const t of p.triggers ?? []) {
    notes.push(`Trigger ${t.constraint ? `for constraint ${t.constraint}` : t.name}${t.relation ? ` on ${t.relation}` : ''}: ${t.timeMs} ms, ${t.calls} calls`);
  }
  if (p.settings && Object.keys(p.settings).length > 0) {
    notes.push(`Settings: ${Object.entries(p.settings).map(([k, v]) => `${k} = ${v}`).join(', ')}`);
  }
  if (notes.length > 0) sections.push({ title: 'Plan details', kind: 'text', text: notes.join('\n') });
  return sections;
}

const signed = (v: number | null): Cell => {
  if (v === null) return null;
  const text = v.toLocaleString('en-US', { maximumFractionDigits: 3 });
  return v > 0 ? `+${text}` : text;
};

/** Before/after totals and the node-by-node diff. */
export function compareSections(diff: PlanDiff): Section[] {
  const { before, after, delta, speedup } = diff.totals;
  const totals: Cell[][] = Object.keys(before).map((k) => {
    const b = before[k] ?? 0;
    const change = b !== 0 ? `${(((after[k] ?? 0) - b) / b * 100).toFixed(1)}%` : null;
    return [k, b, after[k] ?? 0, signed(delta[k] ?? 0), change];
  });
  const nodes: Cell[][] = [
    ...diff.matched.map((m) => [
      m.label, 'both', m.before.exclusiveMs, m.after.exclusiveMs, signed(m.delta.exclusiveMs),
      m.before.actualRows, m.after.actualRows, m.before.sharedRead, m.after.sharedRead,
    ]),
    ...diff.removed.map((n) => [n.label, 'before only', n.stats.exclusiveMs, null, null, n.stats.actualRows, null, n.stats.sharedRead, null]),
    ...diff.added.map((n) => [n.label, 'after only', null, n.stats.exclusiveMs, null, null, n.stats.actualRows, null, n.stats.sharedRead]),
  ];
  return [
    {
      title: `Compared with the before plan${speedup !== null ? ` (${speedup}× ${speedup >= 1 ? 'faster' : 'slower'} execution)` : ''}`,
      kind: 'table',
      columns: ['metric', 'before', 'after', 'delta', 'change'],
      rows: totals,
      align: ['left', 'right', 'right', 'right', 'right'],
    },
    {
      title: `Nodes: ${diff.matched.length} matched, ${diff.removed.length} only before, ${diff.added.length} only after`,
      kind: 'table',
      columns: ['node', 'in', 'excl ms before', 'excl ms after', 'delta', 'rows before', 'rows after', 'read before', 'read after'],
      rows: nodes,
      align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    },
  ];
}

function liveSection(live: LiveInfo): Section {
  const how = live.analyzed
    ? `EXPLAIN ANALYZE, ${live.rolledBack ? 'rolled back' : 'committed'}${live.readOnly ? ', read-only transaction' : ''}`
    : 'EXPLAIN (not executed)';
  const params = live.params > 0 ? `, ${live.params} parameter${live.params === 1 ? '' : 's'} (${live.method})` : '';
  return { title: `Statement (${live.statementKind}; ${how}${params})`, kind: 'text', text: live.sql };
}

/** The View for `db explain`. */
export function explainView(data: ExplainData): Section[] {
  return [
    ...(data.live ? [liveSection(data.live)] : []),
    ...planSections(data.plan),
    ...(data.compare ? compareSections(data.compare) : []),
  ];
}
