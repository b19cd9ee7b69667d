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

/** A fraction as a percentage with one decimal at most: 0.1 → "10%", signed: 0.231 → "+23.1%", −0.05 → "−5%". */
export function percent(x: number | null | undefined, signed = false): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return `${x > 0 ? '+' : '−'}∞%`;
  const s = `${Number((Math.abs(x) * 100).toFixed(1))}%`;
  if (s === '0%') return s;
  return x < 0 ? `−${s}` : signed ? `+${s}` : s;
}

/** The bound of a budget without its metric: "< 100", or "regression ≤ 10%". */
export function budgetBound(b: BudgetResult): string {
  return b.operator === 'regression' ? `regression ≤ ${percent(b.threshold)}` : `${b.operator} ${formatNumber(b.threshold)}`;
}

export function budgetLine(b: BudgetResult): string {
  const suffix = b.status === 'inconclusive' ? ' — inconclusive' : '';
  if (b.operator === 'regression') {
    return `${b.metric} ${budgetBound(b)} (${b.actual === null ? 'no baseline value' : `actual ${percent(b.actual, true)}`})${suffix}`;
  }
  const actual = b.actual === null ? 'missing from the report' : formatNumber(b.actual);
  return `${b.metric} ${budgetBound(b)} (actual ${actual})${suffix}`;
}

export function headline(report: Report): string {
  const t = report.target as { display?: string; plan?: string };
  const where = t.display ?? t.plan ?? '';
  return `perfkit ${report.command}${where ? ` — ${where}` : ''}`;
}
