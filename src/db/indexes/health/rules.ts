// Index health, decided from a HealthSnapshot: unused, duplicate and invalid indexes, foreign keys
// without an index, tables without a primary key, and B-tree bloat. Each finding carries its numbers
// and the DDL that fixes it. Pure: no connection, no clock (the snapshot's takenAt is "now").
import type { Finding } from '../../../report/model.js';
import type { HealthIndex, HealthSnapshot, IndexBloat } from './model.js';
import { duplicateFindings, findDuplicates, pinned } from './duplicates.js';
import { foreignKeyFindings, primaryKeyFindings } from './keys.js';
import {
  bytes, dropDdl, indexLocation, location, pct, recreateDdl, reindexDdl, rows, sinceReset, statsAgeDays, totalScans,
} from './text.js';

export interface HealthOptions {
  /** An index with no scans is reported only from this size (pghero 4.0: 10 MB). */
  unusedMinBytes: number;
  /** With statistics younger than this, an unused index is only info: the index may serve a monthly job. */
  unusedMinStatsDays: number;
  /** Index bloat is reported from this many wasted bytes (pghero: 100 MB) … */
  bloatMinBytes: number;
  /** … and this share of the index (B-trees under random inserts settle near 70% full, ~20–25% "waste"
   *  that a REINDEX buys back only until the pages split again). */
  bloatMinRatio: number;
  /** A foreign key on a smaller table is only info: scanning it is cheap. */
  fkMinRows: number;
}

const MB = 1024 * 1024;

export const DEFAULT_HEALTH_OPTIONS: HealthOptions = {
  unusedMinBytes: 10 * MB,
  unusedMinStatsDays: 7,
  bloatMinBytes: 100 * MB,
  bloatMinRatio: 0.3,
  fkMinRows: 1000,
};

export const HEALTH_RULES = ['invalid-index', 'duplicate-index', 'unused-index', 'fk-without-index', 'missing-primary-key', 'index-bloat'] as const;

export function indexHealthFindings(snapshot: HealthSnapshot, opts: Partial<HealthOptions> = {}): Finding[] {
  const o = { ...DEFAULT_HEALTH_OPTIONS, ...opts };
  const duplicates = findDuplicates(snapshot.indexes);
  // An index both duplicate and unused is reported once, as a duplicate: that finding names the one to keep.
  const dropped = new Set(duplicates.map((d) => indexLocation(d.drop)));
  return [
    ...invalidFindings(snapshot),
    ...duplicateFindings(snapshot, duplicates),
    ...unusedFindings(snapshot, o, dropped),
    ...foreignKeyFindings(snapshot, o.fkMinRows),
    ...primaryKeyFindings(snapshot),
    ...bloatFindings(snapshot, o),
  ];
}

/** The command's summary keys. */
export function healthSummary(findings: Finding[], snapshot: HealthSnapshot): { unusedIndexes: number; unusedIndexBytes: number; duplicateIndexes: number } {
  const size = new Map(snapshot.indexes.map((i) => [indexLocation(i), i.sizeBytes]));
  const unused = findings.filter((f) => f.rule === 'unused-index');
  return {
    unusedIndexes: unused.length,
    unusedIndexBytes: unused.reduce((n, f) => n + (size.get(f.location ?? '') ?? 0), 0),
    duplicateIndexes: findings.filter((f) => f.rule === 'duplicate-index').length,
  };
}

/** No scans on the primary nor on any replica, big enough to matter, and free to drop: not unique,
 *  not a constraint's, not a partition's (those go with their parent), not being built. */
function unusedFindings(s: HealthSnapshot, o: HealthOptions, skip: Set<string>): Finding[] {
  const age = statsAgeDays(s);
  const young = age !== null && age < o.unusedMinStatsDays;
  return s.indexes
    .filter((i) => i.valid && !i.building && !i.partition && !i.unique && !pinned(i))
    .filter((i) => i.sizeBytes >= o.unusedMinBytes && totalScans(i) === 0 && !skip.has(indexLocation(i)))
    .map((i) => {
      const replicas = i.replicaScans ?? [];
      const onReplicas = replicas.length
        ? `, nor on ${replicas.length === 1 ? 'the replica' : 'the replicas'} ${replicas.map((r) => (r.scans === null ? `${r.replica} (index missing there)` : r.replica)).join(', ')}`
        : '';
      return {
        rule: 'unused-index',
        severity: young ? ('info' as const) : ('warn' as const),
        title: `Unused index ${i.name} on ${i.schema === 'public' ? i.table : `${i.schema}.${i.table}`}`,
        message:
          `${indexLocation(i)} (${bytes(i.sizeBytes)}) has had no scans ${sinceReset(s)}${onReplicas}. ` +
          `It still costs an update on every write to ${i.table} (${rows(i.tableRows)}), and space in memory and backups.` +
          (young ? ` The statistics are younger than ${o.unusedMinStatsDays} days: wait for a full business cycle (month-end jobs, reports) before dropping it.` : ''),
        location: indexLocation(i),
        evidence: {
          sizeBytes: i.sizeBytes,
          scans: i.scans,
          statsReset: s.statsReset,
          statsAgeDays: age === null ? null : Math.floor(age),
          ...(i.lastScan !== undefined ? { lastScan: i.lastScan } : {}),
          ...(replicas.length ? { replicas: replicas.map((r) => ({ ...r, statsReset: s.replicas?.find((x) => x.name === r.replica)?.statsReset ?? null })) } : {}),
          tableRows: i.tableRows,
          definition: i.definition,
        },
        fix: dropDdl(i),
      };
    });
}

/** INVALID indexes, except those being built right now. A failed unique build usually failed on
 *  duplicate values, so rebuilding it as is would fail again. */
function invalidFindings(s: HealthSnapshot): Finding[] {
  return s.indexes.filter((i) => !i.valid && !i.building).map((i) => {
    const leftover = /_cc(new|old)[0-9]*$/.test(i.name);
    const cost = i.ready
      ? `It is still updated on every write to ${i.table}${i.unique ? ' and still enforces uniqueness on new rows' : ''}, but the planner never uses it.`
      : 'The planner never uses it, and it is not maintained.';
    let why = 'a CREATE INDEX CONCURRENTLY (or REINDEX CONCURRENTLY) failed or was cancelled and left it behind';
    let fix = reindexDdl(i);
    if (leftover) {
      why = 'a REINDEX CONCURRENTLY failed or was cancelled and left this copy behind';
      fix = dropDdl(i);
    } else if (i.tableKind === 'partitioned') {
      why = 'some partitions have no matching index attached';
      fix = `-- create the missing index on each partition, then ALTER INDEX ${i.schema}.${i.name} ATTACH PARTITION <partition index>;`;
    } else if (i.unique) {
      why = 'a CREATE UNIQUE INDEX CONCURRENTLY failed, most likely on duplicate values, and left it behind';
      fix = `${dropDdl(i)}\n-- remove the duplicate values, then:\n${recreateDdl(i)}`;
    }
    return {
      rule: 'invalid-index',
      severity: 'error' as const,
      title: `Invalid index ${i.name} on ${i.schema === 'public' ? i.table : `${i.schema}.${i.table}`}`,
      message: `${indexLocation(i)} is INVALID: ${why}. ${cost}`,
      location: indexLocation(i),
      evidence: { valid: false, ready: i.ready, unique: i.unique, sizeBytes: i.sizeBytes, definition: i.definition },
      fix,
    };
  });
}

function bloatFindings(s: HealthSnapshot, o: HealthOptions): Finding[] {
  const byLocation = new Map(s.indexes.map((i) => [indexLocation(i), i]));
  return s.indexBloat
    .filter((b) => b.wastedBytes >= o.bloatMinBytes && b.ratio >= o.bloatMinRatio)
    .map((b) => bloatFinding(s, b, byLocation.get(location(b.schema, b.table, b.name))));
}

function bloatFinding(s: HealthSnapshot, b: IndexBloat, index: HealthIndex | undefined): Finding {
  const table = s.tableBloat.find((t) => t.schema === b.schema && t.table === b.table);
  const how = b.method === 'pgstatindex'
    ? `measured by pgstatindex: its leaf pages are ${b.leafDensity?.toFixed(1)}% full`
    : 'estimated from pg_class and pg_stats (the ioguix B-tree estimate; install pgstattuple for a measurement)';
  const tableNote = table
    ? ` The table is ${table.freePercent.toFixed(0)}% free space and ${table.deadTuplePercent.toFixed(0)}% dead rows (pgstattuple_approx)` +
      (table.deadTuplePercent >= 20 ? '; VACUUM it first: entries of dead rows still count as used.' : '.')
    : '';
  return {
    rule: 'index-bloat',
    severity: 'warn',
    title: `Bloated index ${b.name} on ${b.schema === 'public' ? b.table : `${b.schema}.${b.table}`}`,
    message:
      `${location(b.schema, b.table, b.name)} is ${bytes(b.sizeBytes)}, of which ${b.method === 'estimate' ? 'about ' : ''}${bytes(b.wastedBytes)} ` +
      `(${pct(b.ratio)}) is space beyond what its live entries need at fillfactor ${b.fillfactor}, ${how}.${tableNote} ` +
      `REINDEX CONCURRENTLY rebuilds it compactly without blocking writes; it needs room for a second copy while it runs.`,
    location: location(b.schema, b.table, b.name),
    evidence: {
      method: b.method,
      sizeBytes: b.sizeBytes,
      wastedBytes: b.wastedBytes,
      ratio: Math.round(b.ratio * 1000) / 1000,
      fillfactor: b.fillfactor,
      ...(b.leafDensity !== undefined ? { leafDensity: b.leafDensity } : {}),
      ...(table ? { table: { freePercent: table.freePercent, deadTuplePercent: table.deadTuplePercent, method: 'pgstattuple_approx' } } : {}),
    },
    fix: reindexDdl({ schema: b.schema, name: b.name, tableKind: index?.tableKind ?? 'table' }),
  };
}
