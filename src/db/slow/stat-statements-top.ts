// pg_stat_statements mode of `db slow`: rows grouped by libpg-query fingerprint (so they join with log data),
// ranked by --sort, and `--interval` deltas between two snapshots. Pure.
//
// totalMs is execution plus planning time (planning where tracked), like a log's duration. minMs/maxMs/stddevMs
// are execution-only, as pg_stat_statements keeps them; rows of one fingerprint (several users or queryids)
// combine exactly: min of mins, max of maxes, pooled standard deviation. Between two snapshots, min, max and
// stddev cannot be derived from the counters, so an interval reports them as null; mean is Δtotal / Δcalls.
import type { StatStatementRow, StatStatementsSnapshot, BlockCounters } from '../stat-statements.js';
import type { FingerprintFn } from './fingerprint.js';

export type StatSort = 'total' | 'mean' | 'calls' | 'stddev' | 'rows' | 'io';
export const STAT_SORTS: StatSort[] = ['total', 'mean', 'calls', 'stddev', 'rows', 'io'];

/** A snapshot, or the difference of two (then `intervalMs` is set and min/max/stddev are null). */
export interface StatWindow extends StatStatementsSnapshot {
  intervalMs?: number;
}

export interface StatQueryRow extends BlockCounters {
  fingerprint: string;
  query: string;
  queryids: string[];
  fallback: boolean;
  calls: number;
  totalMs: number;
  meanMs: number;
  minMs: number | null;
  maxMs: number | null;
  stddevMs: number | null;
  execMs: number;
  planMs: number | null;
  rows: number;
  /** Blocks read from outside shared buffers plus temp blocks read and written: the `io` sort key. */
  ioBlocks: number;
  /** shared hit / (hit + read); null when no block was touched. */
  hitRatio: number | null;
  blkReadMs: number | null;
  blkWriteMs: number | null;
  share: number;
}

export interface StatReport {
  summary: { queries: number; statements: number; totalMs: number; meanMs: number; rows: number };
  data: {
    source: 'pg_stat_statements';
    sort: StatSort;
    statsReset: string | null;
    trackPlanning: boolean;
    trackIoTiming: boolean;
    /** Set for --interval: the window between the two snapshots. */
    intervalMs: number | null;
    queries: StatQueryRow[];
    normalizer: { statements: number; fallbackQueries: number };
  };
}

const keyOf = (r: StatStatementRow) => `${r.userid}/${r.queryid}`;
const COUNTERS = ['calls', 'rows', 'execMs', 'sharedBlksHit', 'sharedBlksRead', 'sharedBlksDirtied', 'sharedBlksWritten', 'tempBlksRead', 'tempBlksWritten'] as const;

/** b − a per (user, queryid). A statement new in b, or whose counters went down (reset or evicted and
 *  re-added), counts as all of b. Statements that did not run in the window are dropped. */
export function diffSnapshots(a: StatStatementsSnapshot, b: StatStatementsSnapshot): StatWindow {
  const before = new Map(a.rows.map((r) => [keyOf(r), r]));
  const reset = a.statsReset !== b.statsReset;
  const rows: StatStatementRow[] = [];
  for (const r of b.rows) {
    const p = reset ? undefined : before.get(keyOf(r));
    const whole = !p || r.calls < p.calls || r.execMs < p.execMs;
    const d: StatStatementRow = { ...r, minExecMs: null, maxExecMs: null, stddevExecMs: null, meanExecMs: null };
    if (!whole) {
      for (const k of COUNTERS) d[k] = r[k] - p[k];
      d.planMs = r.planMs === null || p.planMs === null ? r.planMs : r.planMs - p.planMs;
      d.blkReadMs = r.blkReadMs === null || p.blkReadMs === null ? r.blkReadMs : r.blkReadMs - p.blkReadMs;
      d.blkWriteMs = r.blkWriteMs === null || p.blkWriteMs === null ? r.blkWriteMs : r.blkWriteMs - p.blkWriteMs;
    }
    if (d.calls > 0) rows.push(d);
  }
  return { ...b, rows, intervalMs: b.at - a.at };
}

const sumOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);

function group(rows: StatStatementRow[], fingerprint: FingerprintFn): Array<{ f: ReturnType<FingerprintFn>; rows: StatStatementRow[] }> {
  const groups = new Map<string, { f: ReturnType<FingerprintFn>; rows: StatStatementRow[] }>();
  for (const r of rows) {
    const f = fingerprint(r.query);
    const g = groups.get(f.fingerprint);
    if (g) g.rows.push(r);
    else groups.set(f.fingerprint, { f, rows: [r] });
  }
  return [...groups.values()];
}

function combine(f: ReturnType<FingerprintFn>, rows: StatStatementRow[], interval: boolean): Omit<StatQueryRow, 'share'> {
  const sum = (k: (typeof COUNTERS)[number]) => rows.reduce((n, r) => n + r[k], 0);
  const calls = sum('calls');
  const execMs = sum('execMs');
  const planMs = rows.reduce<number | null>((n, r) => sumOrNull(n, r.planMs), null);
  const totalMs = execMs + (planMs ?? 0);
  let minMs: number | null = null;
  let maxMs: number | null = null;
  let stddevMs: number | null = null;
  if (!interval && rows.every((r) => r.minExecMs !== null && r.maxExecMs !== null && r.stddevExecMs !== null)) {
    minMs = Math.min(...rows.map((r) => r.minExecMs!));
    maxMs = Math.max(...rows.map((r) => r.maxExecMs!));
    // Pooled population variance: Σ n(σ² + μ²) / N − μ²
    const mu = calls ? execMs / calls : 0;
    const m2 = rows.reduce((n, r) => n + r.calls * (r.stddevExecMs! ** 2 + (r.calls ? r.execMs / r.calls : 0) ** 2), 0);
    stddevMs = calls ? Math.sqrt(Math.max(0, m2 / calls - mu * mu)) : 0;
  }
  const hit = sum('sharedBlksHit');
  const read = sum('sharedBlksRead');
  return {
    fingerprint: f.fingerprint,
    query: f.query,
    queryids: [...new Set(rows.map((r) => r.queryid))].sort(),
    fallback: f.fallback,
    calls,
    totalMs,
    meanMs: calls ? totalMs / calls : 0,
    minMs,
    maxMs,
    stddevMs,
    execMs,
    planMs,
    rows: sum('rows'),
    sharedBlksHit: hit,
    sharedBlksRead: read,
    sharedBlksDirtied: sum('sharedBlksDirtied'),
    sharedBlksWritten: sum('sharedBlksWritten'),
    tempBlksRead: sum('tempBlksRead'),
    tempBlksWritten: sum('tempBlksWritten'),
    ioBlocks: read + sum('tempBlksRead') + sum('tempBlksWritten'),
    hitRatio: hit + read ? hit / (hit + read) : null,
    blkReadMs: rows.reduce<number | null>((n, r) => sumOrNull(n, r.blkReadMs), null),
    blkWriteMs: rows.reduce<number | null>((n, r) => sumOrNull(n, r.blkWriteMs), null),
  };
}

const SORT_KEY: Record<StatSort, (r: Omit<StatQueryRow, 'share'>) => number> = {
  total: (r) => r.totalMs,
  mean: (r) => r.meanMs,
  calls: (r) => r.calls,
  stddev: (r) => r.stddevMs ?? -1,
  rows: (r) => r.rows,
  io: (r) => r.ioBlocks,
};

/** Top N of a snapshot (or of an interval from diffSnapshots), grouped by fingerprint. */
export function statStatementsReport(w: StatWindow, opts: { top: number; sort: StatSort; fingerprint: FingerprintFn }): StatReport {
  const interval = w.intervalMs !== undefined;
  const all = group(w.rows, opts.fingerprint).map((g) => combine(g.f, g.rows, interval));
  const key = SORT_KEY[opts.sort] ?? SORT_KEY.total;
  all.sort((a, b) => key(b) - key(a) || b.totalMs - a.totalMs || (a.fingerprint < b.fingerprint ? -1 : 1));
  const totalMs = all.reduce((n, r) => n + r.totalMs, 0);
  const statements = all.reduce((n, r) => n + r.calls, 0);
  return {
    summary: { queries: all.length, statements, totalMs, meanMs: statements ? totalMs / statements : 0, rows: all.reduce((n, r) => n + r.rows, 0) },
    data: {
      source: 'pg_stat_statements',
      sort: opts.sort,
      statsReset: w.statsReset,
      trackPlanning: w.trackPlanning,
      trackIoTiming: w.trackIoTiming,
      intervalMs: w.intervalMs ?? null,
      queries: all.slice(0, opts.top).map((r) => ({ ...r, share: totalMs ? r.totalMs / totalMs : 0 })),
      normalizer: { statements, fallbackQueries: all.filter((r) => r.fallback).length },
    },
  };
}
