// Cache effectiveness from INFO: parsing, one node's snapshot, rates between two snapshots, and the
// sum over cluster masters. Pure: takes INFO text and timestamps, returns plain numbers.

export type InfoFields = Record<string, string>;

/** INFO text ("# Section" headers, "key:value" lines) → a flat map. */
export function parseInfo(text: string): InfoFields {
  const out: InfoFields = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

export interface KeyspaceDb {
  db: number;
  keys: number;
  expires: number;
  avgTtlMs: number;
}

/** `db0:keys=10,expires=2,avg_ttl=1000` lines. */
export function parseKeyspace(fields: InfoFields): KeyspaceDb[] {
  const out: KeyspaceDb[] = [];
  for (const [k, v] of Object.entries(fields)) {
    const m = /^db(\d+)$/.exec(k);
    if (!m) continue;
    const kv = Object.fromEntries(v.split(',').map((p) => p.split('=') as [string, string]));
    out.push({ db: Number(m[1]), keys: Number(kv.keys ?? 0), expires: Number(kv.expires ?? 0), avgTtlMs: Number(kv.avg_ttl ?? 0) });
  }
  return out.sort((a, b) => a.db - b.db);
}

/** Redis 8 `# Keysizes`: `db0_distrib_strings_sizes:8=3,16=1` — power-of-two buckets → counts. */
export function parseKeysizes(fields: InfoFields, db: number): Record<string, Array<{ atLeast: number; keys: number }>> | undefined {
  const out: Record<string, Array<{ atLeast: number; keys: number }>> = {};
  const re = new RegExp(`^db${db}_distrib_(\\w+?)_(sizes|items)$`);
  for (const [k, v] of Object.entries(fields)) {
    const m = re.exec(k);
    if (!m || !v) continue;
    out[`${m[1]} ${m[2]}`] = v.split(',').map((p) => {
      const [lo, n] = p.split('=');
      return { atLeast: parseSize(lo), keys: Number(n) };
    });
  }
  return Object.keys(out).length ? out : undefined;
}

function parseSize(s: string): number {
  const m = /^(\d+)([KMGT]?)$/i.exec(s.trim());
  if (!m) return Number(s);
  return Number(m[1]) * 1024 ** ['', 'K', 'M', 'G', 'T'].indexOf(m[2].toUpperCase());
}

/** One node's INFO at one moment, as numbers. */
export interface NodeSnapshot {
  node: string;
  atMs: number;
  version: string;
  mode: string;
  role: string;
  uptimeSec: number;
  usedMemory: number;
  usedMemoryPeak: number;
  usedMemoryRss: number;
  usedMemoryDataset: number | null;
  maxmemory: number;
  policy: string;
  fragmentationRatio: number | null;
  connectedClients: number;
  blockedClients: number;
  opsPerSec: number;
  commandsProcessed: number;
  hits: number;
  misses: number;
  evictedKeys: number;
  expiredKeys: number;
  keyspace: KeyspaceDb[];
  keysizes?: ReturnType<typeof parseKeysizes>;
  clusterEnabled: boolean;
}

const num = (f: InfoFields, k: string): number => Number(f[k] ?? 0) || 0;

export function snapshotOf(node: string, atMs: number, fields: InfoFields, db = 0): NodeSnapshot {
  const frag = Number(fields.mem_fragmentation_ratio);
  return {
    node,
    atMs,
    version: fields.redis_version ?? fields.valkey_version ?? 'unknown',
    mode: fields.redis_mode ?? 'standalone',
    role: fields.role ?? 'master',
    uptimeSec: num(fields, 'uptime_in_seconds'),
    usedMemory: num(fields, 'used_memory'),
    usedMemoryPeak: num(fields, 'used_memory_peak'),
    usedMemoryRss: num(fields, 'used_memory_rss'),
    usedMemoryDataset: fields.used_memory_dataset !== undefined ? num(fields, 'used_memory_dataset') : null,
    maxmemory: num(fields, 'maxmemory'),
    policy: fields.maxmemory_policy ?? 'unknown',
    fragmentationRatio: Number.isFinite(frag) && frag > 0 ? frag : null,
    connectedClients: num(fields, 'connected_clients'),
    blockedClients: num(fields, 'blocked_clients'),
    opsPerSec: num(fields, 'instantaneous_ops_per_sec'),
    commandsProcessed: num(fields, 'total_commands_processed'),
    hits: num(fields, 'keyspace_hits'),
    misses: num(fields, 'keyspace_misses'),
    evictedKeys: num(fields, 'evicted_keys'),
    expiredKeys: num(fields, 'expired_keys'),
    keyspace: parseKeyspace(fields),
    keysizes: parseKeysizes(fields, db),
    clusterEnabled: fields.cluster_enabled === '1',
  };
}

/** What happened between two snapshots of the same node, per second. */
export interface Rates {
  seconds: number;
  opsPerSec: number;
  hitsPerSec: number;
  missesPerSec: number;
  evictionsPerSec: number;
  expirationsPerSec: number;
  /** Hit ratio of the lookups in the interval; null when there were none. */
  hitRatio: number | null;
  lookups: number;
}

export function ratesBetween(a: NodeSnapshot[], b: NodeSnapshot[]): Rates {
  const sum = (xs: NodeSnapshot[], k: keyof NodeSnapshot) => xs.reduce((s, x) => s + (x[k] as number), 0);
  // A restart in between resets the counters; the interval is then meaningless rather than negative.
  const seconds = Math.max(1e-3, (Math.max(...b.map((x) => x.atMs)) - Math.min(...a.map((x) => x.atMs))) / 1000);
  const d = (k: keyof NodeSnapshot) => Math.max(0, sum(b, k) - sum(a, k));
  const hits = d('hits');
  const misses = d('misses');
  // INFO itself is one command per node and sample; do not count perfkit's own.
  const ops = Math.max(0, d('commandsProcessed') - b.length);
  return {
    seconds,
    opsPerSec: ops / seconds,
    hitsPerSec: hits / seconds,
    missesPerSec: misses / seconds,
    evictionsPerSec: d('evictedKeys') / seconds,
    expirationsPerSec: d('expiredKeys') / seconds,
    hitRatio: hits + misses > 0 ? hits / (hits + misses) : null,
    lookups: hits + misses,
  };
}

/** The cache as a whole (one node, or the sum over cluster masters). */
export interface Effectiveness {
  nodes: number;
  version: string;
  policy: string;
  usedMemory: number;
  usedMemoryPeak: number;
  usedMemoryRss: number;
  maxmemory: number;
  /** used_memory / maxmemory; null without maxmemory. */
  usedMemoryPct: number | null;
  fragmentationRatio: number | null;
  connectedClients: number;
  opsPerSec: number;
  hits: number;
  misses: number;
  /** Since the server started (or CONFIG RESETSTAT); null when there were no lookups. */
  hitRatio: number | null;
  evictedKeys: number;
  expiredKeys: number;
  uptimeSec: number;
  keyspace: KeyspaceDb[];
  keys: number;
  interval?: Rates;
}

export function effectivenessOf(nodes: NodeSnapshot[], interval?: Rates): Effectiveness {
  const sum = (k: keyof NodeSnapshot) => nodes.reduce((s, x) => s + (x[k] as number), 0);
  const hits = sum('hits');
  const misses = sum('misses');
  const usedMemory = sum('usedMemory');
  const maxmemory = nodes.every((n) => n.maxmemory > 0) ? sum('maxmemory') : 0;
  const rss = sum('usedMemoryRss');
  const frags = nodes.map((n) => n.fragmentationRatio).filter((x): x is number => x !== null);
  const byDb = new Map<number, KeyspaceDb>();
  for (const n of nodes) {
    for (const k of n.keyspace) {
      const cur = byDb.get(k.db) ?? { db: k.db, keys: 0, expires: 0, avgTtlMs: 0 };
      // avg_ttl is per node; weight it by the keys that expire.
      const total = cur.expires + k.expires;
      cur.avgTtlMs = total ? (cur.avgTtlMs * cur.expires + k.avgTtlMs * k.expires) / total : 0;
      cur.keys += k.keys;
      cur.expires += k.expires;
      byDb.set(k.db, cur);
    }
  }
  const keyspace = [...byDb.values()].sort((a, b) => a.db - b.db);
  const policies = [...new Set(nodes.map((n) => n.policy))];
  return {
    nodes: nodes.length,
    version: [...new Set(nodes.map((n) => n.version))].join(', '),
    policy: policies.join(', '),
    usedMemory,
    usedMemoryPeak: sum('usedMemoryPeak'),
    usedMemoryRss: rss,
    maxmemory,
    usedMemoryPct: maxmemory > 0 ? usedMemory / maxmemory : null,
    // Over several nodes: the ratio of the sums, which weights each node by its memory.
    fragmentationRatio: nodes.length === 1 ? (frags[0] ?? null) : usedMemory > 0 && rss > 0 ? rss / usedMemory : null,
    connectedClients: sum('connectedClients'),
    opsPerSec: interval ? interval.opsPerSec : sum('opsPerSec'),
    hits,
    misses,
    hitRatio: hits + misses > 0 ? hits / (hits + misses) : null,
    evictedKeys: sum('evictedKeys'),
    expiredKeys: sum('expiredKeys'),
    uptimeSec: Math.min(...nodes.map((n) => n.uptimeSec)),
    keyspace,
    keys: keyspace.reduce((s, k) => s + k.keys, 0),
    interval,
  };
}

/** SLOWLOG GET reply → entries (id, when, µs, command with arguments truncated). */
export interface SlowlogEntry {
  node: string;
  id: number;
  at: string;
  durationUs: number;
  command: string;
  client?: string;
}

export function parseSlowlog(node: string, reply: unknown): SlowlogEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((e): SlowlogEntry[] => {
    if (!Array.isArray(e) || e.length < 4) return [];
    const argv = (e[3] as unknown[]).map((a) => String(a));
    const command = argv.map((a) => (a.length > 40 ? `${a.slice(0, 40)}…` : a)).join(' ').slice(0, 200);
    return [{ node, id: Number(e[0]), at: new Date(Number(e[1]) * 1000).toISOString(), durationUs: Number(e[2]), command, client: e[4] ? String(e[4]) : undefined }];
  });
}

/** LATENCY LATEST reply → events. */
export interface LatencyEvent {
  node: string;
  event: string;
  at: string;
  latestMs: number;
  maxMs: number;
}

export function parseLatencyLatest(node: string, reply: unknown): LatencyEvent[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((e): LatencyEvent[] =>
    Array.isArray(e) && e.length >= 4 ? [{ node, event: String(e[0]), at: new Date(Number(e[1]) * 1000).toISOString(), latestMs: Number(e[2]), maxMs: Number(e[3]) }] : [],
  );
}
