// `perfkit cache inspect` end to end against real redis-server processes started by the test: a seeded
// keyspace with known namespaces, big keys of each type and TTLs; LFU and LRU policies; a 3-master
// Redis Cluster; faults (unreachable, wrong password, restart mid-scan) and bad input.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { bin, expectOneLineError, parseReport, runCli } from '../helpers/cli.js';
import { seedCluster, seedRedis, startRedis, startRedisCluster, type RedisClusterHandle, type RedisCommandLine, type RedisServer } from '../helpers/redis-server.js';
import { sizeKeys } from '../../src/cache/inspect/scan.js';

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
const uuid = (i: number) => `${i.toString(16).padStart(8, '0')}-1111-4222-8333-${i.toString(16).padStart(12, '0')}`;

/** 487 keys: five namespaces, five big keys (one per type), a binary and a UTF-8 name. */
function shop(): RedisCommandLine[] {
  return [
    ...range(300).map((i) => ['HSET', `user:${i}:profile`, 'name', `n${i}`, 'email', `u${i}@x.io`, 'tier', 'gold', 'city', 'Oslo', 'age', '33']),
    ...range(100).map((i) => ['SET', `session:${uuid(i)}`, 'x'.repeat(200), 'EX', '1800']),
    ...range(50).flatMap((i) => [['RPUSH', `cart:${i}`, ...range(20).map(String)], ['EXPIRE', `cart:${i}`, '7200']]),
    ...range(10).map((i) => ['ZADD', `rank:daily:2024-05-${String(i).padStart(2, '0')}`, ...range(100).flatMap((m) => [String(m), `m${m}`])]),
    ...range(20).flatMap((i) => [['SADD', `tags:${i}`, ...range(10).map((m) => `t${m}`)], ['EXPIRE', `tags:${i}`, '30']]),
    ['SET', 'big:string', 'y'.repeat(2 * 1024 * 1024)],
    ['HSET', 'big:hash', ...range(50_000).flatMap((i) => [`field:${i}`, 'v'])],
    ['RPUSH', 'big:list', ...range(100_000).map(String)],
    ['SADD', 'big:set', ...range(20_000).map((i) => `member-${i}`)],
    ['ZADD', 'big:zset', ...range(20_000).flatMap((i) => [String(i), `z${i}`])],
    ['SET', Buffer.from([0x62, 0x69, 0x6e, 0xff, 0x3a, 0x31]), 'binary'],
    ['SET', 'ключ:42', 'utf8'],
  ];
}

describe('cache inspect on a seeded server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
    await seedRedis(server.url, shop());
  }, 60_000);
  afterAll(() => server?.stop());

  it('reports the keyspace: counts, namespaces, big keys of every type, TTL histogram', async () => {
    const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--top', '10']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.command).toBe('cache inspect');
    expect(rep.summary).toMatchObject({ keys: 487, noTtlKeys: 317, evictedKeys: 0, namespaces: expect.any(Number) });
    expect(rep.summary.memoryBytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(rep.summary.keyBytes).toBeGreaterThan(2 * 1024 * 1024);
    const ns = Object.fromEntries(rep.data.namespaces.map((n: any) => [n.namespace, n]));
    expect(ns['user:*:profile']).toMatchObject({ keys: 300, noTtlKeys: 300, types: { hash: 300 }, elements: 1500 });
    expect(ns['session:*']).toMatchObject({ keys: 100, noTtlKeys: 0, types: { string: 100 } });
    expect(ns['cart:*']).toMatchObject({ keys: 50, elements: 1000 });
    expect(ns['rank:daily:*']).toMatchObject({ keys: 10 });
    expect(ns['tags:*']).toMatchObject({ keys: 20 });
    expect(ns['bin\\xff:*']).toMatchObject({ keys: 1 });
    expect(ns['ключ:*']).toMatchObject({ keys: 1 });
    const share = rep.data.namespaces.reduce((s: number, n: any) => s + n.share, 0);
    expect(share).toBeCloseTo(1, 5);

    const big = rep.data.bigKeys.slice(0, 5);
    expect(new Set(big.map((k: any) => k.key))).toEqual(new Set(['big:string', 'big:hash', 'big:list', 'big:set', 'big:zset']));
    const byKey = Object.fromEntries(rep.data.bigKeys.map((k: any) => [k.key, k]));
    expect(byKey['big:string']).toMatchObject({ type: 'string', elements: 2 * 1024 * 1024, ttlMs: null });
    expect(byKey['big:hash']).toMatchObject({ type: 'hash', elements: 50_000 });
    expect(byKey['big:list']).toMatchObject({ type: 'list', elements: 100_000 });
    expect(byKey['big:set']).toMatchObject({ type: 'set', elements: 20_000 });
    expect(byKey['big:zset']).toMatchObject({ type: 'zset', elements: 20_000 });
    expect(byKey['big:string'].bytes).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    const sorted = rep.data.bigKeys.map((k: any) => k.bytes);
    expect(sorted).toEqual([...sorted].sort((a: number, b: number) => b - a));
    expect(rep.data.keyspace.bigKeysByElements[0]).toMatchObject({ key: 'big:string' });
    expect(rep.data.keyspace.bigKeysByElements.find((k: any) => k.type !== 'string')).toMatchObject({ key: 'big:list', elements: 100_000 });

    const ttl = Object.fromEntries(rep.data.ttlHistogram.map((b: any) => [b.bucket, b.keys]));
    expect(ttl).toMatchObject({ 'no ttl': 317, '< 1 min': 20, '10–60 min': 100, '1–6 h': 50 });
    expect(rep.findings.filter((f: any) => f.rule === 'big-key').map((f: any) => f.location)).toContain('big:string');
    expect(rep.data.scan).toMatchObject({ complete: true, cursor: null, method: 'script', elements: 'all', access: 'lru-idle' });
  }, 60_000);

  it('renders the same report as a table, markdown and JUnit', async () => {
    const table = await runCli(['cache', 'inspect', '--redis', server.url, '--no-color']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Namespaces by memory/);
    expect(table.stdout).toMatch(/user:\*:profile/);
    expect(table.stdout).toMatch(/Biggest keys by memory/);
    const md = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'markdown']);
    expect(md.stdout).toMatch(/\| user:\\?\*:profile/);
    const junit = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'junit', '--threshold', 'keys<10']);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/<testcase[^>]*keys/);
  }, 60_000);

  it('samples: scales up to DBSIZE and states the margin', async () => {
    const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--sample', '100', '--count', '20']);
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.summary.keys).toBe(487);
    expect(rep.data.keyspace.scannedKeys).toBeGreaterThanOrEqual(100);
    expect(rep.data.keyspace.scannedKeys).toBeLessThan(487);
    expect(rep.data.keyspace.sampled.fraction).toBeLessThan(1);
    expect(rep.data.keyspace.sampled.bytesMargin).toBeGreaterThan(0);
  }, 60_000);

  it('filters by --pattern and --type', async () => {
    const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--pattern', 'user:*', '--count', '50']);
    expect(parseReport(r.stdout).summary.keys).toBe(300);
    const t = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--type', 'zset']);
    expect(parseReport(t.stdout).summary.keys).toBe(11);
  }, 60_000);

  it('throttles to --max-latency-ms with a PING probe and still scans everything', async () => {
    const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--max-latency-ms', '50', '--count', '10']);
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.summary.keys).toBe(487);
    expect(rep.data.scan.throttle).toHaveLength(1);
    expect(rep.data.scan.throttle[0]).toMatchObject({ targetMs: 50, startCount: 10 });
    expect(rep.data.scan.throttle[0].probes).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('--save, then --compare shows what grew per namespace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'perfkit-cache-'));
    const saved = path.join(dir, 'before.json');
    const a = await runCli(['cache', 'inspect', '--redis', server.url, '--save', saved, '--format', 'json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toMatchObject({ command: 'cache inspect', savedAt: expect.any(String) });
    await seedRedis(server.url, range(40).map((i) => ['SET', `feed:${i}`, 'z'.repeat(1000)]));
    try {
      const b = await runCli(['cache', 'inspect', '--redis', server.url, '--compare', saved, '--format', 'json']);
      expect(b.code).toBe(0);
      const rep = parseReport(b.stdout);
      const feed = rep.data.comparison.namespaces.find((n: any) => n.namespace === 'feed:*');
      expect(feed).toMatchObject({ status: 'new', keysBefore: 0, keysAfter: 40 });
      expect(rep.data.comparison.namespaces.find((n: any) => n.namespace === 'user:*:profile').status).toBe('same');
      expect(rep.summary.bytesGrowthPct).toBeGreaterThan(0);
      const table = await runCli(['cache', 'inspect', '--redis', server.url, '--compare', saved, '--no-color']);
      expect(table.stdout).toMatch(/Compared with/);
    } finally {
      await seedRedis(server.url, [['DEL', ...range(40).map((i) => `feed:${i}`)]]);
    }
  }, 60_000);

  it('counts a key deleted between SCAN and sizing as vanished, by script and by pipeline', async () => {
    const client = new Redis(server.url);
    try {
      await client.set('gone:1', 'x');
      await client.set('gone:2', 'y');
      const [, keys] = await client.scanBuffer('0', 'MATCH', 'gone:*', 'COUNT', 1000);
      expect(keys).toHaveLength(2);
      await client.del('gone:1');
      for (const prefer of ['script', 'pipeline'] as const) {
        const r = await sizeKeys(client, keys, { node: 'n', samples: 5, access: 'idle', countElements: true }, prefer);
        expect(r.method).toBe(prefer);
        expect(r.vanished).toBe(1);
        expect(r.records.map((x) => x.key)).toEqual(['gone:2']);
        expect(r.records[0]).toMatchObject({ type: 'string', elements: 1, ttlMs: null });
        expect(r.records[0].bytes).toBeGreaterThan(0);
      }
    } finally {
      await client.del('gone:2');
      client.disconnect();
    }
  });

  it('with --interval measures hits and misses per second while traffic runs', async () => {
    const client = new Redis(server.url);
    let stop = false;
    const traffic = (async () => {
      let i = 0;
      while (!stop) {
        await client.get(i++ % 3 === 0 ? 'nope' : `session:${uuid(1)}`);
      }
    })();
    try {
      const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--interval', '1s', '--no-scan']);
      expect(r.code).toBe(0);
      const rep = parseReport(r.stdout);
      expect(rep.summary.hitsPerSec).toBeGreaterThan(0);
      expect(rep.summary.missesPerSec).toBeGreaterThan(0);
      expect(rep.summary.hitRatioInterval).toBeGreaterThan(0.5);
      expect(rep.summary.hitRatioInterval).toBeLessThan(0.8);
      expect(rep.data.effectiveness.interval.seconds).toBeGreaterThanOrEqual(1);
      expect(rep.data.scan).toBeNull();
    } finally {
      stop = true;
      await traffic;
      client.disconnect();
    }
  }, 60_000);

  it('fails a hit-ratio budget with exit 1', async () => {
    const client = new Redis(server.url);
    for (let i = 0; i < 50; i++) await client.get(`missing:${i}`);
    client.disconnect();
    const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--no-scan', '--threshold', 'hitRatio>=0.999']);
    expect(r.code).toBe(1);
    const rep = parseReport(r.stdout);
    expect(rep.budgets[0]).toMatchObject({ metric: 'hitRatio', status: 'fail' });
  });
});

describe('cache inspect: access patterns', () => {
  it('finds cold keys by idle time (LRU)', async () => {
    const server = await startRedis();
    try {
      await seedRedis(server.url, range(30).map((i) => ['SET', `page:${i}`, 'p'.repeat(100)]));
      await new Promise((r) => setTimeout(r, 3_100));
      const client = new Redis(server.url);
      for (let i = 1; i <= 10; i++) await client.get(`page:${i}`);
      client.disconnect();
      const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--cold-after', '2s']);
      expect(r.code).toBe(0);
      const rep = parseReport(r.stdout);
      expect(rep.summary.coldKeys).toBe(20);
      expect(rep.data.keyspace.coldestKeys.every((k: any) => k.idleSec >= 2)).toBe(true);
      expect(rep.data.keyspace.idleHistogram).not.toBeNull();
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('reads LFU frequency under allkeys-lfu and counts elements of the biggest keys only (Redis < 7.2)', async () => {
    const server = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lfu', '--maxmemory', '100mb'] });
    try {
      await seedRedis(server.url, [...range(20).map((i) => ['SET', `k:${i}`, 'v']), ['RPUSH', 'biglist', ...range(5000).map(String)]]);
      const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json', '--top', '3']);
      expect(r.code).toBe(0);
      const rep = parseReport(r.stdout);
      expect(rep.data.scan.access).toBe('lfu-freq');
      expect(rep.data.keyspace.freqHistogram).not.toBeNull();
      expect(rep.data.keyspace.idleHistogram).toBeNull();
      const version = String(rep.environment.redis);
      const touchless = /^(7\.[2-9]|[89]\.|\d{2,}\.)/.test(version);
      expect(rep.data.scan.elements).toBe(touchless ? 'all' : 'top');
      expect(rep.data.bigKeys[0]).toMatchObject({ key: 'biglist', elements: 5000 });
      if (!touchless) expect(rep.findings.map((f: any) => f.rule)).toContain('elements-top-only');
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('reports an empty database without failing', async () => {
    const server = await startRedis();
    try {
      const r = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json']);
      expect(r.code).toBe(0);
      const rep = parseReport(r.stdout);
      expect(rep.summary).toMatchObject({ keys: 0, noTtlKeys: 0, namespaces: 0 });
      expect(rep.data.bigKeys).toEqual([]);
      expect(rep.summary).not.toHaveProperty('hitRatio');
      const table = await runCli(['cache', 'inspect', '--redis', server.url, '--no-color']);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/0 keys scanned/);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('cache inspect on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    await seedCluster(cluster, [...range(600).map((i) => ['SET', `user:${i}:name`, `n${i}`]), ...range(30).map((i) => ['HSET', `order:${i}`, 'a', '1', 'b', '2'])]);
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('--cluster scans every master and merges, with a per-node breakdown', async () => {
    const r = await runCli(['cache', 'inspect', '--redis', cluster.seedUrl, '--cluster', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.summary.keys).toBe(630);
    expect(rep.data.nodes).toHaveLength(3);
    expect(rep.data.nodes.every((n: any) => n.scannedKeys > 0)).toBe(true);
    expect(rep.data.nodes.reduce((s: number, n: any) => s + n.scannedKeys, 0)).toBe(630);
    expect(rep.data.namespaces.find((n: any) => n.namespace === 'user:*:name').keys).toBe(600);
    expect(rep.data.effectiveness.nodes).toBe(3);
    expect(rep.findings.map((f: any) => f.rule)).not.toContain('cluster-partial');
  }, 60_000);

  it('without --cluster scans one node and says so', async () => {
    const r = await runCli(['cache', 'inspect', '--redis', cluster.seedUrl, '--format', 'json']);
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.summary.keys).toBeLessThan(630);
    expect(rep.findings.find((f: any) => f.rule === 'cluster-partial')).toMatchObject({ severity: 'warn', fix: expect.stringMatching(/--cluster/) });
  }, 60_000);

  it('--cluster on a single server, or with a database number, is a usage error', async () => {
    const single = await startRedis();
    try {
      const r = await runCli(['cache', 'inspect', '--redis', single.url, '--cluster']);
      expect(r.code).toBe(2);
      expect(expectOneLineError(r)).toMatch(/not a Redis Cluster node/);
    } finally {
      await single.stop();
    }
    const db = await runCli(['cache', 'inspect', '--redis', `${cluster.seedUrl}/2`, '--cluster']);
    expect(db.code).toBe(2);
    expect(expectOneLineError(db)).toMatch(/only database 0/);
  }, 60_000);
});

/** Waits until perfkit's connection is scanning (its last command SCAN or the page script), not merely
 *  started: the faults below must hit mid-scan however slow the machine is. */
async function scanning(url: string): Promise<void> {
  const c = new Redis(url);
  try {
    for (let i = 0; i < 400; i++) {
      const list = String(await c.call('CLIENT', 'LIST'));
      if (/name=perfkit .*cmd=(scan|evalsha|eval)\b/.test(list)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('perfkit never started scanning');
  } finally {
    c.disconnect();
  }
}

describe('cache inspect faults', () => {
  it('a server restarted mid-scan: exit 3 with the cursor to resume, and the resume works', async () => {
    const server = await startRedis({ args: ['--enable-debug-command', 'local'] });
    try {
      const client = new Redis(server.url);
      await client.call('DEBUG', 'POPULATE', '400000', 'item', '10');
      client.disconnect();
      const run = runCli(['cache', 'inspect', '--redis', server.url, '--count', '10', '--format', 'json'], { timeoutMs: 120_000 });
      await scanning(server.url);
      await server.restart();
      const r = await run;
      expect(r.code).toBe(3);
      const line = expectOneLineError(r);
      expect(line).toMatch(/failed mid-scan after [\d,]+ keys/);
      const cursor = /--cursor (\d+)/.exec(line)?.[1];
      expect(cursor).toBeDefined();
      const client2 = new Redis(server.url);
      await client2.call('DEBUG', 'POPULATE', '2000', 'item', '10');
      client2.disconnect();
      const resumed = await runCli(['cache', 'inspect', '--redis', server.url, '--cursor', cursor!, '--format', 'json']);
      expect(resumed.code).toBe(0);
      const rep = parseReport(resumed.stdout);
      expect(rep.data.scan.complete).toBe(true);
      expect(rep.summary.keys).toBeLessThanOrEqual(2000);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('Ctrl-C mid-scan: exit 130 with the partial report and the cursor to resume', async () => {
    const server = await startRedis({ args: ['--enable-debug-command', 'local'] });
    try {
      const client = new Redis(server.url);
      await client.call('DEBUG', 'POPULATE', '300000', 'item', '10');
      client.disconnect();
      const child = spawn(process.execPath, [bin, 'cache', 'inspect', '--redis', server.url, '--count', '10', '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const code = new Promise<number | null>((resolve) => child.on('close', resolve));
      await scanning(server.url);
      child.kill('SIGINT');
      expect(await code).toBe(130);
      const rep = parseReport(stdout);
      expect(rep.data.scan.complete).toBe(false);
      expect(rep.data.scan.cursor).toMatch(/^\d+$/);
      expect(rep.findings.find((f: any) => f.rule === 'scan-incomplete').fix).toBe(`resume with --cursor ${rep.data.scan.cursor}`);
      expect(rep.summary.keys).toBeGreaterThan(0);
      expect(rep.summary.keys).toBeLessThan(300_000);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('unreachable server: exit 3, one line, the fix', async () => {
    const r = await runCli(['cache', 'inspect', '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(/cannot connect to Redis at 127\.0\.0\.1:1: connection refused/);
  });

  it('wrong or missing password: exit 3, naming it, never echoing it', async () => {
    const server = await startRedis({ password: 's3cret-pw' });
    try {
      const wrong = await runCli(['cache', 'inspect', '--redis', `redis://:not-it-9@127.0.0.1:${server.port}`]);
      expect(wrong.code).toBe(3);
      const line = expectOneLineError(wrong);
      expect(line).toMatch(/wrong password/);
      expect(line).not.toContain('not-it-9');
      const none = await runCli(['cache', 'inspect', '--redis', `redis://127.0.0.1:${server.port}`]);
      expect(none.code).toBe(3);
      expect(expectOneLineError(none)).toMatch(/requires a password/);
      const ok = await runCli(['cache', 'inspect', '--redis', server.url, '--format', 'json']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).not.toContain('s3cret-pw');
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('bad flags and files: exit 2 with a one-line error naming the input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'perfkit-cache-bad-'));
    const notJson = path.join(dir, 'x.json');
    writeFileSync(notJson, '{ nope');
    const otherReport = path.join(dir, 'other.json');
    writeFileSync(otherReport, JSON.stringify({ command: 'db slow', data: {} }));
    const cases: Array<[string[], RegExp]> = [
      [['--type', 'blob'], /--type 'blob': not a Redis type/],
      [['--cursor', 'abc'], /--cursor 'abc': not a SCAN cursor/],
      [['--sample', '0'], /--sample '0'/],
      [['--interval', 'soon'], /--interval 'soon': not a duration/],
      [['--elements', 'many'], /--elements 'many'/],
      [['--compare', path.join(dir, 'missing.json')], /--compare .*missing\.json: cannot read .*no such file/],
      [['--compare', notJson], /--compare .*x\.json: not JSON/],
      [['--compare', otherReport], /not a perfkit cache inspect report \(it is from 'db slow'\)/],
      [['--redis', 'http://127.0.0.1:6379'], /--redis: 'http:\/\/127\.0\.0\.1:6379' is not a redis:\/\/ or rediss:\/\/ URL/],
      [['--no-scan', '--sample', '10'], /--no-scan cannot be combined/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['cache', 'inspect', '--redis', 'redis://127.0.0.1:1', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(expectOneLineError(r), args.join(' ')).toMatch(re);
    }
  }, 60_000);
});
