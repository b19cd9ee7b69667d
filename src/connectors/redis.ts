// Redis connector: resolves the target from --redis / PERFKIT_REDIS_URL / REDIS_URL, opens one ioredis
// client that fails fast (no endless retry, no offline queue), and maps driver errors to catalogue errors.
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import { connectError, inputError, runtimeError, type PerfkitError } from '../cli/errors.js';
import { redact } from '../util/redact.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** A connected client, as areas see it: they use it, the connector makes and closes it. */
export type RedisClient = Redis;

export interface RedisTarget {
  /** Redacted, for reports and messages. */
  display: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** Where the target came from: --redis, an env variable name, or the default. */
  source: string;
  secrets: string[];
}

export interface RedisConnectOptions {
  connectTimeoutMs: number;
  /** Per-command timeout; defaults to connectTimeoutMs. */
  commandTimeoutMs?: number;
}

/** Finds the target: --redis > PERFKIT_REDIS_URL > REDIS_URL > config redis.url > redis://127.0.0.1:6379. */
export function resolveRedisTarget(
  explicit: { flag?: string; configUrl?: string; configSource?: string },
  env: Record<string, string | undefined>,
): RedisTarget {
  const pick =
    (explicit.flag && { url: explicit.flag, source: '--redis' }) ||
    (env.PERFKIT_REDIS_URL && { url: env.PERFKIT_REDIS_URL, source: 'PERFKIT_REDIS_URL' }) ||
    (env.REDIS_URL && { url: env.REDIS_URL, source: 'REDIS_URL' }) ||
    (explicit.configUrl && { url: explicit.configUrl, source: explicit.configSource ?? 'config redis.url' }) || { url: DEFAULT_REDIS_URL, source: 'default' };
  return targetFromUrl(pick.url, pick.source, env);
}

/** The same credentials and TLS, another node (a cluster master found by CLUSTER NODES). */
export function nodeTarget(target: RedisTarget, host: string, port: number): RedisTarget {
  return { ...target, host, port, db: 0, display: displayOf({ ...target, host, port, db: 0 }), source: `${target.source} (cluster node)` };
}

/** The URL with the password masked. */
function displayOf(t: Pick<RedisTarget, 'tls' | 'username' | 'password' | 'host' | 'port' | 'db'>): string {
  const auth = t.username || t.password ? `${t.username ? encodeURIComponent(t.username) : ''}${t.password ? ':***' : ''}@` : '';
  const hostPart = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.tls ? 'rediss:' : 'redis:'}//${auth}${hostPart}:${t.port}${t.db !== 0 ? `/${t.db}` : ''}`;
}

function targetFromUrl(url: string, source: string, env: Record<string, string | undefined>): RedisTarget {
  const fix = 'use redis://[user:password@]host:6379[/db], or rediss:// for TLS';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw inputError(`${source}: not a Redis URL: '${redact(url)}'`, fix);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw inputError(`${source}: '${redact(url)}' is not a redis:// or rediss:// URL`, fix);
  }
  const tls = u.protocol === 'rediss:';
  const host = decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(u.port || 6379);
  const dbText = u.pathname.replace(/^\//, '') || u.searchParams.get('db') || '0';
  if (!/^\d+$/.test(dbText)) throw inputError(`${source}: database '${dbText}' in '${redact(url)}' is not a number`, fix);
  const username = decodeURIComponent(u.username) || undefined;
  // The password may live outside the URL, as redis-cli allows (REDISCLI_AUTH).
  const password = decodeURIComponent(u.password) || env.PERFKIT_REDIS_PASSWORD || env.REDISCLI_AUTH || undefined;
  const display = displayOf({ tls, username, password, host, port, db: Number(dbText) });
  // A password equal to the user name is printed anyway; as a literal it would blank that word everywhere.
  const secrets = password && password !== username ? [password] : [];
  return { display, host, port, db: Number(dbText), username, password, tls, source, secrets };
}

/** Opens and checks one connection. Fails within about connectTimeoutMs; never retries. */
export async function connectRedis(target: RedisTarget, opts: RedisConnectOptions): Promise<Redis> {
  let lastError: unknown;
  const client = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    // SNI takes a host name only; Node warns when given an IP address.
    tls: target.tls ? (isIP(target.host) ? {} : { servername: target.host }) : undefined,
    connectionName: 'perfkit',
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: opts.connectTimeoutMs,
    commandTimeout: opts.commandTimeoutMs ?? opts.connectTimeoutMs,
  });
  // ioredis rejects connect() with a bare "Connection is closed."; the cause arrives as an event.
  client.on('error', (e: unknown) => void (lastError ??= e));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })), opts.connectTimeoutMs + 1_000);
  });
  try {
    await Promise.race([client.connect(), deadline]);
    return client;
  } catch (e) {
    drop(client);
    throw describeRedisError(lastError ?? e, target);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes politely, and gives up after a second so nothing hangs. */
export async function closeRedis(client: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.quit().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 1_000)))]);
  clearTimeout(timer);
  drop(client);
}

/** disconnect() on a socket that already closed would arm a 2 s timer that nothing clears, and keep
 *  the process alive that long. */
function drop(client: Redis): void {
  if (client.status !== 'end') client.disconnect();
}

/** Maps an ioredis error to one catalogue error: where, what in words, and what to do. */
export function describeRedisError(e: unknown, target: RedisTarget): PerfkitError {
  if ((e as { kind?: string })?.kind) return e as PerfkitError;
  const err = e as { code?: string; message?: string };
  const where = `Redis at ${target.host}:${target.port}`;
  const msg = redact(err?.message ?? String(e), target.secrets);
  const fixUrl = `check --redis, PERFKIT_REDIS_URL or REDIS_URL (now ${target.display}, from ${target.source})`;
  if (err?.code === 'ECONNREFUSED') {
    return connectError(`cannot connect to ${where}: connection refused`, `is redis-server running and listening there? ${fixUrl}`, e);
  }
  if (err?.code === 'ENOTFOUND' || err?.code === 'EAI_AGAIN') {
    return connectError(`cannot connect to ${where}: host '${target.host}' not found`, fixUrl, e);
  }
  if (err?.code === 'ETIMEDOUT' || err?.code === 'EHOSTUNREACH' || err?.code === 'ENETUNREACH' || /timed? ?out/i.test(msg)) {
    const tlsHint = target.tls ? 'is the server speaking TLS? (rediss:// expects it) ' : '';
    return connectError(`cannot connect to ${where}: timed out`, `${tlsHint}check the host, firewall and port; raise --connect-timeout if the network is slow; ${fixUrl}`, e);
  }
  if (/^WRONGPASS/.test(msg)) {
    const who = target.username ? `user '${target.username}'` : 'the default user';
    return connectError(`cannot connect to ${where}: wrong password for ${who}`, `check the password in the URL (redis://user:password@host:port)`, e);
  }
  if (/^NOAUTH/.test(msg)) {
    return connectError(`cannot connect to ${where}: the server requires a password`, `put it in the URL: redis://:password@${target.host}:${target.port}`, e);
  }
  if (/Unknown RESP type|Protocol error/i.test(msg)) {
    return connectError(`cannot connect to ${where}: the server did not answer like Redis (${msg})`, `is that port really Redis? ${fixUrl}`, e);
  }
  if (/SSL|TLS|certificate|EPROTO/i.test(msg)) {
    return connectError(`cannot connect to ${where}: TLS failed (${msg})`, `use redis:// for a server without TLS, rediss:// with it`, e);
  }
  if (/^NOPERM/.test(msg)) {
    return connectError(`${where}: permission denied (${msg})`, `grant the ACL user the commands perfkit needs (see the README's Redis section)`, e);
  }
  if (/Connection is closed|ECONNRESET/i.test(msg)) {
    return connectError(`cannot connect to ${where}: the server closed the connection`, fixUrl, e);
  }
  return runtimeError(`${where}: ${msg}`, `run with --verbose for details`, e);
}
