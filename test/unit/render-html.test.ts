// --format html: one self-contained, script-free document; every report string escaped; charts as SVG.
import { describe, expect, it } from 'vitest';
import { render } from '../../src/report/render/index.js';
import { niceTicks, svgChart } from '../../src/report/render/svg-chart.js';
import type { Chart, Report, Section } from '../../src/report/model.js';

// A hostile string per place a report string can appear; each must come out as text.
const evil = (tag: string) => `<${tag}>&"'`;
const escaped = (tag: string) => `&lt;${tag}&gt;&amp;&quot;&#39;`;
const PLACES = [
  'target', 'envkey', 'envval', 'sumkey', 'title1', 'col', 'cell', 'title2', 'text', 'title3', 'xlabel', 'ylabel',
  'series', 'xtick', 'chartsum', 'metric', 'rule', 'ftitle', 'message', 'location', 'fix',
];

const latency: Chart = {
  type: 'line',
  xLabel: evil('xlabel'),
  yLabel: evil('ylabel'),
  x: [2, 10, 100, 1000],
  xTicks: ['p50', 'p90', evil('xtick'), 'p99.9'],
  logX: true,
  series: [
    { name: evil('series'), values: [12, 30, null, 150] },
    { name: 'baseline', values: [10, null, 80, 140] },
  ],
  summary: evil('chartsum'),
};

const sections: Section[] = [
  { title: evil('title1'), kind: 'table', columns: ['route', evil('col'), 'p99'], rows: [['/a', 1.5, 20], [evil('cell'), 2, null], ['/c', 3, 4]] },
  { title: evil('title2'), kind: 'text', text: `line one\n  ${evil('text')}` },
  { title: evil('title3'), kind: 'chart', chart: latency },
  { title: 'Status codes', kind: 'chart', chart: { type: 'bar', xLabel: 'status', yLabel: 'responses', x: [200, 404, 500], series: [{ name: 'run', values: [900, 40, null] }, { name: 'base', values: [950, 10, 3] }], summary: 'mostly 200' } },
];

const report: Report = {
  schemaVersion: 1,
  tool: { name: 'perfkit', version: '0.0.0' },
  command: 'loadtest',
  status: 'fail',
  startedAt: '2026-11-21T10:00:00.000Z',
  durationMs: 30_123,
  target: { display: evil('target') },
  environment: { [evil('envkey')]: evil('envval'), memoryBytes: 17_179_869_184 },
  summary: { 'latency.p99': 87.1, [evil('sumkey')]: 1, 'findings.error': 1, 'findings.warn': 0 },
  findings: [
    { rule: 'info-rule', severity: 'info', title: 'fyi', message: 'just so you know' },
    { rule: evil('rule'), severity: 'error', title: evil('ftitle'), message: evil('message'), location: evil('location'), fix: evil('fix'), evidence: { '<evk>': '<evv>', lagMs: 12 } },
  ],
  budgets: [
    { metric: evil('metric'), operator: '<', threshold: 100, actual: 120.5, level: 'error', status: 'fail' },
    { metric: 'rps', operator: '>=', threshold: 2000, actual: null, level: 'warn', status: 'missing' },
  ],
  data: {},
};

const html = () => render(report, 'html', { color: false, columns: 100, failOn: 'error', view: () => sections });
const sectionOf = (doc: string, heading: string) => doc.split('<section').find((s) => s.includes(`<h2>${heading}</h2>`)) ?? '';

describe('html renderer', () => {
  it('is one self-contained document: charset, title, inline style, nothing fetched, no script', async () => {
    const doc = await html();
    expect(doc).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(doc).toMatch(/<\/html>\n$/);
    expect(doc).toContain('<meta charset="utf-8">');
    expect(doc).toMatch(/<title>perfkit loadtest — .+ — FAIL<\/title>/);
    expect(doc.match(/<style>/g)).toHaveLength(1);
    expect(doc).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|@import|url\(\s*['"]?(https?:|\/\/)/i);
    expect(doc.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:\/\//);
  });

  it('escapes <>&"\' in every place a report string appears', async () => {
    const doc = await html();
    for (const tag of PLACES) {
      expect(doc, tag).toContain(escaped(tag));
      expect(doc, tag).not.toContain(`<${tag}>`);
    }
    // Evidence is JSON inside <details>: its quotes are JSON's, its markup escaped.
    expect(doc).toMatch(/<details><summary>evidence<\/summary><pre>[^<]*&quot;&lt;evk&gt;&quot;: &quot;&lt;evv&gt;&quot;/);
    expect(doc).not.toContain('<evk>');
  });

  it('shows the status in words as well as colour, the header facts and the budgets', async () => {
    const doc = await html();
    expect(doc).toContain('<span class="badge fail" role="status">✖ FAIL</span>');
    expect(doc).toContain('30.12 s');
    expect(doc).toContain('2026-11-21T10:00:00.000Z');
    expect(doc).toContain('16.0 GB');
    const budgets = sectionOf(doc, 'Budgets');
    expect(budgets.match(/<th[ >]/g)).toHaveLength(6);
    expect(budgets).toContain('<td>&lt;</td>');
    expect(budgets).toContain('✖ fail');
    expect(budgets).toContain('▲ missing');
    expect(budgets).toContain('>missing</td>');
  });

  it('lists findings most severe first, with location, fix and evidence', async () => {
    const findings = sectionOf(await html(), 'Findings (2)');
    expect(findings.indexOf('✖ error')).toBeGreaterThan(0);
    expect(findings.indexOf('✖ error')).toBeLessThan(findings.indexOf('ℹ info'));
    expect(findings).toContain('<dt>fix</dt>');
    expect(findings).toContain('<dt>location</dt>');
    expect(findings.match(/<details>/g)).toHaveLength(1);
  });

  it('renders a table section with its rows, numbers right-aligned, null as a dash', async () => {
    const table = sectionOf(await html(), escaped('title1'));
    const body = table.slice(table.indexOf('<tbody>'), table.indexOf('</tbody>'));
    expect(body.match(/<tr>/g)).toHaveLength(3);
    expect(body).toContain('<td class="num">1.5</td>');
    expect(body).toContain('<td class="num">–</td>');
    expect(table).toContain('<th class="num">p99</th>');
    expect(sectionOf(await html(), escaped('title2'))).toContain(`<pre>line one\n  ${escaped('text')}</pre>`);
  });

  it('draws one svg per chart, one path per line series, with gaps for nulls and a tooltip per point', async () => {
    const doc = await html();
    expect(doc.match(/<svg /g)).toHaveLength(2);
    const line = sectionOf(doc, escaped('title3'));
    const paths = [...line.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]);
    expect(paths).toHaveLength(2);
    // Each series has one null in the middle, so its line has two pieces.
    for (const d of paths) expect(d.match(/M/g)).toHaveLength(2);
    expect(line).toContain('stroke-dasharray'); // the second series is dashed, for greyscale
    expect(line).toContain(`<title>${escaped('series')} · p50: 12</title>`);
    expect(line.match(/<title>[^<]*· [^<]*: [\d,.]+<\/title>/g)).toHaveLength(6); // 8 points, 2 null
    const bar = sectionOf(doc, 'Status codes');
    expect(bar.match(/<rect [^>]*><title>/g)).toHaveLength(5); // 6 bars, 1 null
    expect(bar).toContain('<pattern id="chart3-hatch1"');
  });

  it('spaces a logX axis by log10: p50 < p90 < p99 < p99.9, decades evenly apart', () => {
    const svg = svgChart({ ...latency, xTicks: ['p50', 'p90', 'p99', 'p99.9'] });
    const at = (label: string) => Number(new RegExp(`<text x="([\\d.]+)"[^>]*>${label.replace('.', '\\.')}</text>`).exec(svg)?.[1]);
    const [p50, p90, p99, p999] = ['p50', 'p90', 'p99', 'p99.9'].map(at);
    expect(p50).toBeLessThan(p90);
    expect(p90).toBeLessThan(p99);
    expect(p99).toBeLessThan(p999);
    expect(p999 - p99).toBeCloseTo(p99 - p90, 0);
    expect((p90 - p50) / (p99 - p90)).toBeCloseTo(Math.log10(5), 2);
    expect(svg).toContain('(log scale)');
  });

  it('uses round y ticks from 0 past the largest value', () => {
    expect(niceTicks(0, 87.1)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.42, 3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(0, 0.0042)).toEqual([0, 0.001, 0.002, 0.003, 0.004, 0.005]);
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-12, 30)).toEqual([-20, -10, 0, 10, 20, 30]);
    const svg = svgChart(latency);
    for (const label of ['0', '50', '100', '150']) expect(svg).toMatch(new RegExp(`text-anchor="end">${label}</text>`));
  });

  it('still draws axes and says so when a chart has no data', () => {
    const svg = svgChart({ type: 'line', xLabel: 'x', yLabel: 'y', x: [1, 2], series: [{ name: 'a', values: [null, null] }], summary: '' });
    expect(svg).toContain('>no data</text>');
    expect(svg.match(/<path /g)).toHaveLength(1);
  });
});
