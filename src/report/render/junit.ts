// JUnit XML: one testcase per finding and per budget, so any CI shows them as tests.
import type { BudgetResult, Report } from '../model.js';
import type { RenderContext } from './index.js';
import { budgetLine } from './common.js';

// XML 1.0 forbids most control characters; drop them, then escape markup.
const esc = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; body: string };
  out?: string;
}

/** The budget, and on the next line why: a regression budget's reason, or where a budget came from. */
const withReason = (b: BudgetResult) => (b.source ? `${budgetLine(b)}\n${b.source}` : budgetLine(b));

export function renderJunit(report: Report, ctx: RenderContext): string {
  const suite = `perfkit ${report.command}`;
  const cases: Case[] = [];
  for (const f of report.findings) {
    const fails = f.severity === 'error' ? ctx.failOn !== 'never' : f.severity === 'warn' && ctx.failOn === 'warn';
    const body = [f.message, f.fix ? `fix: ${f.fix}` : '', f.evidence ? `evidence: ${JSON.stringify(f.evidence)}` : ''].filter(Boolean).join('\n');
    cases.push({
      name: `${f.rule}${f.location ? `: ${f.location}` : ''}`,
      classname: `${suite}.findings`,
      ...(fails ? { failure: { message: f.title, body } } : { out: `[${f.severity}] ${body}` }),
    });
  }
  for (const b of report.budgets) {
    const fails = b.status !== 'pass' && b.level === 'error';
    cases.push({
      name: `budget ${b.metric} ${b.operator} ${b.threshold}`,
      classname: `${suite}.budgets`,
      ...(fails ? { failure: { message: budgetLine(b), body: withReason(b) } } : { out: `[${b.status}${b.level === 'warn' ? ', warn level' : ''}] ${b.operator === 'regression' ? withReason(b) : budgetLine(b)}` }),
    });
  }
  if (!cases.length) cases.push({ name: `${report.command} ran`, classname: suite, out: 'no findings, no budgets' });
  const failures = cases.filter((c) => c.failure).length;
  const secs = (report.durationMs / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="perfkit" tests="${cases.length}" failures="${failures}" errors="0" time="${secs}">`,
    `  <testsuite name="${esc(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${secs}" timestamp="${esc(report.startedAt)}">`,
    '    <properties>',
    ...Object.entries(report.summary).map(([k, v]) => `      <property name="${esc(k)}" value="${v}"/>`),
    '    </properties>',
  ];
  for (const c of cases) {
    lines.push(`    <testcase name="${esc(c.name)}" classname="${esc(c.classname)}" time="0">`);
    if (c.failure) lines.push(`      <failure message="${esc(c.failure.message)}" type="perfkit">${esc(c.failure.body)}</failure>`);
    if (c.out) lines.push(`      <system-out>${esc(c.out)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}
