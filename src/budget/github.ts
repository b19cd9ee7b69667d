// GitHub Actions output for `perfkit check`: workflow-command annotations for what failed or warns,
// and the markdown for $GITHUB_STEP_SUMMARY. Pure: the CLI decides where the lines go.
import type { BudgetResult, Report } from '../report/model.js';
import { budgetLine, percent } from '../report/render/common.js';
import { formatMs, formatNumber } from '../util/units.js';
import type { CheckData, RegressionOutcome } from './check-model.js';
import { beforeAfterMarkdown, budgetReason } from './check-view.js';

/** Escaping of a workflow command's message (GitHub's escapeData). `%` first, so escapes are not escaped again. */
export const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** Escaping of a workflow command's property value (GitHub's escapeProperty). */
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const command = (kind: 'error' | 'warning', title: string, message: string) => `::${kind} title=${escapeProperty(title)}::${escapeData(message)}`;

function outcomeOf(d: CheckData, metric: string): RegressionOutcome | undefined {
  for (const c of d.checks) {
    const name = metric.startsWith(`${c.name}/`) ? metric.slice(c.name.length + 1) : null;
    if (name === null) continue;
    const o = c.regressions.find((r) => r.metric === name || r.metric === metric);
    if (o) return o;
  }
  return undefined;
}

/** The numbers first (baseline → current, change, p), then the reason sentence. */
function message(d: CheckData, b: BudgetResult): string {
  if (b.operator !== 'regression') return budgetReason(b);
  const o = outcomeOf(d, b.metric);
  if (!o || o.baseline.n === 0 || o.current.n === 0) return budgetReason(b);
  const p = o.pValue === null ? `${o.method}, ${o.baseline.n} vs ${o.current.n} runs` : `p=${o.pValue < 0.0001 ? '<0.0001' : Number(o.pValue.toPrecision(2))}`;
  const numbers = `${formatNumber(o.baseline.median)} → ${formatNumber(o.current.median)} (${percent(o.change, true)}, ${p}; budget ${percent(b.threshold)})`;
  return `${numbers}${b.status === 'inconclusive' ? ', inconclusive' : ''}: ${b.source ?? o.reason}`;
}

/**
 * One workflow command per budget that did not pass (`::error` at level error: fail, inconclusive and
 * missing alike; `::warning` at level warn) and one `::error` per check that could not run. Passing
 * budgets say nothing.
 */
export function githubAnnotations(report: Report<CheckData>): string[] {
  const d = report.data;
  const out: string[] = [];
  for (const c of d.checks) {
    if (c.status !== 'error') continue;
    const why = c.error ? `${c.error.kind}: ${c.error.message}` : 'the command failed without a message';
    out.push(command('error', `perfkit check: ${c.name}`, `${c.name} (perfkit ${c.command}) could not run: ${why}`));
  }
  for (const b of report.budgets) {
    if (b.status === 'pass') continue;
    out.push(command(b.level === 'error' ? 'error' : 'warning', `perfkit check: ${b.metric}`, message(d, b) || budgetLine(b)));
  }
  return out;
}

/** Markdown for $GITHUB_STEP_SUMMARY: a one-line header, then the pull-request comment's content. */
export function stepSummary(report: Report<CheckData>): string {
  const d = report.data;
  const n = d.listed?.length ?? d.checks.length;
  const against = d.baseline ? ` against the baseline of ${d.baseline.startedAt}` : ', no baseline';
  const header = `## perfkit check — ${n} check${n === 1 ? '' : 's'} in ${formatMs(report.durationMs)}${d.listed ? ' (listed, not run)' : against}`;
  return `${header}\n\n${beforeAfterMarkdown(report)}`;
}
