// Opens the database a db command works on: a server from --db/env/config, or the embedded one.
import type { CommandContext } from '../cli/context.js';
import { usageError } from '../cli/errors.js';
import { connectPostgres, resolvePgTarget, type PgConnection } from '../connectors/postgres.js';
import { parseDuration } from '../util/units.js';

export interface DbOptions {
  db?: string;
  statementTimeout?: string;
  lockTimeout?: string;
  connectTimeout?: string;
}

export interface OpenDb {
  conn: PgConnection;
  /** PGlite, started here or reached by URL: disposable, and not a machine of its own. */
  embedded: boolean;
  /** For reports: the redacted URL, or "embedded PostgreSQL" for the server started here. */
  display: string;
  close(): Promise<void>;
}

function durationFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined) throw usageError(`${flag} '${value}': not a duration`, `write e.g. ${flag} 30s or ${flag} 500ms`);
  return ms;
}

export function sessionTimeouts(ctx: CommandContext, o: DbOptions) {
  const d = ctx.settings.db;
  return {
    statementTimeoutMs: durationFlag(o.statementTimeout, '--statement-timeout', d.statementTimeoutMs),
    lockTimeoutMs: durationFlag(o.lockTimeout, '--lock-timeout', d.lockTimeoutMs),
    connectTimeoutMs: durationFlag(o.connectTimeout, '--connect-timeout', d.connectTimeoutMs),
  };
}

export async function openDb(ctx: CommandContext, o: DbOptions): Promise<OpenDb> {
  const timeouts = sessionTimeouts(ctx, o);
  if (o.db === 'embedded') {
    ctx.progress.start('starting the embedded PostgreSQL');
    const { startEmbeddedPostgres } = await import('../connectors/embedded-postgres.js');
    const server = await startEmbeddedPostgres();
    try {
      const target = resolvePgTarget({ flag: server.url }, {});
      const conn = await connectPostgres(target, { ...timeouts, maxConnections: 1 });
      return { conn, embedded: true, display: 'embedded PostgreSQL', close: async () => { await conn.close(); await server.close(); } };
    } catch (e) {
      await server.close();
      throw e;
    }
  }
  const target = resolvePgTarget({ flag: o.db, configUrl: ctx.settings.db.url, configSource: ctx.settings.db.urlSource }, ctx.io.env);
  target.secrets.forEach((s) => ctx.secret(s));
  ctx.progress.start(`connecting to ${target.display}`);
  const conn = await connectPostgres(target, timeouts);
  // A PGlite server reached by URL (`perfkit demo --keep`) is as disposable as `--db embedded`.
  return { conn, embedded: /PGlite/.test(conn.info.version), display: target.display, close: () => conn.close() };
}
