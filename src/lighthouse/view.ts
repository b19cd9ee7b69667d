// The human view of Lighthouse audits: per URL the medians with their run-to-run spread, each run with the
// median run marked, the resource summary, the under-load comparison and the saved reports. Pure.
import type { Section } from '../report/model.js';
import { formatBytes, formatMs, formatNumber } from '../util/units.js';
import { CATEGORIES, RESOURCE_TYPES, type LighthouseData, type MetricName, type Spread, type UrlAggregate } from './model.js';

const METRIC_ROWS: Array<[MetricName, string]> = [
  ['lcp', 'Largest Contentful Paint'],
  ['fcp', 'First Contentful Paint'],
  ['tbt', 'Total Blocking Time'],
  ['cls', 'Cumulative Layout Shift'],
  ['si', 'Speed Index'],
  ['tti', 'Time to Interactive'],
  ['ttfb', 'Server response (TTFB)'],
  ['totalBytes', 'Total bytes'],
  ['requests', 'Requests'],
];

const CATEGORY_NAMES: Record<string, string> = { performance: 'Performance', accessibility: 'Accessibility', 'best-practices': 'Best practices', seo: 'SEO' };

export function fmtMetric(m: MetricName, v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (m === 'cls') return v.toFixed(3);
  if (m === 'totalBytes') return formatBytes(v);
  if (m === 'requests') return formatNumber(v);
  return v === 0 ? '0 ms' : formatMs(v);
}

const pct = (s: Spread | undefined) => (s ? `${Math.round(s.relSpread * 100)} %` : '–');

export function lighthouseView(d: LighthouseData): Section[] {
  const s = d.settings;
  const out: Section[] = [
    {
      title: 'Lighthouse',
      kind: 'text',
      text: `${s.runs} run${s.runs === 1 ? '' : 's'} per URL, ${s.preset} preset, ${s.throttling === 'none' ? 'no' : s.throttling === 'simulate' ? 'simulated' : 'DevTools'} throttling; Lighthouse ${s.lighthouseVersion} on Chromium ${s.chromeVersion ?? '?'} (${s.chrome}). Values are medians of the runs; the median run is the one closest to the median FCP and TTI.`,
    },
  ];
  if (d.urls.length > 1) out.push(overview(d.urls));
  for (const u of d.urls) out.push(...urlSections(u, d.urls.length > 1));
  for (const f of d.failed) out.push({ title: `${f.url}: no run succeeded`, kind: 'text', text: f.errors.map((e, i) => `attempt ${i + 1}: ${e}`).join('\n') });
  if (d.underLoad) out.push(...underLoadSections(d));
  if (d.savedReports.length) out.push({ title: 'Lighthouse reports saved', kind: 'text', text: d.savedReports.filter((f) => f.endsWith('.html')).join('\n') });
  return out;
}

function overview(urls: UrlAggregate[]): Section {
  const cats = CATEGORIES.filter((c) => urls.some((u) => u.scores[c]));
  return {
    title: 'All URLs (medians)',
    kind: 'table',
    columns: ['URL', ...cats.map((c) => CATEGORY_NAMES[c]), 'LCP', 'TBT', 'CLS', 'TTFB', 'bytes', 'requests'],
    rows: urls.map((u) => [
      u.label,
      ...cats.map((c) => u.scores[c]?.median ?? null),
      ...(['lcp', 'tbt', 'cls', 'ttfb', 'totalBytes', 'requests'] as MetricName[]).map((m) => fmtMetric(m, u.metrics[m]?.median)),
    ]),
    align: ['left', ...cats.map(() => 'right' as const), 'right', 'right', 'right', 'right', 'right', 'right'],
  };
}

function urlSections(u: UrlAggregate, several: boolean): Section[] {
  const median = u.runs[u.medianRun];
  const head = several ? `${u.label}: ` : `${u.url}: `;
  const scoreRows = CATEGORIES.filter((c) => u.scores[c]).map((c) => {
    const sp = u.scores[c] as Spread;
    return [CATEGORY_NAMES[c], sp.median, sp.min, sp.max, `${sp.max - sp.min} pt`, median.scores[c] ?? null];
  });
  const metricRows = METRIC_ROWS.filter(([m]) => u.metrics[m]).map(([m, name]) => {
    const sp = u.metrics[m] as Spread;
    return [name, fmtMetric(m, sp.median), fmtMetric(m, sp.min), fmtMetric(m, sp.max), pct(sp), fmtMetric(m, median.metrics[m])];
  });
  const out: Section[] = [
    {
      title: `${head}scores and metrics over ${u.runs.length} run${u.runs.length === 1 ? '' : 's'}${u.failedAttempts.length ? ` (${u.failedAttempts.length} failed attempt${u.failedAttempts.length === 1 ? '' : 's'} retried)` : ''}`,
      kind: 'table',
      columns: ['', 'median', 'min', 'max', 'spread', `median run (#${median.run})`],
      rows: [...scoreRows, ...metricRows],
      align: ['left', 'right', 'right', 'right', 'right', 'right'],
    },
  ];
  if (u.runs.length > 1) {
    out.push({
      title: `${head}runs`,
      kind: 'table',
      columns: ['run', 'performance', 'LCP', 'FCP', 'TTI', 'TBT', 'CLS', 'wall time', ''],
      rows: u.runs.map((r, i) => [
        r.attempt === r.run ? `${r.run}` : `${r.run} (attempt ${r.attempt})`,
        r.scores.performance ?? null,
        fmtMetric('lcp', r.metrics.lcp),
        fmtMetric('fcp', r.metrics.fcp),
        fmtMetric('tti', r.metrics.tti),
        fmtMetric('tbt', r.metrics.tbt),
        fmtMetric('cls', r.metrics.cls),
        formatMs(r.wallMs),
        i === u.medianRun ? 'median run' : '',
      ]),
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    });
  }
  out.push({
    title: `${head}resources (median run-to-run)`,
    kind: 'table',
    columns: ['type', 'requests', 'transfer size'],
    rows: RESOURCE_TYPES.filter((t) => t === 'total' || u.resources[t].count > 0).map((t) => [t, u.resources[t].count, formatBytes(u.resources[t].bytes)]),
    align: ['left', 'right', 'right'],
  });
  return out;
}

function underLoadSections(d: LighthouseData): Section[] {
  const ul = d.underLoad!;
  const l = ul.load;
  const rows: Array<Array<string | number | null>> = [];
  for (const u of ul.urls) {
    for (const [m, v] of Object.entries(u.metrics)) {
      rows.push([u.label, m.toUpperCase(), fmtMetric(m as MetricName, v.idle), fmtMetric(m as MetricName, v.loaded), v.delta === null ? '–' : `${v.delta >= 0 ? '+' : ''}${fmtMetric(m as MetricName, v.delta)}`, v.pct === null ? '–' : `${v.pct >= 0 ? '+' : ''}${v.pct} %`]);
    }
  }
  return [
    {
      title: 'Under load',
      kind: 'text',
      text: `Background load on ${ul.target} (${ul.options}): ${formatNumber(l.requests)} requests, ${formatNumber(l.rps)} req/s, error rate ${formatNumber((l.errorRate ?? 0) * 100)} %, p95 ${formatMs(l['latency.p95'])}${ul.loadValid ? '' : ' — the load generator fell behind (see findings)'}.`,
    },
    { title: 'Idle against loaded (medians)', kind: 'table', columns: ['URL', 'metric', 'idle', 'loaded', 'change', 'change %'], rows, align: ['left', 'left', 'right', 'right', 'right', 'right'] },
  ];
}
