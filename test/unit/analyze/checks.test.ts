// The pure side of the `db analyze` health checks: each evaluate on hand-made rows (what fires, at
// which severity, with which numbers and fix), the metrics, and the catalogue's shape.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, HEALTH_CHECKS, checkSql, type CheckContext, type HealthCheck, type Row } from '../../../src/db/analyze/checks.js';
import { WRAP_LIMIT } from '../../../src/db/analyze/checks-vacuum.js';

const GB = 1024 ** 3;
const MB = 1024 ** 2;
const check = (id: string): HealthCheck => HEALTH_CHECKS.find((c) => c.id === id)!;
const ctx = (over: Partial<CheckContext> = {}): CheckContext => ({ versionNum: 150000, settings: {}, thresholds: DEFAULT_THRESHOLDS, ...over });
const run = (id: string, rows: Row[], c: CheckContext = ctx()) => check(id).evaluate(rows, c);
const metrics = (id: string, rows: Row[], c: CheckContext = ctx()) => check(id).metrics!(rows, c);

describe('the catalogue', () => {
  it('holds the issue\'s checks, each with one tagged statement for PostgreSQL 13 to 18', () => {
    expect(HEALTH_CHECKS.map((c) => c.id)).toEqual([
      'cache-hit-ratio', 'connections', 'idle-in-transaction', 'long-running-queries', 'blocked-queries', 'xid-wraparound',
      'multixact-wraparound', 'sequence-overflow', 'replication-lag', 'inactive-replication-slot', 'table-bloat', 'dead-tuples',
      'autovacuum-behind', 'stale-statistics', 'temp-files', 'checkpoint-pressure', 'settings', 'pg-stat-statements-missing', 'invalid-constraint',
    ]);
    for (const v of [130000, 160000, 170000, 180000]) {
      for (const c of HEALTH_CHECKS) {
        const sql = checkSql(c, { versionNum: v, extensionSchemas: { pgstattuple: 'ext' }, thresholds: DEFAULT_THRESHOLDS });
        expect(sql).toMatch(/^\/\* perfkit \*\/ SELECT/);
        expect(sql).not.toContain(';');
      }
    }
  });

  it('reads checkpoints from pg_stat_checkpointer from PostgreSQL 17 on', () => {
    const at = (v: number) => checkSql(check('checkpoint-pressure'), { versionNum: v, extensionSchemas: {}, thresholds: DEFAULT_THRESHOLDS });
    expect(at(160000)).toContain('pg_stat_bgwriter');
    expect(at(170000)).toContain('pg_stat_checkpointer');
  });

  it('calls pgstattuple_approx in the schema the extension lives in', () => {
    expect(checkSql(check('table-bloat'), { versionNum: 150000, extensionSchemas: { pgstattuple: 'Ext' }, thresholds: DEFAULT_THRESHOLDS })).toContain('"Ext".pgstattuple_approx(c.oid)');
  });

  it('keeps pghero\'s defaults', () => {
    expect(DEFAULT_THRESHOLDS).toMatchObject({ cacheHitRatio: 0.99, longRunningSec: 60, idleInTransactionCount: 100, sequencePct: 0.9, xidRemainingWarn: 1.5e9, connectionsTotal: 500, replicationLagSec: 5 });
  });
});

describe('activity', () => {
  it('cache hit ratio: warns below 99 % per kind, errors below 90 %, ignores too few reads', () => {
    const f = run('cache-hit-ratio', [{ table_hit: 95_000, table_read: 5_000, index_hit: 50_000, index_read: 10_000 }]);
    expect(f.map((x) => [x.location, x.severity])).toEqual([['tables', 'warn'], ['indexes', 'error']]);
    expect(f[0].message).toContain('95.00%');
    expect(run('cache-hit-ratio', [{ table_hit: 90, table_read: 10, index_hit: 0, index_read: 0 }])).toEqual([]);
    expect(metrics('cache-hit-ratio', [{ table_hit: 95, table_read: 5, index_hit: 0, index_read: 0 }]).cacheHitRatio).toBeCloseTo(0.95);
    expect(metrics('cache-hit-ratio', [{ table_hit: 0, table_read: 0, index_hit: 0, index_read: 0 }]).cacheHitRatio).toBeNull();
  });

  it('connections: by state against max_connections', () => {
    const rows = [{ state: 'idle', n: 70, max_connections: 100 }, { state: 'active', n: 15, max_connections: 100 }];
    const [f] = run('connections', rows);
    expect(f.severity).toBe('warn');
    expect(f.message).toBe('85 of max_connections 100 are in use (85%: 70 idle, 15 active); at the limit new clients are refused.');
    expect(f.fix).toContain('pooler');
    expect(metrics('connections', rows).connectionsUsedPct).toBe(85);
    expect(run('connections', [{ state: 'active', n: 96, max_connections: 100 }])[0].severity).toBe('error');
    expect(run('connections', [{ state: 'active', n: 10, max_connections: 100 }])).toEqual([]);
  });

  it('idle in transaction: each session over the time, and the count', () => {
    const row = (pid: number, idle: number) => ({ pid, usename: 'app', datname: 'shop', state: 'idle in transaction', idle_sec: idle, xact_sec: idle + 1, query: 'UPDATE t SET x = 1' });
    const f = run('idle-in-transaction', [row(1, 4000), row(2, 10)]);
    expect(f.map((x) => [x.location, x.severity])).toEqual([['pid 1', 'error']]);
    expect(f[0].fix).toContain('pg_terminate_backend(1)');
    const many = Array.from({ length: 100 }, (_, i) => row(i, 1));
    expect(run('idle-in-transaction', many).map((x) => x.location)).toEqual(['server']);
  });

  it('long-running queries: client backends warn, autovacuum is info', () => {
    const f = run('long-running-queries', [
      { pid: 7, usename: 'app', datname: 'shop', backend_type: 'client backend', state: 'active', sec: 61, query: 'SELECT   *\n FROM big' },
      { pid: 8, usename: null, datname: 'shop', backend_type: 'autovacuum worker', state: 'active', sec: 500, query: 'autovacuum: VACUUM big' },
      { pid: 9, usename: 'app', datname: 'shop', backend_type: 'client backend', state: 'active', sec: 59, query: 'SELECT 1' },
    ]);
    expect(f.map((x) => [x.location, x.severity])).toEqual([['pid 7', 'warn'], ['pid 8', 'info']]);
    expect(f[0].message).toContain('SELECT * FROM big');
    expect(f[0].fix).toContain('pg_cancel_backend(7)');
  });

  it('blocked queries: names the blocker, and terminates it when it is idle in a transaction', () => {
    const [f] = run('blocked-queries', [{
      pid: 20, usename: 'app', query: 'UPDATE t SET n = 2', wait_event_type: 'Lock', wait_event: 'transactionid', wait_sec: 12, blocked_by: [10],
      blockers: [{ pid: 10, state: 'idle in transaction', query: 'UPDATE t SET n = 1', transactionSec: 300 }],
    }]);
    expect(f.location).toBe('pid 20');
    expect(f.message).toContain('pid 10 (idle in transaction, in a transaction for 5 min');
    expect(f.fix).toContain('pg_terminate_backend(10)');
    expect(run('blocked-queries', [{ pid: 20, wait_sec: 1, blocked_by: [10], blockers: [] }])).toEqual([]);
  });
});

describe('vacuum', () => {
  const wrapRows = (age: number) => [
    { kind: 'database', name: 'shop', age },
    { kind: 'database', name: 'postgres', age: 1000 },
    { kind: 'table', name: 'public.orders', age },
  ];
  it('xid wraparound: fewer than 1.5 billion left warns, fewer than 500 million errors', () => {
    expect(run('xid-wraparound', wrapRows(600_000_000))).toEqual([]);
    const [warn] = run('xid-wraparound', wrapRows(700_000_000));
    expect(warn.severity).toBe('warn');
    expect(warn.location).toBe('database shop');
    expect(warn.message).toContain('1,447,483,648 are left');
    expect(warn.fix).toContain('VACUUM (FREEZE, VERBOSE) public.orders;');
    expect(run('xid-wraparound', wrapRows(1_700_000_000))[0].severity).toBe('error');
    expect(metrics('xid-wraparound', wrapRows(WRAP_LIMIT / 4)).xidAgePct).toBe(25);
  });

  it('multixact wraparound is judged the same way, with its own metric', () => {
    expect(run('multixact-wraparound', wrapRows(1_000_000_000))[0].rule).toBe('multixact-wraparound');
    expect(metrics('multixact-wraparound', wrapRows(WRAP_LIMIT / 2)).multixactAgePct).toBe(50);
  });

  it('table bloat: both the share and the bytes must be over; dead space suggests VACUUM first', () => {
    const row = (dead: number, free: number) => ({ schema: 'public', table: 'orders', table_len: 1000 * MB, dead_tuple_len: dead, approx_free_space: free, scanned_percent: 40 });
    const [f] = run('table-bloat', [row(400 * MB, 50 * MB)]);
    expect(f.severity).toBe('warn');
    expect(f.evidence!.wastedBytes).toBe(450 * MB);
    expect(f.fix).toMatch(/^VACUUM \(VERBOSE, ANALYZE\) public.orders/);
    expect(run('table-bloat', [row(650 * MB, 0)])[0].severity).toBe('error');
    expect(run('table-bloat', [row(100 * MB, 100 * MB)])).toEqual([]);
    expect(check('table-bloat').grant!('mon', { versionNum: 150000, extensionSchemas: { pgstattuple: 'public' }, thresholds: DEFAULT_THRESHOLDS }))
      .toBe('GRANT EXECUTE ON FUNCTION public.pgstattuple_approx(regclass) TO mon; -- or GRANT pg_stat_scan_tables TO mon');
  });

  it('dead tuples: a share over 20 % and at least 10 000', () => {
    expect(run('dead-tuples', [{ schema: 'public', table: 't', live: 70_000, dead: 30_000, since_vacuum_sec: 7200 }])[0].message)
      .toBe('public.t has 30,000 dead tuples against 70,000 live (30% dead; thresholds 20% and 10,000); last vacuumed 2.0 h ago.');
    expect(run('dead-tuples', [{ schema: 'public', table: 't', live: 10, dead: 5_000 }])).toEqual([]);
  });

  it('autovacuum behind: dead tuples over twice its trigger; disabled, running now, and under the trigger', () => {
    const row = { schema: 'public', table: 'events', dead: 300_000, reltuples: 1_000_000, vac_threshold: 50, vac_scale: 0.1, enabled: true, since_autovacuum_sec: 86_400 * 3, vacuuming: false };
    const [f] = run('autovacuum-behind', [row]);
    expect(f.severity).toBe('warn');
    expect(f.evidence!.trigger).toBe(100_050);
    expect(f.message).toContain('3.0× autovacuum\'s trigger of 100,050');
    expect(run('autovacuum-behind', [{ ...row, vacuuming: true }])[0].severity).toBe('info');
    expect(run('autovacuum-behind', [{ ...row, enabled: false }])[0].fix).toContain('RESET (autovacuum_enabled)');
    expect(run('autovacuum-behind', [{ ...row, dead: 150_000 }])).toEqual([]);
  });

  it('stale statistics: modified rows over 20 % since the last analyze, or never analyzed', () => {
    const [f] = run('stale-statistics', [{ schema: 'public', table: 'new', live: 5_000, reltuples: 0, modified: 5_000, since_analyze_sec: null }]);
    expect(f.message).toContain('never analyzed');
    expect(f.fix).toBe('ANALYZE public.new; if it recurs, ALTER TABLE public.new SET (autovacuum_analyze_scale_factor = 0.02);');
    expect(run('stale-statistics', [{ schema: 'public', table: 'big', live: 1_000_000, reltuples: 1_000_000, modified: 100_000 }])).toEqual([]);
  });
});

describe('server', () => {
  const seq = { schema: 'public', sequence: 'orders_id_seq', data_type: 'bigint', max_value: 9.2e18, increment_by: 1, visible: true };
  it('sequences: the limit is the column\'s type when it is smaller than the sequence\'s', () => {
    const [f] = run('sequence-overflow', [{ ...seq, last_value: 2_000_000_000, owner_table: 'public.orders', owner_column: 'id', column_type: 'integer' }]);
    expect(f.severity).toBe('warn');
    expect(f.evidence!.limitedBy).toBe('column type integer');
    expect(f.fix).toMatch(/^ALTER TABLE public.orders ALTER COLUMN id TYPE bigint/);
    expect(run('sequence-overflow', [{ ...seq, last_value: 2_140_000_000, data_type: 'integer', max_value: 2_147_483_647 }])[0].severity).toBe('error');
    expect(run('sequence-overflow', [{ ...seq, last_value: 2_000_000_000 }])).toEqual([]);
  });

  it('sequences hidden from the role are counted, with the grant that shows them', () => {
    const hidden = check('sequence-overflow').hidden!([{ ...seq, last_value: null, visible: false }, { ...seq, schema: 'Billing', last_value: null, visible: false }], 'mon');
    expect(hidden).toEqual({ count: 2, reason: expect.stringContaining('2 of 2 sequences are hidden from mon'), grant: 'GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, "Billing" TO mon; -- or GRANT pg_read_all_data TO mon' });
    expect(check('sequence-overflow').hidden!([{ ...seq, last_value: 5 }], 'mon')).toBeNull();
  });

  it('replication lag: on a replica and per standby', () => {
    const f = run('replication-lag', [{ kind: 'self', lag_sec: 30 }, { kind: 'standby', name: 'r1', client: '10.0.0.2', lag_sec: 600, lag_bytes: 5 * GB }, { kind: 'standby', name: 'r2', lag_sec: 1 }]);
    expect(f.map((x) => [x.location, x.severity])).toEqual([['this server', 'warn'], ['standby r1', 'error']]);
    expect(f[1].message).toContain('5.0 GB of WAL not replayed');
    expect(metrics('replication-lag', [{ kind: 'standby', lag_sec: null }]).replicationLagSec).toBeNull();
  });

  it('inactive slots: warn, and error when the WAL is lost or piles up', () => {
    const f = run('inactive-replication-slot', [
      { slot_name: 'a', slot_type: 'logical', database: 'shop', wal_status: 'reserved', retained_bytes: 1 * GB, xmin_age: null, catalog_xmin_age: 5000 },
      { slot_name: 'b', slot_type: 'physical', wal_status: 'lost', retained_bytes: null },
      { slot_name: 'c', slot_type: 'physical', wal_status: 'extended', retained_bytes: 20 * GB },
    ]);
    expect(f.map((x) => x.severity)).toEqual(['warn', 'error', 'error']);
    expect(f[0].message).toContain('holds back VACUUM by 5,000 transactions');
    expect(f[1].message).toContain('has lost the WAL');
  });

  it('temp files: info when any, warn from 1 GB', () => {
    const c = ctx({ settings: { work_mem: { setting: '4096', unit: 'kB' } } });
    expect(run('temp-files', [{ datname: 'shop', temp_files: 3, temp_bytes: 10 * MB }], c)[0].severity).toBe('info');
    expect(run('temp-files', [{ datname: 'shop', temp_files: 300, temp_bytes: 2 * GB }], c)[0].message).toContain('work_mem (4096kB)');
    expect(run('temp-files', [{ datname: 'shop', temp_files: 0, temp_bytes: 0 }], c)).toEqual([]);
  });

  it('checkpoint pressure: requested against timed', () => {
    expect(run('checkpoint-pressure', [{ timed: 70, requested: 30 }])[0].severity).toBe('info');
    expect(run('checkpoint-pressure', [{ timed: 10, requested: 90 }])[0].severity).toBe('warn');
    expect(run('checkpoint-pressure', [{ timed: 95, requested: 5 }])).toEqual([]);
    expect(run('checkpoint-pressure', [{ timed: 1, requested: 3 }])).toEqual([]);
    expect(metrics('checkpoint-pressure', [{ timed: 75, requested: 25 }]).checkpointsRequestedPct).toBe(25);
  });

  it('pg_stat_statements: not preloaded, not created, or unknown preload', () => {
    expect(run('pg-stat-statements-missing', [{ installed: '1.10', available: true, preload: 'pg_stat_statements' }])).toEqual([]);
    expect(run('pg-stat-statements-missing', [{ installed: '1.10', available: true, preload: null }])).toEqual([]);
    expect(run('pg-stat-statements-missing', [{ installed: null, available: true, preload: 'auto_explain' }])[0].fix)
      .toBe("ALTER SYSTEM SET shared_preload_libraries = 'auto_explain,pg_stat_statements'; and restart; then CREATE EXTENSION pg_stat_statements;");
    expect(run('pg-stat-statements-missing', [{ installed: '1.10', available: true, preload: '' }])[0].message).toContain('records nothing');
    expect(run('pg-stat-statements-missing', [{ installed: null, available: false, preload: null }])[0].fix).toMatch(/^install the contrib package/);
  });

  it('invalid constraints: a foreign key added NOT VALID', () => {
    const [f] = run('invalid-constraint', [{ schema: 'public', table: 'Orders', name: 'orders_customer_fk', type: 'f', definition: 'FOREIGN KEY (customer_id) REFERENCES customers(id) NOT VALID' }]);
    expect(f.location).toBe('public."Orders".orders_customer_fk');
    expect(f.message).toMatch(/^Foreign key orders_customer_fk/);
    expect(f.fix).toMatch(/^ALTER TABLE public."Orders" VALIDATE CONSTRAINT orders_customer_fk;/);
  });
});

describe('settings', () => {
  const s = (over: Record<string, [string, string | null]> = {}) => Object.entries({
    shared_buffers: ['16384', '8kB'], work_mem: ['4096', 'kB'], effective_cache_size: ['524288', '8kB'],
    random_page_cost: ['1.1', null], seq_page_cost: ['1', null], max_connections: ['100', null], ...over,
  }).map(([name, [setting, unit]]) => ({ name, setting, unit }));
  const names = (rows: Row[], c = ctx()) => run('settings', rows, c).map((f) => `${f.location} ${f.severity}`);

  it('without the machine\'s memory: the untouched 128 MB default, and settings that contradict each other', () => {
    expect(names(s())).toEqual(['setting shared_buffers warn']);
    expect(names(s({ shared_buffers: ['131072', '8kB'], work_mem: ['65536', 'kB'], max_connections: ['1000', null] }))).toEqual([
      'setting work_mem warn', 'setting max_connections warn',
    ]);
    expect(names(s({ shared_buffers: ['1048576', '8kB'], effective_cache_size: ['65536', '8kB'] }))).toEqual(['setting effective_cache_size warn']);
    expect(names(s({ shared_buffers: ['262144', '8kB'], random_page_cost: ['0.5', null] }))).toEqual(['setting random_page_cost warn']);
    expect(names(s({ shared_buffers: ['262144', '8kB'], random_page_cost: ['4', null] }))).toEqual(['setting random_page_cost info']);
  });

  it('with the machine\'s memory: shared_buffers near 25 %, work_mem × connections within RAM', () => {
    const c = ctx({ machine: { memoryBytes: 16 * GB } });
    const [f] = run('settings', s(), c);
    expect(f.message).toBe('shared_buffers is 128.0 MB, 1% of the machine\'s 16.0 GB; about 25% is the usual starting point (15–40%).');
    expect(f.fix).toBe("ALTER SYSTEM SET shared_buffers = '4GB'; and restart PostgreSQL.");
    expect(names(s({ shared_buffers: ['524288', '8kB'], effective_cache_size: ['1572864', '8kB'] }), c)).toEqual([]);
    expect(names(s({ shared_buffers: ['524288', '8kB'], effective_cache_size: ['1572864', '8kB'], work_mem: ['262144', 'kB'] }), c)).toEqual(['setting work_mem warn']);
  });
});
