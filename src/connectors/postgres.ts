// PostgreSQL connector: resolves the target from flag/env conventions, opens a small pg Pool with
// safe session defaults, detects the server, and turns driver errors into catalogue errors.
import pg from 'pg';
import { connectError, runtimeError, inputError, type PerfkitError } from '../cli/errors.js';
import { redact } from '../util/redact.js';

/** One dedicated session (from PgConnection.withClient), for transactions and session state. */
export type PgSession = pg.ClientBase;
export type PgRow = pg.QueryResultRow;

export interface PgTarget {
  /** Redacted, for reports and messages. */
  display: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** Where the target came from: flag, config, an env variable name, or libpq. */
  source: string;
  config: pg.PoolConfig;
  secrets: string[];
}

export interface PgSessionOptions {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  connectTimeoutMs: number;
  applicationName?: string;
  /** Pool size; 1 for the embedded server, which serves one connection at a time. */
  maxConnections?: number;
}

export interface PgServerInfo {
  versionNum: number;
  version: string;
  database: string;
  user: string;
  extensions: Record<string, string>;
  available: string[];
  /** null when this role may not read shared_preload_libraries. */
  sharedPreload: string[] | null;
  isSuperuser: boolean;
}

const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

/** Finds the target: --db > PERFKIT_DB_URL > DATABASE_URL > config db.url > libpq PG* variables. */
export function resolvePgTarget(
  explicit: { flag?: string; configUrl?: string; configSource?: string },
  env: Record<string, string | undefined>,
): PgTarget {
  const pick =
    (explicit.flag && { url: explicit.flag, source: '--db' }) ||
    (env.PERFKIT_DB_URL && { url: env.PERFKIT_DB_URL, source: 'PERFKIT_DB_URL' }) ||
    (env.DATABASE_URL && { url: env.DATABASE_URL, source: 'DATABASE_URL' }) ||
    (explicit.configUrl && { url: explicit.configUrl, source: explicit.configSource ?? 'config db.url' }) ||
    undefined;
  if (pick) return targetFromUrl(pick.url, pick.source, env);
  const host = env.PGHOST || 'localhost';
  const port = Number(env.PGPORT || 5432);
  const user = env.PGUSER || env.USER || 'postgres';
  const database = env.PGDATABASE || user;
  const password = env.PGPASSWORD;
  const config: pg.PoolConfig = { host, port, user, database, password, ssl: sslFromMode(env.PGSSLMODE) };
  const display = `postgres://${encodeURIComponent(user)}${password ? ':***' : ''}@${host}:${port}/${database}`;
  return { display, host, port, database, user, source: 'libpq environment (PGHOST…)', config, secrets: literalSecrets(password, user, database) };
}

function targetFromUrl(url: string, source: string, env: Record<string, string | undefined>): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw inputError(`${source}: not a PostgreSQL URL: '${redact(url)}'`, 'use postgres://user:password@host:5432/dbname');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw inputError(`${source}: '${redact(url)}' is not a postgres:// URL`, 'use postgres://user:password@host:5432/dbname');
  }
  const params = u.searchParams;
  const host = params.get('host') || decodeURIComponent(u.hostname) || env.PGHOST || 'localhost';
  const port = Number(u.port || params.get('port') || env.PGPORT || 5432);
  const user = decodeURIComponent(u.username) || params.get('user') || env.PGUSER || env.USER || 'postgres';
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || params.get('dbname') || env.PGDATABASE || user;
  const password = decodeURIComponent(u.password) || params.get('password') || env.PGPASSWORD || undefined;
  const sslmode = params.get('sslmode') ?? env.PGSSLMODE;
  if (sslmode && !SSL_MODES.has(sslmode)) {
    throw inputError(`${source}: unknown sslmode '${sslmode}'`, `use one of ${[...SSL_MODES].join(', ')}`);
  }
  const config: pg.PoolConfig = { host, port, user, database, password, ssl: sslFromMode(sslmode ?? undefined) };
  const display = `postgres://${encodeURIComponent(user)}${password ? ':***' : ''}@${host}:${port}/${database}`;
  return { display, host, port, database, user, source, config, secrets: literalSecrets(password, user, database) };
}

/** The password as a literal to redact everywhere, unless it is the user or database name (postgres:postgres,
 *  perfkit:perfkit): those are printed anyway, and blanking them would blank every "postgres" in a report.
 *  URL passwords are still redacted by pattern. */
function literalSecrets(password: string | undefined, user: string, database: string): string[] {
  return password && password !== user && password !== database ? [password] : [];
}

function sslFromMode(mode: string | undefined): pg.PoolConfig['ssl'] {
  switch (mode) {
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      return undefined;
  }
}

export class PgConnection {
  constructor(
    readonly pool: pg.Pool,
    readonly target: PgTarget,
    readonly info: PgServerInfo,
  ) {}

  async query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      const res = await this.pool.query(sql, params);
      return res.rows as T[];
    } catch (e) {
      throw describePgError(e, this.target);
    }
  }

  /** Runs fn on one dedicated client (for transactions and SET LOCAL). */
  async withClient<T>(fn: (client: PgSession) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw describePgError(e, this.target);
    }
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (e) {
      if (isConnectionLoss(e)) broken = e as Error;
      throw describePgError(e, this.target);
    } finally {
      client.release(broken);
    }
  }

  hasExtension(name: string): boolean {
    return name in this.info.extensions;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}

export async function connectPostgres(target: PgTarget, opts: PgSessionOptions): Promise<PgConnection> {
  const pool = new pg.Pool({
    ...target.config,
    application_name: opts.applicationName ?? 'perfkit',
    statement_timeout: opts.statementTimeoutMs,
    lock_timeout: opts.lockTimeoutMs,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    max: opts.maxConnections ?? 4,
    idleTimeoutMillis: 5_000,
    allowExitOnIdle: true,
  });
  // An idle client dying (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    const info = await detectServer(pool);
    return new PgConnection(pool, target, info);
  } catch (e) {
    await pool.end().catch(() => {});
    throw describePgError(e, target);
  }
}

async function detectServer(pool: pg.Pool): Promise<PgServerInfo> {
  const { rows } = await pool.query(`/* perfkit */ SELECT current_setting('server_version_num')::int AS num, version() AS version,
      current_database() AS db, current_user AS usr,
      (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload,
      (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
      (SELECT coalesce(json_object_agg(extname, extversion), '{}') FROM pg_extension) AS ext,
      (SELECT coalesce(json_agg(name), '[]') FROM pg_available_extensions) AS avail`);
  const r = rows[0];
  return {
    versionNum: Number(r.num),
    version: String(r.version),
    database: String(r.db),
    user: String(r.usr),
    extensions: r.ext as Record<string, string>,
    available: r.avail as string[],
    // pg_settings hides this from roles without pg_read_all_settings: null means "cannot tell".
    sharedPreload: r.preload === null || r.preload === undefined ? null : String(r.preload).split(',').map((s) => s.trim()).filter(Boolean),
    isSuperuser: Boolean(r.superuser),
  };
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

export function isConnectionLoss(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code && (CONNECTION_CODES.has(err.code) || err.code.startsWith('57P') || err.code.startsWith('08'))) return true;
  return /Connection terminated|connection lost|Client has encountered a connection error/i.test(err?.message ?? '');
}

/** Maps a driver error to one catalogue error: where, what in words, and what to do. */
export function describePgError(e: unknown, target: PgTarget): PerfkitError {
  if ((e as { kind?: string })?.kind) return e as PerfkitError;
  const err = e as { code?: string; message?: string; position?: string; detail?: string };
  const where = `PostgreSQL at ${target.host}:${target.port}`;
  const msg = redact(err?.message ?? String(e), target.secrets);
  const fixUrl = `check --db, PERFKIT_DB_URL or DATABASE_URL (now ${target.display}, from ${target.source})`;
  switch (err?.code) {
    case 'ECONNREFUSED':
      return connectError(`cannot connect to ${where}: connection refused`, `is the server running and listening there? ${fixUrl}`, e);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return connectError(`cannot connect to ${where}: host '${target.host}' not found`, fixUrl, e);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return connectError(`cannot connect to ${where}: network unreachable or timed out`, `check the host, firewall and port; ${fixUrl}`, e);
    case '28P01':
      return connectError(`cannot connect to ${where}: password authentication failed for user '${target.user}'`, `check the password in the URL or PGPASSWORD`, e);
    case '28000':
      return connectError(`cannot connect to ${where}: ${msg}`, `check the user name and pg_hba.conf`, e);
    case '3D000':
      return connectError(`cannot connect to ${where}: database '${target.database}' does not exist`, `create it or name another database in the URL`, e);
    case '57014':
      return runtimeError(`query cancelled on ${where}: ${msg}`, `raise the timeout with --statement-timeout (or db.statementTimeout in the config)`, e);
    case '42501':
      return connectError(`permission denied on ${where}: ${msg}`, `grant the role what it needs (e.g. GRANT pg_monitor TO ${target.user}) or connect as another user`, e);
  }
  if (/timeout expired|timeout exceeded when trying to connect/i.test(msg)) {
    return connectError(`cannot connect to ${where}: timed out`, `is the host reachable? raise --connect-timeout if the network is slow; ${fixUrl}`, e);
  }
  if (/SSL|TLS|certificate/i.test(msg)) {
    return connectError(`cannot connect to ${where}: TLS failed (${msg})`, `check sslmode in the URL or PGSSLMODE`, e);
  }
  if (isConnectionLoss(e)) {
    return runtimeError(`lost the connection to ${where}: ${msg}`, `the server closed the connection (restart or crash?); run again when it is back`, e);
  }
  return runtimeError(`${where}: ${msg}`, `run with --verbose for details`, e);
}
