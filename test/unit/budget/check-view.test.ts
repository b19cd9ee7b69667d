import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compareSamples } from '../../../src/budget/baseline.js';
import type { CheckData, CheckRun, RegressionOutcome } from '../../../src/budget/check-model.js';
import { beforeAfterMarkdown, checkView, shellJoin } from '../../../src/budget/check-view.js';
import { escapeData, escapeProperty, githubAnnotations, stepSummary } from '../../../src/budget/github.js';
import { budgetSchema } from '../../../src/config/schema.js';
import type { BudgetResult, Report, Section } from '../../../src/report/model.js';
import { budgetLine } from '../../../src/report/render/common.js';
import { render } from '../../../src/report/render/index.js';

const base = [100, 101, 99, 102, 100, 98, 101];
const slower = base.map((x) => x * 1.23);
const faster = [50, 51, 49, 50, 52, 48, 50];

function outcome(check: string, metric: string, b: number[], c: number[], minEffect: number, level: 'error' | 'warn'): RegressionOutcome {
  const r = compareSamples(b, c, { metric, better: 'lower', minEffect });
  return { ...r, check, level, verdict: r.status };
}
const asBudget = (o: RegressionOutcome, threshold: number, reason = o.reason): BudgetResult => ({
  metric: `${o.check}/${o.metric}`,
  operator: 'regression',
  threshold,
  actual: o.change,
  level: o.level,
  status: o.verdict,
  source: reason,
});

const p95 = outcome('api-load', 'latency.p95', base, slower, 0.1, 'error');
const p50 = outcome('api-load', 'latency.p50', [60, 61, 59, 60, 62, 58, 60], faster, 0.1, 'error');
const ttfb = outcome('home', 'ttfb', [100, 101], [120, 119], 0.1, 'warn'); // 2 vs 2 runs: inconclusive
const absolute: BudgetResult = { metric: 'home/score', operator: '>=', threshold: 90, actual: 95, level: 'error', status: 'pass', source: 'perfkit.config.yaml checks[1]' };

const run = (name: string, over: Partial<CheckRun>): CheckRun => ({
  name,
  command: 'loadtest',
  argv: ['loadtest', 'http://localhost:3000/api'],
  repeat: 7,
  status: 'pass',
  durationMs: 12_345,
  reports: [],
  samples: {},
  budgets: [],
  regressions: [],
  ...over,
});

const budgets = [asBudget(p95, 0.1, 'latency went up | a lot: 100% worse\nsecond line'), asBudget(p50, 0.1), asBudget(ttfb, 0.1), absolute];
const data: CheckData = {
  fingerprint: { perfkit: '1.2.0', node: 'v20.11.0', platform: 'linux x64', cpuModel: 'AMD EPYC', cpus: 4, memoryBytes: 16 * 1024 ** 3 },
  checks: [
    run('api-load', { status: 'fail', regressions: [p95, p50], budgets: budgets.slice(0, 2), samples: { 'latency.p95': slower } }),
    run('home', { command: 'lighthouse', argv: ['lighthouse', 'http://localhost:3000/'], repeat: 2, status: 'warn', regressions: [ttfb], budgets: [budgets[2], absolute] }),
    run('db', { command: 'db explain', argv: ['db', 'explain', '--db', 'postgres://me:hunter2@db/app'], status: 'error', error: { kind: 'connect', message: 'cannot connect to db:5432' } }),
  ],
  baseline: { file: '.perfkit/baseline.json', startedAt: '2026-01-02T03:04:05.000Z', fingerprint: null, envDiff: ['cpuModel: Intel Xeon → AMD EPYC'] },
};
const report = (d: CheckData, b: BudgetResult[] = budgets): Report<CheckData> => ({
  schemaVersion: 1,
  tool: { name: 'perfkit', version: '1.2.0' },
  command: 'check',
  status: 'fail',
  startedAt: '2026-01-03T00:00:00.000Z',
  durationMs: 60_000,
  target: {},
  environment: {},
  summary: {},
  findings: [],
  budgets: b,
  data: d,
});
const table = (sections: Section[], title: RegExp) => {
  const s = sections.find((x) => title.test(x.title));
  if (!s || s.kind !== 'table') throw new Error(`no table ${title}`);
  return s;
};

describe('checkView', () => {
  it('shows the checks, then before/after with signed changes against the baseline', () => {
    const sections = checkView(data);
    const checks = table(sections, /^Checks/);
    expect(checks.rows.map((r) => [r[0], r[3]])).toEqual([['api-load', 'fail'], ['home', 'warn'], ['db', 'error']]);
    expect(String(checks.rows[2][1])).not.toContain('hunter2');
    const ba = table(sections, /^Before \/ after/);
    expect(ba.columns).toEqual(['check', 'metric', 'baseline median', 'current median', 'change', 'p-value', 'effect', 'runs', 'verdict']);
    const row = (m: string) => ba.rows.find((r) => r[1] === m)!;
    expect(row('latency.p95').slice(0, 5)).toEqual(['api-load', 'latency.p95', 100, 123, '+23%']);
    expect(row('latency.p95')[8]).toBe('fail');
    expect(row('latency.p50')[4]).toBe('−16.7%');
    expect(row('latency.p50')[8]).toBe('pass');
    expect(row('ttfb')[8]).toBe('inconclusive (warn)');
    expect(row('ttfb')[7]).toBe('2 → 2');
    // Absolute budgets still show, by check, beside the regression table.
    expect(table(sections, /^Budgets by check/).rows).toEqual([['home', 'score', '>= 90', 95, 'pass']]);
    const env = sections.find((s) => /Environment differs/.test(s.title));
    expect(env?.kind === 'text' && env.text).toContain('- cpuModel: Intel Xeon → AMD EPYC');
    const err = sections.find((s) => s.title === 'db: could not run');
    expect(err?.kind === 'text' && err.text).toBe('connect: cannot connect to db:5432');
  });

  it('without a baseline, shows every budget with its bound and the current median', () => {
    const rows = table(checkView({ ...data, baseline: null }), /^Budgets by check/).rows;
    expect(rows[0]).toEqual(['api-load', 'latency.p95', 'regression ≤ 10%', 123, 'fail']);
    expect(rows.find((r) => r[1] === 'ttfb')?.[4]).toBe('inconclusive (warn)');
    expect(checkView({ ...data, baseline: null }).some((s) => /Before/.test(s.title))).toBe(false);
  });

  it('--list: one table with shell-quoted command lines and the budgets', () => {
    const listed = [
      { name: 'api', command: 'loadtest', argv: ['loadtest', 'http://x/a b', '-H', "it's", '--rate', '50'], repeat: 3, budgets: ['latency.p95 regression 10%', 'errors max 0'] },
      { name: 'db', command: 'db explain', argv: ['db', 'explain', '--db', 'postgres://me:hunter2@db/app', ''], repeat: 1, budgets: [] },
    ];
    const sections = checkView({ ...data, checks: [], baseline: null, listed });
    expect(sections).toHaveLength(1);
    const t = table(sections, /--list/);
    expect(t.columns).toEqual(['name', 'command line', 'repeat', 'budgets']);
    expect(t.rows[0]).toEqual(['api', `perfkit loadtest 'http://x/a b' -H 'it'\\''s' --rate 50`, 3, 'latency.p95 regression 10%, errors max 0']);
    expect(t.rows[1][1]).toBe("perfkit db explain --db postgres://me:***@db/app ''");
    expect(shellJoin(['a=b', 'x;y', '$HOME'])).toBe("a=b 'x;y' '$HOME'");
  });

  it('--calibrate: a table and a YAML snippet that parses into valid regression budgets', () => {
    const calibration = [
      { check: 'api-load', metric: 'latency.p95', n: 10, median: 123.4, relSpread: 0.123, proposedRegression: 0.08, note: 'runs spread 12.3% around the median' },
      { check: 'api-load', metric: 'lcp["/a b"]', n: 10, median: 2000, relSpread: 0.05, proposedRegression: 0.25, note: 'x' },
      { check: 'home', metric: 'home/score', n: 5, median: 95, relSpread: 0, proposedRegression: 0.02, note: '' },
    ];
    const sections = checkView({ ...data, checks: [], baseline: null, calibration });
    const t = table(sections, /Calibration/);
    expect(t.rows[0]).toEqual(['api-load', 'latency.p95', 10, 123.4, '12.3%', '8%']);
    const snippet = sections.find((s) => s.kind === 'text');
    if (snippet?.kind !== 'text') throw new Error('no snippet');
    const blocks = snippet.text.split('\n\n');
    expect(blocks).toHaveLength(2);
    const api = parse(blocks[0]);
    expect(api).toEqual([{ metric: 'latency.p95', regression: '8%' }, { metric: 'lcp["/a b"]', regression: '25%' }]);
    expect(parse(blocks[1])).toEqual([{ metric: 'score', regression: '2%' }]);
    for (const b of [...api, ...parse(blocks[1])]) expect(budgetSchema.safeParse(b).success).toBe(true);
  });
});

describe('beforeAfterMarkdown', () => {
  const out = beforeAfterMarkdown(report(data));

  it('heads with the verdict and counts, and tables the deltas', () => {
    expect(out).toMatch(/^<!-- perfkit-check -->\n### ❌ perfkit check: 1 failed · 1 warning · 2 passed · 1 check could not run\n/);
    expect(out).toContain('| ❌ | api-load | latency.p95 | 100 | 123 | +23% |');
    expect(out).toContain('| ✅ | api-load | latency.p50 | 60 | 50 | −16.7% |');
    expect(out).toContain('| ❔ | home | ttfb |');
  });

  it('lists failing and warning budgets with their reasons, escaping pipes', () => {
    expect(out).toContain('- ❌ `api-load/latency.p95`: latency went up \\| a lot: 100% worse<br>second line');
    expect(out).toMatch(/- ⚠️ `home\/ttfb`: ttfb went from 100\.5 to 119\.5/);
    expect(out).toContain('- ❌ `db` could not run: connect: cannot connect to db:5432');
    expect(out).not.toContain('latency.p50`:');
  });

  it('keeps the environment and its differences in a collapsed block', () => {
    const details = out.slice(out.indexOf('<details>'));
    expect(details).toContain('| cpuModel | AMD EPYC |');
    expect(details).toContain('| memoryBytes | 16.0 GB |');
    expect(details).toContain('- cpuModel: Intel Xeon → AMD EPYC');
    expect(out.trimEnd().endsWith('</details>')).toBe(true);
  });

  it('shows current values without a baseline', () => {
    const md = beforeAfterMarkdown(report({ ...data, baseline: null }));
    expect(md).not.toContain('baseline median');
    expect(md).toContain('| ✅ | home | score | >= 90 | 95 | pass |');
    expect(md).not.toContain('Differences from the baseline');
  });

  it('the step summary is a one-line header over the same markdown', () => {
    const s = stepSummary(report(data));
    expect(s.split('\n')[0]).toBe('## perfkit check — 3 checks in 1.0 min against the baseline of 2026-01-02T03:04:05.000Z');
    expect(s).toContain(out);
  });
});

describe('githubAnnotations', () => {
  it('escapes messages and properties the way GitHub reads them', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('perfkit check: a,b')).toBe('perfkit check%3A a%2Cb');
  });

  it('one ::error per failing budget and errored check, one ::warning per warning, none for passes', () => {
    const lines = githubAnnotations(report(data));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('::error title=perfkit check%3A db::db (perfkit db explain) could not run: connect: cannot connect to db:5432');
    expect(lines[1]).toMatch(/^::error title=perfkit check%3A api-load\/latency.p95::100 → 123 \(\+23%25, p=0\.001; budget 10%25\): latency went up \| a lot: 100%25 worse%0Asecond line$/);
    expect(lines[2]).toMatch(/^::warning title=perfkit check%3A home\/ttfb::100\.5 → 119\.5 \(\+18\.9%25, p=0\.17; budget 10%25\), inconclusive: ttfb went from .* runs on each side\.$/);
    for (const l of lines) expect(l).not.toMatch(/[\r\n]/);
  });

  it('inconclusive and missing at level error are errors; a title with : and , is escaped', () => {
    const b: BudgetResult[] = [
      { ...asBudget(ttfb, 0.1), level: 'error' },
      { metric: 'x/a:b,c', operator: '<', threshold: 5, actual: null, level: 'error', status: 'missing' },
      { metric: 'x/ok', operator: '<', threshold: 5, actual: 1, level: 'warn', status: 'pass' },
    ];
    const lines = githubAnnotations(report({ ...data, checks: [] }, b));
    expect(lines.map((l) => l.slice(0, l.indexOf(' ')))).toEqual(['::error', '::error']);
    expect(lines[1]).toBe("::error title=perfkit check%3A x/a%3Ab%2Cc::not in the check's report");
  });
});

describe('budget display', () => {
  it('budgetLine prints regression budgets as percentages and marks inconclusive', () => {
    const r: BudgetResult = { metric: 'api-load/latency.p95', operator: 'regression', threshold: 0.1, actual: 0.2312, level: 'error', status: 'fail' };
    expect(budgetLine(r)).toBe('api-load/latency.p95 regression ≤ 10% (actual +23.1%)');
    expect(budgetLine({ ...r, actual: -0.05, status: 'pass' })).toBe('api-load/latency.p95 regression ≤ 10% (actual −5%)');
    expect(budgetLine({ ...r, actual: null, status: 'missing' })).toBe('api-load/latency.p95 regression ≤ 10% (no baseline value)');
    expect(budgetLine({ ...r, status: 'inconclusive' })).toBe('api-load/latency.p95 regression ≤ 10% (actual +23.1%) — inconclusive');
    expect(budgetLine({ ...absolute, actual: 80, status: 'fail' })).toBe('home/score >= 90 (actual 80)');
  });

  it('junit puts the reason in the failure body; table and markdown mark inconclusive by its own sign', async () => {
    const ctx = { color: false, columns: 120, failOn: 'error' as const, view: checkView as (d: unknown) => Section[] };
    const junit = await render(report(data), 'junit', ctx);
    expect(junit).toMatch(/<failure message="api-load\/latency.p95 regression ≤ 10% \(actual \+23%\)" type="perfkit">api-load\/latency.p95 regression ≤ 10% \(actual \+23%\)\nlatency went up \| a lot: 100% worse\nsecond line<\/failure>/);
    expect(junit).toContain('<system-out>[inconclusive, warn level] home/ttfb regression ≤ 10% (actual +18.9%) — inconclusive\nttfb went from');
    const text = await render(report(data), 'table', ctx);
    expect(text).toContain('? inconclusive  home/ttfb regression ≤ 10% (actual +18.9%) — inconclusive');
    expect(text).toContain('Before / after');
    const md = await render(report(data), 'markdown', ctx);
    expect(md).toContain('| ❔ | home/ttfb regression ≤ 10% (actual +18.9%) — inconclusive | warn |');
    const html = await render(report(data), 'html', ctx);
    expect(html).toMatch(/<td class="warn" title="ttfb went from[^"]*"><b>\? inconclusive<\/b><\/td>/);
  });
});
