// Reading too much: scans that throw most rows away, index-only scans visiting the heap, nodes
// reading many blocks from outside shared_buffers, and parallel workers that never came.

import { blocks, int, pct, plural, round } from './format.js';
import { defineRule, executed } from './rule.js';
import { indexForFilter, tableName } from './sql-advice.js';

export const seqScanFilter = defineRule({
  id: 'seq-scan-filter',
  severity: 'warn',
  title: 'Sequential scan discards most rows',
  doc: 'A Seq Scan read ≥ minRowsScanned rows and its Filter removed ≥ minRemovedPct of them: an index would read only the matches.',
  needs: 'analyze',
  detect(plan, t) {
    const hits = [];
    for (const n of executed(plan)) {
      if (n.nodeType !== 'Seq Scan' || n.rowsRemovedByFilter === undefined) continue;
      const loops = n.actualLoops ?? 1;
      // Parallel scans report per-process averages; × loops gives the total either way.
      const removed = n.rowsRemovedByFilter * loops;
      const returned = (n.actualRows ?? 0) * loops;
      const scanned = removed + returned;
      const removedPct = scanned > 0 ? (removed / scanned) * 100 : 0;
      if (scanned < t.minRowsScanned || removedPct < t.minRemovedPct) continue;
      hits.push({
        node: n,
        facts: {
          nodeId: n.id, rowsScanned: scanned, rowsRemoved: removed, rowsReturned: returned,
          removedPct: round(removedPct, 2), loops, exclusiveMs: round(n.exclusiveMs ?? 0), filter: n.filter ?? '',
        },
      });
    }
    return hits;
  },
  message: (f, n) =>
    `${n!.label} read ${plural(f.rowsScanned, 'row')}${f.loops > 1 ? ` over ${plural(f.loops, 'loop')}` : ''} and its filter ` +
    `threw away ${int(f.rowsRemoved)} (${pct(f.removedPct)}) to return ${int(f.rowsReturned)}. Filter: ${f.filter}`,
  fix: (f, n) => {
    const index = indexForFilter(f.filter, n!);
    const or = /\sOR\s/.test(f.filter) ? ' The filter uses OR: each branch needs an index of its own (PostgreSQL combines them with BitmapOr).' : '';
    return index
      ? `Add an index on the filtered columns: ${index} Then ANALYZE ${tableName(n!)} and check that the plan uses it.${or}`
      : `Add an index that matches the filter (${f.filter}), or an expression index if it filters on a computed value.${or}`;
  },
});

export const heapFetches = defineRule({
  id: 'heap-fetches',
  severity: 'warn',
  title: 'Index-only scan visits the heap',
  doc: 'An Index Only Scan fetched ≥ minFetches heap rows, ≥ infoPct (info) / warnPct (warn) of the rows it read: the visibility map is out of date.',
  needs: 'analyze',
  detect(plan, t) {
    const hits = [];
    for (const n of executed(plan)) {
      if (n.nodeType !== 'Index Only Scan' || !n.heapFetches || n.heapFetches < t.minFetches) continue;
      const loops = n.actualLoops ?? 1;
      const rows = ((n.actualRows ?? 0) + (n.rowsRemovedByFilter ?? 0)) * loops;
      const fetchPct = (n.heapFetches / Math.max(rows, 1)) * 100;
      if (fetchPct < t.infoPct) continue;
      hits.push({
        node: n,
        severity: fetchPct >= t.warnPct ? ('warn' as const) : ('info' as const),
        facts: { nodeId: n.id, heapFetches: n.heapFetches, rows, fetchPct: round(fetchPct, 1) },
      });
    }
    return hits;
  },
  message: (f, n) =>
    `${n!.label} fetched ${plural(f.heapFetches, 'row')} from the table for ${plural(f.rows, 'index entry', 'index entries')} ` +
    `(${pct(f.fetchPct)}): pages changed since the last VACUUM are not all-visible, so the "index-only" scan reads the heap too.`,
  fix: (_f, n) => {
    const table = tableName(n!);
    return `VACUUM (ANALYZE) ${table}; to refresh the visibility map. If the table changes often, let autovacuum visit it sooner: ` +
      `ALTER TABLE ${table} SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);`;
  },
});

export const readHeavy = defineRule({
  id: 'read-heavy',
  severity: 'warn',
  title: 'Many blocks read from outside shared_buffers',
  doc: 'A node read ≥ minReadBlocks shared blocks itself, and those are ≥ minReadPct of its block accesses or ≥ minSharePct of all reads in the plan.',
  needs: 'buffers',
  detect(plan, t) {
    const totalRead = plan.root.buffers?.sharedRead ?? 0;
    const hits = [];
    for (const n of executed(plan)) {
      const b = n.exclusiveBuffers;
      if (!b || b.sharedRead < t.minReadBlocks) continue;
      const readPct = (b.sharedRead / Math.max(b.sharedRead + b.sharedHit, 1)) * 100;
      const sharePct = totalRead > 0 ? (b.sharedRead / totalRead) * 100 : 0;
      if (readPct < t.minReadPct && sharePct < t.minSharePct) continue;
      // PostgreSQL ≤ 15 says "I/O Read Time", 16+ "Shared I/O Read Time".
      const io = n.raw['I/O Read Time'] ?? n.raw['Shared I/O Read Time'];
      const ioMs = typeof io === 'number' ? io : null;
      hits.push({
        node: n,
        facts: {
          nodeId: n.id, sharedRead: b.sharedRead, sharedHit: b.sharedHit, readPct: round(readPct, 1),
          shareOfPlanReadsPct: round(sharePct, 1), ioReadMs: ioMs,
        },
      });
    }
    return hits;
  },
  message: (f, n) =>
    `${n!.label} read ${blocks(f.sharedRead)} from outside shared_buffers (OS cache or disk) and found ${int(f.sharedHit)} in it: ` +
    `${pct(f.readPct)} of its block accesses, ${pct(f.shareOfPlanReadsPct)} of all reads in the plan` +
    (f.ioReadMs !== null ? `; the reads took ${f.ioReadMs} ms.` : '.'),
  fix: (f, n) => {
    const seq = /Seq Scan/.test(n!.nodeType);
    return (seq
      ? 'Read fewer blocks: an index for the rows you need (see seq-scan-filter), fewer columns, or partitioning; large sequential scans use a small ring buffer, so a bigger cache will not help them. '
      : 'Read fewer blocks: a more selective or covering index, or cluster the table on the index order (CLUSTER / pg_repack) so matching rows share pages. If the table is hot, a larger shared_buffers or pg_prewarm keeps it cached. ') +
      (f.ioReadMs === null ? 'Turn on track_io_timing to see how long these reads take.' : 'Check for bloat too (VACUUM, pgstattuple).');
  },
});

export const workersNotLaunched = defineRule({
  id: 'workers-not-launched',
  severity: 'warn',
  title: 'Fewer parallel workers than planned',
  doc: 'A Gather or Gather Merge launched ≥ minMissing fewer workers than planned: the query ran less parallel than costed.',
  needs: 'analyze',
  detect(plan, t) {
    return executed(plan)
      .filter((n) => n.workersPlanned !== undefined && n.workersLaunched !== undefined)
      .filter((n) => n.workersPlanned! - n.workersLaunched! >= t.minMissing)
      .map((n) => ({
        node: n,
        facts: { nodeId: n.id, workersPlanned: n.workersPlanned!, workersLaunched: n.workersLaunched!, inclusiveMs: round(n.inclusiveMs ?? 0) },
      }));
  },
  message: (f, n) =>
    `${n!.label} planned ${plural(f.workersPlanned, 'worker')} but launched ${f.workersLaunched}: ` +
    `${f.workersLaunched === 0 ? 'the leader did all the work alone' : 'the launched ones did all the work'}.`,
  fix: (_f, _n, plan) => {
    const s = ['max_parallel_workers', 'max_worker_processes', 'max_parallel_workers_per_gather']
      .filter((k) => plan.settings?.[k] !== undefined)
      .map((k) => `${k} = ${plan.settings![k]}`);
    return 'Workers come from a shared pool: raise max_parallel_workers (and max_worker_processes, which needs a restart) or run fewer parallel queries at once ' +
      `(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker')` +
      (s.length ? `; this session has ${s.join(', ')}.` : '.');
  },
});
