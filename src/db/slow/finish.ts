// Turns an aggregate into the `db slow` report's summary and data: the top queries with percentiles from
// their HDR histograms, the hourly load, latency over all statements, and the secondary sections. Pure.
import type { Aggregator } from './aggregate.js';
import { DIMENSIONS, type Dimension, type QueryEntry } from './aggregate-state.js';
import { percentileMs, usToMs } from '../../util/histogram.js';
import { sectionsReport, type SectionsReport } from './sections-report.js';

export type LogSort = 'total' | 'mean' | 'calls' | 'max' | 'p95' | 'p99' | 'stddev';
export const LOG_SORTS: LogSort[] = ['total', 'mean', 'calls', 'max', 'p95', 'p99', 'stddev'];

export interface FinishOptions {
  top: number;
  sort: LogSort;
}

export interface BreakdownRow { name: string; calls: number; totalMs: number }
export interface SlowQueryRow {
  fingerprint: string;
  /** Normalized text ($1 … from libpg-query, ? from the fallback normalizer). */
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  stddevMs: number;
  /** Share of all statements' time, 0–1. */
  share: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** True when libpg-query could not parse it (e.g. a truncated statement). */
  fallback: boolean;
  example: { query: string; params?: string[]; at: string; time: string | null; durationMs: number; database?: string; user?: string; application?: string };
  /** Only the dimensions the log carries (from the prefix or csv/json fields). */
  breakdowns: Partial<Record<Dimension, BreakdownRow[]>>;
  /** The slowest auto_explain plan logged for this query. */
  plan?: { durationMs: number; format: 'text' | 'json'; text: string; at: string };
}

export interface SlowLogSummary {
  queries: number;
  statements: number;
  totalMs: number;
  p95Ms: number;
  linesRead: number;
  linesUnparsed: number;
}

export interface SlowLogData extends SectionsReport {
  source: 'log';
  sort: LogSort;
  queries: SlowQueryRow[];
  latency: { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
  hourly: Array<{ hour: string; calls: number; totalMs: number }>;
  normalizer: { statements: number; fallbackStatements: number; fallbackQueries: number };
  /** Plans whose query has no duration line (auto_explain without log_min_duration_statement). */
  plansWithoutStatements: number;
  read: { files: string[]; bytes: number; lines: number; matched: number; unparsed: number };
}

export interface SlowLogReport {
  summary: SlowLogSummary;
  data: SlowLogData;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

function row(q: QueryEntry, agg: Aggregator): SlowQueryRow {
  const minMs = usToMs(q.minUs);
  const maxMs = usToMs(q.maxUs);
  // HDR answers with the highest value equivalent to a bucket: never report beyond the exact min/max.
  const p = (pct: number) => clamp(percentileMs(q.hist, pct), minMs, maxMs);
  const { durationUs, time, ...example } = q.example;
  const breakdowns: SlowQueryRow['breakdowns'] = {};
  for (const d of DIMENSIONS) {
    if (q.breakdowns[d].size === 0) continue;
    breakdowns[d] = [...q.breakdowns[d]]
      .sort((a, b) => b[1][1] - a[1][1] || b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : 1))
      .map(([name, [calls, us]]) => ({ name, calls, totalMs: usToMs(us) }));
  }
  const plan = agg.plans.get(q.fingerprint);
  return {
    fingerprint: q.fingerprint,
    query: q.query,
    calls: q.calls,
    totalMs: usToMs(q.totalUs),
    meanMs: usToMs(Math.round(q.totalUs / q.calls)),
    minMs,
    maxMs,
    p50Ms: p(50),
    p95Ms: p(95),
    p99Ms: p(99),
    stddevMs: Math.round(q.hist.stdDeviation) / 1000,
    share: agg.totalUs ? q.totalUs / agg.totalUs : 0,
    firstSeen: iso(q.firstSeen),
    lastSeen: iso(q.lastSeen),
    fallback: q.fallback,
    example: { ...example, time: iso(time), durationMs: usToMs(durationUs) },
    breakdowns,
    ...(plan ? { plan: { durationMs: usToMs(plan.durationUs), format: plan.format, text: plan.text, at: plan.at } } : {}),
  };
}

const SORT_KEY: Record<LogSort, (r: SlowQueryRow) => number> = {
  total: (r) => r.totalMs,
  mean: (r) => r.meanMs,
  calls: (r) => r.calls,
  max: (r) => r.maxMs,
  p95: (r) => r.p95Ms,
  p99: (r) => r.p99Ms,
  stddev: (r) => r.stddevMs,
};

export function finishReport(agg: Aggregator, opts: FinishOptions, read?: { lines: number; unparsed: number }): SlowLogReport {
  const key = SORT_KEY[opts.sort] ?? SORT_KEY.total;
  // Percentile sorts need every row; the others rank on exact counters first and build rows for the top only.
  const entries = [...agg.queries.values()];
  let rows: SlowQueryRow[];
  if (opts.sort === 'p95' || opts.sort === 'p99' || opts.sort === 'stddev') rows = entries.map((q) => row(q, agg));
  else {
    const cheap: Record<string, (q: QueryEntry) => number> = { total: (q) => q.totalUs, mean: (q) => Math.round(q.totalUs / q.calls), calls: (q) => q.calls, max: (q) => q.maxUs };
    const k = cheap[opts.sort] ?? cheap.total;
    rows = entries
      .sort((a, b) => k(b) - k(a) || b.totalUs - a.totalUs || (a.fingerprint < b.fingerprint ? -1 : 1))
      .slice(0, opts.top)
      .map((q) => row(q, agg));
  }
  rows.sort((a, b) => key(b) - key(a) || b.totalMs - a.totalMs || (a.fingerprint < b.fingerprint ? -1 : 1));
  const g = agg.global;
  const fallbackQueries = entries.filter((q) => q.fallback).length;
  const lines = read?.lines ?? agg.read.lines;
  const unparsed = read?.unparsed ?? agg.read.unparsed;
  let maxUs = 0;
  for (const q of entries) if (q.maxUs > maxUs) maxUs = q.maxUs;
  const maxMs = usToMs(maxUs);
  const p95Ms = Math.min(percentileMs(g, 95), maxMs);
  return {
    summary: { queries: agg.queries.size, statements: agg.statements, totalMs: usToMs(agg.totalUs), p95Ms, linesRead: lines, linesUnparsed: unparsed },
    data: {
      source: 'log',
      sort: opts.sort,
      queries: rows.slice(0, opts.top),
      latency: { p50Ms: Math.min(percentileMs(g, 50), maxMs), p95Ms, p99Ms: Math.min(percentileMs(g, 99), maxMs), maxMs },
      hourly: [...agg.hourly].sort((a, b) => a[0] - b[0]).map(([h, [calls, us]]) => ({ hour: new Date(h).toISOString(), calls, totalMs: usToMs(us) })),
      normalizer: { statements: agg.statements, fallbackStatements: agg.fallbackStatements, fallbackQueries },
      plansWithoutStatements: [...agg.plans.keys()].filter((k) => !agg.queries.has(k)).length,
      ...sectionsReport(agg.sections, opts.top),
      read: { ...agg.read, files: [...agg.read.files], lines, unparsed },
    },
  };
}
