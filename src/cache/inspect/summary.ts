// The `cache inspect` summary: the flat numbers budgets use. Pure.
import type { Summary } from '../../report/model.js';
import type { KeyspaceResult } from './aggregate.js';
import type { Comparison } from './compare.js';
import type { Effectiveness } from './info.js';

export function summaryOf(e: Effectiveness, ks: KeyspaceResult | null, db: number, cmp: Comparison | undefined, bigKeyBytes: number): Summary {
  const dbRow = e.keyspace.find((k) => k.db === db);
  const s: Summary = {
    keys: ks ? ks.keys : (dbRow?.keys ?? 0),
    memoryBytes: e.usedMemory,
    evictedKeys: e.evictedKeys,
    expiredKeys: e.expiredKeys,
    noTtlKeys: ks ? ks.noTtlKeys : (dbRow ? dbRow.keys - dbRow.expires : 0),
    opsPerSec: round2(e.opsPerSec),
    connectedClients: e.connectedClients,
  };
  if (e.hitRatio !== null) s.hitRatio = round4(e.hitRatio);
  if (e.fragmentationRatio !== null) s.fragmentationRatio = e.fragmentationRatio;
  if (e.usedMemoryPct !== null) s.usedMemoryPct = round2(e.usedMemoryPct * 100);
  if (e.interval) {
    if (e.interval.hitRatio !== null) s.hitRatioInterval = round4(e.interval.hitRatio);
    s.hitsPerSec = round2(e.interval.hitsPerSec);
    s.missesPerSec = round2(e.interval.missesPerSec);
    s.evictionsPerSec = round2(e.interval.evictionsPerSec);
    s.expirationsPerSec = round2(e.interval.expirationsPerSec);
  }
  if (ks) {
    s.keyBytes = ks.bytes;
    s.noTtlBytes = ks.noTtlBytes;
    s.coldKeys = ks.coldKeys;
    s.coldBytes = ks.coldBytes;
    s.namespaces = ks.namespaces.length;
    s.bigKeys = ks.bigKeys.filter((k) => (k.bytes ?? 0) >= bigKeyBytes).length;
    if (ks.keySize) s['keySize.p99'] = ks.keySize.p99;
  }
  if (cmp?.bytesDeltaPct !== null && cmp?.bytesDeltaPct !== undefined) s.bytesGrowthPct = cmp.bytesDeltaPct;
  return s;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
