// Health checks on the server and schema: sequences near their maximum, replication lag, inactive
// replication slots, temporary files, checkpoint pressure, pg_stat_statements, invalid constraints.
import type { Finding } from '../../report/model.js';
import { bytes, count, duration, finding, ident, num, pct, str, type HealthCheck, type Row } from './check-model.js';

const TYPE_MAX: Record<string, number> = { smallint: 32_767, integer: 2_147_483_647, bigint: 9_223_372_036_854_775_807 };

export const sequenceOverflow: HealthCheck = {
  id: 'sequence-overflow',
  section: 'health',
  title: 'Sequences near their maximum',
  // pghero's "columns near overflow": the limit is the smaller of the sequence's maximum and the type
  // of the column it feeds (an integer column behind a bigint sequence overflows at 2^31 - 1).
  sql: `/* perfkit */ SELECT s.schemaname AS schema, s.sequencename AS sequence, s.data_type::text AS data_type,
  s.last_value::float8 AS last_value, s.max_value::float8 AS max_value, s.increment_by::float8 AS increment_by,
  has_sequence_privilege(format('%I.%I', s.schemaname, s.sequencename), 'SELECT,USAGE') AS visible,
  col.owner_table, col.owner_column, col.column_type
FROM pg_sequences s
LEFT JOIN LATERAL (
  SELECT format('%I.%I', tn.nspname, t.relname) AS owner_table, a.attname AS owner_column, format_type(a.atttypid, NULL) AS column_type
  FROM pg_class sc JOIN pg_namespace sn ON sn.oid = sc.relnamespace
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = sc.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
  WHERE sn.nspname = s.schemaname AND sc.relname = s.sequencename LIMIT 1) col ON true
ORDER BY 1, 2`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    return rows.flatMap((r): Finding[] => {
      const last = num(r.last_value);
      const { max, limitedBy } = sequenceMax(r);
      if (last === null || (num(r.increment_by) ?? 1) < 0 || !max) return [];
      const used = last / max;
      if (used < t.sequencePct) return [];
      const name = ident(String(r.schema), String(r.sequence));
      const col = r.owner_table ? `${r.owner_table}.${ident(String(r.owner_column))}` : null;
      return [finding('sequence-overflow', used >= t.sequencePctError ? 'error' : 'warn', `Sequence ${name} near its maximum`,
        `${name} is at ${count(last)} of ${count(max)} (${pct(used)}, threshold ${pct(t.sequencePct, 0)}; the limit is the ${limitedBy}${col ? ` of ${col}` : ''}): ${count(max - last)} values are left before inserts fail.`,
        {
          location: name,
          evidence: { lastValue: last, maxValue: max, usedRatio: used, remaining: max - last, sequenceType: str(r.data_type), column: col, columnType: str(r.column_type), limitedBy, threshold: t.sequencePct },
          fix: col && r.column_type !== 'bigint'
            ? `ALTER TABLE ${r.owner_table} ALTER COLUMN ${ident(String(r.owner_column))} TYPE bigint; ALTER SEQUENCE ${name} AS bigint; (rewrites the table under an ACCESS EXCLUSIVE lock: plan it, or migrate to a new bigint column in steps)`
            : `ALTER SEQUENCE ${name} AS bigint; (and make sure every column it feeds is bigint)`,
        })];
    });
  },
  metrics(rows) {
    const used = rows.map((r) => {
      const last = num(r.last_value);
      const { max } = sequenceMax(r);
      return last !== null && max ? last / max : null;
    }).filter((x): x is number => x !== null);
    return { maxSequenceUsedPct: used.length ? Math.max(...used) * 100 : null };
  },
  hidden(rows, user) {
    const hidden = rows.filter((r) => r.visible === false);
    if (!hidden.length) return null;
    const schemas = [...new Set(hidden.map((r) => ident(String(r.schema))))];
    return {
      count: hidden.length,
      reason: `${hidden.length} of ${rows.length} sequences are hidden from ${user}: pg_sequences shows last_value only with SELECT or USAGE on the sequence`,
      grant: `GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${schemas.join(', ')} TO ${user}; -- or GRANT pg_read_all_data TO ${user}`,
    };
  },
};

function sequenceMax(r: Row): { max: number | null; limitedBy: string } {
  const seqMax = num(r.max_value);
  const colMax = r.column_type ? TYPE_MAX[String(r.column_type)] : undefined;
  if (colMax !== undefined && (seqMax === null || colMax < seqMax)) return { max: colMax, limitedBy: `column type ${r.column_type}` };
  return { max: seqMax, limitedBy: `sequence's maximum (${r.data_type})` };
}

export const replicationLag: HealthCheck = {
  id: 'replication-lag',
  section: 'health',
  title: 'Replication lag',
  needs: 'pg_monitor',
  sql: `/* perfkit */ SELECT 'self' AS kind, NULL::text AS name, NULL::text AS client, NULL::text AS state,
  (CASE WHEN pg_is_in_recovery() THEN CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END END)::float8 AS lag_sec,
  NULL::float8 AS lag_bytes
WHERE pg_is_in_recovery()
UNION ALL
SELECT 'standby', application_name, client_addr::text, state, extract(epoch FROM replay_lag)::float8,
  pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN sent_lsn ELSE pg_current_wal_lsn() END, replay_lsn)::float8
FROM pg_stat_replication`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    return rows.flatMap((r): Finding[] => {
      const lag = num(r.lag_sec);
      if (lag === null || lag < t.replicationLagSec) return [];
      const self = r.kind === 'self';
      const who = self ? 'This replica' : `Standby ${r.name || r.client || '?'}`;
      return [finding('replication-lag', lag >= t.replicationLagErrorSec ? 'error' : 'warn', 'Replication lag',
        `${who} is ${duration(lag)} behind${num(r.lag_bytes) !== null ? ` (${bytes(num(r.lag_bytes) ?? 0)} of WAL not replayed)` : ''}; the threshold is ${duration(t.replicationLagSec)}.`,
        {
          location: self ? 'this server' : `standby ${r.name || r.client}`,
          evidence: { lagSec: lag, lagBytes: num(r.lag_bytes), state: str(r.state), client: str(r.client), thresholdSec: t.replicationLagSec },
          fix: `Check the replica's disk and CPU and the network; long queries on a replica with hot_standby_feedback or max_standby_streaming_delay can hold replay back (SELECT * FROM pg_stat_database_conflicts).`,
        })];
    });
  },
  metrics(rows) {
    const lags = rows.map((r) => num(r.lag_sec)).filter((x): x is number => x !== null);
    return { replicationLagSec: lags.length ? Math.max(...lags) : null };
  },
};

export const inactiveReplicationSlot: HealthCheck = {
  id: 'inactive-replication-slot',
  section: 'health',
  title: 'Inactive replication slots',
  sql: `/* perfkit */ SELECT slot_name, slot_type, database, wal_status,
  pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::float8 AS retained_bytes,
  age(xmin)::float8 AS xmin_age, age(catalog_xmin)::float8 AS catalog_xmin_age
FROM pg_replication_slots WHERE NOT active ORDER BY slot_name`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    return rows.map((r) => {
      const retained = num(r.retained_bytes);
      const lost = r.wal_status === 'lost';
      const xminAge = Math.max(num(r.xmin_age) ?? 0, num(r.catalog_xmin_age) ?? 0);
      return finding('inactive-replication-slot', lost || (retained ?? 0) >= t.inactiveSlotErrorBytes ? 'error' : 'warn', `Inactive replication slot ${r.slot_name}`,
        `The ${r.slot_type} slot ${r.slot_name}${r.database ? ` (database ${r.database})` : ''} has no consumer connected${lost ? ' and has lost the WAL it needed' : `; it retains ${retained === null ? 'an unknown amount of' : bytes(retained)} WAL`}${xminAge ? ` and holds back VACUUM by ${count(xminAge)} transactions` : ''}.`,
        {
          location: `slot ${r.slot_name}`,
          evidence: { slot: str(r.slot_name), type: str(r.slot_type), database: str(r.database), walStatus: str(r.wal_status), retainedBytes: retained, xminAge: xminAge || null, errorBytes: t.inactiveSlotErrorBytes },
          fix: `If its consumer is gone: SELECT pg_drop_replication_slot('${String(r.slot_name).replace(/'/g, "''")}'); otherwise reconnect it. Cap the damage with max_slot_wal_keep_size.`,
        });
    });
  },
  metrics(rows) {
    return { inactiveReplicationSlots: rows.length };
  },
};

export const tempFiles: HealthCheck = {
  id: 'temp-files',
  section: 'health',
  title: 'Temporary files',
  sql: `/* perfkit */ SELECT datname, temp_files::float8 AS temp_files, temp_bytes::float8 AS temp_bytes, stats_reset
FROM pg_stat_database WHERE datname = current_database()`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    const r = rows[0];
    const files = num(r?.temp_files) ?? 0;
    const size = num(r?.temp_bytes) ?? 0;
    if (!r || files === 0) return [];
    const workMem = ctx.settings.work_mem ? `${ctx.settings.work_mem.setting}${ctx.settings.work_mem.unit ?? ''}` : 'work_mem';
    return [finding('temp-files', size >= t.tempBytesWarn ? 'warn' : 'info', 'Queries spill to temporary files',
      `Database ${r.datname} wrote ${count(files)} temporary files, ${bytes(size)} in all, since ${r.stats_reset ? `its statistics were reset (${String(r.stats_reset)})` : 'statistics began'}: sorts and hashes larger than work_mem (${workMem}) went to disk (warning from ${bytes(t.tempBytesWarn)}).`,
      {
        location: `database ${r.datname}`,
        evidence: { tempFiles: files, tempBytes: size, statsReset: r.stats_reset ? String(r.stats_reset) : null, workMem: ctx.settings.work_mem?.setting ?? null, warnBytes: t.tempBytesWarn },
        fix: `Find the queries: SET log_temp_files = '10MB' (logged), or pg_stat_statements ORDER BY temp_blks_written DESC; then raise work_mem for them (SET LOCAL work_mem = '64MB') or add the index that avoids the sort.`,
      })];
  },
  metrics(rows) {
    return { tempFiles: num(rows[0]?.temp_files), tempBytes: num(rows[0]?.temp_bytes) };
  },
};

export const checkpointPressure: HealthCheck = {
  id: 'checkpoint-pressure',
  section: 'health',
  title: 'Checkpoint pressure',
  // PostgreSQL 17 moved the checkpoint counters from pg_stat_bgwriter to pg_stat_checkpointer.
  sql: ({ versionNum }) => versionNum >= 170000
    ? `/* perfkit */ SELECT num_timed::float8 AS timed, num_requested::float8 AS requested, stats_reset FROM pg_stat_checkpointer`
    : `/* perfkit */ SELECT checkpoints_timed::float8 AS timed, checkpoints_req::float8 AS requested, stats_reset FROM pg_stat_bgwriter`,
  evaluate(rows, ctx) {
    const t = ctx.thresholds;
    const timed = num(rows[0]?.timed) ?? 0;
    const requested = num(rows[0]?.requested) ?? 0;
    const total = timed + requested;
    if (total < t.checkpointMin || requested / total < t.checkpointRequestedRatio) return [];
    const maxWal = ctx.settings.max_wal_size ? `${ctx.settings.max_wal_size.setting}${ctx.settings.max_wal_size.unit ?? ''}` : null;
    return [finding('checkpoint-pressure', requested / total >= 0.5 ? 'warn' : 'info', 'Checkpoints forced by WAL volume',
      `${count(requested)} of ${count(total)} checkpoints (${pct(requested / total, 0)}) were requested rather than timed (threshold ${pct(t.checkpointRequestedRatio, 0)}): WAL fills max_wal_size${maxWal ? ` (${maxWal})` : ''} before checkpoint_timeout, and each early checkpoint means more full-page writes. Manual CHECKPOINTs count as requested too.`,
      {
        location: 'server',
        evidence: { timed, requested, requestedRatio: requested / total, maxWalSize: maxWal, checkpointTimeout: ctx.settings.checkpoint_timeout?.setting ?? null, statsReset: rows[0]?.stats_reset ? String(rows[0].stats_reset) : null, threshold: t.checkpointRequestedRatio },
        fix: `Raise max_wal_size (e.g. ALTER SYSTEM SET max_wal_size = '4GB'; SELECT pg_reload_conf();) so checkpoints come from checkpoint_timeout; keep checkpoint_completion_target = 0.9.`,
      })];
  },
  metrics(rows) {
    const timed = num(rows[0]?.timed) ?? 0;
    const requested = num(rows[0]?.requested) ?? 0;
    return { checkpointsRequestedPct: timed + requested ? (requested / (timed + requested)) * 100 : null };
  },
};

export const pgStatStatementsMissing: HealthCheck = {
  id: 'pg-stat-statements-missing',
  section: 'health',
  title: 'pg_stat_statements',
  sql: `/* perfkit */ SELECT (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed,
  EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') AS available,
  (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload`,
  evaluate(rows) {
    const r = rows[0] ?? {};
    const preload = r.preload === null || r.preload === undefined ? null : String(r.preload).split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
    const loaded = preload === null ? null : preload.includes('pg_stat_statements');
    if (r.installed && loaded !== false) return [];
    const steps: string[] = [];
    if (!r.available) steps.push('install the contrib package (postgresql-contrib)');
    if (loaded === false) steps.push(`ALTER SYSTEM SET shared_preload_libraries = '${[...(preload ?? []).filter(Boolean), 'pg_stat_statements'].join(',')}'; and restart`);
    if (!r.installed) steps.push('CREATE EXTENSION pg_stat_statements;');
    const why = !r.installed && loaded === false ? 'is neither loaded (shared_preload_libraries) nor created in this database'
      : !r.installed ? `is not created in this database${loaded === null ? ' (whether it is preloaded is hidden from this role)' : ''}`
      : 'is created but not in shared_preload_libraries, so it records nothing';
    return [finding('pg-stat-statements-missing', 'warn', 'pg_stat_statements is missing',
      `pg_stat_statements ${why}: without it there are no per-query times, so slow queries, plan diagnostics and index advice cannot be computed.`,
      { location: 'server', evidence: { installed: str(r.installed), available: Boolean(r.available), preloaded: loaded }, fix: steps.join('; then ') })];
  },
};

export const invalidConstraint: HealthCheck = {
  id: 'invalid-constraint',
  section: 'health',
  title: 'Invalid constraints',
  sql: `/* perfkit */ SELECT n.nspname AS schema, t.relname AS table, c.conname AS name, c.contype::text AS type, pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT c.convalidated AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2, 3`,
  evaluate(rows) {
    return rows.map((r) => {
      const table = ident(String(r.schema), String(r.table));
      return finding('invalid-constraint', 'warn', `Constraint ${r.name} not validated`,
        `${r.type === 'f' ? 'Foreign key' : 'Check constraint'} ${r.name} on ${table} (${r.definition}) was added NOT VALID and never validated: existing rows may break it, and the planner cannot rely on it.`,
        {
          location: `${table}.${ident(String(r.name))}`,
          evidence: { table, constraint: str(r.name), type: str(r.type), definition: str(r.definition) },
          fix: `ALTER TABLE ${table} VALIDATE CONSTRAINT ${ident(String(r.name))}; (a SHARE UPDATE EXCLUSIVE lock: writes go on; it fails if a row violates it)`,
        });
    });
  },
};
