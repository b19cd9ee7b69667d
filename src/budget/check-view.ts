// The human view of `perfkit check`: what ran, before/after against the baseline (or the budgets without
// one), --list and --calibrate, and the same verdict as a pull-request comment in markdown. Pure.
import type { BudgetResult, Report, Section } from '../report/model.js';
import { budgetBound, cell, percent } from '../report/render/common.js';
import { formatBytes, formatMs, formatNumber } from '../util/units.js';
import { redact } from '../util/redact.js';
import type { CheckData, CheckRun, RegressionOutcome } from './check-model.js';
import { median } from './stats.js';

type Row = Array<string | number | null>;

/** Words a POSIX shell reads back unchanged stay bare; anything else is single-quoted. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

const commandLine = (argv: string[]) => redact(`perfkit ${shellJoin(argv)}`);
const shorten = (s: string, max = 60) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
/** Budget metrics in the combined report are "check/metric"; inside a check the prefix says nothing. */
const bare = (check: string, metric: string) => (metric.startsWith(`${check}/`) ? metric.slice(check.length + 1) : metric);
const pText = (p: number | null) => (p === null ? '–' : p < 0.0001 ? '<0.0001' : String(Number(p.toPrecision(2))));
const effectText = (o: RegressionOutcome) => (o.magnitude === null || o.effect === null ? '–' : `${o.magnitude} (δ ${o.effect.toFixed(2).replace('-', '−')})`);
const known = (x: number, n: number) => (n > 0 && Number.isFinite(x) ? x : null);
const statusText = (status: string, level: string) => (status !== 'pass' && level === 'warn' ? `${status} (warn)` : status);

function beforeAfterRows(d: CheckData): Row[] {
  return d.checks.flatMap((c) =>
    c.regressions.map((o) => [
      c.name,
      bare(c.name, o.metric),
      known(o.baseline.median, o.baseline.n),
      known(o.current.median, o.current.n),
      percent(o.change, true),
      pText(o.pValue),
      effectText(o),
      `${o.baseline.n} → ${o.current.n}`,
      statusText(o.verdict, o.level),
    ]),
  );
}
const BEFORE_AFTER = ['check', 'metric', 'baseline median', 'current median', 'change', 'p-value', 'effect', 'runs', 'verdict'];

/** The current median a budget is judged on: an absolute budget's actual is that median already. */
function currentOf(c: CheckRun, b: BudgetResult): number | null {
  if (b.operator !== 'regression') return b.actual;
  const o = c.regressions.find((r) => r.metric === bare(c.name, b.metric) || `${c.name}/${r.metric}` === b.metric);
  if (o && o.current.n > 0) return o.current.median;
  const xs = c.samples[bare(c.name, b.metric)];
  return xs?.length ? median(xs) : null;
}

function budgetRows(d: CheckData, absoluteOnly: boolean): Row[] {
  return d.checks.flatMap((c) =>
    c.budgets
      .filter((b) => !absoluteOnly || b.operator !== 'regression')
      .map((b) => [c.name, bare(c.name, b.metric), budgetBound(b), currentOf(c, b), statusText(b.status, b.level)]),
  );
}
const BUDGETS = ['check', 'metric', 'bound', 'current median', 'status'];

function listRows(d: CheckData): Row[] {
  return (d.listed ?? []).map((l) => [l.name, commandLine(l.argv), l.repeat, l.budgets.join(', ') || '–']);
}

function calibrationRows(d: CheckData): Row[] {
  return (d.calibration ?? []).map((k) => [k.check, bare(k.check, k.metric), k.n, k.median, percent(k.relSpread), percent(k.proposedRegression)]);
}

const yamlKey = (s: string) => (/^[A-Za-z_][\w.-]*$/.test(s) ? s : JSON.stringify(s));

/** Budgets to paste under each check's `budgets:`, one block per check, the reasoning as comments. */
export function calibrationYaml(d: CheckData): string {
  const byCheck = new Map<string, NonNullable<CheckData['calibration']>>();
  for (const k of d.calibration ?? []) byCheck.set(k.check, [...(byCheck.get(k.check) ?? []), k]);
  const blocks = [...byCheck].map(([check, rows]) =>
    [
      `# ${check}: paste under its budgets:`,
      ...rows.flatMap((k) => [
        ...(k.note ? [`# ${bare(check, k.metric)}: ${k.note.replace(/\s*\n\s*/g, ' ')}`] : []),
        `- metric: ${yamlKey(bare(check, k.metric))}`,
        `  regression: ${percent(k.proposedRegression)}`,
      ]),
    ].join('\n'),
  );
  return blocks.join('\n\n');
}

export function checkView(d: CheckData): Section[] {
  if (d.listed) {
    return [{ title: `${d.listed.length} check${d.listed.length === 1 ? '' : 's'} (--list: nothing ran)`, kind: 'table', columns: ['name', 'command line', 'repeat', 'budgets'], rows: listRows(d), align: ['left', 'left', 'right', 'left'] }];
  }
  if (d.calibration) {
    const out: Section[] = [
      { title: 'Calibration: the noise of repeated runs', kind: 'table', columns: ['check', 'metric', 'n', 'median', 'spread', 'proposed regression'], rows: calibrationRows(d), align: ['left', 'left', 'right', 'right', 'right', 'right'] },
    ];
    if (d.calibration.length) out.push({ title: 'Proposed regression budgets (perfkit.config.yaml)', kind: 'text', text: calibrationYaml(d) });
    return out.concat(errorSections(d));
  }
  const out: Section[] = [
    {
      title: `Checks (${d.checks.length})`,
      kind: 'table',
      columns: ['name', 'command line', 'repeat', 'status', 'duration'],
      rows: d.checks.map((c) => [c.name, shorten(commandLine(c.argv)), c.repeat, c.status, formatMs(c.durationMs)]),
      align: ['left', 'left', 'right', 'left', 'right'],
    },
  ];
  const absolute = budgetRows(d, d.baseline !== null);
  if (d.baseline) {
    const rows = beforeAfterRows(d);
    if (rows.length) out.push({ title: `Before / after (baseline ${d.baseline.file}, ${d.baseline.startedAt})`, kind: 'table', columns: BEFORE_AFTER, rows, align: ['left', 'left', 'right', 'right', 'right', 'right', 'left', 'right', 'left'] });
    if (d.baseline.envDiff.length) out.push({ title: 'Environment differs from the baseline', kind: 'text', text: envDiffText(d) });
  }
  if (absolute.length) out.push({ title: 'Budgets by check', kind: 'table', columns: BUDGETS, rows: absolute, align: ['left', 'left', 'left', 'right', 'left'] });
  return out.concat(errorSections(d));
}

function envDiffText(d: CheckData): string {
  const diff = d.baseline?.envDiff ?? [];
  return `The baseline was taken elsewhere, so part of a difference may be the machine's:\n${diff.map((x) => `- ${x}`).join('\n')}`;
}

function errorSections(d: CheckData): Section[] {
  return d.checks
    .filter((c) => c.status === 'error')
    .map((c) => ({ title: `${c.name}: could not run`, kind: 'text' as const, text: c.error ? `${c.error.kind}: ${c.error.message}` : 'the command failed without a message' }));
}

/** Why a budget did not pass, in a sentence: a regression budget's reason, else its numbers. */
export function budgetReason(b: BudgetResult): string {
  if (b.operator === 'regression') return b.source ?? (b.actual === null ? `no baseline value (${budgetBound(b)})` : `${percent(b.actual, true)} (${budgetBound(b)})`);
  const from = b.source ? ` (budget from ${b.source})` : '';
  return b.actual === null ? `not in the check's report${from}` : `${formatNumber(b.actual)} against the budget ${budgetBound(b)}${from}`;
}

// ---- markdown for a pull-request comment ----

/** Markdown-safe cell text: pipes escaped, lines joined, no stray HTML. */
const md = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, '<br>');
const mdCode = (s: string) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;

function mdTable(columns: string[], rows: Row[], right: number[]): string[] {
  return [
    `| ${columns.map(md).join(' | ')} |`,
    `|${columns.map((_, i) => (right.includes(i) ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map((v) => md(cell(v))).join(' | ')} |`),
  ];
}

const failing = (b: BudgetResult) => b.status !== 'pass' && b.level === 'error';
const warning = (b: BudgetResult) => b.status !== 'pass' && b.level === 'warn';
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const ICON = { pass: '✅', warn: '⚠️', fail: '❌' } as const;
const MARK = (s: string) => (s.startsWith('pass') ? '✅' : s.startsWith('inconclusive') ? '❔' : s.endsWith('(warn)') ? '⚠️' : '❌');

/** A pull-request comment: the verdict, before/after (or current values), what failed and why, the environment. */
export function beforeAfterMarkdown(report: Report<CheckData>): string {
  const d = report.data;
  const budgets = report.budgets;
  const errored = d.checks.filter((c) => c.status === 'error');
  const counts = [
    `${budgets.filter(failing).length} failed`,
    plural(budgets.filter(warning).length, 'warning'),
    `${budgets.filter((b) => b.status === 'pass').length} passed`,
    ...(errored.length ? [`${plural(errored.length, 'check')} could not run`] : []),
  ];
  const head = d.listed ? `perfkit check --list: ${plural(d.listed.length, 'check')}` : d.calibration ? 'perfkit check --calibrate' : `perfkit check: ${counts.join(' · ')}`;
  const out: string[] = ['<!-- perfkit-check -->', `### ${ICON[report.status]} ${head}`, ''];
  if (d.listed || d.calibration) {
    for (const s of checkView(d)) {
      if (s.kind === 'table') out.push(`**${md(s.title)}**`, '', ...mdTable(s.columns, s.rows, rightCols(s.align)), '');
      else if (s.kind === 'text') out.push(`**${md(s.title)}**`, '', '```yaml', s.text, '```', '');
    }
  } else {
    const ba = d.baseline ? beforeAfterRows(d) : [];
    if (ba.length) {
      out.push(`Compared with the baseline from ${md(d.baseline!.startedAt)} (\`${md(d.baseline!.file)}\`):`, '');
      out.push(...mdTable(['', ...BEFORE_AFTER], ba.map((r) => [MARK(String(r[8])), ...r]), [3, 4, 5, 6, 8]), '');
    }
    const abs = budgetRows(d, d.baseline !== null);
    if (abs.length) out.push(...mdTable(['', ...BUDGETS], abs.map((r) => [MARK(String(r[4])), ...r]), [4]), '');
    if (!ba.length && !abs.length) out.push('No budgets were checked.', '');
  }
  const problems = [
    ...budgets.filter(failing).map((b) => `- ❌ ${mdCode(b.metric)}: ${md(budgetReason(b))}`),
    ...budgets.filter(warning).map((b) => `- ⚠️ ${mdCode(b.metric)}: ${md(budgetReason(b))}`),
    ...errored.map((c) => `- ❌ ${mdCode(c.name)} could not run: ${md(c.error ? `${c.error.kind}: ${c.error.message}` : 'no message')}`),
  ];
  if (problems.length) out.push('**Failing and warning**', '', ...problems, '');
  const diff = d.baseline?.envDiff ?? [];
  if (diff.length) out.push(`⚠️ The baseline was taken on a different machine or setup (${plural(diff.length, 'difference')}, see the environment below).`, '');
  out.push('<details><summary>Environment</summary>', '', ...mdTable(['', 'value'], fingerprintRows(d), []), '');
  if (diff.length) out.push('Differences from the baseline:', '', ...diff.map((x) => `- ${md(x)}`), '');
  out.push('</details>');
  return `${out.join('\n')}\n`;
}

function rightCols(align: Array<'left' | 'right'> | undefined): number[] {
  return (align ?? []).flatMap((a, i) => (a === 'right' ? [i] : []));
}

function fingerprintRows(d: CheckData): Row[] {
  const f = d.fingerprint;
  const rows: Row[] = Object.entries(f)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => [k, k === 'memoryBytes' && typeof v === 'number' ? formatBytes(v) : typeof v === 'number' ? formatNumber(v) : String(v)]);
  if (d.baseline) rows.push(['baseline', `${d.baseline.file} (${d.baseline.startedAt})`]);
  return rows;
}
