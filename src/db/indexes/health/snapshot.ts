// Reads everything the index health rules decide from, one tagged query per concern: server facts,
// indexes with usage, foreign keys, tables without a primary key, and B-tree bloat. What the role may
// not see (pgstattuple, other users' index builds, hidden pg_stats rows) becomes a note, not a crash.
import { isConnectionLoss, type PgConnection } from '../../../connectors/postgres.js';
import type { HealthIndex, HealthSnapshot, IndexBloat, TableBloat } from './model.js';
import { FOREIGN_KEYS_SQL, NO_PRIMARY_KEY_SQL, SERVER_SQL, indexesSql } from './sql.js';
import {
  BLOAT_INPUTS_SQL, estimateBloat, exactBloat, pgstatindexSql, pgstattupleApproxSql, pickExact, tableBloatOf,
  type ApproxRow, type PgstatindexRow,
} from './bloat.js';
import { iso, toBloatInputs, toForeignKey, toIndex, toNoPk } from './rows.js';

export interface HealthFetchOptions {
  /** Read only server facts and index usage (for a replica: the rest is the primary's). */
  usageOnly?: boolean;
  /** Measure B-tree indexes at least this big with pgstatindex, when allowed (default 100 MB: a smaller
   *  index cannot waste the default bloat threshold). */
  exactBloatMinBytes?: number;
  /** pgstatindex reads every page: stop after this many index bytes (default 1 GiB); the rest is estimated. */
  exactBloatMaxBytes?: number;
}

type Row = Record<string, unknown>;
const MB = 1024 * 1024;

export async function fetchHealthSnapshot(conn: PgConnection, opts: HealthFetchOptions = {}): Promise<HealthSnapshot> {
  const [server] = await conn.query(SERVER_SQL);
  const versionNum = Number(server.version_num);
  const role = String(server.role);
  const notes: string[] = [];
  if (Number(server.hidden_builds) > 0) {
    notes.push(`${server.hidden_builds} index build(s) in progress are hidden from ${role} (pg_stat_progress_create_index needs pg_read_all_stats): an index being built CONCURRENTLY right now may be reported as invalid`);
  }
  const [indexRows, fkRows, noPkRows] = await Promise.all([
    conn.query(indexesSql(versionNum)),
    opts.usageOnly ? Promise.resolve([]) : conn.query(FOREIGN_KEYS_SQL),
    opts.usageOnly ? Promise.resolve([]) : conn.query(NO_PRIMARY_KEY_SQL),
  ]);
  const bloat = opts.usageOnly
    ? { indexBloat: [], tableBloat: [], pgstattuple: false }
    : await fetchBloat(conn, server.pgstattuple_schema as string | null, role, opts, notes);
  return {
    database: String(server.database),
    serverVersionNum: versionNum,
    takenAt: iso(server.now) ?? new Date(0).toISOString(),
    statsReset: iso(server.stats_reset),
    inRecovery: Boolean(server.in_recovery),
    pgstattuple: bloat.pgstattuple,
    indexes: indexRows.map(toIndex),
    foreignKeys: fkRows.map(toForeignKey),
    tablesWithoutPrimaryKey: noPkRows.map(toNoPk),
    indexBloat: bloat.indexBloat,
    tableBloat: bloat.tableBloat,
    notes,
  };
}

/** Index usage across servers: each index's idx_scan on every replica, so that an index counts as
 *  unused only when no server used it. Matched by schema, table and name. */
export function mergeReplicaUsage(primary: HealthSnapshot, replicas: Array<{ name: string; snapshot: HealthSnapshot }>): HealthSnapshot {
  const key = (i: HealthIndex) => `${i.schema}\u0000${i.table}\u0000${i.name}`;
  const maps = replicas.map((r) => ({ name: r.name, byKey: new Map(r.snapshot.indexes.map((i) => [key(i), i])) }));
  const notes = [...primary.notes];
  for (const r of replicas) {
    if (!r.snapshot.inRecovery) notes.push(`${r.name} is not in recovery (not a physical replica); its index scans are counted anyway`);
    notes.push(...r.snapshot.notes.map((n) => `${r.name}: ${n}`));
  }
  return {
    ...primary,
    indexes: primary.indexes.map((i) => ({
      ...i,
      replicaScans: [...(i.replicaScans ?? []), ...maps.map((m) => ({ replica: m.name, scans: m.byKey.get(key(i))?.scans ?? null }))],
    })),
    replicas: [
      ...(primary.replicas ?? []),
      ...replicas.map((r) => ({ name: r.name, statsReset: r.snapshot.statsReset, takenAt: r.snapshot.takenAt, inRecovery: r.snapshot.inRecovery })),
    ],
    notes,
  };
}

async function fetchBloat(conn: PgConnection, schema: string | null, role: string, opts: HealthFetchOptions, notes: string[]) {
  const out = { indexBloat: [] as IndexBloat[], tableBloat: [] as TableBloat[], pgstattuple: false };
  const rows = await optional(notes, 'index bloat could not be estimated', () => conn.query(BLOAT_INPUTS_SQL));
  if (!rows) return out;
  const inputs = rows.map(toBloatInputs);
  const estimates = new Map(inputs.map((x) => [x.oid, estimateBloat(x)]));
  const blind = inputs.filter((x) => !x.hasStats);
  if (blind.length) {
    notes.push(`${blind.length} B-tree index(es) have no statistics to estimate bloat from (never analyzed, or pg_stats hides columns ${role} may not SELECT): ${list(blind.map((x) => `${x.schema}.${x.table}.${x.name}`))}`);
  }
  const exact = new Map<string, IndexBloat>();
  if (schema) {
    out.pgstattuple = true;
    const { picked, skipped } = pickExact(inputs, estimates, opts.exactBloatMinBytes ?? 100 * MB, opts.exactBloatMaxBytes ?? 1024 * MB);
    if (skipped.length) {
      notes.push(`${skipped.length} B-tree index(es) were estimated, not measured: pgstatindex reads every page and the budget of ${Math.round((opts.exactBloatMaxBytes ?? 1024 * MB) / MB)} MB was spent: ${list(skipped.map((x) => x.name))}`);
    }
    const measured = picked.length
      ? await optional(notes, 'pgstatindex failed, so index bloat is estimated from pg_stats', () =>
          conn.query<PgstatindexRow & { oid: string } & Row>(pgstatindexSql(schema), [picked.map((x) => x.oid)]), (code) => {
          if (code !== '42501') return undefined;
          out.pgstattuple = false;
          return `pgstattuple is installed but ${role} may not run it (GRANT pg_stat_scan_tables TO ${role}); index bloat is estimated from pg_stats`;
        })
      : undefined;
    if (measured) {
      const byOid = new Map(picked.map((x) => [x.oid, x]));
      for (const m of measured) exact.set(m.oid, exactBloat(byOid.get(m.oid)!, m));
      const tables = [...new Set(picked.map((x) => x.tableOid))];
      const approx = await optional(notes, 'pgstattuple_approx failed, so the tables\' dead space is unknown', () =>
        conn.query<ApproxRow & Row>(pgstattupleApproxSql(schema), [tables]));
      out.tableBloat = (approx ?? []).map(tableBloatOf);
    }
  }
  out.indexBloat = inputs.map((x) => exact.get(x.oid) ?? estimates.get(x.oid)).filter((b): b is IndexBloat => !!b);
  return out;
}

/** Runs an optional part: a refusal (privileges), a timeout or any other SQL error becomes a note
 *  (`explain` may word it by SQLSTATE). A lost connection is not optional. */
async function optional<T>(
  notes: string[],
  what: string,
  run: () => Promise<T>,
  explain: (code: string | undefined) => string | undefined = () => undefined,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause ?? e;
    if (isConnectionLoss(cause)) throw e;
    const err = cause as { code?: string; message?: string };
    const why = err.code === '42501' ? `permission denied (${err.message})` : err.code === '57014' ? 'it took longer than the statement timeout' : err.message;
    notes.push(explain(err.code) ?? `${what}: ${why}`);
    return undefined;
  }
}

function list(names: string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
}
