// work_mem too small: sorts and hashes spilling to disk, bitmaps turning lossy.

import type { Plan, PlanNode } from '../model.js';
import { int, kb, plural, settingKb, workMemFor } from './format.js';
import { defineRule, executed } from './rule.js';
import { indexForSortKey, relationBelow } from './sql-advice.js';

const onTable = (n: PlanNode) => {
  const scan = relationBelow(n);
  return scan ? ` on ${scan.relation}` : '';
};

function workMemNow(plan: Plan): string {
  const v = plan.settings?.['work_mem'];
  return v ? `this session has work_mem = ${v}` : 'work_mem is at its default (4MB) unless set elsewhere';
}

/** Disk use of a sort: its own, its workers' (JSON "Workers"), and an Incremental Sort's group peaks. */
function sortDiskKb(n: PlanNode): number {
  let disk = n.sortSpaceType === 'Disk' ? (n.sortSpaceKb ?? 0) : 0;
  for (const w of n.workers ?? []) {
    if (w['Sort Space Type'] === 'Disk' && typeof w['Sort Space Used'] === 'number') disk += w['Sort Space Used'];
  }
  for (const key of ['Full-sort Groups', 'Pre-sorted Groups']) {
    const groups = n.raw[key];
    if (groups && typeof groups === 'object') {
      const peak = (groups as Record<string, Record<string, unknown> | undefined>)['Sort Space Disk']?.['Peak Sort Space Used'];
      if (typeof peak === 'number') disk += peak;
    } else if (typeof groups === 'string') {
      disk += Number(/Peak Disk: (\d+)kB/.exec(groups)?.[1] ?? 0);
    }
  }
  return disk;
}

export const diskSort = defineRule({
  id: 'disk-sort',
  severity: 'warn',
  title: 'Sort spilled to disk',
  doc: 'A Sort used an external (on-disk) method for more than minDiskKb: work_mem was too small for it.',
  needs: 'analyze',
  detect(plan, t) {
    return executed(plan)
      .filter((n) => /Sort/.test(n.nodeType))
      .map((n) => ({ n, disk: sortDiskKb(n) }))
      .filter(({ disk }) => disk > 0 && disk >= t.minDiskKb)
      .map(({ n, disk }) => ({
        node: n,
        facts: {
          nodeId: n.id, diskKb: disk, sortMethod: n.sortMethod ?? 'external', rows: (n.actualRows ?? 0) * (n.actualLoops ?? 1),
          tempWrittenBlocks: n.exclusiveBuffers?.tempWritten ?? 0, suggestedWorkMem: workMemFor(disk * 2),
        },
      }));
  },
  message: (f, n) =>
    `Sort${onTable(n!)} spilled ${kb(f.diskKb)} to disk (${f.sortMethod}) sorting ${plural(f.rows, 'row')}` +
    ` by ${(n!.sortKey ?? []).join(', ') || 'its key'}.`,
  fix: (f, n, plan) => {
    const scan = relationBelow(n!);
    const index = scan ? indexForSortKey(n!.sortKey, scan) : undefined;
    const memory = f.diskKb * 2 > 1024 * 1024
      ? 'The sort is too big to fit in memory sensibly'
      : `Raise work_mem above ~${f.suggestedWorkMem} for this query (SET LOCAL work_mem = '${f.suggestedWorkMem}' in its transaction; ${workMemNow(plan)})`;
    return `${memory}, or ${index ? `avoid the sort with an index in that order: ${index}` : 'sort fewer or narrower rows.'}`;
  },
});

/** Memory a hash needs to stay in one batch, and what work_mem gives that with hash_mem_multiplier. */
function hashNeed(n: PlanNode, plan: Plan): { neededKb: number; multiplier: number } {
  const multiplier = Number(plan.settings?.['hash_mem_multiplier'] ?? 2) || 2;
  const batches = n.hashBatches ?? n.hashAggBatches ?? 1;
  const neededKb = Math.max((n.peakMemoryKb ?? 0) * batches, n.diskUsageKb ?? 0) / multiplier;
  return { neededKb, multiplier };
}

export const hashBatches = defineRule({
  id: 'hash-batches',
  severity: 'warn',
  title: 'Hash spilled to disk in batches',
  doc: 'A Hash (join) or HashAggregate needed ≥ minBatches batches: its table did not fit in work_mem × hash_mem_multiplier.',
  needs: 'analyze',
  detect(plan, t) {
    const hits = [];
    for (const n of executed(plan)) {
      const batches = n.nodeType === 'Hash' ? n.hashBatches : n.strategy === 'Hashed' || n.strategy === 'Mixed' ? n.hashAggBatches : undefined;
      if (batches === undefined || batches < t.minBatches) continue;
      const { neededKb, multiplier } = hashNeed(n, plan);
      hits.push({
        node: n,
        facts: {
          nodeId: n.id, batches, originalBatches: n.originalHashBatches ?? null, peakMemoryKb: n.peakMemoryKb ?? 0,
          diskUsageKb: n.diskUsageKb ?? null, hashMemMultiplier: multiplier,
          tempWrittenBlocks: n.exclusiveBuffers?.tempWritten ?? 0, suggestedWorkMem: workMemFor(neededKb * 1.5),
        },
      });
    }
    return hits;
  },
  message: (f, n) =>
    `${n!.label}${n!.nodeType === 'Hash' ? onTable(n!) : ''} used ${f.batches} batches` +
    `${f.originalBatches && f.originalBatches !== f.batches ? ` (planned ${f.originalBatches})` : ''}, writing to temp files; ` +
    `peak memory per batch ${kb(f.peakMemoryKb)}${f.diskUsageKb ? `, disk ${kb(f.diskUsageKb)}` : ''}.`,
  fix: (f, n, plan) => {
    const smaller = n!.nodeType === 'Hash'
      ? 'or hash the smaller input with fewer columns (the planner hashes the side it thinks is smaller: check its estimate)'
      : 'or aggregate fewer rows';
    return `Raise work_mem to ~${f.suggestedWorkMem} for this query (SET LOCAL work_mem = '${f.suggestedWorkMem}'; ${workMemNow(plan)}, ` +
      `hash tables may use ${f.hashMemMultiplier}× that) so it fits in one batch, ${smaller}.`;
  },
});

/** TIDBitmap keeps one ~64-byte entry per heap page while it stays exact. */
const BYTES_PER_EXACT_PAGE = 64;

export const lossyBitmap = defineRule({
  id: 'lossy-bitmap',
  severity: 'warn',
  title: 'Bitmap heap scan went lossy',
  doc: 'A Bitmap Heap Scan had ≥ minLossyBlocks lossy heap blocks: each row on them is rechecked.',
  needs: 'analyze',
  detect(plan, t) {
    return executed(plan)
      .filter((n) => (n.lossyHeapBlocks ?? 0) >= t.minLossyBlocks && n.lossyHeapBlocks! > 0)
      .map((n) => {
        const pages = (n.exactHeapBlocks ?? 0) + (n.lossyHeapBlocks ?? 0);
        return {
          node: n,
          facts: {
            nodeId: n.id, lossyBlocks: n.lossyHeapBlocks ?? 0, exactBlocks: n.exactHeapBlocks ?? 0,
            rowsRemovedByRecheck: n.rowsRemovedByIndexRecheck ?? 0,
            suggestedWorkMem: workMemFor(((pages * BYTES_PER_EXACT_PAGE) / 1024) * 2),
          },
        };
      });
  },
  message: (f, n) =>
    `${n!.label} had ${plural(f.lossyBlocks, 'lossy heap block')} (exact: ${int(f.exactBlocks)}): the bitmap outgrew work_mem, ` +
    `so every row on those pages was rechecked against the condition (${plural(f.rowsRemovedByRecheck, 'row')} removed by the recheck).`,
  fix: (f, _n, plan) => {
    const now = settingKb(plan.settings?.['work_mem']);
    return `Raise work_mem to ~${f.suggestedWorkMem} for this query (SET LOCAL work_mem = '${f.suggestedWorkMem}'` +
      `${now !== undefined ? `; now ${kb(now)}` : ''}) so the bitmap stays exact, or make the condition more selective so fewer pages match.`;
  },
});
