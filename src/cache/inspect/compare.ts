// `--compare`: what grew or shrank per namespace against a saved `cache inspect` report, and which
// big keys are new. Pure.
import type { BigKey, NamespaceRow } from './aggregate.js';

export interface Snapshot {
  savedAt?: string;
  summary: Record<string, number>;
  namespaces: NamespaceRow[];
  bigKeys: BigKey[];
}

export interface NamespaceDelta {
  namespace: string;
  keysBefore: number;
  keysAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  bytesDelta: number;
  /** Relative change of bytes; null for a namespace that is new. */
  bytesDeltaPct: number | null;
  status: 'new' | 'gone' | 'grew' | 'shrank' | 'same';
}

export interface Comparison {
  baselineSavedAt?: string;
  keysBefore: number;
  keysAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  bytesDeltaPct: number | null;
  namespaces: NamespaceDelta[];
  newBigKeys: BigKey[];
}

export function compareSnapshots(before: Snapshot, after: Snapshot): Comparison {
  const prev = new Map(before.namespaces.map((n) => [n.namespace, n]));
  const seen = new Set<string>();
  const rows: NamespaceDelta[] = [];
  for (const n of after.namespaces) {
    seen.add(n.namespace);
    const p = prev.get(n.namespace);
    rows.push(delta(n.namespace, p?.keys ?? 0, n.keys, p?.bytes ?? 0, n.bytes, !p));
  }
  for (const p of before.namespaces) if (!seen.has(p.namespace)) rows.push({ ...delta(p.namespace, p.keys, 0, p.bytes, 0, false), status: 'gone' });
  rows.sort((a, b) => Math.abs(b.bytesDelta) - Math.abs(a.bytesDelta) || a.namespace.localeCompare(b.namespace));
  const oldBig = new Set(before.bigKeys.map((k) => k.key));
  const sum = (ns: NamespaceRow[], k: 'keys' | 'bytes') => ns.reduce((s, n) => s + n[k], 0);
  const bytesBefore = sum(before.namespaces, 'bytes');
  const bytesAfter = sum(after.namespaces, 'bytes');
  return {
    baselineSavedAt: before.savedAt,
    keysBefore: sum(before.namespaces, 'keys'),
    keysAfter: sum(after.namespaces, 'keys'),
    bytesBefore,
    bytesAfter,
    bytesDeltaPct: bytesBefore > 0 ? round1(((bytesAfter - bytesBefore) / bytesBefore) * 100) : null,
    namespaces: rows,
    newBigKeys: after.bigKeys.filter((k) => !oldBig.has(k.key)),
  };
}

function delta(namespace: string, keysBefore: number, keysAfter: number, bytesBefore: number, bytesAfter: number, isNew: boolean): NamespaceDelta {
  const bytesDelta = bytesAfter - bytesBefore;
  // Below 1 % a namespace counts as unchanged: MEMORY USAGE samples and allocator rounding move a little.
  const rel = bytesBefore > 0 ? bytesDelta / bytesBefore : null;
  const status = isNew ? 'new' : rel !== null && Math.abs(rel) < 0.01 && keysAfter === keysBefore ? 'same' : bytesDelta >= 0 ? 'grew' : 'shrank';
  return { namespace, keysBefore, keysAfter, bytesBefore, bytesAfter, bytesDelta, bytesDeltaPct: rel === null ? null : round1(rel * 100), status };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
