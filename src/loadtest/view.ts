// The human view of a load test: latency percentiles (corrected and uncorrected), the per-second
// timeline and the latency distribution as charts (drawn by --format html), status codes, errors,
// checks, per-request statistics and the generator's health.
import type { Chart, Section } from '../report/model.js';
import { formatBytes, formatNumber } from '../util/units.js';
import type { GeneratorHealth } from './open.js';
import type { Phase } from './phases.js';
import type { Snapshot } from './recorder.js';

export interface LoadData extends Snapshot {
  model: 'closed' | 'open';
  target: string;
  settings: {
    connections: number;
    pipelining: number | null;
    durationMs: number | null;
    amount: number | null;
    workers: number;
    warmupMs: number;
    timeoutMs: number;
    phases: Phase[] | null;
    maxLagMs: number | null;
    mode: 'sequence' | 'mix';
    shard: { index: number; of: number };
  };
  requests: Array<{ name: string; method: string; url: string; weight: number; checks: string[] }>;
  generator: GeneratorHealth | null;
  abortedBy: string | null;
  elapsedMs: number;
}

const PCTS: Array<[string, keyof Snapshot['latency']]> = [
  ['p50', 'p50'],
  ['p75', 'p75'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p99.9', 'p999'],
  ['max', 'max'],
];

const ms = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export function loadView(d: LoadData): Section[] {
  const out: Section[] = [];
  const s = d.settings;
  const secs = Math.max(0.001, d.seconds);
  const how =
    d.model === 'open'
      ? `open model, ${(s.phases ?? []).map((p) => `${p.durationMs / 1000}s:${p.from === p.to ? p.from : `${p.from}->${p.to}`}`).join(',')} req/s, up to ${s.connections} connections`
      : `closed model, ${s.connections} connections${s.pipelining && s.pipelining > 1 ? ` × ${s.pipelining} pipelined` : ''}${s.workers > 1 ? ` on ${s.workers} workers` : ''}`;
  out.push({
    title: `${d.target}: ${how}${s.shard.of > 1 ? `, shard ${s.shard.index}/${s.shard.of}` : ''}`,
    kind: 'text',
    text: `${formatNumber(d.counts.requests)} requests in ${secs.toFixed(1)} s measured${s.warmupMs ? ` (after a ${s.warmupMs / 1000} s warmup)` : ''}: ${formatNumber(d.counts.completed / secs)} req/s, ${formatBytes(d.counts.bytes / secs)}/s; ${formatNumber(d.counts.errors)} errors, ${formatNumber(d.counts.non2xx)} non-2xx${d.model === 'open' ? `, ${formatNumber(d.counts.dropped)} dropped` : ''}`,
  });
  const rows: Array<Array<string | number>> = [['latency (ms)', ...PCTS.map(([, k]) => ms(d.latency[k] as number))]];
  if (d.uncorrected) rows.push(['from the actual send (uncorrected)', ...PCTS.map(([, k]) => ms(d.uncorrected![k] as number))]);
  out.push({ title: d.uncorrected ? 'Latency from the planned send (corrected for coordinated omission)' : 'Latency', kind: 'table', columns: ['', ...PCTS.map(([n]) => n)], rows, align: ['left', ...PCTS.map(() => 'right' as const)] });
  out.push({ title: 'Latency distribution', kind: 'chart', chart: distributionChart(d) });
  if (d.timeline.length > 1) out.push({ title: 'Timeline', kind: 'chart', chart: timelineChart(d) });
  out.push({
    title: 'Status codes and errors',
    kind: 'table',
    columns: ['', 'count'],
    rows: [
      ...Object.entries(d.statusCodes)
        .sort()
        .map(([code, n]) => [`HTTP ${code}`, formatNumber(n)]),
      ...Object.entries(d.counts.errorsByKind)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => [`error: ${k}`, formatNumber(n)]),
      ...(d.counts.dropped ? [['dropped (no connection in time)', formatNumber(d.counts.dropped)]] : []),
    ],
    align: ['left', 'right'],
  });
  if (d.perRequest.length > 1) {
    out.push({
      title: 'Per request',
      kind: 'table',
      columns: ['request', 'requests', 'errors', 'non-2xx', 'p50 ms', 'p95 ms', 'p99 ms'],
      rows: d.perRequest.map((p) => [p.name, formatNumber(p.counts.requests), formatNumber(p.counts.errors), formatNumber(p.counts.non2xx), ms(p.latency.p50), ms(p.latency.p95), ms(p.latency.p99)]),
    });
  }
  if (d.checks.length) out.push({ title: 'Failed checks', kind: 'table', columns: ['request', 'check', 'failures'], rows: d.checks.map((c) => [c.request, c.check, formatNumber(c.failures)]) });
  if (d.generator) {
    const g = d.generator;
    out.push({
      title: `Generator: ${g.valid ? 'kept the schedule' : 'INVALID'}`,
      kind: 'text',
      text: `send lag p50 ${ms(g.sendLagP50Ms)} ms, p99 ${ms(g.sendLagP99Ms)} ms, max ${ms(g.sendLagMaxMs)} ms; ${formatNumber(g.queued)} requests waited for a connection; CPU ${g.cpuPct}% of a core${g.invalidReason ? `\n${g.invalidReason}` : ''}`,
    });
  }
  if (d.timeline.length > 1 && d.timeline.length <= 120) {
    out.push({
      title: 'Per second',
      kind: 'table',
      columns: ['s', 'requests', 'errors', 'dropped', 'p99 ms'],
      rows: d.timeline.map((t) => [t.second + 1, t.requests, t.errors, t.dropped, ms(t.p99Ms)]),
      align: ['right', 'right', 'right', 'right', 'right'],
    });
  }
  return out;
}

function distributionChart(d: LoadData): Chart {
  const ps = [50, 75, 90, 95, 99, 99.9];
  const x = ps.map((p) => 1 / (1 - p / 100));
  const val = (h: Snapshot['latency'] | null, p: number) => (h ? (h[({ 50: 'p50', 75: 'p75', 90: 'p90', 95: 'p95', 99: 'p99', 99.9: 'p999' } as Record<number, keyof Snapshot['latency']>)[p]] as number) : null);
  const series = [{ name: d.uncorrected ? 'corrected (from planned send)' : 'latency', values: ps.map((p) => val(d.latency, p)) }];
  if (d.uncorrected) series.push({ name: 'uncorrected (from actual send)', values: ps.map((p) => val(d.uncorrected, p)) });
  return {
    type: 'line',
    xLabel: 'percentile',
    yLabel: 'ms',
    x,
    xTicks: ps.map((p) => `p${p}`),
    logX: true,
    series,
    summary: `p50 ${ms(d.latency.p50)} ms, p99 ${ms(d.latency.p99)} ms, p99.9 ${ms(d.latency.p999)} ms, max ${ms(d.latency.max)} ms`,
  };
}

function timelineChart(d: LoadData): Chart {
  return {
    type: 'line',
    xLabel: 'second',
    yLabel: 'requests/s · p99 ms · errors/s',
    x: d.timeline.map((t) => t.second + 1),
    series: [
      { name: 'requests/s', values: d.timeline.map((t) => t.requests) },
      { name: 'p99 ms', values: d.timeline.map((t) => t.p99Ms) },
      { name: 'errors/s', values: d.timeline.map((t) => t.errors + t.dropped) },
    ],
    summary: `${d.timeline.length} s; requests/s from ${Math.min(...d.timeline.map((t) => t.requests))} to ${Math.max(...d.timeline.map((t) => t.requests))}; p99 up to ${ms(Math.max(...d.timeline.map((t) => t.p99Ms ?? 0)))} ms`,
  };
}
