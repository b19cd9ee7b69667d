// pg_stat_statements mode, pure parts: the column names of PostgreSQL 12–18, grouping rows of one fingerprint
// (pooled standard deviation), and --interval deltas (resets, new statements, unknown min/max/stddev).
import { beforeAll, describe, expect, it } from 'vitest';
import { statStatementsColumns, type StatStatementRow, type StatStatementsSnapshot } from '../../../src/db/stat-statements.js';
import { Fingerprinter } from '../../../src/db/slow/fingerprint.js';
import { diffSnapshots, statStatementsReport } from '../../../src/db/slow/stat-statements-top.js';
import { pgParser } from '../../../src/db/statement.js';

let fp: Fingerprinter;
beforeAll(async () => {
  fp = new Fingerprinter(await pgParser());
});

const BASE = ['userid', 'dbid', 'queryid', 'query', 'calls', 'rows', 'shared_blks_hit', 'shared_blks_read', 'shared_blks_dirtied', 'shared_blks_written', 'temp_blks_read', 'temp_blks_written'];
const PG12 = new Set([...BASE, 'total_time', 'min_time', 'max_time', 'mean_time', 'stddev_time', 'blk_read_time', 'blk_write_time']);
const PG13 = new Set([...BASE, 'plans', 'total_plan_time', 'total_exec_time', 'min_exec_time', 'max_exec_time', 'mean_exec_time', 'stddev_exec_time', 'blk_read_time', 'blk_write_time']);
const PG17 = new Set([...PG13, 'toplevel', 'shared_blk_read_time', 'shared_blk_write_time', 'local_blk_read_time', 'temp_blk_read_time'].filter((c) => !c.startsWith('blk_')));

describe('statStatementsColumns', () => {
  it('reads each version under its own names', () => {
    expect(statStatementsColumns(PG12)).toContain('total_time::float8 AS exec');
    expect(statStatementsColumns(PG12)).toContain('NULL::float8 AS plan');
    expect(statStatementsColumns(PG13)).toContain('total_exec_time::float8 AS exec');
    expect(statStatementsColumns(PG13)).toContain('total_plan_time::float8 AS plan');
    expect(statStatementsColumns(PG13)).toContain('blk_read_time::float8 AS blk_read');
    expect(statStatementsColumns(PG17)).toContain('shared_blk_read_time::float8 AS blk_read');
    expect(statStatementsColumns(PG17)).toContain('shared_blk_write_time::float8 AS blk_write');
    expect(statStatementsColumns(PG17)).toContain('stddev_exec_time::float8 AS stddev_exec');
  });
});

const row = (over: Partial<StatStatementRow>): StatStatementRow => ({
  userid: '10', queryid: '1', query: 'SELECT * FROM t WHERE id = $1', calls: 0, rows: 0, execMs: 0, minExecMs: 0, maxExecMs: 0, meanExecMs: 0, stddevExecMs: 0,
  planMs: null, sharedBlksHit: 0, sharedBlksRead: 0, sharedBlksDirtied: 0, sharedBlksWritten: 0, tempBlksRead: 0, tempBlksWritten: 0, blkReadMs: null, blkWriteMs: null, ...over,
});
const snap = (at: number, rows: StatStatementRow[], statsReset: string | null = null): StatStatementsSnapshot => ({ at, statsReset, trackPlanning: false, trackIoTiming: false, rows });

describe('statStatementsReport', () => {
  it('groups rows of one fingerprint exactly: sums, min of mins, pooled stddev', () => {
    // user 10: 4 calls of 1,1,3,3 ms (mean 2, sd 1); user 11: 2 calls of 6,6 ms (mean 6, sd 0). All: mean 10/3.
    const s = snap(0, [
      row({ userid: '10', calls: 4, execMs: 8, minExecMs: 1, maxExecMs: 3, stddevExecMs: 1, rows: 4, sharedBlksHit: 30, sharedBlksRead: 10 }),
      row({ userid: '11', queryid: '2', query: 'select * from t where id = $1', calls: 2, execMs: 12, minExecMs: 6, maxExecMs: 6, stddevExecMs: 0, rows: 2 }),
      row({ queryid: '3', query: 'SELECT 1', calls: 100, execMs: 1 }),
    ]);
    const { data, summary } = statStatementsReport(s, { top: 10, sort: 'total', fingerprint: fp.fingerprint });
    const q = data.queries[0];
    const all = [1, 1, 3, 3, 6, 6];
    const mean = all.reduce((a, b) => a + b) / 6;
    expect(q).toMatchObject({ calls: 6, totalMs: 20, minMs: 1, maxMs: 6, rows: 6, queryids: ['1', '2'], hitRatio: 0.75, ioBlocks: 10, planMs: null });
    expect(q.stddevMs).toBeCloseTo(Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / 6), 10);
    expect(summary).toEqual({ queries: 2, statements: 106, totalMs: 21, meanMs: 21 / 106, rows: 6 });
    expect(statStatementsReport(s, { top: 1, sort: 'calls', fingerprint: fp.fingerprint }).data.queries.map((r) => r.query)).toEqual(['SELECT $1']);
  });
});

describe('diffSnapshots', () => {
  const a = snap(1_000, [
    row({ queryid: '1', calls: 10, execMs: 100, rows: 10, sharedBlksRead: 5 }),
    row({ queryid: '2', query: 'SELECT 2', calls: 5, execMs: 50 }),
    row({ queryid: '3', query: 'SELECT 3 FROM u', calls: 50, execMs: 500 }),
  ]);
  const b = snap(61_000, [
    row({ queryid: '1', calls: 14, execMs: 180, rows: 14, sharedBlksRead: 9, minExecMs: 1, maxExecMs: 40, stddevExecMs: 3 }),
    row({ queryid: '2', query: 'SELECT 2', calls: 5, execMs: 50 }), // did not run
    row({ queryid: '3', query: 'SELECT 3 FROM u', calls: 3, execMs: 9 }), // evicted and re-added: all of b
    row({ queryid: '4', query: 'SELECT 4 FROM v', calls: 2, execMs: 4 }), // new
  ]);

  it('gives per-statement deltas, mean = Δtotal / Δcalls, and no min/max/stddev', () => {
    const w = diffSnapshots(a, b);
    expect(w.intervalMs).toBe(60_000);
    expect(w.rows.map((r) => [r.queryid, r.calls, r.execMs])).toEqual([['1', 4, 80], ['3', 3, 9], ['4', 2, 4]]);
    const { data } = statStatementsReport(w, { top: 10, sort: 'total', fingerprint: fp.fingerprint });
    expect(data.intervalMs).toBe(60_000);
    expect(data.queries[0]).toMatchObject({ calls: 4, totalMs: 80, meanMs: 20, minMs: null, maxMs: null, stddevMs: null, rows: 4, sharedBlksRead: 4 });
  });

  it('takes all of b after pg_stat_statements_reset()', () => {
    const w = diffSnapshots(a, { ...b, statsReset: '2024-05-01T10:00:00.000Z' });
    expect(w.rows.map((r) => [r.queryid, r.calls])).toEqual([['1', 14], ['2', 5], ['3', 3], ['4', 2]]);
  });
});
