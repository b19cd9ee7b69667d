// Health checks on what the server is doing right now: cache hit ratio, connections, sessions idle in
// a transaction, long-running and blocked queries. Pure evaluate functions over pg_stat_* rows.
import type { Finding } from '../../report/model.js';
import { count, duration, finding, num, pct, str, type HealthCheck, type Row } from './check-model.js';

const ratio = (hit: number, read: number) => (hit + read > 0 ? hit / (hit + read) : null);

export const cacheHitRatio: HealthCheck = {
  id: 'cache-hit-ratio',
  section: 'health',
  title: 'Cache hit ratio',
  sql: `/* perfkit */ SELECT
  (SELECT coalesce(sum(heap_blks_hit), 0) FROM pg_statio_user_tables)::float8 AS table_hit,
  (SELECT coalesce(sum(heap_blks_read), 0) FROM pg_statio_user_tables)::float8 AS table_read,
  (SELECT coalesce(sum(idx_blks_hit), 0) FROM pg_statio_user_indexes)::float8 AS index_hit,
  (SELECT coalesce(sum(idx_blks_read), 0) FROM pg_statio_user_indexes)::float8 AS index_read`,
  evaluate(rows, ctx) {
    const r = rows[0] ?? {};
    const t = ctx.thresholds;
    const out: Finding[] = [];
    for (const kind of ['table', 'index'] as const) {
      const hit = num(r[`${kind}_hit`]) ?? 0;
      const read = num(r[`${kind}_read`]) ?? 0;
      const ratioOf = ratio(hit, read);
      if (ratioOf === null || hit + read < t.cacheMinBlocks || ratioOf >= t.cacheHitRatio) continue;
      out.push(finding('cache-hit-ratio', ratioOf < t.cacheHitRatioError ? 'error' : 'warn', `Low ${kind} cache hit ratio`,
        `${pct(ratioOf, 2)} of ${kind} block reads were served from shared_buffers (${count(hit)} hits, ${count(read)} reads from disk or the OS cache); the target is ${pct(t.cacheHitRatio, 0)} or more.`,
        {
          location: kind === 'table' ? 'tables' : 'indexes',
          evidence: { kind, hitRatio: ratioOf, blocksHit: hit, blocksRead: read, threshold: t.cacheHitRatio },
          fix: `Raise shared_buffers (commonly 25% of RAM) or add RAM so the working set fits; find the tables read from disk with SELECT relname, heap_blks_read FROM pg_statio_user_tables ORDER BY heap_blks_read DESC LIMIT 10.`,
        }));
    }
    return out;
  },
  metrics(rows) {
    const r = rows[0] ?? {};
    const [th, tr, ih, ir] = ['table_hit', 'table_read', 'index_hit', 'index_read'].map((k) => num(r[k]) ?? 0);
    return { cacheHitRatio: ratio(th + ih, tr + ir), cacheHitRatioTables: ratio(th, tr), cacheHitRatioIndexes: ratio(ih, ir) };
  },
};

export const connections: HealthCheck = {
  id: 'connections',
  section: 'health',
  title: 'Connections',
  needs: 'pg_monitor',
  sql: `/* perfkit */ SELECT coalesce(state, 'unknown') AS state, count(*)::int AS n,
  current_setting('max_connections')::int AS max_connections,
  current_setting('superuser_reserved_connections')::int AS reserved
FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1 ORDER BY 2 DESC`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    const { total, max, byState } = connectionTotals(rows);
    if (!max) return [];
    const used = total / max;
    const severity = used * 100 >= t.connectionsErrorPct ? 'error' : used * 100 >= t.connectionsWarnPct || total >= t.connectionsTotal ? 'warn' : null;
    if (!severity) return [];
    const states = Object.entries(byState).map(([s, n]) => `${n} ${s}`).join(', ');
    return [finding('connections', severity, 'Connections near max_connections',
      `${total} of max_connections ${max} are in use (${pct(used, 0)}: ${states}); at the limit new clients are refused.`,
      {
        location: 'server',
        evidence: { total, maxConnections: max, usedPct: used * 100, byState, warnPct: t.connectionsWarnPct, totalThreshold: t.connectionsTotal },
        fix: byState['idle'] && byState['idle'] > total / 2
          ? `Most connections are idle: put a pooler (PgBouncer, transaction mode) in front, or shrink the application pools.`
          : `Use a connection pooler (PgBouncer) rather than raising max_connections; each backend costs memory (work_mem per sort).`,
      })];
  },
  metrics(rows) {
    const { total, max } = connectionTotals(rows);
    return { connections: total, connectionsUsedPct: max ? (total / max) * 100 : null };
  },
};

function connectionTotals(rows: Row[]) {
  const byState: Record<string, number> = {};
  for (const r of rows) byState[String(r.state)] = (byState[String(r.state)] ?? 0) + (num(r.n) ?? 0);
  const total = Object.values(byState).reduce((a, b) => a + b, 0);
  return { total, max: num(rows[0]?.max_connections) ?? 0, byState };
}

export const idleInTransaction: HealthCheck = {
  id: 'idle-in-transaction',
  section: 'health',
  title: 'Sessions idle in transaction',
  needs: 'pg_monitor',
  sql: `/* perfkit */ SELECT pid, usename, datname, application_name, state,
  extract(epoch FROM now() - state_change)::float8 AS idle_sec,
  extract(epoch FROM now() - xact_start)::float8 AS xact_sec,
  left(query, 300) AS query
FROM pg_stat_activity
WHERE state IN ('idle in transaction', 'idle in transaction (aborted)') AND pid <> pg_backend_pid()
ORDER BY state_change`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    const out: Finding[] = [];
    if (rows.length >= t.idleInTransactionCount) {
      out.push(finding('idle-in-transaction', 'warn', 'Many sessions idle in transaction',
        `${rows.length} sessions are idle in an open transaction (threshold ${t.idleInTransactionCount}); each holds its locks and keeps VACUUM from removing rows newer than its snapshot.`,
        { location: 'server', evidence: { count: rows.length, threshold: t.idleInTransactionCount }, fix: `SET idle_in_transaction_session_timeout = '5min' (per role or in postgresql.conf), and commit or roll back promptly in the application.` }));
    }
    for (const r of rows) {
      const idle = num(r.idle_sec) ?? 0;
      if (idle < t.idleInTransactionSec) continue;
      out.push(finding('idle-in-transaction', idle >= 3600 ? 'error' : 'warn', 'Session idle in transaction',
        `pid ${r.pid} (${r.usename ?? '?'} on ${r.datname ?? '?'}${r.application_name ? `, ${r.application_name}` : ''}) has been idle in a transaction for ${duration(idle)} (threshold ${duration(t.idleInTransactionSec)}); its last statement: ${oneLine(r.query)}.`,
        {
          location: `pid ${r.pid}`,
          evidence: { pid: num(r.pid), user: str(r.usename), database: str(r.datname), application: str(r.application_name), state: str(r.state), idleSec: idle, transactionSec: num(r.xact_sec), query: str(r.query), thresholdSec: t.idleInTransactionSec },
          fix: `SELECT pg_terminate_backend(${r.pid}); and set idle_in_transaction_session_timeout (e.g. ALTER ROLE ${r.usename ?? '<role>'} SET idle_in_transaction_session_timeout = '5min').`,
        }));
    }
    return out;
  },
  metrics(rows) {
    return { idleInTransaction: rows.length, oldestIdleInTransactionSec: rows.length ? Math.max(...rows.map((r) => num(r.idle_sec) ?? 0)) : 0 };
  },
};

export const longRunningQueries: HealthCheck = {
  id: 'long-running-queries',
  section: 'health',
  title: 'Long-running queries',
  needs: 'pg_monitor',
  sql: `/* perfkit */ SELECT pid, usename, datname, backend_type, state, wait_event_type, wait_event,
  extract(epoch FROM now() - coalesce(query_start, xact_start))::float8 AS sec, left(query, 500) AS query
FROM pg_stat_activity
WHERE state NOT IN ('idle', 'idle in transaction', 'idle in transaction (aborted)') AND pid <> pg_backend_pid()
  AND backend_type IN ('client backend', 'autovacuum worker') AND coalesce(query_start, xact_start) IS NOT NULL
ORDER BY sec DESC`,
  evaluate(rows, ctx) {
    const limit = ctx.thresholds.longRunningSec;
    return rows.filter((r) => (num(r.sec) ?? 0) >= limit).map((r) => {
      const sec = num(r.sec) ?? 0;
      const autovacuum = r.backend_type === 'autovacuum worker';
      return finding('long-running-queries', autovacuum ? 'info' : 'warn', autovacuum ? 'Long-running autovacuum' : 'Long-running query',
        `pid ${r.pid} (${r.usename ?? 'autovacuum'} on ${r.datname ?? '?'}) has been running for ${duration(sec)} (threshold ${duration(limit)})${r.wait_event ? `, waiting on ${r.wait_event_type}/${r.wait_event}` : ''}: ${oneLine(r.query)}.`,
        {
          location: `pid ${r.pid}`,
          evidence: { pid: num(r.pid), user: str(r.usename), database: str(r.datname), backendType: str(r.backend_type), state: str(r.state), runningSec: sec, waitEvent: r.wait_event ? `${r.wait_event_type}/${r.wait_event}` : null, query: str(r.query), thresholdSec: limit },
          fix: autovacuum
            ? `Usually fine: a big table takes time. If it blocks DDL or lags, raise autovacuum_vacuum_cost_limit or lower autovacuum_vacuum_cost_delay.`
            : `If it should not run this long: SELECT pg_cancel_backend(${r.pid}); and cap it with statement_timeout (ALTER ROLE ${r.usename ?? '<role>'} SET statement_timeout = '${Math.max(limit, 30)}s'). Then see its plan: perfkit db explain.`,
        });
    });
  },
  metrics(rows, ctx) {
    return { longRunningQueries: rows.filter((r) => r.backend_type === 'client backend' && (num(r.sec) ?? 0) >= ctx.thresholds.longRunningSec).length };
  },
};

export const blockedQueries: HealthCheck = {
  id: 'blocked-queries',
  section: 'health',
  title: 'Blocked queries',
  needs: 'pg_monitor',
  sql: `/* perfkit */ SELECT a.pid, a.usename, a.datname, left(a.query, 500) AS query, a.wait_event_type, a.wait_event,
  extract(epoch FROM now() - coalesce(a.query_start, a.xact_start))::float8 AS wait_sec,
  pg_blocking_pids(a.pid) AS blocked_by,
  (SELECT json_agg(json_build_object('pid', b.pid, 'user', b.usename, 'state', b.state, 'query', left(b.query, 200),
      'transactionSec', extract(epoch FROM now() - b.xact_start)) ORDER BY b.pid)
     FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))) AS blockers
FROM pg_stat_activity a
WHERE cardinality(pg_blocking_pids(a.pid)) > 0
ORDER BY wait_sec DESC`,
  evaluate(rows, ctx) {
    const limit = ctx.thresholds.blockedSec;
    return rows.filter((r) => (num(r.wait_sec) ?? 0) >= limit).map((r) => {
      const sec = num(r.wait_sec) ?? 0;
      const by = (Array.isArray(r.blocked_by) ? r.blocked_by : []).map(Number);
      const blockers = (Array.isArray(r.blockers) ? r.blockers : []) as Array<{ pid: number; state: string | null; query: string | null; transactionSec: number | null }>;
      const who = blockers.length
        ? blockers.map((b) => `pid ${b.pid} (${b.state ?? '?'}${b.transactionSec !== null ? `, in a transaction for ${duration(b.transactionSec)}` : ''}: ${oneLine(b.query)})`).join('; ')
        : by.map((p) => `pid ${p}`).join(', ');
      const idleBlocker = blockers.find((b) => b.state?.startsWith('idle in transaction'));
      return finding('blocked-queries', sec >= 60 ? 'error' : 'warn', 'Blocked query',
        `pid ${r.pid} (${r.usename ?? '?'}) has waited ${duration(sec)} for a ${r.wait_event_type ?? 'lock'}${r.wait_event ? `/${r.wait_event}` : ''} held by ${who}; it runs: ${oneLine(r.query)}.`,
        {
          location: `pid ${r.pid}`,
          evidence: { pid: num(r.pid), user: str(r.usename), database: str(r.datname), waitSec: sec, waitEvent: `${r.wait_event_type}/${r.wait_event}`, blockedBy: by, blockers, query: str(r.query), thresholdSec: limit },
          fix: `${idleBlocker ? `The blocker is idle in a transaction: SELECT pg_terminate_backend(${idleBlocker.pid});` : `End the blocker if it must not hold the lock: SELECT pg_cancel_backend(${by[0] ?? '<pid>'});`} Keep transactions short, and set lock_timeout on DDL and batch jobs (SET lock_timeout = '5s').`,
        });
    });
  },
  metrics(rows) {
    return { blockedQueries: rows.length };
  },
};

function oneLine(q: unknown): string {
  const s = String(q ?? '').replace(/\s+/g, ' ').trim();
  return s ? (s.length > 160 ? `${s.slice(0, 157)}…` : s) : '(query text not visible)';
}
