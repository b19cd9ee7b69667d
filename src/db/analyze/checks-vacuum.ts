// Health checks on VACUUM and ANALYZE: transaction-ID and multixact wraparound, table bloat measured
// by pgstattuple_approx, dead tuples, autovacuum falling behind its own trigger, and stale statistics.
import type { Finding } from '../../report/model.js';
import { bytes, count, duration, finding, ident, num, pct, str, type HealthCheck, type Row, type Thresholds } from './check-model.js';

/** Transaction IDs (and multixact IDs) wrap around at 2^31. */
export const WRAP_LIMIT = 2 ** 31;

function wraparoundSql(fn: 'age' | 'mxid_age', col: 'frozenxid' | 'minmxid'): string {
  return `/* perfkit */ SELECT 'database' AS kind, datname AS name, ${fn}(dat${col})::float8 AS age
FROM pg_database WHERE datallowconn
UNION ALL
(SELECT 'table', c.oid::regclass::text, greatest(${fn}(c.rel${col}), ${fn}(t.rel${col}))::float8
 FROM pg_class c LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
 WHERE c.relkind IN ('r', 'm') ORDER BY 3 DESC LIMIT 10)`;
}

function wraparound(id: 'xid-wraparound' | 'multixact-wraparound'): HealthCheck {
  const xid = id === 'xid-wraparound';
  const what = xid ? 'transaction IDs' : 'multixact IDs';
  const setting = xid ? 'autovacuum_freeze_max_age' : 'autovacuum_multixact_freeze_max_age';
  return {
    id,
    section: 'health',
    title: xid ? 'Transaction-ID wraparound' : 'Multixact-ID wraparound',
    sql: xid ? wraparoundSql('age', 'frozenxid') : wraparoundSql('mxid_age', 'minmxid'),
    evaluate(rows, ctx) {
      const t = ctx.thresholds;
      const tables = rows.filter((r) => r.kind === 'table').map((r) => ({ table: String(r.name), age: num(r.age) ?? 0 }));
      const freezeMax = num(ctx.settings[setting]?.setting);
      return rows.filter((r) => r.kind === 'database').flatMap((r): Finding[] => {
        const age = num(r.age) ?? 0;
        const left = WRAP_LIMIT - age;
        if (left >= t.xidRemainingWarn) return [];
        const vacuum = tables.slice(0, 3).map((x) => `VACUUM (FREEZE, VERBOSE) ${x.table};`).join(' ');
        return [finding(id, left < t.xidRemainingError ? 'error' : 'warn', xid ? 'Transaction-ID wraparound approaching' : 'Multixact-ID wraparound approaching',
          `Database ${r.name} is ${count(age)} ${what} old (${pct(age / WRAP_LIMIT)} of the 2^31 limit): ${count(left)} are left before PostgreSQL stops accepting writes to prevent wraparound (warning below ${count(t.xidRemainingWarn)}).`,
          {
            location: `database ${r.name}`,
            evidence: { database: str(r.name), age, remaining: left, agePct: (age / WRAP_LIMIT) * 100, [setting]: freezeMax, oldestTablesInCurrentDatabase: tables, remainingWarn: t.xidRemainingWarn },
            fix: `Freeze the oldest tables in ${r.name}${tables.length ? ` (in this database: ${vacuum})` : ''}. If autovacuum cannot, look for what holds back the horizon: long transactions, prepared transactions (pg_prepared_xacts), inactive replication slots.`,
          })];
      });
    },
    metrics(rows) {
      const ages = rows.filter((r) => r.kind === 'database').map((r) => num(r.age) ?? 0);
      const max = ages.length ? Math.max(...ages) : null;
      return { [xid ? 'xidAgePct' : 'multixactAgePct']: max === null ? null : (max / WRAP_LIMIT) * 100 };
    },
  };
}

export const xidWraparound = wraparound('xid-wraparound');
export const multixactWraparound = wraparound('multixact-wraparound');

const where = (r: Row) => ident(String(r.schema), String(r.table));

export const tableBloat: HealthCheck = {
  id: 'table-bloat',
  section: 'health',
  title: 'Table bloat',
  needs: 'pgstattuple',
  // pgstattuple_approx skips all-visible pages; still, only the biggest tables are measured. The
  // LIMIT subquery is not flattened, so the function runs on those rows only.
  sql: ({ extensionSchemas, thresholds }) => `/* perfkit */ SELECT c.schema, c.table, a.table_len::float8, a.scanned_percent::float8,
  a.dead_tuple_len::float8, a.dead_tuple_percent::float8, a.approx_free_space::float8, a.approx_free_percent::float8
FROM (SELECT c.oid, n.nspname AS schema, c.relname AS table
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND c.relpersistence <> 't' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND pg_relation_size(c.oid) >= ${Math.floor(thresholds.tableBloatMinTableBytes)}
      ORDER BY pg_relation_size(c.oid) DESC LIMIT ${Math.floor(thresholds.tableBloatMaxTables)}) c
CROSS JOIN LATERAL ${ident(extensionSchemas.pgstattuple ?? 'public')}.pgstattuple_approx(c.oid) a
ORDER BY a.dead_tuple_len + a.approx_free_space DESC`,
  grant: (user, { extensionSchemas }) => `GRANT EXECUTE ON FUNCTION ${ident(extensionSchemas.pgstattuple ?? 'public')}.pgstattuple_approx(regclass) TO ${user}; -- or GRANT pg_stat_scan_tables TO ${user}`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    return rows.flatMap((r): Finding[] => {
      const size = num(r.table_len) ?? 0;
      const dead = num(r.dead_tuple_len) ?? 0;
      const free = num(r.approx_free_space) ?? 0;
      const wasted = dead + free;
      if (!size || wasted / size < t.tableBloatRatio || wasted < t.tableBloatBytes) return [];
      const mostlyDead = dead >= free;
      return [finding('table-bloat', wasted / size >= 0.6 ? 'error' : 'warn', `Bloated table ${where(r)}`,
        `${bytes(wasted)} of ${where(r)}'s ${bytes(size)} (${pct(wasted / size, 0)}) is wasted: ${bytes(dead)} of dead tuples and ${bytes(free)} of free space (pgstattuple_approx; thresholds ${pct(t.tableBloatRatio, 0)} and ${bytes(t.tableBloatBytes)}).`,
        {
          location: where(r),
          evidence: { tableBytes: size, wastedBytes: wasted, wastedRatio: wasted / size, deadTupleBytes: dead, freeBytes: free, scannedPct: num(r.scanned_percent), ratioThreshold: t.tableBloatRatio, bytesThreshold: t.tableBloatBytes },
          fix: mostlyDead
            ? `VACUUM (VERBOSE, ANALYZE) ${where(r)}; makes the dead space reusable; to give it back to the OS without a long lock use pg_repack (VACUUM FULL ${where(r)}; takes an ACCESS EXCLUSIVE lock).`
            : `The space is free but not returned: pg_repack -t ${where(r)} (online), or VACUUM FULL ${where(r)}; in a maintenance window (ACCESS EXCLUSIVE lock).`,
        })];
    });
  },
};

export const deadTuples: HealthCheck = {
  id: 'dead-tuples',
  section: 'health',
  title: 'Dead tuples',
  sql: `/* perfkit */ SELECT schemaname AS schema, relname AS table, n_live_tup::float8 AS live, n_dead_tup::float8 AS dead,
  greatest(last_vacuum, last_autovacuum) AS last_vacuumed,
  extract(epoch FROM now() - greatest(last_vacuum, last_autovacuum))::float8 AS since_vacuum_sec
FROM pg_stat_user_tables WHERE n_dead_tup > 0 ORDER BY n_dead_tup DESC LIMIT 200`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    return rows.flatMap((r): Finding[] => {
      const dead = num(r.dead) ?? 0;
      const live = num(r.live) ?? 0;
      const share = dead / Math.max(dead + live, 1);
      if (dead < t.deadTuplesMin || share < t.deadTuplesRatio) return [];
      const since = num(r.since_vacuum_sec);
      return [finding('dead-tuples', share >= 0.5 ? 'error' : 'warn', `Dead tuples in ${where(r)}`,
        `${where(r)} has ${count(dead)} dead tuples against ${count(live)} live (${pct(share, 0)} dead; thresholds ${pct(t.deadTuplesRatio, 0)} and ${count(t.deadTuplesMin)}); last vacuumed ${since === null ? 'never' : `${duration(since)} ago`}.`,
        {
          location: where(r),
          evidence: { deadTuples: dead, liveTuples: live, deadRatio: share, lastVacuumed: r.last_vacuumed ? String(r.last_vacuumed) : null, ratioThreshold: t.deadTuplesRatio, minDead: t.deadTuplesMin },
          fix: `VACUUM (VERBOSE, ANALYZE) ${where(r)}; and see autovacuum-behind for why autovacuum has not.`,
        })];
    });
  },
  metrics(rows) {
    return { deadTuples: rows.reduce((n, r) => n + (num(r.dead) ?? 0), 0) };
  },
};

const reloption = (name: string, cast: string) =>
  `coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = '${name}')::${cast}, current_setting('${name}')::${cast})`;

export const autovacuumBehind: HealthCheck = {
  id: 'autovacuum-behind',
  section: 'health',
  title: 'Autovacuum falling behind',
  sql: `/* perfkit */ SELECT s.schemaname AS schema, s.relname AS table, s.n_dead_tup::float8 AS dead, greatest(c.reltuples, 0)::float8 AS reltuples,
  ${reloption('autovacuum_vacuum_threshold', 'float8')} AS vac_threshold,
  ${reloption('autovacuum_vacuum_scale_factor', 'float8')} AS vac_scale,
  current_setting('autovacuum')::bool AND coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'autovacuum_enabled')::bool, true) AS enabled,
  s.last_autovacuum, extract(epoch FROM now() - s.last_autovacuum)::float8 AS since_autovacuum_sec,
  EXISTS (SELECT 1 FROM pg_stat_progress_vacuum p WHERE p.relid = s.relid) AS vacuuming
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.n_dead_tup > 0 ORDER BY s.n_dead_tup DESC LIMIT 200`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    return rows.flatMap((r): Finding[] => {
      const dead = num(r.dead) ?? 0;
      const trigger = (num(r.vac_threshold) ?? 50) + (num(r.vac_scale) ?? 0.2) * (num(r.reltuples) ?? 0);
      if (dead < t.deadTuplesMin / 10 || dead <= trigger * t.autovacuumBehindFactor) return [];
      const enabled = r.enabled !== false;
      const since = num(r.since_autovacuum_sec);
      const facts = `${where(r)} has ${count(dead)} dead tuples, ${(dead / Math.max(trigger, 1)).toFixed(1)}× autovacuum's trigger of ${count(trigger)} (autovacuum_vacuum_threshold ${num(r.vac_threshold)} + autovacuum_vacuum_scale_factor ${num(r.vac_scale)} × ${count(num(r.reltuples) ?? 0)} rows)`;
      const evidence = { deadTuples: dead, trigger, factor: dead / Math.max(trigger, 1), vacuumThreshold: num(r.vac_threshold), vacuumScaleFactor: num(r.vac_scale), reltuples: num(r.reltuples), autovacuumEnabled: enabled, lastAutovacuum: r.last_autovacuum ? String(r.last_autovacuum) : null, vacuumingNow: Boolean(r.vacuuming), behindFactor: t.autovacuumBehindFactor };
      if (!enabled) {
        return [finding('autovacuum-behind', 'warn', `Autovacuum disabled on ${where(r)}`, `${facts}, and autovacuum is disabled for it.`, {
          location: where(r), evidence, fix: `ALTER TABLE ${where(r)} RESET (autovacuum_enabled); VACUUM (ANALYZE) ${where(r)};`,
        })];
      }
      return [finding('autovacuum-behind', r.vacuuming ? 'info' : 'warn', `Autovacuum behind on ${where(r)}`,
        `${facts}; last autovacuum ${since === null ? 'never' : `${duration(since)} ago`}${r.vacuuming ? ', and a vacuum is running on it now' : ''}.`,
        {
          location: where(r),
          evidence,
          fix: `VACUUM (ANALYZE) ${where(r)}; then let autovacuum keep up: ALTER TABLE ${where(r)} SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 1000); raise autovacuum_max_workers if many tables lag.`,
        })];
    });
  },
};

export const staleStatistics: HealthCheck = {
  id: 'stale-statistics',
  section: 'health',
  title: 'Stale statistics',
  sql: `/* perfkit */ SELECT s.schemaname AS schema, s.relname AS table, s.n_live_tup::float8 AS live, greatest(c.reltuples, 0)::float8 AS reltuples,
  s.n_mod_since_analyze::float8 AS modified, greatest(s.last_analyze, s.last_autoanalyze) AS last_analyzed,
  extract(epoch FROM now() - greatest(s.last_analyze, s.last_autoanalyze))::float8 AS since_analyze_sec
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.n_mod_since_analyze > 0 ORDER BY s.n_mod_since_analyze DESC LIMIT 200`,
  evaluate(rows, ctx) {
    const t: Thresholds = ctx.thresholds;
    return rows.flatMap((r): Finding[] => {
      const modified = num(r.modified) ?? 0;
      const base = Math.max(num(r.reltuples) ?? 0, num(r.live) ?? 0);
      const share = base > 0 ? modified / base : 1;
      if (modified < t.staleStatsMinRows || share < t.staleStatsRatio) return [];
      const since = num(r.since_analyze_sec);
      return [finding('stale-statistics', 'warn', `Stale statistics on ${where(r)}`,
        `${count(modified)} rows of ${where(r)} (${pct(Math.min(share, 9.99), 0)} of its ${count(base)}) changed since it was last analyzed (${since === null ? 'never analyzed' : `${duration(since)} ago`}); the planner estimates from the old numbers (thresholds ${pct(t.staleStatsRatio, 0)} and ${count(t.staleStatsMinRows)} rows).`,
        {
          location: where(r),
          evidence: { modifiedSinceAnalyze: modified, rows: base, modifiedRatio: share, lastAnalyzed: r.last_analyzed ? String(r.last_analyzed) : null, ratioThreshold: t.staleStatsRatio, minRows: t.staleStatsMinRows },
          fix: `ANALYZE ${where(r)}; if it recurs, ALTER TABLE ${where(r)} SET (autovacuum_analyze_scale_factor = 0.02);`,
        })];
    });
  },
  metrics(rows, ctx) {
    return { staleStatisticsTables: staleStatistics.evaluate(rows, ctx).length };
  },
};
