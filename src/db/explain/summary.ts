// The flat summary of a plan that budgets refer to (db explain adds the findings counts).

import type { Summary } from '../../report/model.js';
import type { Plan } from './model.js';

/** planningMs, executionMs, totalCost, rows (actual if analyzed, else estimated), sharedHit, sharedRead; 0 when absent. */
export function summarizePlan(plan: Plan): Summary {
  const root = plan.root;
  return {
    planningMs: plan.planningMs ?? 0,
    executionMs: plan.executionMs ?? 0,
    totalCost: root.costs?.total ?? 0,
    rows: (plan.analyzed ? root.actualRows : root.planRows) ?? 0,
    sharedHit: root.buffers?.sharedHit ?? 0,
    sharedRead: root.buffers?.sharedRead ?? 0,
  };
}
