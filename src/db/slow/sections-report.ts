// The report form of the secondary sections: counts, totals in ms, and top lists. Pure.
import { usToMs } from '../../util/histogram.js';
import { sortedEntries, type ByQuery, type Sections } from './sections.js';

export function sectionsReport(x: Sections, top: number) {
  const byQuery = (m: Map<string, ByQuery>, unit: 'bytes' | 'ms') =>
    [...m]
      .sort((a, b) => b[1].total - a[1].total || b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
      .slice(0, top)
      .map(([fingerprint, q]) =>
        unit === 'bytes'
          ? { fingerprint, query: q.query, count: q.count, totalBytes: q.total, maxBytes: q.max }
          : { fingerprint, query: q.query, count: q.count, totalWaitMs: usToMs(q.total), maxWaitMs: usToMs(q.max) },
      );
  const c = x.checkpoints;
  const s = x.conns;
  return {
    errors: {
      count: [...x.errors.values()].reduce((n, e) => n + e.count, x.errorsOther),
      other: x.errorsOther,
      byMessage: [...x.errors.values()].sort((a, b) => b.count - a.count || (a.message < b.message ? -1 : 1)).slice(0, top),
    },
    tempFiles: { count: x.temp.count, totalBytes: x.temp.totalBytes, maxBytes: x.temp.maxBytes, byQuery: byQuery(x.temp.byQuery, 'bytes') },
    lockWaits: {
      count: x.locks.count,
      totalWaitMs: usToMs(x.locks.totalWaitUs),
      maxWaitMs: usToMs(x.locks.maxWaitUs),
      byMode: Object.fromEntries(sortedEntries(x.locks.byMode)),
      byQuery: byQuery(x.locks.byQuery, 'ms'),
    },
    checkpoints: {
      started: c.started,
      completed: c.completed,
      byReason: Object.fromEntries(sortedEntries(c.byReason)),
      totalBuffers: c.totalBuffers,
      totalMs: usToMs(c.totalUs),
      maxWriteMs: usToMs(c.maxWriteUs),
      maxSyncMs: usToMs(c.maxSyncUs),
      maxTotalMs: usToMs(c.maxTotalUs),
    },
    autovacuum: {
      count: [...x.vacuum.values()].reduce((n, v) => n + v.vacuums + v.analyzes, 0),
      tables: [...x.vacuum]
        .sort((a, b) => b[1].totalElapsedUs - a[1].totalElapsedUs || (a[0] < b[0] ? -1 : 1))
        .slice(0, top)
        .map(([table, v]) => ({ table, vacuums: v.vacuums, analyzes: v.analyzes, totalElapsedMs: usToMs(v.totalElapsedUs), maxElapsedMs: usToMs(v.maxElapsedUs) })),
    },
    connections: {
      received: s.received,
      authorized: s.authorized,
      disconnections: s.disconnections,
      sessions: { count: s.sessions, totalMs: usToMs(s.sessionTotalUs), meanMs: s.sessions ? usToMs(s.sessionTotalUs) / s.sessions : null, maxMs: usToMs(s.sessionMaxUs) },
    },
  };
}

export type SectionsReport = ReturnType<typeof sectionsReport>;
