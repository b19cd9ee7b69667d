// Hand-written SVG for a report Chart (line or bar, several series, linear or log x), for the html
// renderer. Pure: a Chart in, markup out. Series differ by colour, dash and marker shape, so the
// chart still reads in greyscale; every point carries a <title> with its value.
import type { Chart } from '../model.js';
import { formatNumber } from '../../util/units.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in HTML/SVG content and attribute values. */
export const escapeXml = (s: string): string =>
  s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/[&<>"']/g, (c) => ENTITIES[c]);

const W = 800;
const H = 340;
const FONT = 12;
const CHAR = 6.8; // average glyph width at FONT px, for layout without measuring text
// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const DASHES = ['', '8 4', '2 3', '10 3 2 3', '5 2', '1 5'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'ring', 'box'] as const;

const r1 = (n: number) => Math.round(n * 10) / 10;
const textWidth = (s: string) => s.length * CHAR;
// Not Math.min(...xs): spreading a long series overflows the call stack.
const extent = (xs: number[]): [number, number] => xs.reduce<[number, number]>(([a, b], v) => [Math.min(a, v), Math.max(b, v)], [Infinity, -Infinity]);

/** Rounded step (1, 2, 2.5, 5 × 10^k) giving about `target` intervals over `range`. */
function niceStep(range: number, target = 5): number {
  const raw = range / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

/** Y ticks: round numbers from 0 (or below, for negative data) to just above the largest value. */
export function niceTicks(min: number, max: number): number[] {
  const lo = Math.min(0, min);
  let hi = Math.max(0, max);
  if (hi === lo) hi = lo + 1;
  const step = niceStep(hi - lo);
  const start = Math.floor(lo / step) * step;
  const count = Math.ceil(hi / step - start / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Number((start + i * step).toPrecision(12)));
}

interface Tick {
  at: number;
  label: string;
}

/** Keeps ticks left to right while their labels do not overlap. */
function thin(ticks: Tick[]): Tick[] {
  const kept: Tick[] = [];
  let edge = -Infinity;
  for (const t of [...ticks].sort((a, b) => a.at - b.at)) {
    const half = textWidth(t.label) / 2;
    if (t.at - half < edge + 6) continue;
    kept.push(t);
    edge = t.at + half;
  }
  return kept;
}

export interface SvgChartOptions {
  /** Prefix for ids inside the SVG (bar hatch patterns); unique per document. */
  id?: string;
  /** Accessible name; the chart's summary is its description. */
  title?: string;
}

export function svgChart(chart: Chart, opts: SvgChartOptions = {}): string {
  const id = (opts.id ?? 'chart').replace(/[^A-Za-z0-9_-]/g, '_');
  const bars = chart.type === 'bar';
  const n = chart.x.length;
  const usable = chart.x.map((x) => Number.isFinite(x) && (bars || !chart.logX || x > 0));
  const valueAt = (s: number, i: number): number | null => {
    const v = chart.series[s].values[i];
    return usable[i] && typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const values = chart.series.flatMap((_, s) => chart.x.map((_, i) => valueAt(s, i))).filter((v): v is number => v !== null);

  const yt = values.length ? niceTicks(...extent(values)) : niceTicks(0, 1);
  const yLabels = yt.map((v) => formatNumber(v));
  const left = 26 + extent(yLabels.map(textWidth))[1] + 10;
  // Legend rows across the top, wrapping when the names do not fit one line.
  const legend: Array<{ x: number; row: number; s: number }> = [];
  let lx = 0;
  let row = 0;
  chart.series.forEach((sr, s) => {
    const w = 34 + textWidth(sr.name) + 18;
    if (lx > 0 && lx + w > W - 20 - left) {
      lx = 0;
      row++;
    }
    legend.push({ x: lx, row, s });
    lx += w;
  });
  const rows = chart.series.length ? row + 1 : 0;

  const top = 14 + rows * 20 + 8;
  const right = W - 20;
  const bottom = H - 52;
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const yPos = (v: number) => bottom - ((v - y0) / (y1 - y0)) * (bottom - top);

  // x: bars sit in equal bands per point; lines use a linear or log10 scale with an inset.
  const t = (x: number) => (chart.logX && !bars ? Math.log10(x) : x);
  const xs = chart.x.filter((_, i) => usable[i]).map(t);
  const [lo, hi] = xs.length ? extent(xs) : [0, 1];
  const inset = 10;
  const band = (right - left) / Math.max(1, n);
  const xPos = (i: number): number => {
    if (bars) return left + (i + 0.5) * band;
    if (hi === lo) return (left + right) / 2;
    return left + inset + ((t(chart.x[i]) - lo) / (hi - lo)) * (right - left - 2 * inset);
  };
  const xAt = (v: number) => (hi === lo ? (left + right) / 2 : left + inset + ((t(v) - lo) / (hi - lo)) * (right - left - 2 * inset));
  const pointLabel = (i: number) => chart.xTicks?.[i] ?? formatNumber(chart.x[i]);

  let xTicks: Tick[];
  if (bars || chart.xTicks) {
    xTicks = chart.x.flatMap((_, i) => (usable[i] ? [{ at: xPos(i), label: pointLabel(i) }] : []));
  } else if (chart.logX) {
    const decades: Tick[] = [];
    for (let e = Math.ceil(lo - 1e-9); e <= hi + 1e-9; e++) decades.push({ at: xAt(10 ** e), label: formatNumber(10 ** e) });
    xTicks = decades.length >= 2 ? decades : chart.x.flatMap((_, i) => (usable[i] ? [{ at: xPos(i), label: pointLabel(i) }] : []));
  } else {
    const step = niceStep(hi - lo || 1);
    xTicks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      const x = Number(v.toPrecision(12));
      xTicks.push({ at: xAt(x), label: formatNumber(x) });
    }
  }
  xTicks = thin(xTicks);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-title ${id}-desc"` +
      ` font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="${FONT}" class="chart">`,
    `<title id="${id}-title">${escapeXml(opts.title ?? `${chart.yLabel} by ${chart.xLabel}`)}</title>`,
    `<desc id="${id}-desc">${escapeXml(chart.summary)}</desc>`,
  );
  if (bars) {
    out.push('<defs>');
    chart.series.forEach((_, s) => {
      if (s === 0) return;
      // Hatching at a different angle per series, so bars stay apart without colour.
      out.push(
        `<pattern id="${id}-hatch${s}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(${[45, -45, 0, 90, 30, -30][(s - 1) % 6]})">` +
          `<rect width="6" height="6" fill="${COLORS[s % COLORS.length]}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="${1 + (s % 3)}"/></pattern>`,
      );
    });
    out.push('</defs>');
  }
  const fillOf = (s: number) => (s === 0 ? COLORS[0] : `url(#${id}-hatch${s})`);

  // Grid and axes.
  out.push('<g class="grid" stroke="#e3e6ea" stroke-width="1">');
  for (const v of yt) out.push(`<line x1="${left}" x2="${right}" y1="${r1(yPos(v))}" y2="${r1(yPos(v))}"${v === 0 && y0 < 0 ? ' stroke="#888"' : ''}/>`);
  out.push('</g>', '<g class="axes" stroke="#555" stroke-width="1">');
  out.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}"/><line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}"/>`);
  for (const tk of xTicks) out.push(`<line x1="${r1(tk.at)}" x2="${r1(tk.at)}" y1="${bottom}" y2="${bottom + 5}"/>`);
  out.push('</g>', '<g class="tick-labels" fill="#333">');
  yt.forEach((v, i) => out.push(`<text x="${left - 8}" y="${r1(yPos(v) + 4)}" text-anchor="end">${escapeXml(yLabels[i])}</text>`));
  for (const tk of xTicks) out.push(`<text x="${r1(tk.at)}" y="${bottom + 19}" text-anchor="middle">${escapeXml(tk.label)}</text>`);
  out.push('</g>');
  out.push(`<text class="x-label" x="${r1((left + right) / 2)}" y="${H - 10}" text-anchor="middle" font-weight="600" fill="#222">${escapeXml(chart.xLabel)}${chart.logX && !bars ? ' (log scale)' : ''}</text>`);
  out.push(`<text class="y-label" transform="translate(16 ${r1((top + bottom) / 2)}) rotate(-90)" text-anchor="middle" font-weight="600" fill="#222">${escapeXml(chart.yLabel)}</text>`);

  if (!values.length) out.push(`<text x="${r1((left + right) / 2)}" y="${r1((top + bottom) / 2)}" text-anchor="middle" fill="#666">no data</text>`);

  chart.series.forEach((sr, s) => {
    const color = COLORS[s % COLORS.length];
    const tip = (i: number, v: number) => `<title>${escapeXml(`${sr.name} · ${pointLabel(i)}: ${formatNumber(v)}`)}</title>`;
    out.push(`<g class="series series-${s}" data-series="${escapeXml(sr.name)}">`);
    if (bars) {
      const k = Math.max(1, chart.series.length);
      const bw = (band * 0.8) / k;
      chart.x.forEach((_, i) => {
        const v = valueAt(s, i);
        if (v === null) return;
        const x = left + i * band + band * 0.1 + s * bw;
        const [a, b] = [yPos(Math.max(0, v)), yPos(Math.min(0, v))];
        out.push(`<rect x="${r1(x)}" y="${r1(a)}" width="${r1(Math.max(1, bw - 1))}" height="${r1(Math.max(0.5, b - a))}" fill="${fillOf(s)}" stroke="${color}">${tip(i, v)}</rect>`);
      });
    } else {
      // One path per series; a null lifts the pen, leaving a gap.
      let d = '';
      let pen = false;
      for (let i = 0; i < n; i++) {
        const v = valueAt(s, i);
        if (v !== null) d += `${pen ? 'L' : 'M'}${r1(xPos(i))} ${r1(yPos(v))}`;
        pen = v !== null;
      }
      const dash = DASHES[s % DASHES.length];
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      const dense = n > 40; // many points: keep hover targets, hide the shapes that would clutter
      chart.x.forEach((_, i) => {
        const v = valueAt(s, i);
        if (v !== null) out.push(marker(MARKERS[s % MARKERS.length], xPos(i), yPos(v), color, dense, tip(i, v)));
      });
    }
    out.push('</g>');
  });

  out.push(`<g class="legend" transform="translate(${left} 14)">`);
  for (const item of legend) {
    const color = COLORS[item.s % COLORS.length];
    const y = item.row * 20;
    const dash = DASHES[item.s % DASHES.length];
    out.push(`<g transform="translate(${r1(item.x)} ${y})">`);
    if (bars) out.push(`<rect x="0" y="0" width="26" height="12" fill="${fillOf(item.s)}" stroke="${color}"/>`);
    else {
      out.push(`<line x1="0" x2="26" y1="6" y2="6" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      out.push(marker(MARKERS[item.s % MARKERS.length], 13, 6, color, false, ''));
    }
    out.push(`<text x="34" y="10" fill="#222">${escapeXml(chart.series[item.s].name)}</text></g>`);
  }
  out.push('</g>', '</svg>');
  return out.join('\n');
}

function marker(kind: (typeof MARKERS)[number], x: number, y: number, color: string, hidden: boolean, title: string): string {
  const [cx, cy] = [r1(x), r1(y)];
  const paint = hidden ? 'fill="#fff" fill-opacity="0"' : kind === 'ring' || kind === 'box' ? `fill="#fff" stroke="${color}" stroke-width="1.5"` : `fill="${color}"`;
  const r = 3.5;
  const pts = (p: Array<[number, number]>) => p.map(([a, b]) => `${r1(cx + a)},${r1(cy + b)}`).join(' ');
  switch (kind) {
    case 'square':
    case 'box':
      return `<rect x="${r1(cx - r)}" y="${r1(cy - r)}" width="${2 * r}" height="${2 * r}" ${paint}>${title}</rect>`;
    case 'triangle':
      return `<polygon points="${pts([[0, -r - 0.8], [r + 0.5, r], [-r - 0.5, r]])}" ${paint}>${title}</polygon>`;
    case 'diamond':
      return `<polygon points="${pts([[0, -r - 1], [r + 1, 0], [0, r + 1], [-r - 1, 0]])}" ${paint}>${title}</polygon>`;
    default:
      return `<circle cx="${cx}" cy="${cy}" r="${r}" ${paint}>${title}</circle>`;
  }
}
