// The catalogue of `db analyze` health checks, as data: each one tagged query and a pure evaluate.
// run-checks.ts runs them; tests and other callers may pass their own list.
import type { HealthCheck } from './check-model.js';
import { blockedQueries, cacheHitRatio, connections, idleInTransaction, longRunningQueries } from './checks-activity.js';
import { autovacuumBehind, deadTuples, multixactWraparound, staleStatistics, tableBloat, xidWraparound } from './checks-vacuum.js';
import {
  checkpointPressure, inactiveReplicationSlot, invalidConstraint, pgStatStatementsMissing, replicationLag, sequenceOverflow, tempFiles,
} from './checks-server.js';
import { settings } from './checks-settings.js';

export { DEFAULT_THRESHOLDS, type CheckContext, type HealthCheck, type Row, type SqlContext, type Thresholds } from './check-model.js';

export const HEALTH_CHECKS: readonly HealthCheck[] = [
  cacheHitRatio,
  connections,
  idleInTransaction,
  longRunningQueries,
  blockedQueries,
  xidWraparound,
  multixactWraparound,
  sequenceOverflow,
  replicationLag,
  inactiveReplicationSlot,
  tableBloat,
  deadTuples,
  autovacuumBehind,
  staleStatistics,
  tempFiles,
  checkpointPressure,
  settings,
  pgStatStatementsMissing,
  invalidConstraint,
];

export const HEALTH_CHECK_IDS = HEALTH_CHECKS.map((c) => c.id);

/** The check's SQL for this server. */
export function checkSql(check: HealthCheck, ctx: Parameters<Exclude<HealthCheck['sql'], string>>[0]): string {
  return typeof check.sql === 'string' ? check.sql : check.sql(ctx);
}
