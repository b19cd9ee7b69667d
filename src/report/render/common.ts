// Helpers shared by the human renderers: ordering findings, formatting values and budgets.
import type { BudgetResult, Finding, Report } from '../model.js';
import { formatNumber } from '../../util/units.js';

const RANK = { error: 0, warn: 1, info: 2 } as const;

export function sortedFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

export function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return typeof v === 'number' ? formatNumber(v) : v;
}

export function budgetLine(b: BudgetResult): string {
  const actual = b.actual === null ? 'missing from the report' : formatNumber(b.actual);
  const op = b.operator === 'regression' ? 'regression ≤' : b.operator;
  return `${b.metric} ${op} ${formatNumber(b.threshold)} (actual ${actual})`;
}

export function headline(report: Report): string {
  const t = report.target as { display?: string; plan?: string };
  const where = t.display ?? t.plan ?? '';
  return `perfkit ${report.command}${where ? ` — ${where}` : ''}`;
}
