// The throwaway redis-server harness (test/helpers/redis-server.ts): a standalone server starts, restarts
// empty on the same port, dies on kill(); a 3-master cluster reaches cluster_state:ok and serves keys set
// through the ioredis Cluster client; stop() leaves no redis-server child of this process behind.
// Fails (never skips) when redis-server is missing.
import { readFileSync, readdirSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { rawCommands, seedCluster, seedRedis, startRedis, startRedisCluster, type RedisClusterHandle, type RedisServer } from '../helpers/redis-server.js';

const started: RedisServer[] = [];
const clusters: RedisClusterHandle[] = [];
const pids = new Set<number>();
const track = (s: RedisServer) => {
  started.push(s);
  pids.add(s.pid);
  return s;
};

afterAll(async () => {
  await Promise.all([...started.map((s) => s.stop()), ...clusters.map((c) => c.stop())]);
}, 60_000);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** PIDs of redis-server processes whose parent is this test process, from /proc. */
function ourRedisChildren(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm.startsWith('redis-server')) out.push(Number(d));
    } catch {
      // gone while we looked
    }
  }
  return out;
}

const client = (url: string) => {
  const c = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  c.on('error', () => {});
  return c;
};

describe('throwaway redis-server', { timeout: 30_000 }, () => {
  it('starts on a free loopback port (not 6379) with the given args and answers PING', async () => {
    const s = track(await startRedis({ args: ['--maxmemory-policy', 'allkeys-lfu'] }));
    expect(s.port).not.toBe(6379);
    expect(s.url).toBe(`redis://127.0.0.1:${s.port}`);
    expect(alive(s.pid)).toBe(true);
    const c = client(s.url);
    try {
      await c.connect();
      expect(await c.ping()).toBe('PONG');
      expect(await c.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lfu']);
      expect(await c.config('GET', 'save')).toEqual(['save', '']);
      expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    } finally {
      c.disconnect();
    }
  });

  it('puts the password in the url and requires it', async () => {
    const s = track(await startRedis({ password: 'p@ss word' }));
    expect(s.url).toBe(`redis://:p%40ss%20word@127.0.0.1:${s.port}`);
    const [noauth] = await rawCommands(s.port, [['PING']]);
    expect(String(noauth)).toMatch(/NOAUTH/);
    const c = client(s.url);
    try {
      await c.connect();
      expect(await c.ping()).toBe('PONG');
    } finally {
      c.disconnect();
    }
  });

  it('seeds with seedRedis and restarts empty on the same port', async () => {
    const s = track(await startRedis());
    const { port, url, pid } = s;
    await seedRedis(s.url, [
      ['SET', 'user:1:profile', 'x'.repeat(100)],
      ['HSET', 'cart:1:items', 'a', 1, 'b', Buffer.from([0, 255])],
      ['EXPIRE', 'user:1:profile', 3600],
      ...Array.from({ length: 12_000 }, (_, i) => ['SET', `k:${i}`, i]),
    ]);
    expect(await rawCommands(port, [['DBSIZE']])).toEqual([12_002]);
    await expect(seedRedis(s.url, [['INCR', 'user:1:profile']])).rejects.toThrow(/not an integer/);

    await s.restart();
    pids.add(s.pid);
    expect(s.port).toBe(port);
    expect(s.url).toBe(url);
    expect(s.pid).not.toBe(pid);
    expect(alive(pid)).toBe(false);
    expect(alive(s.pid)).toBe(true);
    expect(await rawCommands(port, [['PING'], ['DBSIZE'], ['GET', 'user:1:profile']])).toEqual(['PONG', 0, null]);
  });

  it('kill() ends the process at once; restart() brings it back', async () => {
    const s = track(await startRedis());
    const pid = s.pid;
    await s.kill();
    expect(alive(pid)).toBe(false);
    await expect(rawCommands(s.port, [['PING']])).rejects.toThrow(/ECONNREFUSED/);
    await s.restart();
    pids.add(s.pid);
    expect(await rawCommands(s.port, [['PING']])).toEqual(['PONG']);
  });
});

describe('throwaway Redis Cluster', { timeout: 60_000 }, () => {
  it('3 masters reach cluster_state:ok and serve keys set through the Cluster client', async () => {
    const c = await startRedisCluster(3);
    clusters.push(c);
    for (const n of c.nodes) pids.add(n.pid);
    expect(c.ports).toHaveLength(3);
    expect(new Set(c.ports).size).toBe(3);
    expect(c.seedUrl).toBe(c.urls[0]);
    for (const port of c.ports) {
      const [info] = await rawCommands(port, [['CLUSTER', 'INFO']]);
      expect(info).toMatch(/cluster_state:ok/);
      expect(info).toMatch(/cluster_size:3/);
    }

    const n = 3_000;
    await seedCluster(c, Array.from({ length: n }, (_, i) => ['SET', `session:${i}`, `v${i}`]));
    const sizes = await Promise.all(c.ports.map(async (p) => (await rawCommands(p, [['DBSIZE']]))[0] as number));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    expect(sizes.every((x) => x > 0)).toBe(true); // spread over every master

    const reader = new Cluster([{ host: '127.0.0.1', port: c.ports[0]! }], { clusterRetryStrategy: () => null });
    reader.on('error', () => {});
    try {
      expect(await reader.get('session:42')).toBe('v42');
      expect(await reader.get(`session:${n - 1}`)).toBe(`v${n - 1}`);
    } finally {
      reader.disconnect();
    }
  });
});

describe('cleanup', () => {
  it('stop() leaves no redis-server child of ours running', async () => {
    expect(pids.size).toBeGreaterThanOrEqual(9);
    expect(ourRedisChildren().length).toBeGreaterThan(0);
    await Promise.all([...started.map((s) => s.stop()), ...clusters.map((c) => c.stop())]);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(ourRedisChildren()).toEqual([]);
  }, 60_000);
});
