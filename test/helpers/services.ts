// Where the real services for integration and CLI tests are, and guards that fail a test loudly when
// one is down. Never skip: `bash scripts/setup-services.sh` installs and starts them.
import pg from 'pg';
import { Redis } from 'ioredis';
import { redact } from '../../src/util/redact.js';

export const DEFAULT_TEST_PG_URL = 'postgres://perfkit:perfkit@127.0.0.1:5432/perfkit_test';
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';
const SETUP = 'run `bash scripts/setup-services.sh` (or set PERFKIT_TEST_PG_URL / PERFKIT_TEST_REDIS_URL)';

export function testPgUrl(): string {
  return process.env.PERFKIT_TEST_PG_URL || DEFAULT_TEST_PG_URL;
}

export function testRedisUrl(): string {
  return process.env.PERFKIT_TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
}

/** Throws, with the fix, unless the test PostgreSQL accepts a login. Returns its URL. */
export async function requirePg(timeoutMs = 5_000): Promise<string> {
  const url = testPgUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch (e) {
    throw new Error(`the test PostgreSQL at ${redact(url)} is not reachable (${(e as Error).message}): ${SETUP}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Throws, with the fix, unless the test Redis answers PING. Returns its URL. */
export async function requireRedis(timeoutMs = 5_000): Promise<string> {
  const url = testRedisUrl();
  let cause: unknown;
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, commandTimeout: timeoutMs });
  client.on('error', (e: unknown) => void (cause ??= e));
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG') throw new Error('PING did not answer PONG');
    return url;
  } catch (e) {
    throw new Error(`the test Redis at ${redact(url)} is not reachable (${((cause ?? e) as Error).message}): ${SETUP}`);
  } finally {
    if (client.status !== 'end') client.disconnect();
  }
}
