// Synthetic log events and stderr log lines for the `db slow` aggregation tests: a seeded pgbench-like workload
// (five statement shapes, log-normal durations, three databases/users/apps) plus the secondary events.
import type { LogEvent, LogMeta } from '../../src/db/slow/model.js';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SHAPES = [
  (r: () => number) => `UPDATE pgbench_accounts SET abalance = abalance + ${Math.floor(r() * 10000) - 5000} WHERE aid = ${Math.floor(r() * 1e6)};`,
  (r: () => number) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${Math.floor(r() * 1e6)};`,
  (r: () => number) => `UPDATE pgbench_tellers SET tbalance = tbalance + ${Math.floor(r() * 5000)} WHERE tid = ${Math.floor(r() * 100)};`,
  (r: () => number) => `UPDATE pgbench_branches SET bbalance = bbalance + ${Math.floor(r() * 5000)} WHERE bid = ${Math.floor(r() * 10)};`,
  (r: () => number) => `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (${Math.floor(r() * 100)}, ${Math.floor(r() * 10)}, ${Math.floor(r() * 1e6)}, ${Math.floor(r() * 5000)}, CURRENT_TIMESTAMP);`,
];

const START = Date.UTC(2024, 4, 1, 9, 30);

/** n statement events (plus a truncated statement every 500th) over ~3 hours. */
export function statementEvents(n: number, seed = 1): LogEvent[] {
  const r = rng(seed);
  const out: LogEvent[] = [];
  for (let i = 0; i < n; i++) {
    const meta: LogMeta = {
      time: START + Math.floor((i / n) * 3 * 3_600_000),
      pid: 1000 + (i % 7),
      database: ['bench', 'bench', 'reports'][i % 3],
      user: ['app', 'batch'][i % 2],
      application: ['pgbench', 'psql', 'api'][i % 3],
      at: `pg.log:${i + 1}`,
    };
    const durationMs = Math.round(Math.exp(r() * 6 - 2) * 1000) / 1000;
    const query = i % 500 === 499 ? `SELECT abalance FROM pgbench_accounts WHERE aid = ${i} AND note = 'cut` : SHAPES[i % SHAPES.length](r);
    out.push(i % 11 === 0 ? { kind: 'statement', meta, durationMs, query, params: [String(i)] } : { kind: 'statement', meta, durationMs, query });
  }
  return out;
}

export function sectionEvents(): LogEvent[] {
  const meta = (i: number): LogMeta => ({ time: START + i * 1000, pid: 42, at: `pg.log:${9000 + i}` });
  return [
    { kind: 'error', meta: meta(1), severity: 'ERROR', sqlstate: '23505', message: 'duplicate key value violates unique constraint "pgbench_accounts_pkey"', statement: 'INSERT INTO pgbench_accounts VALUES (1, 2)' },
    { kind: 'error', meta: meta(2), severity: 'ERROR', sqlstate: '23505', message: 'duplicate key value violates unique constraint "pgbench_accounts_pkey"' },
    { kind: 'error', meta: meta(3), severity: 'ERROR', sqlstate: '22P02', message: 'invalid input syntax for type integer: "abc"' },
    { kind: 'error', meta: meta(4), severity: 'ERROR', sqlstate: '22P02', message: 'invalid input syntax for type integer: "x1"' },
    { kind: 'error', meta: meta(5), severity: 'FATAL', sqlstate: '57P01', message: 'terminating connection due to administrator command' },
    { kind: 'tempfile', meta: meta(6), bytes: 1_048_576, path: 'base/pgsql_tmp/pgsql_tmp42.0', statement: 'SELECT * FROM t ORDER BY x LIMIT 10' },
    { kind: 'tempfile', meta: meta(7), bytes: 3_145_728, path: 'base/pgsql_tmp/pgsql_tmp42.1', statement: 'SELECT * FROM t ORDER BY x LIMIT 99' },
    { kind: 'tempfile', meta: meta(8), bytes: 8192, path: 'base/pgsql_tmp/pgsql_tmp43.0' },
    { kind: 'lockwait', meta: meta(9), message: 'process 42 still waiting for ShareLock', waitMs: 1000.5, lockMode: 'ShareLock', statement: 'UPDATE t SET x = 1 WHERE id = 5' },
    { kind: 'lockwait', meta: meta(10), message: 'process 43 acquired ShareLock', waitMs: 2500.25, lockMode: 'ShareLock', statement: 'UPDATE t SET x = 2 WHERE id = 6' },
    { kind: 'checkpoint', meta: meta(11), phase: 'starting', reason: 'time' },
    { kind: 'checkpoint', meta: meta(12), phase: 'complete', buffers: 120, writeMs: 12000.5, syncMs: 3.25, totalMs: 12010 },
    { kind: 'checkpoint', meta: meta(13), phase: 'starting', reason: 'wal' },
    { kind: 'checkpoint', meta: meta(14), phase: 'complete', buffers: 80, writeMs: 800, syncMs: 9.5, totalMs: 810 },
    { kind: 'autovacuum', meta: meta(15), action: 'vacuum', table: 'bench.public.pgbench_tellers', elapsedMs: 30 },
    { kind: 'autovacuum', meta: meta(16), action: 'analyze', table: 'bench.public.pgbench_tellers', elapsedMs: 12.5 },
    { kind: 'autovacuum', meta: meta(17), action: 'vacuum', table: 'bench.public.pgbench_branches', elapsedMs: 5 },
    { kind: 'connection', meta: meta(18), action: 'received' },
    { kind: 'connection', meta: meta(19), action: 'authorized' },
    { kind: 'connection', meta: meta(20), action: 'disconnection', sessionMs: 61_000.5 },
    { kind: 'connection', meta: meta(21), action: 'disconnection', sessionMs: 1_000 },
    { kind: 'plan', meta: meta(22), durationMs: 50, query: 'SELECT abalance FROM pgbench_accounts WHERE aid = 7', plan: 'Index Scan using pgbench_accounts_pkey on pgbench_accounts  (cost=0.42..8.44 rows=1 width=4)', planFormat: 'text' },
    { kind: 'plan', meta: meta(23), durationMs: 80, query: 'SELECT abalance FROM pgbench_accounts WHERE aid = 8', plan: 'Seq Scan on pgbench_accounts  (cost=0.00..2640.00 rows=1 width=4)', planFormat: 'text' },
    { kind: 'plan', meta: meta(24), durationMs: 5, query: 'SELECT 1 FROM only_planned', plan: 'Result  (cost=0.00..0.01 rows=1 width=4)', planFormat: 'text' },
  ];
}

/** A stderr log (log_line_prefix '%m [%p] %q%u@%d ') of n entries: pgbench statements with durations, every
 *  13th a two-line statement, every 97th an ERROR with its STATEMENT line. */
export const STDERR_PREFIX = '%m [%p] %q%u@%d ';
export function stderrLog(n: number, seed = 1, startMs = START): string {
  const r = rng(seed);
  let out = '';
  for (let i = 0; i < n; i++) {
    const t = new Date(startMs + i * 250);
    const ts = `${t.toISOString().slice(0, 10)} ${t.toISOString().slice(11, 23)} UTC`;
    const head = `${ts} [${1000 + (i % 5)}] ${['app', 'batch'][i % 2]}@${['bench', 'reports'][i % 2]} `;
    if (i % 97 === 96) {
      out += `${head}ERROR:  duplicate key value violates unique constraint "pgbench_history_pkey"\n${head}STATEMENT:  INSERT INTO pgbench_history VALUES (${i})\n`;
      continue;
    }
    const ms = (Math.round(Math.exp(r() * 6 - 2) * 1000) / 1000).toFixed(3);
    const sql = i % 13 === 12 ? `SELECT abalance\n\tFROM pgbench_accounts WHERE aid = ${i};` : SHAPES[i % SHAPES.length](r);
    out += `${head}LOG:  duration: ${ms} ms  statement: ${sql}\n`;
  }
  return out;
}
