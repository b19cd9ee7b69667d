// Aggregation of log events: per-query counters against a brute-force recount, HDR percentiles within their
// precision, the slowest example, breakdowns, hourly load, fallback counting, the secondary sections, sorts.
import { beforeAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../../src/db/slow/aggregate.js';
import { Fingerprinter } from '../../../src/db/slow/fingerprint.js';
import type { LogEvent } from '../../../src/db/slow/model.js';
import { pgParser } from '../../../src/db/statement.js';
import { sectionEvents, statementEvents } from '../../helpers/slow-events.js';

let pg: Awaited<ReturnType<typeof pgParser>>;
beforeAll(async () => {
  pg = await pgParser();
});

const aggregate = (events: LogEvent[]) => {
  const a = new Aggregator(new Fingerprinter(pg).fingerprint);
  for (const e of events) a.add(e);
  return a;
};
const exactPercentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

describe('Aggregator on statements', () => {
  const events = statementEvents(5000);
  const read = { files: ['pg.log'], bytes: 1_000_000, lines: 5100, matched: 5050, unparsed: 50, unmatchedSamples: [], format: 'stderr' as const };

  it('counts each query exactly and gets percentiles within HDR precision', () => {
    const a = aggregate(events);
    a.addRead(read);
    const { summary, data } = a.finish({ top: 10, sort: 'total' });
    const statements = events.filter((e): e is Extract<LogEvent, { kind: 'statement' }> => e.kind === 'statement');
    expect(summary).toMatchObject({ queries: 6, statements: 5000, linesRead: 5100, linesUnparsed: 50 });
    const totalUs = statements.reduce((n, e) => n + Math.round(e.durationMs * 1000), 0);
    expect(summary.totalMs).toBe(totalUs / 1000);
    const all = statements.map((e) => e.durationMs).sort((x, y) => x - y);
    expect(Math.abs(summary.p95Ms - exactPercentile(all, 95)) / exactPercentile(all, 95)).toBeLessThan(0.002);

    const update = data.queries.find((q) => q.query.startsWith('UPDATE pgbench_accounts'))!;
    const mine = statements.filter((e) => e.query.startsWith('UPDATE pgbench_accounts'));
    const d = mine.map((e) => e.durationMs).sort((x, y) => x - y);
    expect(update).toMatchObject({ calls: mine.length, minMs: d[0], maxMs: d[d.length - 1], fallback: false });
    expect(update.fingerprint).toBe(pg.fingerprintSync('UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 2'));
    expect(update.query).toBe('UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;');
    for (const [p, v] of [[50, update.p50Ms], [95, update.p95Ms], [99, update.p99Ms]] as const) {
      expect(Math.abs(v - exactPercentile(d, p)) / exactPercentile(d, p)).toBeLessThan(0.002);
    }
    expect(update.meanMs).toBeCloseTo(d.reduce((x, y) => x + y, 0) / d.length, 3);
    // The slowest example is the statement as logged, with where it was and who ran it.
    const slowest = mine.reduce((x, y) => (y.durationMs > x.durationMs ? y : x));
    expect(update.example).toMatchObject({ query: slowest.query, at: slowest.meta.at, durationMs: slowest.durationMs, database: slowest.meta.database });
    expect(update.firstSeen).toBe(new Date(mine[0].meta.time!).toISOString());
    expect(update.lastSeen).toBe(new Date(mine[mine.length - 1].meta.time!).toISOString());
    expect(update.breakdowns.database!.map((b) => b.name).sort()).toEqual(['bench', 'reports']);
    expect(update.breakdowns.application!.reduce((n, b) => n + b.calls, 0)).toBe(mine.length);
    // Rows are ranked by total time, and the shares add up to at most 1.
    expect(data.queries.map((q) => q.totalMs)).toEqual([...data.queries.map((q) => q.totalMs)].sort((x, y) => y - x));
    expect(data.queries.reduce((n, q) => n + q.share, 0)).toBeCloseTo(1, 9);
  });

  it('counts statements libpg-query cannot parse as fallback', () => {
    const { data } = aggregate(events).finish({ top: 10, sort: 'total' });
    const cut = data.queries.find((q) => q.fallback)!;
    expect(cut.fingerprint).toMatch(/^~[0-9a-f]{16}$/);
    expect(cut.calls).toBe(10);
    expect(cut.query).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = ? AND note = ?');
    expect(data.normalizer).toEqual({ statements: 5000, fallbackStatements: 10, fallbackQueries: 1 });
  });

  it('buckets load by hour', () => {
    const { data } = aggregate(events).finish({ top: 10, sort: 'total' });
    expect(data.hourly.map((h) => h.hour)).toEqual(['2024-05-01T09:00:00.000Z', '2024-05-01T10:00:00.000Z', '2024-05-01T11:00:00.000Z', '2024-05-01T12:00:00.000Z']);
    expect(data.hourly.reduce((n, h) => n + h.calls, 0)).toBe(5000);
  });

  it('sorts by calls, mean and p95, and keeps the top N', () => {
    const a = aggregate(events);
    for (const sort of ['calls', 'mean', 'p95', 'max'] as const) {
      const rows = a.finish({ top: 3, sort }).data.queries;
      const key = { calls: 'calls', mean: 'meanMs', p95: 'p95Ms', max: 'maxMs' }[sort] as 'calls' | 'meanMs' | 'p95Ms' | 'maxMs';
      const all = a.finish({ top: 100, sort }).data.queries.map((q) => q[key]);
      expect(rows).toHaveLength(3);
      expect(rows.map((q) => q[key])).toEqual([...all].sort((x, y) => y - x).slice(0, 3));
    }
  });
});

describe('Aggregator sections', () => {
  let data: ReturnType<Aggregator['finish']>['data'];
  beforeAll(() => {
    data = aggregate([...statementEvents(50), ...sectionEvents()]).finish({ top: 10, sort: 'total' }).data;
  });

  it('groups errors by severity, SQLSTATE and message without its data', () => {
    expect(data.errors.count).toBe(5);
    expect(data.errors.byMessage.map((e) => [e.severity, e.sqlstate, e.message, e.count])).toEqual([
      ['ERROR', '23505', 'duplicate key value violates unique constraint "pgbench_accounts_pkey"', 2],
      ['ERROR', '22P02', 'invalid input syntax for type integer: "?"', 2],
      ['FATAL', '57P01', 'terminating connection due to administrator command', 1],
    ]);
    expect(data.errors.byMessage[1].example).toMatchObject({ message: 'invalid input syntax for type integer: "abc"', at: 'pg.log:9003' });
  });

  it('sums temporary files and lock waits by statement fingerprint', () => {
    expect(data.tempFiles).toMatchObject({ count: 3, totalBytes: 4_202_496, maxBytes: 3_145_728 });
    expect(data.tempFiles.byQuery[0]).toMatchObject({ query: 'SELECT * FROM t ORDER BY x LIMIT $1', count: 2, totalBytes: 4_194_304 });
    expect(data.tempFiles.byQuery[1]).toMatchObject({ fingerprint: '(no statement logged)', count: 1 });
    expect(data.lockWaits).toMatchObject({ count: 2, totalWaitMs: 3500.75, maxWaitMs: 2500.25, byMode: { ShareLock: 2 } });
    expect(data.lockWaits.byQuery).toHaveLength(1);
  });

  it('summarises checkpoints, autovacuum and connections', () => {
    expect(data.checkpoints).toEqual({ started: 2, completed: 2, byReason: { time: 1, wal: 1 }, totalBuffers: 200, totalMs: 12820, maxWriteMs: 12000.5, maxSyncMs: 9.5, maxTotalMs: 12010 });
    expect(data.autovacuum.count).toBe(3);
    expect(data.autovacuum.tables[0]).toEqual({ table: 'bench.public.pgbench_tellers', vacuums: 1, analyzes: 1, totalElapsedMs: 42.5, maxElapsedMs: 30 });
    expect(data.connections).toEqual({ received: 1, authorized: 1, disconnections: 2, sessions: { count: 2, totalMs: 62000.5, meanMs: 31000.25, maxMs: 61000.5 } });
  });

  it('keeps the slowest auto_explain plan of a query, not counted as a statement', () => {
    const q = data.queries.find((r) => r.query.startsWith('SELECT abalance FROM pgbench_accounts WHERE aid = $1'))!;
    expect(q.plan).toMatchObject({ durationMs: 80, format: 'text', at: 'pg.log:9023' });
    expect(q.plan!.text).toContain('Seq Scan');
    expect(data.plansWithoutStatements).toBe(1);
    expect(data.normalizer.statements).toBe(50);
  });
});

describe('Aggregator throughput (printed, not asserted)', () => {
  it('aggregates statements', () => {
    const events = statementEvents(100_000, 7);
    const a = new Aggregator(new Fingerprinter(pg).fingerprint);
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    for (const e of events) a.add(e);
    const ms = performance.now() - t0;
    const heap = (process.memoryUsage().heapUsed - before) / 1e6;
    console.log(`aggregate: ${Math.round(events.length / (ms / 1000)).toLocaleString('en')} statements/s (${((ms * 1e6) / events.length).toFixed(0)} ns each), heap +${heap.toFixed(1)} MB`);
    expect(a.statements).toBe(100_000);
  });
});
