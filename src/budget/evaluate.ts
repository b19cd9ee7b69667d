// Evaluates thresholds and budgets against a report's summary. Pure: data in, results out.
import type { BudgetResult, Summary } from '../report/model.js';
import type { InlineThreshold } from './grammar.js';

const COMPARE: Record<InlineThreshold['operator'], (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
};

/** A metric the report does not have is 'missing', which fails at its level: a typo must not pass CI. */
export function evaluateThresholds(summary: Summary, thresholds: InlineThreshold[]): BudgetResult[] {
  return thresholds.map((t) => {
    const actual = summary[t.metric];
    const has = typeof actual === 'number' && Number.isFinite(actual);
    return {
      metric: t.metric,
      operator: t.operator,
      threshold: t.threshold,
      actual: has ? actual : null,
      level: t.level,
      status: !has ? 'missing' : COMPARE[t.operator](actual, t.threshold) ? 'pass' : 'fail',
      source: t.source,
    };
  });
}
