// HTML: one self-contained document (inline CSS and SVG, no script, nothing fetched) with the same
// content as the table renderer: header, the command's sections, summary, budgets, findings.
import type { BudgetResult, Finding, Report, Section, Status } from '../model.js';
import type { RenderContext } from './index.js';
import { cell, headline, percent, sortedFindings } from './common.js';
import { escapeXml as esc, svgChart } from './svg-chart.js';
import { formatBytes, formatMs, formatNumber } from '../../util/units.js';

const STATUS: Record<Status, string> = { pass: '✔ PASS', warn: '▲ WARN', fail: '✖ FAIL' };
const SEVERITY = { error: '✖ error', warn: '▲ warn', info: 'ℹ info' } as const;

const CSS = `
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--zebra:#f6f8fa;--head:#eef1f4;
--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--info:#0969da}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:24px 20px 48px;color:var(--fg);background:#fff;
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
h1{font-size:1.5rem;margin:0 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:2rem 0 .6rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{background:var(--zebra);border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow-x:auto;line-height:1.4}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .65rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
td{white-space:pre-wrap} /* plan trees indent node names with spaces */
th{background:var(--head);font-weight:600}
tbody tr:nth-child(even){background:var(--zebra)}
.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;padding:.1rem .6rem;border:2px solid;border-radius:1rem;font-weight:700;letter-spacing:.03em}
.pass{color:var(--pass)}.warn{color:var(--warn)}.fail,.error{color:var(--fail)}.info{color:var(--info)}
.meta{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;margin:.5rem 0 1rem;color:var(--muted)}
.meta b{color:var(--fg);font-weight:600}
.kv{display:flex;flex-wrap:wrap;gap:1rem 2rem}
.kv table{font-size:13px}.kv caption{text-align:left;font-weight:600;padding:0 .65rem .2rem}
.kv th{background:none;color:var(--muted);font-weight:500}
figure{margin:0}figcaption{color:var(--muted);margin:.25rem 0}
svg.chart{max-width:100%;height:auto;display:block}
ol.findings{list-style:none;padding:0;margin:0}
.finding{border:1px solid var(--line);border-left:6px solid currentColor;border-radius:6px;padding:.6rem .9rem;margin:.6rem 0}
.finding>*{color:var(--fg)}.finding .sev{font-weight:700}
.finding.error .sev{color:var(--fail)}.finding.warn .sev{color:var(--warn)}.finding.info .sev{color:var(--info)}
.finding p{margin:.3rem 0}.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.4rem 0}
.finding dt{color:var(--muted)}.finding dd{margin:0;overflow-wrap:anywhere}
details summary{cursor:pointer;color:var(--muted)}
footer{margin-top:2.5rem;color:var(--muted);font-size:13px}
`;

export function renderHtml(report: Report, ctx: RenderContext): string {
  const title = headline(report);
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may be fetched or run, even if a report string slipped past escaping.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${esc(`${title} — ${report.status.toUpperCase()}`)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${esc(title)}</h1>`,
    `<p class="meta"><span class="badge ${report.status}" role="status">${STATUS[report.status]}</span>` +
      `<span>duration <b>${esc(formatMs(report.durationMs))}</b></span>` +
      `<span>started <b><time datetime="${esc(report.startedAt)}">${esc(report.startedAt)}</time></b></span></p>`,
    `<div class="kv">${keyValues('Target', report.target)}${keyValues('Environment', report.environment)}</div>`,
    '</header>',
    '<main>',
  ];
  const sections = ctx.view ? ctx.view(report.data) : [];
  sections.forEach((s, i) => out.push(section(s, i)));
  out.push('<section class="summary">', '<h2>Summary</h2>', '<div class="scroll"><table>', '<thead><tr><th>metric</th><th class="num">value</th></tr></thead>', '<tbody>');
  for (const [k, v] of Object.entries(report.summary)) out.push(`<tr><td><code>${esc(k)}</code></td><td class="num">${esc(cell(v))}</td></tr>`);
  out.push('</tbody></table></div>', '</section>');
  if (report.budgets.length) out.push(budgets(report.budgets));
  out.push(findings(sortedFindings(report.findings)));
  out.push('</main>', `<footer>perfkit ${esc(report.tool.version)} · report schema v${report.schemaVersion}</footer>`, '</body>', '</html>');
  return `${out.join('\n')}\n`;
}

function keyValues(title: string, obj: Record<string, unknown>): string {
  const entries = Object.entries(obj).filter(([, v]) => v !== undefined);
  if (!entries.length) return '';
  const rows = entries.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(plain(k, v))}</td></tr>`);
  return `<table><caption>${esc(title)}</caption><tbody>${rows.join('')}</tbody></table>`;
}

function plain(key: string, v: unknown): string {
  if (typeof v === 'number') return /bytes$/i.test(key) ? formatBytes(v) : formatNumber(v);
  if (typeof v === 'string') return v;
  if (v === null) return '–';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function table(columns: string[], rows: Array<Array<string | number | null>>, align?: Array<'left' | 'right'>): string {
  // Per column, not per cell, so a null ('–') lines up with the numbers above it.
  const right = columns.map((_, i) => (align?.[i] ?? (rows.some((r) => typeof r[i] === 'number') ? 'right' : 'left')) === 'right');
  const num = (i: number) => (right[i] ? ' class="num"' : '');
  const head = columns.map((c, i) => `<th${num(i)}>${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v, i) => `<td${num(i)}>${esc(cell(v))}</td>`).join('')}</tr>`);
  return `<div class="scroll"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table></div>`;
}

function section(s: Section, index: number): string {
  const h = `<section class="${s.kind}">\n<h2>${esc(s.title)}</h2>`;
  if (s.kind === 'text') return `${h}\n<pre>${esc(s.text)}</pre>\n</section>`;
  if (s.kind === 'table') return `${h}\n${table(s.columns, s.rows, s.align)}\n</section>`;
  const c = s.chart;
  const data = table(
    [c.xLabel, ...c.series.map((sr) => sr.name)],
    c.x.map((x, i) => [c.xTicks?.[i] ?? x, ...c.series.map((sr) => sr.values[i] ?? null)]),
    ['left', ...c.series.map(() => 'right' as const)],
  );
  return [
    h,
    '<figure>',
    svgChart(c, { id: `chart${index}`, title: s.title }),
    `<figcaption>${esc(c.summary)}</figcaption>`,
    '</figure>',
    `<details><summary>data</summary>\n${data}\n</details>`,
    '</section>',
  ].join('\n');
}

function budgets(list: BudgetResult[]): string {
  const rows = list.map((b) => {
    const cls = b.status === 'pass' ? 'pass' : b.level === 'warn' ? 'warn' : 'fail';
    const mark = b.status === 'pass' ? '✔ pass' : `${b.status === 'inconclusive' ? '?' : b.level === 'warn' ? '▲' : '✖'} ${b.status}`;
    // A regression budget's threshold and actual are relative changes; its reason goes in a tooltip.
    const rel = b.operator === 'regression';
    const threshold = rel ? percent(b.threshold) : formatNumber(b.threshold);
    const actual = b.actual === null ? (rel ? 'no baseline value' : 'missing') : rel ? percent(b.actual, true) : formatNumber(b.actual);
    const why = rel && b.source ? ` title="${esc(b.source)}"` : '';
    return (
      `<tr><td><code>${esc(b.metric)}</code></td><td>${esc(b.operator)}</td><td class="num">${esc(threshold)}</td>` +
      `<td class="num">${esc(actual)}</td><td>${esc(b.level)}</td><td class="${cls}"${why}><b>${mark}</b></td></tr>`
    );
  });
  return [
    '<section class="budgets">',
    '<h2>Budgets</h2>',
    '<div class="scroll"><table>',
    '<thead><tr><th>metric</th><th>operator</th><th class="num">threshold</th><th class="num">actual</th><th>level</th><th>status</th></tr></thead>',
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table></div>',
    '</section>',
  ].join('\n');
}

function findings(list: Finding[]): string {
  if (!list.length) return '<section class="findings">\n<h2>Findings</h2>\n<p class="pass">✔ No findings.</p>\n</section>';
  const items = list.map((f) => {
    const rows: string[] = [];
    if (f.location) rows.push(`<dt>location</dt><dd><code>${esc(f.location)}</code></dd>`);
    if (f.fix) rows.push(`<dt>fix</dt><dd>${esc(f.fix)}</dd>`);
    return [
      `<li class="finding ${f.severity}">`,
      `<h3><span class="sev">${SEVERITY[f.severity]}</span> <code>${esc(f.rule)}</code> — ${esc(f.title)}</h3>`,
      `<p>${esc(f.message)}</p>`,
      rows.length ? `<dl>${rows.join('')}</dl>` : '',
      f.evidence ? `<details><summary>evidence</summary><pre>${esc(JSON.stringify(f.evidence, null, 2))}</pre></details>` : '',
      '</li>',
    ]
      .filter(Boolean)
      .join('\n');
  });
  return `<section class="findings">\n<h2>Findings (${list.length})</h2>\n<ol class="findings">\n${items.join('\n')}\n</ol>\n</section>`;
}
