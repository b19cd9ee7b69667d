// The shape of a health check of `db analyze` (one tagged query + a pure evaluate), its thresholds,
// and small helpers the checks share for reading rows and wording numbers. Pure: no pg, no fs.
import type { Finding, Severity } from '../../report/model.js';

export type Row = Record<string, unknown>;

/** One pg_settings row: the raw setting and its unit ('8kB', 'kB', 'MB', 'ms', 's', or null). */
export interface SettingValue {
  setting: string;
  unit: string | null;
}

/** What the SQL of a check may depend on. */
export interface SqlContext {
  versionNum: number;
  /** Installed extensions of the current database → the schema each lives in. */
  extensionSchemas: Record<string, string>;
  thresholds: Thresholds;
}

export interface CheckContext {
  versionNum: number;
  settings: Record<string, SettingValue>;
  thresholds: Thresholds;
  /** Facts about the server's machine, when the caller knows them (PostgreSQL does not tell). */
  machine?: { memoryBytes?: number };
}

/** pg_monitor: reads other sessions and pg_stat_* views; superuser; or an extension name. */
export type CheckNeed = 'pg_monitor' | 'superuser' | (string & {});

export interface HealthCheck {
  id: string;
  section: 'health';
  title: string;
  sql: string | ((ctx: SqlContext) => string);
  needs?: CheckNeed;
  /** The grant that lets `user` run this check when the server refused it (42501). */
  grant?: (user: string, ctx: SqlContext) => string;
  evaluate(rows: Row[], ctx: CheckContext): Finding[];
  /** Summary numbers (e.g. cacheHitRatio); keys with null are left out of the summary. */
  metrics?(rows: Row[], ctx: CheckContext): Record<string, number | null>;
  /** Rows the role could not see (a view that returns NULLs rather than refusing): how many, and what grant shows them. */
  hidden?(rows: Row[], user: string): { count: number; reason: string; grant: string } | null;
}

const MB = 1024 * 1024;

/** Where a check starts to report. pghero's defaults where it has one (lib/pghero.rb). */
export const DEFAULT_THRESHOLDS = {
  /** pghero cache_hit_rate_threshold 99 %: below it, for tables or indexes, warn (a fraction). */
  cacheHitRatio: 0.99,
  /** … and below this, an error. */
  cacheHitRatioError: 0.9,
  /** A ratio from fewer block reads than this is noise (a fresh or idle database). */
  cacheMinBlocks: 10_000,
  /** Connections in use against max_connections, in %. */
  connectionsWarnPct: 80,
  connectionsErrorPct: 95,
  /** pghero total_connections_threshold. */
  connectionsTotal: 500,
  /** pghero: fewer than 100 sessions idle in transaction. */
  idleInTransactionCount: 100,
  /** A session idle in transaction longer than this holds its locks and snapshot for nothing (s). */
  idleInTransactionSec: 300,
  /** pghero long_running_query_sec. */
  longRunningSec: 60,
  /** A query waiting on a lock longer than this (s) is reported; shorter waits are normal traffic. */
  blockedSec: 5,
  /** pghero: warn when fewer than 1.5 billion transaction IDs are left before wraparound … */
  xidRemainingWarn: 1_500_000_000,
  /** … error when fewer than 500 million (PostgreSQL refuses writes at 3 million). */
  xidRemainingError: 500_000_000,
  /** pghero sequence_threshold 0.9 (a fraction of the type's maximum) … */
  sequencePct: 0.9,
  /** … error from here. */
  sequencePctError: 0.98,
  /** pghero: replication lag is good under 5 s. */
  replicationLagSec: 5,
  replicationLagErrorSec: 300,
  /** An inactive slot retaining more WAL than this is an error (it fills the disk). */
  inactiveSlotErrorBytes: 10 * 1024 * MB,
  /** Table bloat (pgstattuple_approx: dead tuples + free space) reported from this share … */
  tableBloatRatio: 0.3,
  /** … and this many wasted bytes (pghero's index bloat threshold, 100 MB). */
  tableBloatBytes: 100 * MB,
  /** Only tables at least this big are measured, the biggest first, at most tableBloatMaxTables. */
  tableBloatMinTableBytes: 10 * MB,
  tableBloatMaxTables: 50,
  /** Dead tuples as a share of all tuples (pghero's maintenance page shows the %) … */
  deadTuplesRatio: 0.2,
  /** … on tables with at least this many dead tuples. */
  deadTuplesMin: 10_000,
  /** Autovacuum is behind when dead tuples exceed its own trigger (threshold + scale × rows) this many times. */
  autovacuumBehindFactor: 2,
  /** Statistics are stale when rows modified since the last analyze exceed this share of the rows … */
  staleStatsRatio: 0.2,
  /** … and this many rows. */
  staleStatsMinRows: 1_000,
  /** Temporary files written since the statistics reset: info from 1 byte, warn from this many bytes. */
  tempBytesWarn: 1024 * MB,
  /** Requested checkpoints (WAL full, CHECKPOINT) above this share of all checkpoints … */
  checkpointRequestedRatio: 0.2,
  /** … counted over at least this many checkpoints. */
  checkpointMin: 10,
};

export type Thresholds = typeof DEFAULT_THRESHOLDS;

export function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function pct(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function duration(sec: number): string {
  if (sec < 120) return `${Math.round(sec)} s`;
  if (sec < 7200) return `${Math.round(sec / 60)} min`;
  if (sec < 172_800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86_400).toFixed(1)} days`;
}

/** A setting in bytes, for memory settings (unit 8kB, kB, MB, B); null when absent or not memory. */
export function settingBytes(settings: Record<string, SettingValue>, name: string): number | null {
  const s = settings[name];
  const v = s ? num(s.setting) : null;
  if (!s || v === null) return null;
  const unit = s.unit ?? 'B';
  const m = /^(\d*)\s*(B|kB|MB|GB)$/.exec(unit);
  if (!m) return null;
  const factor = { B: 1, kB: 1024, MB: MB, GB: 1024 * MB }[m[2] as 'B' | 'kB' | 'MB' | 'GB'];
  return v * (m[1] ? Number(m[1]) : 1) * factor;
}

export function settingNumber(settings: Record<string, SettingValue>, name: string): number | null {
  return num(settings[name]?.setting);
}

/** A quoted identifier path for fixes: public.orders, "Odd"."Name". */
export function ident(...parts: string[]): string {
  return parts.map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`)).join('.');
}

export function finding(rule: string, severity: Severity, title: string, message: string, extra: Partial<Finding> = {}): Finding {
  return { rule, severity, title, message, ...extra };
}
