// What a rule is: data (id, default severity, title, thresholds, one-line doc) plus a detector that
// returns facts, and message/fix functions that turn those facts into words a user can act on.

import type { Severity } from '../../../report/model.js';
import type { Plan, PlanNode, TableStats } from '../model.js';
import type { RuleId, Thresholds } from './thresholds.js';

export interface RuleContext {
  tableStats?: TableStats[];
}

export interface RuleHit<F> {
  node?: PlanNode;
  /** Overrides the rule's default severity (e.g. error above a second threshold). */
  severity?: Severity;
  /** The numbers behind the finding; they become its evidence. */
  facts: F;
}

/** What a plan must carry for a rule to look at it. */
export type RuleNeeds = 'plan' | 'analyze' | 'timing' | 'buffers' | 'table stats';

export interface RuleSpec<K extends RuleId, F> {
  id: K;
  severity: Severity;
  title: string;
  doc: string;
  needs: RuleNeeds;
  detect(plan: Plan, t: Thresholds[K], ctx: RuleContext): Array<RuleHit<F>>;
  message(facts: F, node: PlanNode | undefined, plan: Plan): string;
  fix(facts: F, node: PlanNode | undefined, plan: Plan): string;
}

export interface Rule {
  id: RuleId;
  severity: Severity;
  title: string;
  doc: string;
  needs: RuleNeeds;
  detect(plan: Plan, t: unknown, ctx: RuleContext): Array<RuleHit<Record<string, unknown>>>;
  message(facts: Record<string, unknown>, node: PlanNode | undefined, plan: Plan): string;
  fix(facts: Record<string, unknown>, node: PlanNode | undefined, plan: Plan): string;
}

export function defineRule<K extends RuleId, F extends object>(spec: RuleSpec<K, F>): Rule {
  return spec as unknown as Rule;
}

/** Nodes that ran, in preorder. */
export function executed(plan: Plan): PlanNode[] {
  return plan.nodes.filter((n) => !n.neverExecuted);
}

export function parentOf(plan: Plan, n: PlanNode): PlanNode | undefined {
  return n.parentId === null ? undefined : plan.nodes[n.parentId];
}

/** Children that feed the node rows (not InitPlans or SubPlans). */
export function mainChildren(n: PlanNode): PlanNode[] {
  return n.children.filter((c) => c.parentRelationship !== 'InitPlan' && c.parentRelationship !== 'SubPlan');
}
