import { describe, expect, it } from 'vitest';
import { render } from '../../../src/report/render/index.js';
import type { Report } from '../../../src/report/model.js';

const report: Report = {
  schemaVersion: 1,
  tool: { name: 'perfkit', version: '0.0.0' },
  command: 'db explain',
  status: 'fail',
  startedAt: '2026-11-21T10:00:00.000Z',
  durationMs: 42,
  target: { plan: 'plan.json' },
  environment: {},
  summary: { executionMs: 120.5, 'findings.error': 1, 'findings.warn': 1 },
  findings: [
    { rule: 'disk-sort', severity: 'error', title: 'Sort spilled', message: 'Sort spilled 48 MB <to> disk & "more"', location: 'Sort > Seq Scan on orders', fix: 'raise work_mem' },
    { rule: 'misestimate', severity: 'warn', title: 'Bad estimate', message: 'rows 10x | off' },
  ],
  budgets: [{ metric: 'executionMs', operator: '<', threshold: 100, actual: 120.5, level: 'error', status: 'fail', source: 'x' }],
  data: { rows: [['a', 1]] },
};
const ctx = (color: boolean) => ({
  color,
  columns: 100,
  failOn: 'error' as const,
  view: () => [{ title: 'Plan', kind: 'table' as const, columns: ['node', 'ms'], rows: [['Seq Scan on orders', 3.5]] }],
});

describe('renderers', () => {
  it('json is exactly the envelope', async () => {
    expect(JSON.parse(await render(report, 'json', ctx(false)))).toEqual(report);
  });

  it('table has the sections, findings with fixes and budgets, and no ANSI without colour', async () => {
    const out = await render(report, 'table', ctx(false));
    expect(out).not.toMatch(/\u001b\[/);
    expect(out).toContain('Seq Scan on orders');
    expect(out).toContain('disk-sort');
    expect(out).toContain('fix: raise work_mem');
    expect(out).toContain('executionMs < 100 (actual 120.5)');
    expect(await render(report, 'table', ctx(true))).toMatch(/\u001b\[/);
  });

  it('markdown escapes pipes and fits a step summary', async () => {
    const out = await render(report, 'markdown', ctx(false));
    expect(out).toMatch(/^## ❌ perfkit db explain/);
    expect(out).toContain('rows 10x \\| off');
    expect(out).toContain('| `executionMs` | 120.5 |');
    expect(out).toContain('<details><summary>Plan</summary>');
  });

  it('junit has one testcase per finding and per budget, failures at the failing level, escaped', async () => {
    const out = await render(report, 'junit', ctx(false));
    expect(out.match(/<testcase /g)).toHaveLength(3);
    expect(out).toContain('failures="2"');
    expect(out).toContain('&lt;to&gt; disk &amp; &quot;more&quot;');
    expect(out).toMatch(/<\/testsuites>\n$/);
  });
});
