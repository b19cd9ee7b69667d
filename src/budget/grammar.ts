// The inline threshold grammar shared by every command: "<metric><op><number>[unit]",
// e.g. "latency.p95<200", "errorRate<=0.001", "score>=90:warn", 'lcp["/heavy.html"]<=2500'. Pure.
import { usageError } from '../cli/errors.js';
import type { BudgetSpec } from '../config/schema.js';
import { parseDuration } from '../util/units.js';

// A metric may carry bracketed, quoted labels: lcp["/heavy.html"], resources.script.bytes["a.example.com/x?y=1"].
const THRESHOLD = /^\s*([A-Za-z_](?:\["[^"]*"\]|[\w.\-\[\]])*)\s*(<=|>=|<|>|==)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(us|ms|s|m|%)?\s*(?::\s*(error|warn))?\s*$/;

export interface InlineThreshold {
  metric: string;
  operator: '<' | '<=' | '>' | '>=' | '==';
  threshold: number;
  level: 'error' | 'warn';
  source: string;
}

export function parseThreshold(expr: string): InlineThreshold {
  const m = THRESHOLD.exec(expr);
  if (!m) {
    throw usageError(
      `--threshold '${expr}': not a threshold`,
      `write <metric><op><number>, e.g. --threshold "executionMs<200" or "findings.error==0:warn" (ops: < <= > >= ==)`,
    );
  }
  const [, metric, op, num, unit, level] = m;
  let value = Number(num);
  if (unit === '%') value = value / 100;
  else if (unit) value = parseDuration(`${num}${unit}`) ?? value;
  return { metric, operator: op as InlineThreshold['operator'], threshold: value, level: (level as 'error' | 'warn') ?? 'error', source: `--threshold ${expr}` };
}

/** A budget from the budget file, in the same operator form. */
export function budgetToThreshold(b: BudgetSpec, source: string): InlineThreshold | undefined {
  if (b.max !== undefined) return { metric: b.metric, operator: '<=', threshold: b.max, level: b.level, source };
  if (b.min !== undefined) return { metric: b.metric, operator: '>=', threshold: b.min, level: b.level, source };
  return undefined;
}
