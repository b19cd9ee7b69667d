// Markdown for $GITHUB_STEP_SUMMARY and PR comments: same content as the table, GitHub-flavoured.
import type { BudgetResult, Report, Section } from '../model.js';
import type { RenderContext } from './index.js';
import { budgetLine, cell, headline, sortedFindings } from './common.js';

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
const ICON = { pass: '✅', warn: '⚠️', fail: '❌' } as const;
const SEV = { error: '❌ error', warn: '⚠️ warn', info: 'ℹ️ info' } as const;

export function renderMarkdown(report: Report, ctx: RenderContext): string {
  const out: string[] = [];
  out.push(`## ${ICON[report.status]} ${esc(headline(report))}`, '');
  out.push(`Status **${report.status}** · ${Math.round(report.durationMs)} ms · perfkit ${report.tool.version}`, '');
  out.push('| metric | value |', '|---|---:|');
  for (const [k, v] of Object.entries(report.summary)) out.push(`| \`${k}\` | ${cell(v)} |`);
  out.push('');
  const findings = sortedFindings(report.findings);
  if (findings.length) {
    out.push(`### Findings (${findings.length})`, '');
    for (const f of findings) {
      out.push(`- **${SEV[f.severity]}** \`${f.rule}\`${f.location ? ` at \`${f.location}\`` : ''}: ${esc(f.message)}`);
      if (f.fix) out.push(`  - **Fix:** ${esc(f.fix)}`);
    }
    out.push('');
  }
  if (report.budgets.length) {
    out.push('### Budgets', '', '| | budget | level |', '|---|---|---|');
    for (const b of report.budgets) out.push(`| ${budgetMark(b)} | ${esc(budgetLine(b))} | ${b.level} |`);
    out.push('');
  }
  const sections = ctx.view ? ctx.view(report.data) : [];
  for (const s of sections) out.push(...section(s), '');
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

// Inconclusive has its own mark; the level column beside it says whether it warns or fails.
function budgetMark(b: BudgetResult): string {
  return b.status === 'pass' ? '✅' : b.status === 'inconclusive' ? '❔' : b.level === 'warn' ? '⚠️' : '❌';
}

function section(s: Section): string[] {
  if (s.kind === 'text') return [`<details><summary>${esc(s.title)}</summary>`, '', '```', s.text, '```', '', '</details>'];
  if (s.kind === 'chart') return [`**${esc(s.title)}**: ${esc(s.chart.summary)}`];
  const align = s.columns.map((_, i) => ((s.align?.[i] ?? (typeof s.rows[0]?.[i] === 'number' ? 'right' : 'left')) === 'right' ? '---:' : '---'));
  return [
    `<details><summary>${esc(s.title)}</summary>`,
    '',
    `| ${s.columns.map(esc).join(' | ')} |`,
    `|${align.join('|')}|`,
    ...s.rows.map((r) => `| ${r.map((v) => esc(cell(v)).replace(/^ +/, (m) => '&nbsp;'.repeat(m.length))).join(' | ')} |`),
    '',
    '</details>',
  ];
}
