// cache inspect's pure parts on fixtures: INFO parsing and rates, namespace patterns and folding, the
// keyspace aggregate (TTL buckets, cold keys, top lists, sampling), comparison and findings.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { effectivenessOf, parseInfo, parseKeysizes, parseSlowlog, ratesBetween, snapshotOf } from '../../../src/cache/inspect/info.js';
import { isIdLike, keyText, patternOf } from '../../../src/cache/inspect/namespace.js';
import { KeyspaceAggregate, ttlBucket, type KeyRecord } from '../../../src/cache/inspect/aggregate.js';
import { compareSnapshots } from '../../../src/cache/inspect/compare.js';
import { cacheFindings } from '../../../src/cache/inspect/findings.js';
import { clusterMastersOf } from '../../../src/cache/inspect/nodes.js';

const info = readFileSync(new URL('../../../fixtures/redis/info-7.0.txt', import.meta.url), 'utf8');
const rec = (key: string, over: Partial<KeyRecord> = {}): KeyRecord => ({ key, type: 'string', bytes: 100, elements: 10, ttlMs: null, idleSec: 0, freq: null, node: 'n1', ...over });
const limits = { bigKeyBytes: 1024 * 1024, bigKeyElements: 100_000, coldAfterLabel: '1 d' };

describe('INFO', () => {
  it('parses a real Redis 7.0 INFO into a node snapshot', () => {
    const s = snapshotOf('127.0.0.1:6391', 0, parseInfo(info));
    expect(s).toMatchObject({ version: '7.0.15', policy: 'noeviction', maxmemory: 0, hits: 1880404, clusterEnabled: false });
    expect(s.fragmentationRatio).toBe(2.97);
    expect(s.keyspace).toEqual([{ db: 0, keys: 20101, expires: 50, avgTtlMs: 3596699 }]);
    expect(s.keysizes).toBeUndefined();
  });

  it('reads Redis 8 keysizes histograms when present', () => {
    const f = parseInfo('# Keysizes\r\ndb0_distrib_strings_sizes:4=1,8=2,1K=3\r\ndb0_distrib_zsets_items:2=1,4=1\r\n');
    expect(parseKeysizes(f, 0)).toEqual({ 'strings sizes': [{ atLeast: 4, keys: 1 }, { atLeast: 8, keys: 2 }, { atLeast: 1024, keys: 3 }], 'zsets items': [{ atLeast: 2, keys: 1 }, { atLeast: 4, keys: 1 }] });
  });

  it('computes rates and the interval hit ratio from two samples, and sums cluster masters', () => {
    const a = snapshotOf('a', 0, parseInfo('keyspace_hits:100\nkeyspace_misses:100\nevicted_keys:0\nexpired_keys:5\ntotal_commands_processed:1000\nused_memory:100\nused_memory_rss:150\nmaxmemory:1000\n'));
    const b = snapshotOf('a', 10_000, parseInfo('keyspace_hits:190\nkeyspace_misses:110\nevicted_keys:20\nexpired_keys:15\ntotal_commands_processed:2001\nused_memory:100\nused_memory_rss:150\nmaxmemory:1000\n'));
    const r = ratesBetween([a], [b]);
    expect(r).toMatchObject({ seconds: 10, hitsPerSec: 9, missesPerSec: 1, evictionsPerSec: 2, expirationsPerSec: 1, hitRatio: 0.9, opsPerSec: 100 });
    const e = effectivenessOf([b, { ...b, node: 'b', hits: 10, misses: 90 }]);
    expect(e.hitRatio).toBeCloseTo(200 / 400);
    expect(e.maxmemory).toBe(2000);
    expect(e.fragmentationRatio).toBeCloseTo(1.5);
  });

  it('parses SLOWLOG GET replies', () => {
    const s = parseSlowlog('n', [[7, 1700000000, 15000, ['KEYS', '*'], '127.0.0.1:5000', '']]);
    expect(s).toEqual([{ node: 'n', id: 7, at: '2023-11-14T22:13:20.000Z', durationUs: 15000, command: 'KEYS *', client: '127.0.0.1:5000' }]);
  });
});

describe('namespaces', () => {
  it('collapses ID-like segments', () => {
    for (const id of ['1234', '550e8400-e29b-41d4-a716-446655440000', 'd41d8cd98f00b204e9800998ecf8427e', '2024-05-01', 'u12345', 'ann@example.com', '10.0.0.1', 'Zx8fKq2LmN4pR7sT9vW1']) expect(isIdLike(id), id).toBe(true);
    for (const word of ['user', 'profile', 'v2', 'cart', 'items', 'en-US', '']) expect(isIdLike(word), word).toBe(false);
    expect(patternOf('user:1234:profile', ':').name).toBe('user:*:profile');
    expect(patternOf('session:550e8400-e29b-41d4-a716-446655440000', ':').name).toBe('session:*');
    expect(patternOf('cache/page/2024-05-01.html', '/.').name).toBe('cache/page/*.html');
    expect(patternOf('config', ':').name).toBe('config');
  });

  it('folds a place that takes many values (user names) into *', () => {
    const agg = new KeyspaceAggregate({ delimiters: ':', top: 5, coldAfterSec: 60, coldFreq: 1, foldAt: 10 });
    for (let i = 0; i < 30; i++) agg.add(rec(`user:name${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}:cart`));
    agg.add(rec('config:flags'));
    const r = agg.finish();
    expect(r.namespaces.map((n) => [n.namespace, n.keys])).toEqual([['user:*:cart', 30], ['config:flags', 1]]);
    // A later key of a folded group lands in the folded namespace on arrival.
    agg.add(rec('user:zed:cart'));
    expect(agg.finish().namespaces[0]).toMatchObject({ namespace: 'user:*:cart', keys: 31 });
  });

  it('prints binary key names escaped, and UTF-8 names as they are', () => {
    expect(keyText(Buffer.from('héllo:1'))).toBe('héllo:1');
    expect(keyText(Buffer.from([0x62, 0x69, 0x6e, 0xff, 0x00, 0x5c]))).toBe('bin\\xff\\x00\\\\');
  });
});

describe('keyspace aggregate', () => {
  it('buckets TTLs, finds cold keys, keeps the top N by bytes and by elements', () => {
    expect([null, 0, 59_999, 60_000, 3_600_000, 8 * 86_400_000].map(ttlBucket)).toEqual([0, 1, 1, 2, 4, 7]);
    const agg = new KeyspaceAggregate({ delimiters: ':', top: 2, coldAfterSec: 3600, coldFreq: 1 });
    agg.add(rec('a:1', { bytes: 1000, elements: 1, ttlMs: 30_000, idleSec: 7200 }));
    agg.add(rec('a:2', { bytes: 10, elements: 500, type: 'hash' }));
    agg.add(rec('b:1', { bytes: 500, elements: 5, idleSec: 10 }));
    agg.add(rec('b:2', { bytes: 50, elements: 50, ttlMs: 4 * 86_400_000 }));
    const r = agg.finish();
    expect(r).toMatchObject({ scannedKeys: 4, keys: 4, bytes: 1560, noTtlKeys: 2, noTtlBytes: 510, coldKeys: 1, coldBytes: 1000, sampled: null });
    expect(r.bigKeys.map((k) => k.key)).toEqual(['a:1', 'b:1']);
    expect(r.bigKeysByElements.map((k) => k.key)).toEqual(['a:2', 'b:2']);
    expect(r.coldestKeys.map((k) => k.key)).toEqual(['a:1']);
    expect(r.ttlHistogram.find((b) => b.bucket === '< 1 min')).toEqual({ bucket: '< 1 min', keys: 1, bytes: 1000 });
    expect(r.namespaces.find((n) => n.namespace === 'a:*')).toMatchObject({ keys: 2, bytes: 1010, noTtlKeys: 1, coldKeys: 1, types: { string: 1, hash: 1 }, biggestKey: 'a:1' });
    expect(r.bigKeys[0]).not.toHaveProperty('raw');
  });

  it('scales a sample up to DBSIZE with a margin', () => {
    const agg = new KeyspaceAggregate({ delimiters: ':', top: 3, coldAfterSec: 60, coldFreq: 1 });
    for (let i = 0; i < 1000; i++) agg.add(rec(`k:${i}`, { bytes: 100 + (i % 50) }));
    const r = agg.finish({ totalKeys: 10_000 });
    expect(r.keys).toBe(10_000);
    expect(r.scannedKeys).toBe(1000);
    expect(r.namespaces[0].keys).toBe(10_000);
    expect(r.sampled?.fraction).toBe(0.1);
    expect(r.sampled!.bytesMargin).toBeGreaterThan(0);
    expect(r.sampled!.bytesMargin).toBeLessThan(0.02);
  });
});

describe('compare and findings', () => {
  it('shows growth per namespace and new big keys', () => {
    const ns = (namespace: string, keys: number, bytes: number) => ({ namespace, keys, bytes, share: 0, meanBytes: 0, elements: 0, noTtlKeys: 0, noTtlBytes: 0, coldKeys: 0, coldBytes: 0, ttl: [], types: {}, biggestKey: null });
    const c = compareSnapshots(
      { summary: {}, namespaces: [ns('a:*', 10, 1000), ns('gone:*', 1, 10), ns('same', 1, 100)], bigKeys: [{ key: 'x', type: 'string', bytes: 1, elements: 1, ttlMs: null }] },
      { summary: {}, namespaces: [ns('a:*', 20, 3000), ns('new:*', 5, 500), ns('same', 1, 100)], bigKeys: [{ key: 'y', type: 'string', bytes: 1, elements: 1, ttlMs: null }] },
    );
    expect(c.namespaces.map((n) => [n.namespace, n.status, n.bytesDeltaPct])).toEqual([['a:*', 'grew', 200], ['new:*', 'new', null], ['gone:*', 'gone', -100], ['same', 'same', 0]]);
    expect(c.newBigKeys.map((k) => k.key)).toEqual(['y']);
    expect(c.bytesDeltaPct).toBeCloseTo(((3600 - 1110) / 1110) * 100, 0);
  });

  it('flags a cache configured against itself', () => {
    const base = effectivenessOf([snapshotOf('n', 0, parseInfo('maxmemory:1000\nused_memory:950\nmaxmemory_policy:noeviction\nkeyspace_hits:100\nkeyspace_misses:1900\n'))]);
    const rules = cacheFindings(base, null, { otherDbs: [3], slowlog: [], elementsMode: 'all', clusterMasters: 3 }, limits).map((f) => `${f.rule}:${f.severity}`);
    expect(rules).toEqual(['noeviction-full:error', 'hit-ratio-low:error', 'cluster-partial:warn', 'other-databases:info']);
    const none = effectivenessOf([snapshotOf('n', 0, parseInfo('maxmemory:0\nused_memory:950\nmaxmemory_policy:allkeys-lru\n'))]);
    expect(cacheFindings(none, null, { otherDbs: [], slowlog: [], elementsMode: 'top' }, limits).map((f) => f.rule)).toEqual(['no-maxmemory']);
  });

  it('flags volatile-* with memory that has no TTL, and big keys', () => {
    const e = effectivenessOf([snapshotOf('n', 0, parseInfo('maxmemory:100000000\nused_memory:1000\nmaxmemory_policy:volatile-lru\n'))]);
    const agg = new KeyspaceAggregate({ delimiters: ':', top: 5, coldAfterSec: 60, coldFreq: 1 });
    agg.add(rec('blob', { bytes: 20 * 1024 * 1024 }));
    agg.add(rec('tmp:1', { bytes: 10, ttlMs: 1000 }));
    const f = cacheFindings(e, agg.finish(), { otherDbs: [], slowlog: [], elementsMode: 'top' }, limits);
    expect(f.map((x) => `${x.rule}:${x.severity}`)).toEqual(['volatile-policy-no-ttl:error', 'big-key:warn', 'elements-top-only:info']);
    expect(f[1].location).toBe('blob');
  });
});

describe('cluster topology', () => {
  it('lists the masters that serve slots from CLUSTER NODES', () => {
    const text = [
      'a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460',
      'b2 127.0.0.1:7002@17002 master - 0 1 2 connected 5461-10922',
      'c3 127.0.0.1:7003@17003,host3 master - 0 1 3 connected 10923-16383',
      'd4 127.0.0.1:7004@17004 slave a1 0 1 1 connected',
      'e5 127.0.0.1:7005@17005 master,fail - 0 1 5 disconnected 100',
      'f6 127.0.0.1:7006@17006 master - 0 1 6 connected',
    ].join('\n');
    expect(clusterMastersOf(text)).toEqual([{ host: '127.0.0.1', port: 7001 }, { host: '127.0.0.1', port: 7002 }, { host: '127.0.0.1', port: 7003 }]);
  });
});
