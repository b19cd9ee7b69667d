// Queries that are out before any costing, each with its reason in words and numbers: not a read,
// a table that does not exist, tables too small to need an index, predicates no index can serve,
// nothing to index, or every candidate already served by an existing index.
import { buildCandidates } from './candidates.js';
import { btreeable, columnInfo } from './column-types.js';
import type { Catalog, Predicate, QueryAnalysis, RejectCode, Rejection } from '../model.js';
import { columnLabel } from './operands.js';
import { constantFraction, percent } from './selectivity.js';
import { alreadyServed } from './served.js';
import { formatNumber } from '../../../util/units.js';

export { alreadyServed } from './served.js';

export interface RejectOptions {
  /** Tables below this many rows do not need an index (default 1,000). */
  minRows?: number;
}

const ORDERING = new Set(['sort', 'group']);

export function preRejections(analysis: QueryAnalysis, catalog: Catalog, opts: RejectOptions = {}): Rejection | undefined {
  const minRows = opts.minRows ?? 1000;
  const out = (code: RejectCode, reason: string): Rejection => ({ fingerprint: analysis.query.fingerprint, query: analysis.query.query, code, reason });
  if (analysis.kind !== 'select') return out('not-read', `not a read query (${analysis.statement ?? analysis.kind.toUpperCase()})`);

  const missing = analysis.missingTables ?? [];
  if (missing.length > 0) {
    const hints = missing.map((m) => closest(m, Object.keys(catalog.tables))).filter((h): h is string => h !== undefined);
    const hint = hints.length > 0 ? ` (did you mean ${hints.join(', ')}?)` : '';
    return missing.length === 1
      ? out('table-missing', `table missing: ${missing[0]} does not exist${hint}`)
      : out('table-missing', `tables missing: ${missing.join(', ')} do not exist${hint}`);
  }
  if (analysis.tables.length === 0) {
    const system = (analysis.problems ?? []).map((p) => /^system catalog (\S+)/.exec(p)?.[1]).filter((t): t is string => t !== undefined);
    return out('no-candidates', `no candidate columns: the query reads ${system.length > 0 ? `only system catalogs (${system.join(', ')})` : 'no table'}`);
  }

  const sizes = analysis.tables.map((t) => [t, Math.round(catalog.tables[t]?.rows ?? 0)] as const);
  if (sizes.every(([, rows]) => rows < minRows)) {
    const list = sizes.map(([t, rows]) => `${t} has ${formatNumber(rows)} row${rows === 1 ? '' : 's'}`).join(', ');
    return out('table-too-small', `table${sizes.length > 1 ? 's' : ''} too small: ${list} (an index pays off from ${formatNumber(minRows)})`);
  }

  const preds = analysis.predicates;
  if (preds.length === 0) {
    return out('no-candidates', `no candidate columns: no WHERE, JOIN, ORDER BY or GROUP BY on a table column (it reads all of ${analysis.tables.join(', ')})`);
  }
  // Called before buildCandidates, the analysis has none yet: build them here rather than misjudge the query.
  const candidates = analysis.candidates.length > 0 ? analysis.candidates : buildCandidates(analysis, catalog, { minRows });
  if (candidates.length === 0) {
    const why = [...new Set(preds.filter((p) => !p.sargable && p.why).map((p) => p.why!))];
    if (why.length > 0) return out('not-sargable', `predicate not sargable: ${why.join('; ')}`);
    const big = preds.filter((p) => (catalog.tables[p.table]?.rows ?? 0) >= minRows);
    if (big.length === 0) {
      const small = [...new Set(preds.map((p) => p.table))].map((t) => `${t} has ${formatNumber(Math.round(catalog.tables[t]?.rows ?? 0))} rows`);
      return out('no-candidates', `no candidate columns: the predicates are only on small tables (${small.join(', ')})`);
    }
    return out('no-candidates', `no candidate columns: ${[...new Set(big.map((p) => unusable(p, catalog)))].join('; ')}`);
  }

  const served = candidates.map((c) => alreadyServed(c, catalog.tables[`${c.schema}.${c.table}`]?.indexes ?? []));
  if (served.every((s) => s !== undefined)) {
    return out('already-indexed', `already served by ${[...new Set(served)].join(', ')}`);
  }
  return undefined;
}

/** Why a sargable predicate still gave no candidate, in words. */
function unusable(p: Predicate, catalog: Catalog): string {
  const label = columnLabel(p, catalog);
  const col = columnInfo(catalog, p.table, p.column);
  if (col && !btreeable(col.type) && !p.kind.startsWith('jsonb') && p.kind !== 'fts' && p.kind !== 'array-overlap') {
    return `${label} is ${col.type}, which has no btree operator class`;
  }
  if (p.kind === 'isnull') {
    const f = constantFraction(p, col, catalog.tables[p.table]?.rows ?? 0);
    return f === undefined ? `${p.constantSql} alone is no index key` : `${p.constantSql} keeps ${percent(f)} of the rows of ${columnLabel({ table: p.table }, catalog)}`;
  }
  if (ORDERING.has(p.kind)) return `${p.kind === 'sort' ? 'ORDER BY' : 'GROUP BY'} spans several tables, so no one index returns rows in that order`;
  return `no index type serves ${p.kind} on ${label}`;
}

/** A catalog table within two edits of a missing name: a typo hint. */
function closest(name: string, known: string[]): string | undefined {
  let best: [string, number] | undefined;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d <= 2 && (!best || d < best[1])) best = [k, d];
  }
  return best?.[0];
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
