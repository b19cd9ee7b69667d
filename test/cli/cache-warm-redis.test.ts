// `perfkit cache warm` into real Redis: NDJSON, CSV and SQL sources, every value type, modes, TTL and
// jitter, dry run, read-back, a dropped connection, a server killed mid-warm and `--resume`, a cluster,
// and bad input.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli } from '../helpers/cli.js';
import { freePort, startRedis, startRedisCluster, type RedisClusterHandle, type RedisServer } from '../helpers/redis-server.js';
import { requirePg, testPgUrl } from '../helpers/services.js';

const dir = mkdtempSync(path.join(tmpdir(), 'perfkit-warm-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const ndjson = (items: unknown[]) => items.map((i) => JSON.stringify(i)).join('\n') + '\n';
const warm = (args: string[], opts: { env?: Record<string, string> } = {}) => runCli(['cache', 'warm', '--format', 'json', ...args], { ...opts, cwd: dir, timeoutMs: 120_000 });

describe('cache warm into Redis', () => {
  let server: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
  }, 30_000);
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it('writes every value type from NDJSON, with TTLs and jitter, and accounts for every record', async () => {
    await client.flushall();
    const src = file(
      'mixed.ndjson',
      ndjson([
        { key: 'user:1', value: { name: 'Ann', age: 33 }, type: 'hash', ttl: 600 },
        { key: 'tags:1', value: ['a', 'b', 'c'], type: 'set' },
        { key: 'rank:1', value: { ann: 10, bob: 7.5 }, type: 'zset', ttl: '10m' },
        { key: 'feed:1', value: ['x', 'y', 'x'], type: 'list' },
        { key: 'page:home', value: { html: '<h1>hi</h1>' } },
        { key: 'plain', value: 'v' },
      ]) + '\n{"key":"bad","value":[],"type":"set"}\nnot json\n',
    );
    const r = await warm(['--from', src, '--redis', server.url, '--ttl', '1h', '--ttl-jitter', '10%', '--verify', '20']);
    expect(r.code).toBe(1); // two bad records: an error finding
    const rep = parseReport(r.stdout);
    expect(rep.summary).toMatchObject({ items: 8, written: 6, skipped: 0, failed: 2, verified: 6, verifyMismatches: 0 });
    expect(rep.data.errors.map((e: any) => e.line)).toEqual([8, 9]);
    expect(rep.data.errors[1].message).toMatch(/not JSON/);
    expect(rep.findings[0]).toMatchObject({ rule: 'warm-failed-items', severity: 'error' });
    expect(await client.hgetall('user:1')).toEqual({ name: 'Ann', age: '33' });
    expect(await client.smembers('tags:1')).toHaveLength(3);
    expect(await client.call('ZRANGE', 'rank:1', '0', '-1', 'WITHSCORES')).toEqual([['bob', '7.5'], ['ann', '10']]);
    expect(await client.lrange('feed:1', 0, -1)).toEqual(['x', 'y', 'x']);
    expect(await client.get('page:home')).toBe('{"html":"<h1>hi</h1>"}');
    const ttl = await client.pttl('user:1');
    expect(ttl).toBeGreaterThan(540_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(660_000);
    const plain = await client.pttl('plain');
    expect(plain).toBeGreaterThan(3_240_000 - 5_000); // --ttl 1h ± 10 %
    expect(plain).toBeLessThanOrEqual(3_960_000);
  });

  it('modes: nx skips what exists, xx writes only what exists, set overwrites', async () => {
    await client.flushall();
    await client.set('k:1', 'old');
    const src = file('modes.ndjson', ndjson([{ key: 'k:1', value: 'new' }, { key: 'k:2', value: 'new' }]));
    const nx = parseReport((await warm(['--from', src, '--redis', server.url])).stdout);
    expect(nx.summary).toMatchObject({ items: 2, written: 1, skipped: 1 });
    expect(await client.get('k:1')).toBe('old');
    await client.del('k:2');
    const xx = parseReport((await warm(['--from', src, '--redis', server.url, '--mode', 'xx'])).stdout);
    expect(xx.summary).toMatchObject({ written: 1, skipped: 1 });
    expect(await client.get('k:1')).toBe('new');
    expect(await client.exists('k:2')).toBe(0);
    await client.hset('h:1', 'stale', '1');
    const hs = file('hash.ndjson', ndjson([{ key: 'h:1', value: { fresh: 1 }, type: 'hash' }]));
    expect(parseReport((await warm(['--from', hs, '--redis', server.url])).stdout).summary).toMatchObject({ skipped: 1 });
    expect(parseReport((await warm(['--from', hs, '--redis', server.url, '--mode', 'set'])).stdout).summary).toMatchObject({ written: 1 });
    expect(await client.hgetall('h:1')).toEqual({ fresh: '1' });
    await warm(['--from', src, '--redis', server.url]);
    const again = await warm(['--from', src, '--redis', server.url]);
    expect(parseReport(again.stdout).findings.map((f: any) => f.rule)).toContain('warm-nothing-written');
  });

  it('reads CSV with or without a header; a wrong column count is reported with its line', async () => {
    await client.flushall();
    const src = file('items.csv', 'key,value,ttl\nc:1,one,60\nc:2,"two, with comma",\nc:3\nc:4,"{""a"":1}",\n');
    const r = await warm(['--from', src, '--redis', server.url]);
    const rep = parseReport(r.stdout);
    expect(rep.summary).toMatchObject({ items: 4, written: 3, failed: 1 });
    expect(rep.data.errors).toEqual([{ line: 4, n: 3, message: expect.stringMatching(/1 column, expected 2 to 3/) }]);
    expect(await client.get('c:2')).toBe('two, with comma');
    expect(await client.get('c:4')).toBe('{"a":1}');
    expect(await client.pttl('c:1')).toBeGreaterThan(50_000);
    const bare = file('bare.csv', 'd:1,x\nd:2,y\n');
    expect(parseReport((await warm(['--from', bare, '--redis', server.url])).stdout).summary).toMatchObject({ items: 2, written: 2 });
  });

  it('--dry-run validates everything and writes nothing; --on-error stop stops at the bad line', async () => {
    await client.flushall();
    const src = file('dry.ndjson', ndjson([{ key: 'a', value: 1 }, { key: 'b', value: 2 }]) + '{"key": \n' + ndjson([{ key: 'c', value: 3 }]));
    const dry = await warm(['--from', src, '--redis', server.url, '--dry-run']);
    const rep = parseReport(dry.stdout);
    expect(rep.summary).toMatchObject({ items: 4, written: 0, skipped: 3, failed: 1 });
    expect(rep.data.dryRun).toBe(true);
    expect(await client.dbsize()).toBe(0);
    const stop = await warm(['--from', src, '--redis', server.url, '--on-error', 'stop', '--batch', '1']);
    expect(stop.code).toBe(2);
    expect(expectOneLineError(stop)).toMatch(/dry\.ndjson: line 3: not JSON/);
    expect(await client.get('a')).toBe('1');
    expect(await client.exists('c')).toBe(0);
  });

  it('streams a SQL query through a cursor; a failing query is an input error', async () => {
    await client.flushall();
    await requirePg();
    const db = new pg.Client({ connectionString: testPgUrl() });
    await db.connect();
    try {
      await db.query('DROP TABLE IF EXISTS warm_products; CREATE TABLE warm_products AS SELECT g AS id, \'p\' || g AS name, g * 1.5 AS price FROM generate_series(1, 2500) g');
      const r = await warm(['--from', "sql:SELECT 'product:' || id AS key, row_to_json(p) AS value, 300 AS ttl FROM warm_products p ORDER BY id", '--db', testPgUrl(), '--redis', server.url]);
      expect(r.stderr).toBe('');
      const rep = parseReport(r.stdout);
      expect(rep.summary).toMatchObject({ items: 2500, written: 2500, failed: 0 });
      expect(JSON.parse((await client.get('product:42'))!)).toEqual({ id: 42, name: 'p42', price: 63 });
      expect(await client.pttl('product:42')).toBeGreaterThan(290_000);
      const bad = await warm(['--from', 'sql:SELECT nope FROM missing_table', '--db', testPgUrl(), '--redis', server.url]);
      expect(bad.code).toBe(2);
      expect(expectOneLineError(bad)).toMatch(/--from sql:…: relation "missing_table" does not exist/);
      const cols = await warm(['--from', 'sql:SELECT 1 AS a, 2 AS b', '--db', testPgUrl(), '--redis', server.url]);
      expect(cols.code).toBe(2);
      expect(expectOneLineError(cols)).toMatch(/returns columns a, b, not key and value/);
    } finally {
      await db.query('DROP TABLE IF EXISTS warm_products');
      await db.end();
    }
  }, 60_000);

  it('survives a dropped connection: reconnects and writes everything', async () => {
    await client.flushall();
    const src = file('drop.ndjson', ndjson(Array.from({ length: 40_000 }, (_, i) => ({ key: `d:${i}`, value: `v${i}` }))));
    const killer = new Redis(server.url);
    const run = warm(['--from', src, '--redis', server.url, '--rate', '20000', '--no-checkpoint']);
    // Drop the connection once perfkit is writing (its connection is named perfkit-warm).
    for (let i = 0; i < 400 && !/name=perfkit-warm/.test(String(await killer.call('CLIENT', 'LIST'))); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    await killer.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    killer.disconnect();
    const r = await run;
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.summary.items).toBe(40_000);
    expect(rep.summary.written + rep.summary.skipped).toBe(40_000);
    expect(rep.summary.reconnects).toBeGreaterThanOrEqual(1);
    expect(await client.dbsize()).toBe(40_000);
  }, 60_000);

  it('bad flags and inputs: one line, exit 2', async () => {
    const src = file('ok.ndjson', ndjson([{ key: 'a', value: 1 }]));
    const cases: Array<[string[], RegExp]> = [
      [[], /--from is required/],
      [['--from', src, '--mode', 'upsert'], /--mode 'upsert': unknown/],
      [['--from', src, '--type', 'json'], /--type 'json': not a value type/],
      [['--from', src, '--ttl', 'forever'], /--ttl 'forever': not a duration/],
      [['--from', src, '--ttl-jitter', '150%'], /--ttl-jitter '150%'/],
      [['--from', src, '--concurrency', '0'], /--concurrency '0'/],
      [['--from', path.join(dir, 'missing.ndjson')], /--from .*missing\.ndjson: cannot read \(no such file\)/],
      [['--from', src, '--resume'], /--resume: no checkpoint at/],
      [['--from', '-'], /stdin needs --input-format/],
      [['--from', src, '--on-error', 'ignore'], /--on-error 'ignore'/],
    ];
    for (const [args, re] of cases) {
      const r = await warm([...args, '--redis', server.url]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(expectOneLineError(r), args.join(' ')).toMatch(re);
    }
    const refused = await warm(['--from', src, '--redis', 'redis://127.0.0.1:1']);
    expect(refused.code).toBe(3);
    expect(expectOneLineError(refused)).toMatch(/connection refused/);
  }, 60_000);

  it('reads gzip NDJSON, and keeps a default checkpoint only while it runs', async () => {
    await client.flushall();
    const gz = path.join(dir, 'items.ndjson.gz');
    writeFileSync(gz, gzipSync(ndjson(Array.from({ length: 500 }, (_, i) => ({ key: `g:${i}`, value: i })))));
    const r = await warm(['--from', gz, '--redis', server.url]);
    expect(parseReport(r.stdout).summary).toMatchObject({ items: 500, written: 500 });
    expect(await client.get('g:499')).toBe('499');
    expect(existsSync(path.join(dir, '.perfkit', 'warm'))).toBe(true);
    expect(readdirSync(path.join(dir, '.perfkit', 'warm'))).toEqual([]);
  });

  it('reads NDJSON from stdin', async () => {
    await client.flushall();
    const r = await runCli(['cache', 'warm', '--from', '-', '--input-format', 'ndjson', '--redis', server.url, '--format', 'json'], { input: ndjson([{ key: 's:1', value: 'x' }]) });
    expect(parseReport(r.stdout).summary).toMatchObject({ items: 1, written: 1 });
  });
});

/** A redis-server with an append-only file fsynced on every write, so a SIGKILL loses nothing it acknowledged. */
async function durableRedis(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const c = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    c.on('error', () => {});
    const ok = await c.connect().then(() => c.ping().then(() => true), () => false).catch(() => false);
    c.disconnect();
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on ${port}`);
}

describe('cache warm: a server killed mid-warm, then --resume', () => {
  it('exits 3 with a checkpoint, and --resume writes the rest: every key and TTL is there', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'perfkit-warm-aof-'));
    const url = `redis://127.0.0.1:${port}`;
    const n = 30_000;
    const items = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? { key: `h:${i}`, value: { i, even: i % 2 === 0 }, type: 'hash', ttl: 3600 } : { key: `s:${i}`, value: `value-${i}`, ttl: 3600 }));
    const src = file('resume.ndjson', ndjson(items));
    const cp = path.join(dir, 'resume.checkpoint.json');
    let redis = await durableRedis(port, dataDir);
    try {
      const run = warm(['--from', src, '--redis', url, '--rate', '8000', '--retries', '1', '--checkpoint', cp]);
      // Mid-warm: once the first window has settled (the checkpoint exists), however slow the machine is.
      for (let i = 0; i < 400 && !existsSync(cp); i++) await new Promise((r) => setTimeout(r, 50));
      redis.kill('SIGKILL');
      const r = await run;
      expect(r.code).toBe(3);
      const line = expectOneLineError(r);
      expect(line).toMatch(/gave up after 1 retries/);
      expect(line).toMatch(/--resume/);
      expect(existsSync(cp)).toBe(true);
      const saved = JSON.parse(readFileSync(cp, 'utf8'));
      expect(saved.settled).toBeGreaterThan(0);
      expect(saved.settled).toBeLessThan(n);
      expect(saved.written + saved.skipped + saved.failed).toBe(saved.settled);

      redis = await durableRedis(port, dataDir);
      const resumed = await warm(['--from', src, '--redis', url, '--checkpoint', cp, '--resume']);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const rep = parseReport(resumed.stdout);
      expect(rep.summary.items).toBe(n);
      expect(rep.summary.resumedFrom).toBe(saved.settled);
      expect(rep.summary.written + rep.summary.skipped + rep.summary.failed).toBe(n);
      expect(rep.summary.failed).toBe(0);
      expect(existsSync(cp)).toBe(false);

      const c = new Redis(url);
      try {
        expect(await c.dbsize()).toBe(n);
        const p = c.pipeline();
        for (const it of items) {
          if (it.type === 'hash') p.hgetall(it.key);
          else p.get(it.key);
          p.pttl(it.key);
        }
        const res = (await p.exec())!;
        items.forEach((it, i) => {
          const [value, ttl] = [res[i * 2][1], res[i * 2 + 1][1] as number];
          if (it.type === 'hash') expect(value).toEqual({ i: String((it.value as any).i), even: String((it.value as any).even) });
          else expect(value).toBe(it.value);
          expect(ttl).toBeGreaterThan(3_000_000);
          expect(ttl).toBeLessThanOrEqual(3_600_000);
        });
      } finally {
        c.disconnect();
      }
    } finally {
      redis.kill('SIGKILL');
    }
  }, 120_000);
});

describe('cache warm into a 3-master Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('groups keys by master and writes them all', async () => {
    const src = file('cluster.ndjson', ndjson(Array.from({ length: 3000 }, (_, i) => (i % 3 ? { key: `u:${i}`, value: `v${i}` } : { key: `set:${i}`, value: ['a', 'b'], type: 'set' }))));
    const r = await warm(['--from', src, '--redis', cluster.seedUrl, '--cluster', '--verify', '50']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.summary).toMatchObject({ items: 3000, written: 3000, verifyMismatches: 0 });
    expect(rep.data.nodes).toHaveLength(3);
    let total = 0;
    for (const u of cluster.urls) {
      const c = new Redis(u);
      const size = await c.dbsize();
      expect(size).toBeGreaterThan(0);
      total += size;
      c.disconnect();
    }
    expect(total).toBe(3000);
  }, 60_000);
});
