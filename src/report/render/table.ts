// Terminal output: summary, the command's sections, findings with their fix, and budgets.
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Report, Section, Severity } from '../model.js';
import type { RenderContext } from './index.js';
import { budgetLine, cell, headline, sortedFindings } from './common.js';

export function renderTable(report: Report, ctx: RenderContext): string {
  const c = new Chalk({ level: ctx.color ? 1 : 0 });
  const out: string[] = [];
  const status = { pass: c.green('PASS'), warn: c.yellow('WARN'), fail: c.red('FAIL') }[report.status];
  out.push(`${c.bold(headline(report))}  ${status}  ${c.dim(`${Math.round(report.durationMs)} ms`)}`);
  out.push('');
  const sections = ctx.view ? ctx.view(report.data) : [];
  for (const s of sections) out.push(renderSection(s, c, ctx), '');
  const summary = new Table({ head: [], style: { head: [], border: [] , compact: true } });
  for (const [k, v] of Object.entries(report.summary)) summary.push([c.dim(k), { hAlign: 'right', content: cell(v) }]);
  out.push(c.bold('Summary'), summary.toString(), '');
  const findings = sortedFindings(report.findings);
  if (findings.length) {
    out.push(c.bold(`Findings (${findings.length})`));
    for (const f of findings) {
      out.push(`${sev(f.severity, c)} ${c.bold(f.rule)}  ${f.location ? c.cyan(f.location) : ''}`);
      out.push(`  ${f.message}`);
      if (f.fix) out.push(`  ${c.green('fix:')} ${f.fix}`);
    }
    out.push('');
  } else {
    out.push(c.green('No findings.'), '');
  }
  if (report.budgets.length) {
    out.push(c.bold('Budgets'));
    for (const b of report.budgets) {
      const paint = b.level === 'warn' ? c.yellow : c.red;
      const mark = b.status === 'pass' ? c.green('✔ pass') : b.status === 'inconclusive' ? paint('? inconclusive') : b.level === 'warn' ? c.yellow('▲ warn') : c.red('✖ fail');
      out.push(`  ${mark}  ${budgetLine(b)}`);
    }
    out.push('');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function sev(s: Severity, c: ChalkInstance): string {
  return s === 'error' ? c.red('✖ error') : s === 'warn' ? c.yellow('▲ warn ') : c.blue('ℹ info ');
}

function renderSection(s: Section, c: ChalkInstance, ctx: RenderContext): string {
  if (s.kind === 'text') return `${c.bold(s.title)}\n${s.text}`;
  if (s.kind === 'chart') return `${c.bold(s.title)}\n${s.chart.summary} (the chart is in --format html)`;
  const cells = s.rows.map((row) => row.map((v) => cell(v)));
  const t = new Table({
    head: s.columns.map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true },
    colWidths: fitWidths(s.columns, cells, ctx.columns),
    wordWrap: true,
    wrapOnWordBoundary: true,
  });
  s.rows.forEach((row, r) => {
    t.push(row.map((v, i) => ({ content: cells[r][i], hAlign: s.align?.[i] ?? (typeof v === 'number' ? 'right' : 'left') })));
  });
  return `${c.bold(s.title)}\n${t.toString()}`;
}

/** Column widths that fit the terminal: natural widths (headers may wrap between words), with the
 *  widest columns shrunk first, but not below their longest word (capped) so words are not cut. */
export function fitWidths(head: string[], rows: string[][], columns: number): number[] {
  const longestWord = (t: string) => Math.max(0, ...t.split(/\s+/).map((w) => w.length));
  const widths = head.map((h, i) => Math.max(longestWord(h), ...rows.map((r) => (r[i] ?? '').length)) + 2);
  const floors = head.map((h, i) => Math.min(42, Math.max(longestWord(h), ...rows.map((r) => longestWord(r[i] ?? '')))) + 2);
  const budget = Math.max(columns, 40) - (head.length + 1);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > budget) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floors[i] && (widest < 0 || w > widths[widest])) widest = i;
    });
    if (widest < 0) break;
    widths[widest]--;
    total--;
  }
  return widths;
}
