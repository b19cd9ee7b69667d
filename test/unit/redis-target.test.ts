// Redis target resolution (flag > PERFKIT_REDIS_URL > REDIS_URL > default) and error mapping, with
// passwords kept out of every message.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_URL, describeRedisError, resolveRedisTarget } from '../../src/connectors/redis.js';
import { isPerfkitError } from '../../src/cli/errors.js';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe('resolveRedisTarget', () => {
  it('defaults to redis://127.0.0.1:6379', () => {
    expect(DEFAULT_REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(resolveRedisTarget({}, {})).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0, tls: false, source: 'default', display: 'redis://127.0.0.1:6379', secrets: [] });
  });

  it('takes --redis, then PERFKIT_REDIS_URL, then REDIS_URL', () => {
    const env = { PERFKIT_REDIS_URL: 'redis://a:6379', REDIS_URL: 'redis://b:6379' };
    expect(resolveRedisTarget({ flag: 'redis://flag:6379' }, env)).toMatchObject({ host: 'flag', source: '--redis' });
    expect(resolveRedisTarget({}, env)).toMatchObject({ host: 'a', source: 'PERFKIT_REDIS_URL' });
    expect(resolveRedisTarget({}, { REDIS_URL: 'redis://b:6379' })).toMatchObject({ host: 'b', source: 'REDIS_URL' });
    expect(resolveRedisTarget({ flag: '' }, { REDIS_URL: 'redis://b:6379' })).toMatchObject({ host: 'b' });
  });

  it('reads user, password, port and database, and redacts the password in display', () => {
    const t = resolveRedisTarget({ flag: 'redis://app:s3cr%40t@cache.internal:6380/2' }, {});
    expect(t).toMatchObject({ host: 'cache.internal', port: 6380, db: 2, username: 'app', password: 's3cr@t', tls: false });
    expect(t.display).toBe('redis://app:***@cache.internal:6380/2');
    expect(t.secrets).toEqual(['s3cr@t']);
    expect(resolveRedisTarget({ flag: 'redis://:only-pass@h' }, {}).display).toBe('redis://:***@h:6379');
  });

  it('rediss:// means TLS', () => {
    expect(resolveRedisTarget({ flag: 'rediss://default:pw123456@cache:6380' }, {})).toMatchObject({ tls: true, display: 'rediss://default:***@cache:6380' });
  });

  it('handles IPv6 hosts', () => {
    expect(resolveRedisTarget({ flag: 'redis://[::1]:6379' }, {})).toMatchObject({ host: '::1', display: 'redis://[::1]:6379' });
  });

  it('takes a password from REDISCLI_AUTH when the URL has none, and never shows it', () => {
    const t = resolveRedisTarget({ flag: 'redis://h:6379' }, { REDISCLI_AUTH: 'from-env-pw' });
    expect(t.password).toBe('from-env-pw');
    expect(t.display).toBe('redis://:***@h:6379');
    expect(t.secrets).toEqual(['from-env-pw']);
  });

  it('does not treat a password equal to the user name as a literal to blank everywhere', () => {
    expect(resolveRedisTarget({ flag: 'redis://perfkit:perfkit@h' }, {}).secrets).toEqual([]);
  });

  it('rejects what is not a Redis URL as an input error, without echoing the password', () => {
    for (const bad of ['http://u:hunter22@x', 'not a url', 'redis://u:hunter22@h/abc']) {
      const e = thrown(() => resolveRedisTarget({ flag: bad }, {}));
      expect(isPerfkitError(e) && e.kind).toBe('input');
      expect((e as Error).message).not.toContain('hunter22');
      expect((e as { hint?: string }).hint).toMatch(/redis:\/\//);
    }
  });
});

describe('describeRedisError', () => {
  const target = resolveRedisTarget({ flag: 'redis://app:hunter22@cache:6380' }, {});
  const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

  it('maps connection refused, unknown host and timeouts to connect errors (exit 3) with a fix', () => {
    const refused = describeRedisError(err('connect ECONNREFUSED 10.0.0.1:6380', 'ECONNREFUSED'), target);
    expect(refused).toMatchObject({ kind: 'connect', message: 'cannot connect to Redis at cache:6380: connection refused' });
    expect(refused.hint).toContain('redis://app:***@cache:6380');
    expect(describeRedisError(err('getaddrinfo ENOTFOUND cache', 'ENOTFOUND'), target).message).toMatch(/host 'cache' not found/);
    expect(describeRedisError(err('connect ETIMEDOUT', 'ETIMEDOUT'), target).message).toMatch(/timed out$/);
    expect(describeRedisError(err('Command timed out'), target)).toMatchObject({ kind: 'connect', message: expect.stringMatching(/timed out$/) });
  });

  it('maps WRONGPASS and NOAUTH to login errors that never contain the password', () => {
    const wrong = describeRedisError(err('WRONGPASS invalid username-password pair or user is disabled. (hunter22)'), target);
    expect(wrong).toMatchObject({ kind: 'connect', message: "cannot connect to Redis at cache:6380: wrong password for user 'app'" });
    const noauth = describeRedisError(err('NOAUTH Authentication required.'), target);
    expect(noauth.message).toMatch(/requires a password/);
    for (const e of [wrong, noauth]) expect(`${e.message} ${e.hint}`).not.toContain('hunter22');
  });

  it('keeps anything else as a runtime error, redacted', () => {
    const other = describeRedisError(err('ERR something odd with hunter22 inside'), target);
    expect(other.kind).toBe('runtime');
    expect(other.message).not.toContain('hunter22');
  });

  it('takes the config url after the environment, and builds node targets with the same credentials', async () => {
    const { nodeTarget } = await import('../../src/connectors/redis.js');
    expect(resolveRedisTarget({ configUrl: 'redis://cfg:6379', configSource: 'perfkit.config.yaml: redis.url' }, {})).toMatchObject({ host: 'cfg', source: 'perfkit.config.yaml: redis.url' });
    expect(resolveRedisTarget({ configUrl: 'redis://cfg:6379' }, { REDIS_URL: 'redis://env:6379' })).toMatchObject({ host: 'env' });
    const t = resolveRedisTarget({ flag: 'rediss://app:pw123456@seed:7000/0' }, {});
    expect(nodeTarget(t, '10.0.0.2', 7001)).toMatchObject({ host: '10.0.0.2', port: 7001, password: 'pw123456', tls: true, display: 'rediss://app:***@10.0.0.2:7001' });
  });
});
