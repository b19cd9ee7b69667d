// The human view of `cache inspect`: effectiveness, namespaces, big and cold keys, TTLs, nodes,
// slow commands and the comparison. Built from the same data JSON prints.
import type { Section } from '../../report/model.js';
import { formatBytes, formatNumber } from '../../util/units.js';
import type { BigKey, HistogramRow, KeyspaceResult, NamespaceRow } from './aggregate.js';
import type { Comparison } from './compare.js';
import type { Effectiveness, LatencyEvent, SlowlogEntry } from './info.js';
import type { ThrottleReport } from './scan.js';

export interface InspectData {
  effectiveness: Effectiveness;
  nodes: Array<{
    node: string;
    role: string;
    version: string;
    usedMemory: number;
    maxmemory: number;
    policy: string;
    keys: number;
    hitRatio: number | null;
    scannedKeys: number | null;
    scannedBytes: number | null;
  }>;
  scan: null | {
    complete: boolean;
    /** Where to resume (--cursor) when the scan did not finish. */
    cursor: string | null;
    method: 'script' | 'pipeline' | null;
    match: string | null;
    type: string | null;
    count: number;
    samples: number;
    access: 'lru-idle' | 'lfu-freq';
    elements: 'all' | 'top' | 'none';
    coldAfterSec: number;
    delimiters: string;
    pages: number;
    throttle: Array<ThrottleReport & { node: string }>;
  };
  keyspace: (Omit<KeyspaceResult, 'nodes'> & { nodes?: undefined }) | null;
  namespaces: NamespaceRow[];
  bigKeys: BigKey[];
  ttlHistogram: HistogramRow[];
  slowlog: SlowlogEntry[];
  latency: { monitor: boolean; events: LatencyEvent[] };
  keysizes: Record<string, unknown> | null;
  comparison: Comparison | null;
  notes: string[];
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const ttlText = (ms: number | null) => (ms === null ? 'none' : ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(1)} d` : ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);
const idleText = (k: BigKey) => (k.idleSec !== null && k.idleSec !== undefined ? ttlText(k.idleSec * 1000) : k.freq !== null && k.freq !== undefined ? `freq ${k.freq}` : '–');

export function inspectView(d: InspectData): Section[] {
  const e = d.effectiveness;
  const out: Section[] = [];
  const rows: Array<[string, string]> = [
    ['hit ratio (since start)', `${pct(e.hitRatio)} (${formatNumber(e.hits)} hits, ${formatNumber(e.misses)} misses)`],
  ];
  if (e.interval) {
    const i = e.interval;
    rows.push([`over ${Math.round(i.seconds)} s`, `${pct(i.hitRatio)} hit ratio; ${i.opsPerSec.toFixed(1)} ops/s, ${i.hitsPerSec.toFixed(1)} hits/s, ${i.missesPerSec.toFixed(1)} misses/s, ${i.evictionsPerSec.toFixed(1)} evictions/s, ${i.expirationsPerSec.toFixed(1)} expirations/s`]);
  } else {
    rows.push(['ops/s (instantaneous)', e.opsPerSec.toFixed(0)]);
  }
  rows.push(
    ['memory used / peak', `${formatBytes(e.usedMemory)} / ${formatBytes(e.usedMemoryPeak)} (rss ${formatBytes(e.usedMemoryRss)}, fragmentation ${e.fragmentationRatio?.toFixed(2) ?? '–'})`],
    ['maxmemory, policy', `${e.maxmemory ? `${formatBytes(e.maxmemory)} (${pct(e.usedMemoryPct)} used)` : 'none'}, ${e.policy}`],
    ['evicted / expired keys', `${formatNumber(e.evictedKeys)} / ${formatNumber(e.expiredKeys)}`],
    ['clients', formatNumber(e.connectedClients)],
    ['keyspace', e.keyspace.map((k) => `db${k.db}: ${formatNumber(k.keys)} keys, ${formatNumber(k.expires)} with TTL`).join('; ') || 'empty'],
    ['server', `Redis ${e.version}, ${e.nodes} node${e.nodes > 1 ? 's' : ''}, up ${Math.round(e.uptimeSec / 3600)} h`],
  );
  out.push({ title: 'Effectiveness', kind: 'table', columns: ['measure', 'value'], rows });

  const ks = d.keyspace;
  if (ks && d.scan) {
    const scanLine = `${formatNumber(ks.scannedKeys)} keys scanned${ks.sampled ? ` (a ${pct(ks.sampled.fraction)} sample, scaled to ${formatNumber(ks.keys)} keys; bytes ±${pct(ks.sampled.bytesMargin)} at 95%)` : ''}, ${formatBytes(ks.bytes)} in keys${d.scan.cursor ? `; NOT complete, resume with --cursor ${d.scan.cursor}` : ''}${ks.vanished ? `; ${ks.vanished} keys vanished mid-scan` : ''}`;
    out.push({ title: 'Keyspace', kind: 'text', text: scanLine });
    if (d.namespaces.length) {
      out.push({
        title: `Namespaces by memory (${d.namespaces.length}${d.namespaces.length > 25 ? ', top 25' : ''})`,
        kind: 'table',
        columns: ['namespace', 'keys', 'bytes', 'share', 'mean', 'no TTL', 'cold'],
        align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
        rows: d.namespaces.slice(0, 25).map((n) => [n.namespace, formatNumber(n.keys), formatBytes(n.bytes), pct(n.share), formatBytes(n.meanBytes), formatNumber(n.noTtlKeys), formatNumber(n.coldKeys)]),
      });
    }
    if (d.bigKeys.length) {
      out.push({
        title: 'Biggest keys by memory',
        kind: 'table',
        columns: ['key', 'type', 'bytes', 'elements', 'ttl', 'idle'],
        align: ['left', 'left', 'right', 'right', 'right', 'right'],
        rows: d.bigKeys.slice(0, 10).map((k) => [cut(k.key), k.type, formatBytes(k.bytes), k.elements === null ? '–' : formatNumber(k.elements), ttlText(k.ttlMs), idleText(k)]),
      });
    }
    const byEl = ks.bigKeysByElements.filter((k) => (k.elements ?? 0) > 0 && k.type !== 'string');
    if (byEl.length) {
      out.push({
        title: d.scan.elements === 'top' ? 'Biggest collections (among the biggest keys by memory)' : 'Biggest collections by elements',
        kind: 'table',
        columns: ['key', 'type', 'elements', 'bytes'],
        align: ['left', 'left', 'right', 'right'],
        rows: byEl.slice(0, 10).map((k) => [cut(k.key), k.type, formatNumber(k.elements), formatBytes(k.bytes)]),
      });
    }
    out.push({
      title: 'TTL histogram',
      kind: 'table',
      columns: ['ttl', 'keys', 'bytes'],
      align: ['left', 'right', 'right'],
      rows: d.ttlHistogram.map((b) => [b.bucket, formatNumber(b.keys), formatBytes(b.bytes)]),
    });
    const hist = ks.idleHistogram ?? ks.freqHistogram;
    if (hist && ks.scannedKeys) {
      out.push({
        title: ks.idleHistogram ? `Idle time (cold after ${ttlText(d.scan.coldAfterSec * 1000)}: ${formatNumber(ks.coldKeys)} keys, ${formatBytes(ks.coldBytes)})` : `LFU access frequency (cold: ≤ 1; ${formatNumber(ks.coldKeys)} keys, ${formatBytes(ks.coldBytes)})`,
        kind: 'table',
        columns: [ks.idleHistogram ? 'idle' : 'freq', 'keys', 'bytes'],
        align: ['left', 'right', 'right'],
        rows: hist.map((b) => [b.bucket, formatNumber(b.keys), formatBytes(b.bytes)]),
      });
    }
    if (ks.coldestKeys.length) {
      out.push({
        title: 'Biggest cold keys',
        kind: 'table',
        columns: ['key', 'type', 'bytes', 'idle', 'ttl'],
        align: ['left', 'left', 'right', 'right', 'right'],
        rows: ks.coldestKeys.slice(0, 10).map((k) => [cut(k.key), k.type, formatBytes(k.bytes), idleText(k), ttlText(k.ttlMs)]),
      });
    }
  }
  if (d.nodes.length > 1) {
    out.push({
      title: 'Nodes',
      kind: 'table',
      columns: ['node', 'version', 'memory', 'keys', 'hit ratio', 'scanned keys', 'scanned bytes'],
      align: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
      rows: d.nodes.map((n) => [n.node, n.version, formatBytes(n.usedMemory), formatNumber(n.keys), pct(n.hitRatio), n.scannedKeys === null ? '–' : formatNumber(n.scannedKeys), n.scannedBytes === null ? '–' : formatBytes(n.scannedBytes)]),
    });
  }
  if (d.comparison) {
    const c = d.comparison;
    out.push({
      title: `Compared with ${c.baselineSavedAt ?? 'the saved report'}: ${formatBytes(c.bytesBefore)} → ${formatBytes(c.bytesAfter)}${c.bytesDeltaPct !== null ? ` (${c.bytesDeltaPct >= 0 ? '+' : ''}${c.bytesDeltaPct}%)` : ''}`,
      kind: 'table',
      columns: ['namespace', 'status', 'keys before', 'keys after', 'bytes before', 'bytes after', 'change'],
      align: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
      rows: c.namespaces
        .filter((n) => n.status !== 'same')
        .slice(0, 20)
        .map((n) => [n.namespace, n.status, formatNumber(n.keysBefore), formatNumber(n.keysAfter), formatBytes(n.bytesBefore), formatBytes(n.bytesAfter), n.bytesDeltaPct === null ? 'new' : `${n.bytesDeltaPct >= 0 ? '+' : ''}${n.bytesDeltaPct}%`]),
    });
  }
  if (d.slowlog.length) {
    out.push({
      title: 'Slowest commands (SLOWLOG)',
      kind: 'table',
      columns: ['ms', 'command', 'when', 'node'],
      align: ['right', 'left', 'left', 'left'],
      rows: d.slowlog.slice(0, 5).map((s) => [(s.durationUs / 1000).toFixed(2), cut(s.command, 60), s.at, s.node]),
    });
  }
  if (d.latency.events.length) {
    out.push({
      title: 'Latency events (LATENCY LATEST)',
      kind: 'table',
      columns: ['event', 'latest ms', 'max ms', 'when', 'node'],
      rows: d.latency.events.map((l) => [l.event, l.latestMs, l.maxMs, l.at, l.node]),
    });
  }
  const throttled = d.scan?.throttle ?? [];
  if (throttled.length) {
    out.push({
      title: `Throttle (target ${throttled[0].targetMs} ms)`,
      kind: 'table',
      columns: ['node', 'probes', 'p50 ms', 'p99 ms', 'max ms', 'over target', 'COUNT start → min → end', 'paused'],
      rows: throttled.map((t) => [t.node, t.probes, t.p50Ms, t.p99Ms, t.maxMs, t.overTarget, `${t.startCount} → ${t.minCount} → ${t.finalCount}`, `${t.pausedMs} ms`]),
    });
  }
  if (d.notes.length) out.push({ title: 'Notes', kind: 'text', text: d.notes.map((n) => `- ${n}`).join('\n') });
  return out;
}

function cut(s: string, n = 48): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
