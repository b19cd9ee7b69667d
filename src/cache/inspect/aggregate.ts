// The keyspace aggregate: every scanned key goes in once (add), and finish() gives namespaces, the
// biggest keys by bytes and by elements, TTL and idle histograms, cold keys, types and nodes, scaled
// up with a stated margin when only a sample was scanned. Memory stays bounded: namespaces fold by
// cardinality, and the top lists keep only N. Pure.
import { newHistogram, type Histogram } from '../../util/histogram.js';
import { foldNamespaces, groupKey, patternOf, withWildcard, type Pattern } from './namespace.js';

export interface KeyRecord {
  key: string;
  type: string;
  /** MEMORY USAGE; null when the server would not say. */
  bytes: number | null;
  /** Length, cardinality or fields; null when not counted (see the elements mode). */
  elements: number | null;
  /** Remaining time to live in ms; null: no TTL. */
  ttlMs: number | null;
  /** OBJECT IDLETIME (LRU and other non-LFU policies). */
  idleSec: number | null;
  /** OBJECT FREQ (LFU policies). */
  freq: number | null;
  node: string;
  /** The key's bytes, kept only for the biggest keys (binary names cannot round-trip through text). */
  raw?: Buffer;
}

export const TTL_BUCKETS = ['no ttl', '< 1 min', '1–10 min', '10–60 min', '1–6 h', '6–24 h', '1–7 d', '> 7 d'] as const;
const TTL_BOUNDS_MS = [60e3, 600e3, 3_600e3, 21_600e3, 86_400e3, 604_800e3, Infinity];
export const IDLE_BUCKETS = ['< 1 min', '1–10 min', '10–60 min', '1–6 h', '6–24 h', '1–7 d', '> 7 d'] as const;
export const FREQ_BUCKETS = ['0', '1–4', '5–9', '10–49', '50–99', '100+'] as const;
const FREQ_BOUNDS = [1, 5, 10, 50, 100, Infinity];

export function ttlBucket(ttlMs: number | null): number {
  if (ttlMs === null) return 0;
  return 1 + TTL_BOUNDS_MS.findIndex((b) => ttlMs < b);
}
const idleBucket = (sec: number) => TTL_BOUNDS_MS.findIndex((b) => sec * 1000 < b);
const freqBucket = (f: number) => FREQ_BOUNDS.findIndex((b) => f < b);

/** What the whole keyspace and each namespace count. */
export interface Totals {
  keys: number;
  bytes: number;
  elements: number;
  noTtlKeys: number;
  noTtlBytes: number;
  coldKeys: number;
  coldBytes: number;
}
const TOTAL_KEYS = ['keys', 'bytes', 'elements', 'noTtlKeys', 'noTtlBytes', 'coldKeys', 'coldBytes'] as const;
const zeroTotals = (): Totals => ({ keys: 0, bytes: 0, elements: 0, noTtlKeys: 0, noTtlBytes: 0, coldKeys: 0, coldBytes: 0 });

function count(t: Totals, r: KeyRecord, isCold: boolean): void {
  const bytes = r.bytes ?? 0;
  t.keys++;
  t.bytes += bytes;
  t.elements += r.elements ?? 0;
  if (r.ttlMs === null) {
    t.noTtlKeys++;
    t.noTtlBytes += bytes;
  }
  if (isCold) {
    t.coldKeys++;
    t.coldBytes += bytes;
  }
}

interface NsAcc extends Totals {
  pattern: Pattern;
  ttl: number[];
  types: Record<string, number>;
  biggest: { key: string; bytes: number } | null;
}

export interface AggregateOptions {
  delimiters: string;
  top: number;
  /** A key is cold when idle at least this long (LRU), … */
  coldAfterSec: number;
  /** … or when its LFU counter is at most this (LFU). */
  coldFreq: number;
  /** Values in one place of a pattern that make it a `*` (user names, slugs). */
  foldAt?: number;
  /** Namespaces kept before folding runs mid-scan. */
  maxNamespaces?: number;
}

export interface BigKey {
  key: string;
  type: string;
  bytes: number | null;
  elements: number | null;
  ttlMs: number | null;
  idleSec?: number | null;
  freq?: number | null;
  node?: string;
  raw?: Buffer;
}

export interface NamespaceRow extends Totals {
  namespace: string;
  /** Share of the scanned bytes, 0–1. */
  share: number;
  meanBytes: number;
  /** Keys per TTL bucket, in the order of ttlHistogram. */
  ttl: number[];
  types: Record<string, number>;
  biggestKey: string | null;
  /** ± on keys and bytes at 95 % when sampled (fraction of the estimate). */
  margin?: number;
}

export interface HistogramRow {
  bucket: string;
  keys: number;
  bytes: number;
}

export interface KeyspaceResult extends Totals {
  scannedKeys: number;
  /** keys: what the scan stands for — scannedKeys, or the DBSIZE a sample was taken from. */
  vanished: number;
  /** When a sample stands for the whole: its fraction, and the ± (95 %) on bytes as a fraction. */
  sampled: null | { fraction: number; bytesMargin: number };
  namespaces: NamespaceRow[];
  bigKeys: BigKey[];
  bigKeysByElements: BigKey[];
  coldestKeys: BigKey[];
  ttlHistogram: HistogramRow[];
  idleHistogram: HistogramRow[] | null;
  freqHistogram: HistogramRow[] | null;
  types: Array<{ type: string; keys: number; bytes: number; elements: number }>;
  keySize: { p50: number; p90: number; p99: number; max: number; mean: number } | null;
  nodes: Array<{ node: string; keys: number; bytes: number }>;
}

export class KeyspaceAggregate {
  private readonly ns = new Map<string, NsAcc>();
  /** Groups already folded by cardinality: later keys of those groups fold on arrival. */
  private readonly folded = new Map<string, number>();
  private readonly topBytes: BigKey[] = [];
  private readonly topElements: BigKey[] = [];
  private readonly cold: BigKey[] = [];
  private readonly sizes: Histogram = newHistogram('fast');
  private readonly ttl = TTL_BUCKETS.map(() => ({ keys: 0, bytes: 0 }));
  private readonly idle = IDLE_BUCKETS.map(() => ({ keys: 0, bytes: 0 }));
  private readonly freq = FREQ_BUCKETS.map(() => ({ keys: 0, bytes: 0 }));
  private readonly types = new Map<string, { keys: number; bytes: number; elements: number }>();
  private readonly nodes = new Map<string, { keys: number; bytes: number }>();
  private sawIdle = false;
  private sawFreq = false;
  private readonly t = zeroTotals();
  private bytesSq = 0;
  vanished = 0;

  constructor(private readonly o: AggregateOptions) {}

  get scanned(): number {
    return this.t.keys;
  }

  add(r: KeyRecord): void {
    const bytes = r.bytes ?? 0;
    this.bytesSq += bytes * bytes;
    if (r.bytes !== null) this.sizes.recordValue(Math.max(1, r.bytes));
    const t = ttlBucket(r.ttlMs);
    this.ttl[t].keys++;
    this.ttl[t].bytes += bytes;
    let isCold = false;
    if (r.idleSec !== null) {
      this.sawIdle = true;
      const b = this.idle[idleBucket(r.idleSec)];
      b.keys++;
      b.bytes += bytes;
      isCold = r.idleSec >= this.o.coldAfterSec;
    } else if (r.freq !== null) {
      this.sawFreq = true;
      const b = this.freq[freqBucket(r.freq)];
      b.keys++;
      b.bytes += bytes;
      isCold = r.freq <= this.o.coldFreq;
    }
    count(this.t, r, isCold);
    const ty = this.types.get(r.type) ?? { keys: 0, bytes: 0, elements: 0 };
    ty.keys++;
    ty.bytes += bytes;
    ty.elements += r.elements ?? 0;
    this.types.set(r.type, ty);
    const nd = this.nodes.get(r.node) ?? { keys: 0, bytes: 0 };
    nd.keys++;
    nd.bytes += bytes;
    this.nodes.set(r.node, nd);

    const acc = this.namespaceFor(r.key);
    count(acc, r, isCold);
    acc.ttl[t]++;
    acc.types[r.type] = (acc.types[r.type] ?? 0) + 1;
    if (r.bytes !== null && (!acc.biggest || r.bytes > acc.biggest.bytes)) acc.biggest = { key: r.key, bytes: r.bytes };

    const big: BigKey = { key: r.key, type: r.type, bytes: r.bytes, elements: r.elements, ttlMs: r.ttlMs, idleSec: r.idleSec, freq: r.freq, node: r.node, raw: r.raw };
    keepTop(this.topBytes, big, (k) => k.bytes ?? -1, this.o.top);
    if (r.elements !== null) keepTop(this.topElements, big, (k) => k.elements ?? -1, this.o.top);
    if (isCold) keepTop(this.cold, big, (k) => k.bytes ?? -1, this.o.top);
    if (this.ns.size > (this.o.maxNamespaces ?? 20_000)) this.fold();
  }

  private namespaceFor(key: string): NsAcc {
    let p = patternOf(key, this.o.delimiters);
    for (let pos = 0; pos < p.segments.length && this.folded.size; pos++) {
      if (p.segments[pos] !== '*' && this.folded.has(groupKey(p, pos))) p = withWildcard(p, pos);
    }
    let acc = this.ns.get(p.name);
    if (!acc) {
      acc = { pattern: p, ...zeroTotals(), ttl: TTL_BUCKETS.map(() => 0), types: {}, biggest: null };
      this.ns.set(p.name, acc);
    }
    return acc;
  }

  /** The biggest keys by bytes with their raw names, to look at them again (element counts). */
  biggestRaw(): Array<{ key: string; raw: Buffer; node: string; type: string }> {
    return [...this.topBytes]
      .sort((a, b) => (b.bytes ?? -1) - (a.bytes ?? -1))
      .slice(0, this.o.top)
      .flatMap((k) => (k.raw ? [{ key: k.key, raw: k.raw, node: k.node ?? '', type: k.type }] : []));
  }

  /** Element count learnt after the scan (for the biggest keys only). */
  setElements(key: string, elements: number): void {
    for (const k of this.topBytes) if (k.key === key) k.elements = elements;
  }

  /** Folds places of a pattern that take many values (`user:alice:cart`, `user:bob:cart`, … → `user:*:cart`). */
  fold(): void {
    foldNamespaces(this.ns, this.folded, this.o.foldAt ?? 50, mergeNs);
  }

  /** totalKeys: DBSIZE when a sample was taken, to scale up to. */
  finish(opts: { totalKeys?: number } = {}): KeyspaceResult {
    this.fold();
    const n = this.t.keys;
    const total = opts.totalKeys !== undefined && opts.totalKeys > n ? opts.totalKeys : n;
    const scale = n > 0 ? total / n : 1;
    const sampled = scale > 1;
    // 95 % margins with the finite population correction: of the mean key size (hence total bytes),
    // and of a proportion (hence a namespace's key count).
    const fpc = sampled ? Math.sqrt(Math.max(0, (total - n) / Math.max(1, total - 1))) : 0;
    const mean = n ? this.t.bytes / n : 0;
    const sd = n > 1 ? Math.sqrt(Math.max(0, (this.bytesSq - n * mean * mean) / (n - 1))) : 0;
    const bytesMargin = sampled && mean > 0 ? (1.96 * sd) / Math.sqrt(n) / mean * fpc : 0;
    const share = (x: number) => (this.t.bytes > 0 ? x / this.t.bytes : 0);
    const up = (x: number) => Math.round(x * scale);
    const namespaces = [...this.ns.values()]
      .map((a): NamespaceRow => {
        const p = a.keys / Math.max(1, n);
        const margin = sampled ? Math.min(1, (1.96 * Math.sqrt((p * (1 - p)) / n) * fpc) / Math.max(p, 1e-12)) : undefined;
        return {
          namespace: a.pattern.name,
          ...scaled(a, up),
          share: share(a.bytes),
          meanBytes: a.keys ? Math.round(a.bytes / a.keys) : 0,
          ttl: a.ttl.map(up),
          types: Object.fromEntries(Object.entries(a.types).map(([k, v]) => [k, up(v)])),
          biggestKey: a.biggest?.key ?? null,
          ...(margin !== undefined ? { margin: round3(margin) } : {}),
        };
      })
      .sort((a, b) => b.bytes - a.bytes || b.keys - a.keys || a.namespace.localeCompare(b.namespace));
    const hist = (names: readonly string[], rows: Array<{ keys: number; bytes: number }>): HistogramRow[] =>
      names.map((bucket, i) => ({ bucket, keys: up(rows[i].keys), bytes: up(rows[i].bytes) }));
    const sizes = this.sizes.totalCount
      ? { p50: this.sizes.getValueAtPercentile(50), p90: this.sizes.getValueAtPercentile(90), p99: this.sizes.getValueAtPercentile(99), max: this.sizes.maxValue, mean: Math.round(mean) }
      : null;
    return {
      scannedKeys: n,
      ...scaled(this.t, up),
      keys: total,
      vanished: this.vanished,
      sampled: sampled ? { fraction: round3(n / total), bytesMargin: round3(bytesMargin) } : null,
      namespaces,
      bigKeys: sortTop(this.topBytes, (k) => k.bytes ?? -1, this.o.top),
      bigKeysByElements: sortTop(this.topElements, (k) => k.elements ?? -1, this.o.top),
      coldestKeys: sortTop(this.cold, (k) => k.bytes ?? -1, this.o.top),
      ttlHistogram: hist(TTL_BUCKETS, this.ttl),
      idleHistogram: this.sawIdle ? hist(IDLE_BUCKETS, this.idle) : null,
      freqHistogram: this.sawFreq ? hist(FREQ_BUCKETS, this.freq) : null,
      types: [...this.types].map(([type, t]) => ({ type, keys: up(t.keys), bytes: up(t.bytes), elements: up(t.elements) })).sort((a, b) => b.bytes - a.bytes),
      keySize: sizes,
      nodes: [...this.nodes].map(([node, x]) => ({ node, keys: x.keys, bytes: x.bytes })).sort((a, b) => a.node.localeCompare(b.node)),
    };
  }
}

function scaled(t: Totals, up: (x: number) => number): Totals {
  return Object.fromEntries(TOTAL_KEYS.map((k) => [k, up(t[k])])) as unknown as Totals;
}

function mergeNs(into: NsAcc, from: NsAcc): void {
  for (const k of TOTAL_KEYS) into[k] += from[k];
  from.ttl.forEach((v, i) => (into.ttl[i] += v));
  for (const [k, v] of Object.entries(from.types)) into.types[k] = (into.types[k] ?? 0) + v;
  if (from.biggest && (!into.biggest || from.biggest.bytes > into.biggest.bytes)) into.biggest = from.biggest;
}

/** Keeps the N largest by `by`, amortised: the list grows to 2N, then is cut back to N. */
function keepTop<T>(list: T[], item: T, by: (x: T) => number, n: number): void {
  if (n <= 0) return;
  list.push(item);
  if (list.length >= 2 * n + 16) {
    list.sort((a, b) => by(b) - by(a));
    list.length = n;
  }
}

/** The top N, without the raw key bytes (those stay in memory, never in a report). */
function sortTop(list: BigKey[], by: (x: BigKey) => number, n: number): BigKey[] {
  return [...list]
    .sort((a, b) => by(b) - by(a) || a.key.localeCompare(b.key))
    .slice(0, n)
    .map(({ raw: _raw, ...k }) => k);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
