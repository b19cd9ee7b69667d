// Findings about a cache: a configuration that works against itself, a low hit ratio, evictions,
// fragmentation, big keys, memory without TTL, cold memory. Each says why, with its numbers, and what
// to do. Pure.
import type { Finding } from '../../report/model.js';
import { formatBytes } from '../../util/units.js';
import type { KeyspaceResult } from './aggregate.js';
import type { Effectiveness, SlowlogEntry } from './info.js';

export interface FindingLimits {
  /** A key this big (bytes) is a big key. */
  bigKeyBytes: number;
  /** A collection with this many elements is a big key. */
  bigKeyElements: number;
  coldAfterLabel: string;
}

export interface FindingContext {
  /** Set when the node is a cluster member and only it was scanned. */
  clusterMasters?: number;
  /** Databases other than the scanned one that hold keys. */
  otherDbs: number[];
  slowlog: SlowlogEntry[];
  /** How element counts were taken. */
  elementsMode: 'all' | 'top' | 'none';
  /** Set when the scan stopped early (interrupted): where to resume. */
  resumeCursor?: string;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;

export function cacheFindings(e: Effectiveness, ks: KeyspaceResult | null, c: FindingContext, limits: FindingLimits): Finding[] {
  const out: Finding[] = [];
  const lruLike = /lru|lfu|random|ttl/.test(e.policy);
  const volatile = e.policy.startsWith('volatile-');

  if (e.maxmemory === 0) {
    out.push({
      rule: 'no-maxmemory',
      severity: 'warn',
      title: 'No maxmemory: the cache can grow until the machine runs out of memory',
      message: `maxmemory is 0 (unlimited) with ${formatBytes(e.usedMemory)} in use; the eviction policy ${e.policy} never applies, and the OS may kill Redis instead.`,
      evidence: { maxmemory: 0, usedMemory: e.usedMemory, policy: e.policy },
      fix: 'set maxmemory (e.g. 75% of the RAM Redis may use) and an eviction policy such as allkeys-lru: CONFIG SET maxmemory 4gb; CONFIG SET maxmemory-policy allkeys-lru (and in redis.conf)',
    });
  }
  if (e.maxmemory > 0 && e.usedMemoryPct !== null && e.usedMemoryPct >= 0.9) {
    const full = e.policy === 'noeviction';
    out.push({
      rule: full ? 'noeviction-full' : 'memory-near-limit',
      severity: full ? 'error' : 'warn',
      title: full ? 'maxmemory reached with noeviction: writes fail with OOM errors' : 'Memory near maxmemory: the cache is evicting to make room',
      message: `${formatBytes(e.usedMemory)} of ${formatBytes(e.maxmemory)} used (${pct(e.usedMemoryPct)}), policy ${e.policy}${full ? ': new writes are refused instead of evicting old keys' : ''}.`,
      evidence: { usedMemory: e.usedMemory, maxmemory: e.maxmemory, policy: e.policy },
      fix: full ? 'a cache should evict: CONFIG SET maxmemory-policy allkeys-lru (or allkeys-lfu), or raise maxmemory' : 'raise maxmemory if evictions hurt the hit ratio, or shorten TTLs of what is rarely read',
    });
  }
  if (e.hitRatio !== null) {
    const lookups = e.hits + e.misses;
    const enough = lookups >= 1000;
    if (enough && e.hitRatio < 0.8) {
      out.push({
        rule: 'hit-ratio-low',
        severity: e.hitRatio < 0.5 ? 'error' : 'warn',
        title: `Hit ratio ${pct(e.hitRatio)}: most reads ${e.hitRatio < 0.5 ? 'miss' : 'are not served by the cache often enough'}`,
        message: `${e.hits.toLocaleString('en-US')} hits and ${e.misses.toLocaleString('en-US')} misses since the server started (${Math.round(e.uptimeSec / 3600)} h ago)${e.evictedKeys ? `; ${e.evictedKeys.toLocaleString('en-US')} keys were evicted` : ''}.`,
        evidence: { hits: e.hits, misses: e.misses, evictedKeys: e.evictedKeys, expiredKeys: e.expiredKeys },
        fix: e.evictedKeys ? 'the cache is too small for the working set: raise maxmemory, or cache less per key' : 'check what misses (perfkit cache warm fills keys ahead of traffic); TTLs may be shorter than the time between reads',
      });
    }
  }
  if (e.interval && e.interval.hitRatio !== null && e.interval.lookups >= 100 && e.interval.hitRatio < 0.8) {
    out.push({
      rule: 'hit-ratio-low-now',
      severity: 'warn',
      title: `Hit ratio over the last ${Math.round(e.interval.seconds)} s: ${pct(e.interval.hitRatio)}`,
      message: `${e.interval.hitsPerSec.toFixed(1)} hits/s and ${e.interval.missesPerSec.toFixed(1)} misses/s during the interval.`,
      evidence: { ...e.interval },
      fix: 'compare with the hit ratio since start: a drop now points at a deploy, a flush or expiring keys',
    });
  }
  if (e.interval && e.interval.evictionsPerSec > 0) {
    out.push({
      rule: 'evicting',
      severity: 'warn',
      title: `Evicting ${e.interval.evictionsPerSec.toFixed(1)} keys/s`,
      message: `Keys are being evicted to stay under maxmemory (${formatBytes(e.maxmemory)}, policy ${e.policy}).`,
      evidence: { evictionsPerSec: e.interval.evictionsPerSec, maxmemory: e.maxmemory },
      fix: 'the working set does not fit: raise maxmemory, or shrink big keys and give rarely read keys shorter TTLs',
    });
  }
  const frag = e.fragmentationRatio;
  if (frag !== null && e.usedMemory >= 64 * 1024 * 1024) {
    if (frag > 1.5) {
      out.push({
        rule: 'fragmentation-high',
        severity: 'warn',
        title: `Memory fragmentation ${frag.toFixed(2)}`,
        message: `The process holds ${formatBytes(e.usedMemoryRss)} of RAM for ${formatBytes(e.usedMemory)} of data.`,
        evidence: { fragmentationRatio: frag, usedMemoryRss: e.usedMemoryRss, usedMemory: e.usedMemory },
        fix: 'CONFIG SET activedefrag yes (jemalloc builds), or restart the replica and fail over; MEMORY DOCTOR says more',
      });
    } else if (frag < 0.9) {
      out.push({
        rule: 'memory-swapped',
        severity: 'warn',
        title: `Fragmentation ratio ${frag.toFixed(2)} below 1: part of Redis is swapped out`,
        message: `RSS ${formatBytes(e.usedMemoryRss)} is less than the ${formatBytes(e.usedMemory)} Redis allocated: the OS swapped part of it, and latency suffers.`,
        evidence: { fragmentationRatio: frag },
        fix: 'give the machine more RAM or lower maxmemory; disable swap for Redis hosts',
      });
    }
  }
  if (c.clusterMasters !== undefined) {
    out.push({
      rule: 'cluster-partial',
      severity: 'warn',
      title: `Only one of ${c.clusterMasters} cluster masters was scanned`,
      message: 'This server is a Redis Cluster node; SCAN sees only the keys of its own slots.',
      fix: 'add --cluster to scan every master and merge the results',
    });
  }
  if (c.otherDbs.length) {
    out.push({
      rule: 'other-databases',
      severity: 'info',
      title: `Keys in other databases: ${c.otherDbs.map((d) => `db${d}`).join(', ')}`,
      message: 'Only the database in the URL was scanned. Logical databases share one server and one maxmemory; they are not isolated.',
      fix: 'scan each with redis://host:6379/<db>; prefer key prefixes or separate instances over logical databases',
    });
  }
  for (const s of c.slowlog.filter((x) => x.durationUs >= 10_000).slice(0, 5)) {
    out.push({
      rule: 'slowlog',
      severity: 'info',
      title: `Slow command: ${(s.durationUs / 1000).toFixed(1)} ms`,
      message: `${s.command} (${s.at}${s.client ? `, ${s.client}` : ''})`,
      location: s.node,
      evidence: { ...s },
      fix: 'O(N) commands on big keys block every client: split the key, or use SCAN-family commands',
    });
  }
  if (!ks) return out;

  if (c.resumeCursor !== undefined) {
    out.push({
      rule: 'scan-incomplete',
      severity: 'warn',
      title: 'The scan did not finish: the keyspace numbers cover part of the keys',
      message: `${ks.scannedKeys.toLocaleString('en-US')} keys were scanned before the scan stopped.`,
      evidence: { cursor: c.resumeCursor },
      fix: `resume with --cursor ${c.resumeCursor}`,
    });
  }

  if (ks.keys > 0 && (volatile || e.policy === 'noeviction') && ks.noTtlBytes / Math.max(1, ks.bytes) > 0.5) {
    out.push({
      rule: volatile ? 'volatile-policy-no-ttl' : 'no-ttl-memory',
      severity: volatile && e.maxmemory > 0 ? 'error' : 'warn',
      title: `${pct(ks.noTtlBytes / Math.max(1, ks.bytes))} of the memory is in keys without a TTL`,
      message: volatile
        ? `The policy ${e.policy} evicts only keys with a TTL; ${ks.noTtlKeys.toLocaleString('en-US')} keys (${formatBytes(ks.noTtlBytes)}) can never be evicted, so the cache can fill up with them and refuse writes.`
        : `${ks.noTtlKeys.toLocaleString('en-US')} keys (${formatBytes(ks.noTtlBytes)}) never expire, and ${e.policy} never evicts them: the cache only grows.`,
      evidence: { noTtlKeys: ks.noTtlKeys, noTtlBytes: ks.noTtlBytes, bytes: ks.bytes, policy: e.policy },
      fix: 'give cached keys a TTL (SET … EX), or use allkeys-lru / allkeys-lfu; the namespaces table shows which prefixes lack TTLs',
    });
  }
  for (const ns of ks.namespaces.filter((n) => n.noTtlKeys === n.keys && n.share >= 0.2 && n.keys >= 10).slice(0, 3)) {
    if (lruLike && !volatile) break;
    out.push({
      rule: 'namespace-no-ttl',
      severity: 'info',
      title: `${ns.namespace}: ${pct(ns.share)} of memory, no key has a TTL`,
      message: `${ns.keys.toLocaleString('en-US')} keys, ${formatBytes(ns.bytes)}; none expires.`,
      location: ns.namespace,
      evidence: { keys: ns.keys, bytes: ns.bytes },
      fix: 'if this is cache, set a TTL when writing it; if it is data of record, it may belong in another instance',
    });
  }
  for (const k of ks.bigKeys.filter((b) => (b.bytes ?? 0) >= limits.bigKeyBytes).slice(0, 10)) {
    out.push({
      rule: 'big-key',
      severity: (k.bytes ?? 0) >= 10 * limits.bigKeyBytes ? 'warn' : 'info',
      title: `Big ${k.type}: ${formatBytes(k.bytes)}`,
      message: `${k.key} uses ${formatBytes(k.bytes)}${k.elements !== null && k.type !== 'string' ? ` in ${k.elements.toLocaleString('en-US')} elements` : ''}; reading, expiring or deleting it blocks the server and the network.`,
      location: k.key,
      evidence: { ...k },
      fix: 'split it into smaller keys (e.g. hash buckets), compress the value, or delete it with UNLINK (non-blocking)',
    });
  }
  for (const k of ks.bigKeysByElements.filter((b) => (b.elements ?? 0) >= limits.bigKeyElements && (b.bytes ?? 0) < limits.bigKeyBytes).slice(0, 10)) {
    out.push({
      rule: 'big-collection',
      severity: 'info',
      title: `Big ${k.type}: ${(k.elements ?? 0).toLocaleString('en-US')} elements`,
      message: `${k.key} has ${(k.elements ?? 0).toLocaleString('en-US')} elements (${formatBytes(k.bytes)}); O(N) commands on it (HGETALL, SMEMBERS, LRANGE 0 -1, DEL) block the server.`,
      location: k.key,
      evidence: { ...k },
      fix: 'read it with HSCAN/SSCAN/ZSCAN, delete it with UNLINK, or split it',
    });
  }
  if (ks.coldKeys > 0 && ks.bytes > 0 && ks.coldBytes / ks.bytes >= 0.25) {
    out.push({
      rule: 'cold-memory',
      severity: 'info',
      title: `${pct(ks.coldBytes / ks.bytes)} of the memory has not been read for ${limits.coldAfterLabel}`,
      message: `${ks.coldKeys.toLocaleString('en-US')} cold keys hold ${formatBytes(ks.coldBytes)}.`,
      evidence: { coldKeys: ks.coldKeys, coldBytes: ks.coldBytes },
      fix: 'give those namespaces shorter TTLs, or let an allkeys-lru / allkeys-lfu policy evict them',
    });
  }
  if (c.elementsMode === 'top') {
    out.push({
      rule: 'elements-top-only',
      severity: 'info',
      title: 'Elements were counted for the biggest keys only',
      message: `Counting elements (STRLEN, HLEN, …) refreshes a key's LRU/LFU clock, and this server (before Redis 7.2) has no CLIENT NO-TOUCH; with the policy ${e.policy} a full count would make every key look recently used and disturb eviction.`,
      fix: 'pass --elements all to count every key anyway, or upgrade to Redis 7.2+ where perfkit counts without touching',
    });
  }
  return out;
}
