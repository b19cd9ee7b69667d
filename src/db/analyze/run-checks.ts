// Runs the health checks of `db analyze`, each alone: its own read-only transaction with SET LOCAL
// statement_timeout, so one slow check fails by itself and the report goes on. What the role may not
// see is 'skipped' with the grant that would allow it; a lost connection ends the run (exit 3).
import { usageError } from '../../cli/errors.js';
import { isConnectionLoss, type PgConnection } from '../../connectors/postgres.js';
import type { Finding } from '../../report/model.js';
import { DEFAULT_THRESHOLDS, type CheckContext, type HealthCheck, type Row, type SettingValue, type SqlContext, type Thresholds } from './check-model.js';
import { HEALTH_CHECKS, checkSql } from './checks.js';

export type CheckStatus = 'ok' | 'findings' | 'skipped' | 'failed';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  ms: number;
  findings: number;
  /** Why it was skipped or failed, or what it could not see. */
  reason?: string;
  /** The grant that would let this role run (or fully see) the check. */
  grant?: string;
}

export interface RunChecksOptions {
  statementTimeoutMs: number;
  /** Run only these check ids. */
  only?: string[];
  /** A statement timeout per check id, over statementTimeoutMs. */
  timeouts?: Record<string, number>;
  thresholds?: Partial<Thresholds>;
  /** The server machine's memory, when known (for the settings check). */
  machine?: { memoryBytes?: number };
  /** The catalogue (default HEALTH_CHECKS). */
  checks?: readonly HealthCheck[];
}

export interface ChecksOutcome {
  findings: Finding[];
  results: CheckResult[];
  /** cacheHitRatio (0–1), connectionsUsedPct, xidAgePct (0–100), … only the ones measured. */
  metrics: Record<string, number>;
}

const PREFLIGHT_SQL = `/* perfkit */ SELECT current_user AS usr,
  coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS superuser,
  pg_has_role(current_user, 'pg_monitor', 'USAGE') AS monitor,
  (SELECT coalesce(json_object_agg(e.extname, n.nspname), '{}') FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace) AS ext,
  (SELECT coalesce(json_object_agg(name, json_build_object('setting', setting, 'unit', unit)), '{}') FROM pg_settings) AS settings`;

export async function runChecks(conn: PgConnection, opts: RunChecksOptions): Promise<ChecksOutcome> {
  const catalogue = opts.checks ?? HEALTH_CHECKS;
  const known = new Set(catalogue.map((c) => c.id));
  const unknown = (opts.only ?? []).filter((id) => !known.has(id));
  if (unknown.length) throw usageError(`unknown health check ${unknown.join(', ')}`, `use one of ${[...known].join(', ')}`);
  const chosen = opts.only ? catalogue.filter((c) => opts.only!.includes(c.id)) : catalogue;

  const [pre] = await conn.query(PREFLIGHT_SQL);
  const user = String(pre.usr);
  const superuser = Boolean(pre.superuser);
  const monitor = superuser || Boolean(pre.monitor);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
  const sqlCtx: SqlContext = { versionNum: conn.info.versionNum, extensionSchemas: pre.ext as Record<string, string>, thresholds };
  const ctx: CheckContext = { versionNum: conn.info.versionNum, settings: pre.settings as Record<string, SettingValue>, thresholds, machine: opts.machine };

  const out: ChecksOutcome = { findings: [], results: [], metrics: {} };
  for (const check of chosen) {
    const started = performance.now();
    const result = (status: CheckStatus, extra: Partial<CheckResult> = {}): CheckResult => ({
      id: check.id, title: check.title, status, ms: Math.round(performance.now() - started), findings: 0, ...extra,
    });
    const refusal = needsRefusal(check, { user, superuser, monitor, extensions: sqlCtx.extensionSchemas });
    if (refusal) {
      out.results.push(result('skipped', refusal));
      continue;
    }
    const sql = checkSql(check, sqlCtx);
    const timeoutMs = opts.timeouts?.[check.id] ?? opts.statementTimeoutMs;
    const ran = await runOne(conn, sql, timeoutMs);
    if ('error' in ran) {
      const err = ran.error as { code?: string; message?: string };
      if (err.code === '42501') {
        out.results.push(result('skipped', { reason: `permission denied: ${err.message}`, grant: check.grant?.(user, sqlCtx) ?? `GRANT pg_monitor TO ${user};` }));
      } else {
        out.results.push(result('failed', { reason: failureReason(err, timeoutMs) }));
      }
      continue;
    }
    let findings: Finding[];
    let hidden: ReturnType<NonNullable<HealthCheck['hidden']>> = null;
    try {
      hidden = check.hidden?.(ran.rows, user) ?? null;
      findings = check.evaluate(ran.rows, ctx).map((f) => ({ ...f, evidence: { ...f.evidence, sql } }));
      for (const [k, v] of Object.entries(check.metrics?.(ran.rows, ctx) ?? {})) if (typeof v === 'number' && Number.isFinite(v)) out.metrics[k] = v;
    } catch (e) {
      out.results.push(result('failed', { reason: `could not evaluate the rows: ${(e as Error).message}` }));
      continue;
    }
    out.findings.push(...findings);
    const seen = hidden ? { reason: hidden.reason, grant: hidden.grant } : {};
    if (hidden && hidden.count >= ran.rows.length && !findings.length) out.results.push(result('skipped', seen));
    else out.results.push(result(findings.length ? 'findings' : 'ok', { findings: findings.length, ...seen }));
  }
  return out;
}

function needsRefusal(check: HealthCheck, who: { user: string; superuser: boolean; monitor: boolean; extensions: Record<string, string> }): Pick<CheckResult, 'reason' | 'grant'> | null {
  if (!check.needs) return null;
  if (check.needs === 'pg_monitor') {
    return who.monitor ? null : {
      reason: `${who.user} is not a member of pg_monitor: other sessions' state and query text, and the replication views, are hidden from it`,
      grant: `GRANT pg_monitor TO ${who.user};`,
    };
  }
  if (check.needs === 'superuser') {
    return who.superuser ? null : { reason: `needs a superuser; ${who.user} is not one`, grant: `connect as a superuser (ALTER ROLE ${who.user} SUPERUSER;)` };
  }
  return check.needs in who.extensions ? null : {
    reason: `the extension ${check.needs} is not installed in this database`,
    grant: `CREATE EXTENSION ${check.needs};`,
  };
}

/** One statement in its own read-only transaction. SQL errors come back as values; a lost connection throws. */
async function runOne(conn: PgConnection, sql: string, timeoutMs: number): Promise<{ rows: Row[] } | { error: unknown }> {
  return conn.withClient(async (client) => {
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
      const res = await client.query(sql);
      await client.query('COMMIT');
      return { rows: res.rows as Row[] };
    } catch (e) {
      if (isConnectionLoss(e)) throw e; // withClient discards the client and describes it
      await client.query('ROLLBACK').catch(() => {});
      return { error: e };
    }
  });
}

function failureReason(err: { code?: string; message?: string }, timeoutMs: number): string {
  const after = timeoutMs >= 1000 ? `${+(timeoutMs / 1000).toFixed(1)} s` : `${timeoutMs} ms`;
  if (err.code === '57014') return `canceled by statement timeout after ${after}`;
  if (err.code === '55P03') return `canceled by lock timeout after ${after}: a lock it needed was held`;
  return `${err.code ? `${err.code}: ` : ''}${err.message ?? String(err)}`;
}
