// duplicate-index: an index that another index of the same table makes redundant — identical, or a
// prefix of it (B-tree), with the same method, keys (expressions, opclass, collation), predicate and
// uniqueness. The one to drop never backs a constraint; of two identical ones the keeper is the
// constraint's, the unique, then the more used. Pure.
import type { Finding } from '../../../report/model.js';
import type { HealthIndex, HealthIndexColumn, HealthSnapshot } from './model.js';
import { bytes, dropDdl, indexLocation, indexShape, totalScans } from './text.js';

export type Redundancy = 'identical' | 'covered' | 'prefix';

export interface DuplicatePair {
  drop: HealthIndex;
  keep: HealthIndex;
  kind: Redundancy;
}

const sameKey = (a: HealthIndexColumn, b: HealthIndexColumn) =>
  a.column === b.column && a.expression === b.expression && a.opclass === b.opclass && a.collation === b.collation;

const nullsFirst = (c: HealthIndexColumn) => (c.nulls ? c.nulls === 'first' : c.direction === 'desc');
const sameOrder = (a: HealthIndexColumn, b: HealthIndexColumn) =>
  (a.direction === 'desc') === (b.direction === 'desc') && nullsFirst(a) === nullsFirst(b);
const reversedOrder = (a: HealthIndexColumn, b: HealthIndexColumn) =>
  (a.direction === 'desc') !== (b.direction === 'desc') && nullsFirst(a) !== nullsFirst(b);

/** Can `b` do everything `a` does? How: with the same keys and INCLUDEs, more INCLUDEs, or more keys.
 *  A B-tree read backwards serves the reverse order, so all-reversed keys count as the same. */
export function redundancy(a: HealthIndex, b: HealthIndex): Redundancy | null {
  if (a === b || a.schema !== b.schema || a.table !== b.table || a.method !== b.method) return null;
  if ((a.where ?? '') !== (b.where ?? '') || a.columns.length > b.columns.length) return null;
  const lead = b.columns.slice(0, a.columns.length);
  if (!a.columns.every((c, k) => sameKey(c, lead[k]))) return null;
  const ordered = a.method !== 'btree' || a.columns.every((c, k) => sameOrder(c, lead[k])) || a.columns.every((c, k) => reversedOrder(c, lead[k]));
  if (!ordered) return null;
  const sameKeys = a.columns.length === b.columns.length;
  if (!sameKeys && a.method !== 'btree') return null;
  // A unique index enforces something a wider one does not: only an equal unique index replaces it.
  if (a.unique && !(sameKeys && b.unique && a.nullsNotDistinct === b.nullsNotDistinct)) return null;
  const bColumns = new Set([...b.columns.map((c) => c.column).filter((c): c is string => !!c), ...b.include]);
  if (!a.include.every((c) => bColumns.has(c))) return null;
  if (!sameKeys) return 'prefix';
  const sameInclude = a.include.length === b.include.length && a.include.every((c) => b.include.includes(c));
  return sameInclude ? 'identical' : 'covered';
}

/** Cannot be dropped without dropping a constraint: PRIMARY KEY, UNIQUE, EXCLUDE, or a foreign key's referenced key. */
export const pinned = (i: HealthIndex) => i.primary || !!i.constraint || i.referencedBy.length > 0;

/** Which of two interchangeable indexes to keep: pinned, primary, unique, more used, then by name. */
function keepRank(a: HealthIndex, b: HealthIndex): number {
  const score = (i: HealthIndex) => [pinned(i) ? 1 : 0, i.primary ? 1 : 0, i.unique ? 1 : 0, totalScans(i)];
  const sa = score(a);
  const sb = score(b);
  for (let k = 0; k < sa.length; k++) if (sa[k] !== sb[k]) return sb[k] - sa[k];
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Every index to drop, with the one to keep: the widest index that covers it. */
export function findDuplicates(indexes: HealthIndex[]): DuplicatePair[] {
  const live = indexes.filter((i) => i.valid && !i.building && !i.partition);
  const out: DuplicatePair[] = [];
  for (const a of live) {
    if (pinned(a)) continue;
    // Of two that cover each other, only the lower-ranked one is dropped.
    const covers = live.filter((b) => redundancy(a, b) && !(redundancy(b, a) && keepRank(a, b) < 0));
    if (!covers.length) continue;
    const keep = covers.sort((x, y) => y.columns.length + y.include.length - (x.columns.length + x.include.length) || keepRank(x, y))[0];
    out.push({ drop: a, keep, kind: redundancy(a, keep)! });
  }
  return out;
}

const WHY: Record<Redundancy, string> = {
  identical: 'is identical to',
  covered: 'has the same keys as, and fewer INCLUDE columns than,',
  prefix: 'is a prefix of',
};

export function duplicateFindings(s: HealthSnapshot, pairs = findDuplicates(s.indexes)): Finding[] {
  return pairs.map(({ drop, keep, kind }) => {
    const used = totalScans(drop) > 0
      ? ` It was scanned ${totalScans(drop).toLocaleString('en-US')} times; those queries will use ${keep.name} instead.`
      : '';
    const table = drop.schema === 'public' ? drop.table : `${drop.schema}.${drop.table}`;
    return {
      rule: 'duplicate-index',
      severity: 'warn' as const,
      title: `Duplicate index ${drop.name} on ${table}`,
      message:
        `${indexLocation(drop)} ${indexShape(drop)} ${WHY[kind]} ${keep.name} ${indexShape(keep)}: ` +
        `${keep.name} serves every query it serves. Keep ${keep.name}${keep.constraint ? ` (it backs the constraint ${keep.constraint.name})` : ''}; ` +
        `dropping ${drop.name} frees ${bytes(drop.sizeBytes)} and one index update on every write to ${table}.${used}`,
      location: indexLocation(drop),
      evidence: {
        kind,
        index: drop.definition,
        keep: indexLocation(keep),
        keepDefinition: keep.definition,
        sizeBytes: drop.sizeBytes,
        scans: drop.scans,
        keepScans: keep.scans,
      },
      fix: dropDdl(drop),
    };
  });
}
