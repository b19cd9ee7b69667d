// lintPlan: runs the rule catalogue over a plan and returns findings, worst first. Pure: the live
// table statistics, thresholds and disabled rules all come in through the options.

import type { Finding, Severity } from '../../report/model.js';
import type { Plan, TableStats } from './model.js';
import { RULES } from './rules/catalogue.js';
import type { Rule } from './rules/rule.js';
import { resolveThresholds, type LintThresholds } from './rules/thresholds.js';

export interface LintOptions {
  /** Overrides, nested ({ hotspot: { warnPct: 30 } }) or flat ({ "hotspot.warnPct": 30 }). */
  thresholds?: LintThresholds | Record<string, number>;
  /** Rule ids to skip. */
  disabledRules?: string[];
  /** Live mode only: pg_stat_user_tables rows for the plan's tables (enables stale-stats). */
  tableStats?: TableStats[];
}
export type LintContext = LintOptions;

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

function applicable(rule: Rule, plan: Plan): boolean {
  switch (rule.needs) {
    case 'analyze':
      return plan.analyzed;
    case 'timing':
      return plan.timed;
    case 'buffers':
      return plan.analyzed && plan.hasBuffers;
    default:
      return true;
  }
}

export function lintPlan(plan: Plan, options: LintOptions = {}): Finding[] {
  const thresholds = resolveThresholds(options.thresholds);
  const disabled = new Set(options.disabledRules ?? []);
  const ranked: Array<{ finding: Finding; order: number; node: number }> = [];
  RULES.forEach((rule, order) => {
    if (disabled.has(rule.id) || !applicable(rule, plan)) return;
    for (const hit of rule.detect(plan, thresholds[rule.id], { tableStats: options.tableStats })) {
      const finding: Finding = {
        rule: rule.id,
        severity: hit.severity ?? rule.severity,
        title: rule.title,
        message: rule.message(hit.facts, hit.node, plan),
        location: hit.node ? hit.node.path : 'plan',
        evidence: hit.facts,
        fix: rule.fix(hit.facts, hit.node, plan),
      };
      ranked.push({ finding, order, node: hit.node?.id ?? -1 });
    }
  });
  ranked.sort(
    (a, b) =>
      SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity] || a.order - b.order || a.node - b.node,
  );
  return ranked.map((r) => r.finding);
}
